import Foundation
import Testing

/// `tally ingest` of the Admin API reports and `tally reconcile`, end to end on the README
/// example in `examples/reconcile/`: golden files for every output format, exit statuses.
@Suite("Reconcile")
struct ReconcileCLITests {
  static func example(_ name: String) -> String {
    CLI.packageRoot.appendingPathComponent("examples/reconcile/\(name)").path
  }

  /// The API log and both reports, without the batch results: what the README starts from.
  static func ledger() throws -> String {
    let ledger = try LedgerCLITests.ledgerPath()
    let result = try CLI.run([
      "ingest", "--ledger", ledger, example("api-log.jsonl"), example("usage-report.json"),
      example("cost-report.json"),
    ])
    #expect(result.status == 0, "\(result)")
    return ledger
  }

  static let contract = ["--pricing", "examples/reconcile/contract-rates.csv"]

  @Test(arguments: [("txt", "table"), ("csv", "csv"), ("json", "json")])
  func reconcileMatchesItsGoldenFile(_ golden: (suffix: String, format: String)) throws {
    let ledger = try Self.ledger()
    let result = try CLI.run(
      ["reconcile", "--ledger", ledger, "--format", golden.format] + Self.contract)
    #expect(result.status == 1, "deltas beyond tolerance fail the run: \(result)")
    #expect(result.stderr == "")
    assertGolden(result.stdout, named: "reconcile-example.\(golden.suffix)")
  }

  @Test func theJSONCarriesExactMoneyAndTheExplanations() throws {
    let ledger = try Self.ledger()
    let result = try CLI.run(["reconcile", "--ledger", ledger, "--format", "json"] + Self.contract)
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    #expect(json["report"] as? String == "reconcile")
    #expect(json["exceeded"] as? Int == 9)
    #expect(json["tolerance_pct"] as? String == "0")
    let rows = try #require(json["rows"] as? [[String: Any]])
    let batchInput = try #require(
      rows.first { $0["mode"] as? String == "batch" && $0["category"] as? String == "input" })
    #expect(batchInput["match"] as? String == "provider-only")
    #expect(batchInput["provider_tokens"] as? Int == 540_000)
    #expect(batchInput["provider_cost_usd"] as? String == "0.81")
    #expect(batchInput["ledger_cost_usd"] as? String == "0")
    let output = try #require(
      rows.first {
        $0["day"] as? String == "2026-11-02" && $0["model"] as? String == "claude-sonnet-4-5-20250929"
          && $0["category"] as? String == "output"
      })
    #expect(output["ledger_cost_usd"] as? String == "0.252")
    #expect(output["provider_cost_usd"] as? String == "0.315")
    #expect(output["delta_usd"] as? String == "0.063")
    #expect(output["table_rate_usd_per_mtok"] as? String == "12")
    #expect(output["implied_rate_usd_per_mtok"] as? String == "15")
    #expect(
      output["explanation"] as? String
        == "billed at $15.00 per million tokens, Tally's table has $12.00: a price in the table differs from what was billed (correct it with --pricing FILE)"
    )
    let totals = try #require(json["totals"] as? [String: Any])
    #expect(totals["delta_tokens"] as? Int == 666_000)
  }

  @Test func withTheBatchIngestedAndDaysCoarsenedEverythingAgrees() throws {
    let ledger = try Self.ledger()
    let batch = try CLI.run([
      "ingest", "--ledger", ledger, Self.example("msgbatch_01ExampleNov03_results.jsonl"), "--batch",
      Self.example("msgbatch_01ExampleNov03.json"),
    ])
    #expect(batch.status == 0, "\(batch)")
    let result = try CLI.run(["reconcile", "--ledger", ledger, "--by", "model,mode"])
    #expect(result.status == 0, "\(result)")
    assertGolden(result.stdout, named: "reconcile-example-by-model-mode.txt")
    // By day, the request logged after midnight still shows on both days.
    let byDay = try CLI.run(["reconcile", "--ledger", ledger, "--by", "day,model,mode", "--format", "csv"])
    #expect(byDay.status == 1)
    #expect(
      byDay.stdout.contains("usage across a day boundary: the ledger dates 29,800 tokens on 2026-11-04"))
    let tolerant = try CLI.run([
      "reconcile", "--ledger", ledger, "--by", "day,model,mode", "--tolerance", "90",
    ])
    #expect(tolerant.status == 0, "\(tolerant)")
  }

  @Test func reportIngestSummaryAndBadReports() throws {
    let ledger = try LedgerCLITests.ledgerPath()
    let file = Self.example("usage-report.json")
    let first = try CLI.run(["ingest", "--ledger", ledger, file])
    #expect(first.status == 0)
    #expect(
      first.stderr == """
        \(file): anthropic-usage-report (detected)
          read 7 rows in 1 page, new 7, duplicates 0, revised 0, invalid 0

        """)
    let again = try CLI.run(["ingest", "--ledger", ledger, file, "--format", "anthropic-usage-report"])
    #expect(again.stderr.contains("read 7 rows in 1 page, new 0, duplicates 7, revised 0, invalid 0"))

    let bad = try CLI.run(
      ["ingest", "--ledger", ledger, "bad-usage-report.json"], in: CLI.fixturesDirectory)
    #expect(bad.status == 65)
    #expect(
      bad.stderr == """
        tally: bad-usage-report.json:12: data[0].results[0].output_tokens: expected a whole number of tokens, not "120"
        tally: bad-usage-report.json:26: data[1].results[0].context_window: "1M+" is not a context window; expected "0-200k", "200k-1M" or null
        tally: bad-usage-report.json: nothing was written (fix the lines above, or pass --skip-invalid to skip them)

        """)
    let missing = try LedgerCLITests.ledgerPath()
    let none = try CLI.run(["reconcile", "--ledger", missing])
    #expect(none.status == 1)
    #expect(none.stderr.contains("no ledger at \(missing): ingest something first"))
    #expect(!FileManager.default.fileExists(atPath: missing))
    let requestsOnly = try LedgerCLITests.ledgerPath()
    _ = try CLI.run(["ingest", "--ledger", requestsOnly, LedgerCLITests.fixture("api-log/mixed.jsonl")])
    let empty = try CLI.run(["reconcile", "--ledger", requestsOnly])
    #expect(empty.status == 64)
    #expect(empty.stderr.contains("no usage report in the ledger"))
  }
}
