import Foundation
import Testing

/// Issue 20, part 1: Anthropic `usage.iterations`. An advisor's sub-inference runs on another
/// model and a server-side compaction is an extra sampling step; both appear only in the
/// iterations, and both are billed. The answer key is the recorded responses:
/// claude-sonnet-5 at $2/$10, claude-opus-4-8 at $5/$25, claude-sonnet-4-6 at $3/$15 and $3.75
/// a million 5-minute cache writes.
@Suite("Usage iterations")
struct IterationsCLITests {
  typealias L = LedgerCLITests

  static func spendByModel(_ ledger: String, _ extra: [String] = []) throws -> [String: [String: Any]] {
    let result = try CLI.run(
      ["report", "spend", "--by", "model", "--format", "json", "--ledger", ledger] + extra)
    #expect(result.status == 0, "\(result)")
    let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
    let rows = object["rows"] as! [[String: Any]]
    return Dictionary(uniqueKeysWithValues: rows.map { ($0["model"] as! String, $0) })
  }

  @Test func theAdvisorsModelAndTheCompactionStepAreBilled() throws {
    let ledger = try L.ledgerPath()
    let ingest = try CLI.run(["ingest", "--ledger", ledger, L.fixture("iterations/api-log.jsonl")])
    #expect(ingest.status == 0, "\(ingest)")
    #expect(ingest.stderr.contains("read 2, new 2, duplicates 0"), "\(ingest)")

    let rows = try Self.spendByModel(ledger)
    // The executor's top level: 2,390 x $2 + 121 x $10 a million.
    #expect(rows["claude-sonnet-5"]?["requests"] as? Int == 1)
    #expect(rows["claude-sonnet-5"]?["cost_usd"] as? String == "0.00599")
    // The advisor's iteration, on its own model: 2,518 x $5 + 22 x $25 a million. It is no
    // request of its own.
    #expect(rows["claude-opus-4-8"]?["requests"] as? Int == 0)
    #expect(rows["claude-opus-4-8"]?["input_tokens"] as? Int == 2518)
    #expect(rows["claude-opus-4-8"]?["cost_usd"] as? String == "0.01314")
    // The compaction step (100 in, 55,096 5-minute writes, 131 out) plus the top level (29 in,
    // 45 out): $0.208875 + $0.000762.
    #expect(rows["claude-sonnet-4-6"]?["requests"] as? Int == 1)
    #expect(rows["claude-sonnet-4-6"]?["cache_write_5m_tokens"] as? Int == 55096)
    #expect(rows["claude-sonnet-4-6"]?["cost_usd"] as? String == "0.209637")

    // Attributed like its request: the advisor's cost is acme's research job's.
    let chargeback = try CLI.run([
      "report", "chargeback", "--month", "2026-10", "--format", "csv", "--precision", "6", "--ledger", ledger,
    ])
    #expect(chargeback.stdout.contains("\nacme,1,4908,143,0,0,0.019130,"), "\(chargeback)")
    let jobs = try CLI.run(["report", "jobs", "--format", "csv", "--precision", "6", "--ledger", ledger])
    #expect(jobs.stdout.contains("\nresearch,1,1,0,0.000000,4908,143,0.019130,0.019130,0\n"), "\(jobs)")

    // Ingesting again adds nothing, iterations included.
    let again = try CLI.run(["ingest", "--ledger", ledger, L.fixture("iterations/api-log.jsonl")])
    #expect(again.stderr.contains("read 2, new 0, duplicates 2"), "\(again)")
    #expect(try Self.spendByModel(ledger)["claude-opus-4-8"]?["cost_usd"] as? String == "0.01314")
  }

  @Test func batchResultsCarryIterationsAtBatchRates() throws {
    let ledger = try L.ledgerPath()
    let ingest = try CLI.run([
      "ingest", "--ledger", ledger, L.fixture("iterations/msgbatch_01IterationsExample_results.jsonl"),
      "--date", "2026-10-12",
    ])
    #expect(ingest.status == 0, "\(ingest)")
    let rows = try Self.spendByModel(ledger)
    #expect(rows["claude-sonnet-5"]?["cost_usd"] as? String == "0.002995")
    #expect(rows["claude-opus-4-8"]?["cost_usd"] as? String == "0.00657")
    #expect(rows["claude-opus-4-8"]?["list_cost_usd"] as? String == "0.01314")
  }

  @Test func aMalformedIterationIsAnErrorAtItsPath() throws {
    let ledger = try L.ledgerPath()
    let result = try CLI.run(["ingest", "--ledger", ledger, L.fixture("iterations/bad.jsonl")])
    #expect(result.status == 65)
    let file = L.fixture("iterations/bad.jsonl")
    #expect(result.stderr.contains("\(file):1: response.usage.iterations[1]: no type"), "\(result)")
    #expect(
      result.stderr.contains("\(file):2: response.usage.iterations[0].input_tokens: -3 is negative"),
      "\(result)")
  }
}
