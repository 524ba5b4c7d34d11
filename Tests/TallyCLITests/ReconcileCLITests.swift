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

  static func providerExample(_ name: String) -> String {
    CLI.packageRoot.appendingPathComponent("examples/provider-reports/\(name)").path
  }

  /// Issue 13: OpenAI's usage and costs reports reconcile with exit 0 when every row agrees and
  /// exit 1 once a re-downloaded page shows a batch the ledger lacks.
  @Test func openAIReportsReconcileWithTheExitStatusOfTheRows() throws {
    let ledger = try LedgerCLITests.ledgerPath()
    let ingest = try CLI.run([
      "ingest", "--ledger", ledger, Self.providerExample("openai-log.jsonl"),
      Self.providerExample("openai-usage.json"), Self.providerExample("openai-costs.json"),
    ])
    #expect(ingest.status == 0, "\(ingest)")
    #expect(ingest.stderr.contains("openai-usage.json: openai-usage-report (detected)"))
    #expect(ingest.stderr.contains("openai-costs.json: openai-cost-report (detected)"))
    let agrees = try CLI.run(["reconcile", "--ledger", ledger, "--format", "csv"])
    #expect(agrees.status == 0, "\(agrees)")
    #expect(agrees.stdout.split(separator: "\n").count == 12)
    _ = try CLI.run(["ingest", "--ledger", ledger, Self.providerExample("openai-usage-revised.json")])
    let differs = try CLI.run(["reconcile", "--ledger", ledger, "--by", "model,mode", "--format", "csv"])
    #expect(differs.status == 1, "\(differs)")
    #expect(differs.stdout.contains("gpt-4o-mini,batch,provider-only,0,120000,120000,"))
  }

  /// Issue 13: an Analytics report given with --format, and its list amounts in the CSV.
  @Test func analyticsReportsShowListAmountsInTheCSV() throws {
    let ledger = try LedgerCLITests.ledgerPath()
    _ = try CLI.run(["ingest", "--ledger", ledger, Self.providerExample("anthropic-log.jsonl")])
    let usage = try CLI.run([
      "ingest", "--ledger", ledger, "--format", "anthropic-analytics-usage",
      Self.providerExample("analytics-usage.json"),
    ])
    #expect(usage.status == 0, "\(usage)")
    _ = try CLI.run(["ingest", "--ledger", ledger, Self.providerExample("analytics-cost.json")])
    let result = try CLI.run(["reconcile", "--ledger", ledger, "--by", "model", "--format", "csv"])
    #expect(result.status == 1)
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(
      lines.first
        == "model,match,ledger_tokens,provider_tokens,delta_tokens,delta_tokens_pct,ledger_cost_usd,provider_cost_usd,provider_list_cost_usd,discount_usd,discount_pct,delta_usd,delta_usd_pct,table_rate_usd_per_mtok,implied_rate_usd_per_mtok,verdict,explanation"
    )
    #expect(
      lines.contains {
        $0.hasPrefix("claude-haiku-4-5-20251001,matched,48000,48000,0,0.00,0.08,0.07,0.08,0.01,10.00,")
      })
  }
}
