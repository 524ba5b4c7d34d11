import Foundation
import GRDB
import Testing

@testable import TallyKit

/// Fixtures written by `Fixtures/reconcile/make_fixtures.py` in the Admin API shapes of
/// facts/formats.md: October 2026, a Sonnet and a Haiku request a day from an API log, one
/// batch of 20 Sonnet requests on the 15th, the usage report in two pages and the cost report.
/// The expected figures below were computed by the script with Python's decimal module.
enum ReconcileFixtures {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/reconcile")
  static func path(_ name: String) -> String { root.appendingPathComponent(name).path }

  /// A fresh temporary file holding `text`.
  static func temporary(_ text: String, name: String = "report.json") throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "tally-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let url = directory.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url.path
  }

  /// A ledger with the month ingested; `batch: false` leaves the batch results out.
  static func month(batch: Bool = true, usage: [String] = ["usage-page-1.json", "usage-page-2.json"]) throws
    -> Ledger
  {
    let (ledger, _) = try IngestFixtures.ledger()
    _ = try IngestFixtures.ingest(path("api-log.jsonl"), into: ledger)
    if batch {
      var options = IngestOptions()
      options.batch = try BatchInfo.parse(
        Data(contentsOf: URL(fileURLWithPath: path("msgbatch_01Oct15Reconcile.json"))))
      _ = try IngestFixtures.ingest(path("msgbatch_01Oct15Reconcile_results.jsonl"), into: ledger, options)
    }
    for file in usage + ["cost.json"] { _ = try IngestFixtures.ingest(path(file), into: ledger) }
    return ledger
  }

  static func reconcile(
    _ ledger: Ledger, by: [ReconcileDimension] = ReconcileDimension.allCases, tolerance: Exact = 0,
    prices: PriceBook = IngestFixtures.prices, window: ReportWindow? = nil
  ) throws -> ReconcileReport {
    try ReconcileReport.build(
      ledger: ledger, prices: prices, by: by, tolerance: tolerance, window: try window ?? ReportWindow())
  }

  static func row(_ report: ReconcileReport, _ values: String...) -> ReconcileRow? {
    report.rows.first { $0.values == values }
  }
}

@Suite struct ReconcileTests {
  typealias F = ReconcileFixtures
  static let sonnet = "claude-sonnet-4-5-20250929"
  static let haiku = "claude-haiku-4-5-20251001"

  @Test func aFullyMatchingMonthAgreesToTheToken() throws {
    let report = try F.reconcile(try F.month())
    #expect(report.exceeded == 0)
    #expect(report.window.description == "2026-10-01 to 2026-10-31")
    #expect(report.rows.allSatisfy { $0.verdict == .ok && $0.match == .matched && $0.explanations.isEmpty })
    #expect(report.notes == [])
    let totals = report.totals
    #expect(totals.ledgerTokens == 917_180 && totals.providerTokens == 917_180)
    #expect(totals.ledgerCost?.json == "3.234365")
    #expect(totals.providerCost?.json == "3.234365")
    #expect(totals.deltaCost?.isZero == true)
    let batchOutput = try #require(F.row(report, "2026-10-15", Self.sonnet, "batch", "0-200k", "output"))
    #expect(batchOutput.ledgerTokens == 20_190)
    #expect(batchOutput.providerCost?.json == "0.151425")
    #expect(batchOutput.tableRate == Decimal(string: "7.5"))
    #expect(batchOutput.impliedRate == Exact(Decimal(string: "7.5")!))
    let searches = try #require(F.row(report, "2026-10-28", "(all)", "(all)", "(all)", "web_search"))
    #expect((searches.ledgerTokens, searches.providerTokens) == (1, 1))
    #expect(searches.providerCost?.json == "0.01")

    let byMode = try F.reconcile(try F.month(), by: [.mode])
    #expect(byMode.rows.map(\.values) == [["(all)"], ["batch"], ["sync"]])
    #expect(byMode.rows[1].providerTokens == 130_380)
    #expect(byMode.rows[1].providerCost?.json == "0.30321")
  }

  @Test func aMissingBatchFileIsDetectedAndExplained() throws {
    let report = try F.reconcile(try F.month(batch: false))
    #expect(report.exceeded == 3)
    let input = try #require(F.row(report, "2026-10-15", Self.sonnet, "batch", "0-200k", "input"))
    #expect(input.match == .providerOnly)
    #expect(input.verdict == .mismatch)
    #expect((input.ledgerTokens, input.providerTokens, input.deltaTokens) == (0, 100_190, 100_190))
    #expect(input.providerCost?.json == "0.150285")
    #expect(input.deltaCost?.json == "0.150285")
    #expect(input.deltaTokensPercent == 100)
    #expect(
      input.explanations == [
        "requests missing from the ledger: the provider reports 100,190 more tokens than the ledger holds (a batch results file not ingested?)"
      ])
    let misses = report.rows.filter { $0.verdict != .ok }.map { $0.values[4] }
    #expect(misses == ["input", "cache_read", "output"])
    #expect(report.totals.deltaTokens == 130_380)
    #expect(report.totals.deltaCost?.json == "0.30321")
  }

  @Test func aWrongRateIsDetectedWithTheImpliedRate() throws {
    // A contracted price file that says Sonnet 4.5 output costs $12/MTok; the provider billed $15.
    let contract = """
      provider,model,aliases,effective_from,effective_to,min_input_tokens,input,output,cache_write_5m,cache_write_1h,cache_read,batch_input,batch_output,batch_cache_write_5m,batch_cache_write_1h,batch_cache_read,web_search_per_1k,notes
      anthropic,claude-sonnet-4-5,,2026-10-01,,0,3,12,3.75,6,0.30,1.50,7.50,1.875,3,0.15,10,contract
      """
    let prices = try PriceBook.load(overrides: [("contract.csv", contract)])
    let report = try F.reconcile(try F.month(), prices: prices)
    let output = try #require(F.row(report, "2026-10-15", Self.sonnet, "sync", "0-200k", "output"))
    #expect(output.verdict == .mismatch && output.match == .matched)
    #expect(output.deltaTokens == 0)
    #expect(output.ledgerCost?.json == "0.027")
    #expect(output.providerCost?.json == "0.03375")
    #expect(output.deltaCost?.json == "0.00675")
    #expect(output.deltaCostPercent == 20)
    #expect(output.tableRate == 12)
    #expect(output.impliedRate == 15)
    #expect(
      output.explanations == [
        "billed at $15.00 per million tokens, Tally's table has $12.00: a price in the table differs from what was billed (correct it with --pricing FILE)"
      ])
    // Every day's sync output is off, nothing else.
    #expect(report.exceeded == 31)
    #expect(
      report.rows.filter { $0.verdict == .mismatch }.allSatisfy {
        $0.values[2...4] == ["sync", "0-200k", "output"]
      })
    // A 25% tolerance accepts the 20% difference.
    #expect(try F.reconcile(try F.month(), tolerance: 25, prices: prices).exceeded == 0)
  }

  @Test func centsAreConvertedExactly() throws {
    let row = ProviderCostRow(
      bucketStart: 0, bucketEnd: 86_400, model: "", serviceTier: "", contextWindow: "", costType: "",
      tokenType: "", dimensions: "", amountCents: ExactDecimal.parse("123.45")!)
    #expect(row.amount.json == "1.2345")
    let tiny = ProviderCostRow(
      bucketStart: 0, bucketEnd: 86_400, model: "", serviceTier: "", contextWindow: "", costType: "",
      tokenType: "", dimensions: "", amountCents: ExactDecimal.parse("0.0015")!)
    #expect(tiny.amount.json == "0.000015")

    let file = try F.temporary(
      #"{"data":[{"starting_at":"2026-10-01T00:00:00Z","ending_at":"2026-10-02T00:00:00Z","results":[{"currency":"USD","amount":"123.45","workspace_id":null,"description":null,"cost_type":null,"context_window":null,"model":null,"service_tier":null,"token_type":null}]}],"has_more":false,"next_page":null}"#
    )
    let (ledger, _) = try IngestFixtures.ledger()
    let summary = try IngestFixtures.ingest(file, into: ledger)
    #expect((summary.format, summary.formatDetected, summary.new) == (.anthropicCostReport, true, 1))
    let costs = try ledger.providerCosts(from: nil, to: nil)
    #expect(costs.map(\.amount.json) == ["1.2345"])

    // Reports not grouped by model compare per day only, and say so when asked for more.
    let usage = try F.temporary(
      #"{"data":[{"starting_at":"2026-10-01T00:00:00Z","ending_at":"2026-10-02T00:00:00Z","results":[{"uncached_input_tokens":411500,"output_tokens":0,"model":null,"service_tier":null,"context_window":null}]}],"has_more":false}"#
    )
    _ = try IngestFixtures.ingest(usage, into: ledger)
    let byDay = try F.reconcile(ledger, by: [.day])
    #expect(byDay.rows.map(\.values) == [["2026-10-01"]])
    #expect(byDay.rows[0].providerCost?.json == "1.2345")
    #expect(byDay.rows[0].providerTokens == 411_500)
    #expect(byDay.rows[0].match == .providerOnly)
    #expect {
      try F.reconcile(ledger)
    } throws: { error in
      (error as? ReportError)?.description
        == "the usage report for 2026-10-01 is not grouped by model; download it with group_by[]=model, or leave model out of --by"
    }
  }

  @Test func pagesConcatenatedOrSeparateGiveTheSameLedger() throws {
    let separate = try F.month(usage: ["usage-page-1.json", "usage-page-2.json"])
    let concatenated = try F.month(usage: ["usage-pages.jsonl"])
    #expect(
      try separate.providerUsage(from: nil, to: nil) == concatenated.providerUsage(from: nil, to: nil))
    #expect(try separate.providerBuckets(.usage).count == 31)

    let (ledger, _) = try IngestFixtures.ledger()
    let first = try IngestFixtures.ingest(F.path("usage-page-1.json"), into: ledger)
    #expect((first.format, first.formatDetected) == (.anthropicUsageReport, true))
    #expect((first.pages, first.read, first.new) == (1, 33, 33))
    #expect(first.continuation == "page_MjAyNi0xMC0xN1QwMDowMDowMFo=")
    let both = try IngestFixtures.ingest(F.path("usage-pages.jsonl"), into: ledger)
    #expect((both.pages, both.read, both.new, both.duplicates, both.revised) == (2, 63, 30, 33, 0))
    #expect(both.continuation == nil)

    // With only the first page, reconcile covers the 16 days it holds; the rest of the
    // ledger's month is outside the reported window and said so.
    let partial = try F.month(usage: ["usage-page-1.json"])
    let report = try F.reconcile(partial)
    #expect(report.window.description == "2026-10-01 to 2026-10-16")
    #expect(report.exceeded == 0)
    #expect(
      report.notes.first
        == "the ledger has 518,760 tokens outside the window 2026-10-01 to 2026-10-16 (0 before, 518,760 after): usage outside the reported window, not compared"
    )
    // Asked for the whole month, the days without a usage report cannot pass.
    let month = try F.reconcile(partial, window: try ReportWindow(month: "2026-10"))
    #expect(month.rows.contains { $0.verdict == .uncovered && $0.values[0] == "2026-10-17" })
    #expect(month.exceeded > 0)
  }

  @Test func theSameReportTwiceCountsOnceAndARevisedBucketReplacesTheOld() throws {
    let (ledger, _) = try IngestFixtures.ledger()
    let file = F.path("usage-page-2.json")
    _ = try IngestFixtures.ingest(file, into: ledger)
    let again = try IngestFixtures.ingest(file, into: ledger)
    #expect((again.read, again.new, again.duplicates, again.revised) == (30, 0, 30, 0))

    // The provider revises the 31st: Haiku output 831 -> 900, and Sonnet's row disappears.
    let text = try String(contentsOfFile: file, encoding: .utf8)
    let page = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    var data = try #require(page["data"] as? [[String: Any]])
    var last = data[data.count - 1]
    var results = try #require(last["results"] as? [[String: Any]])
    results = results.filter { ($0["model"] as? String) == Self.haiku }
    results[0]["output_tokens"] = 900
    last["results"] = results
    data[data.count - 1] = last
    let revised = try F.temporary(
      String(
        decoding: try JSONSerialization.data(withJSONObject: ["data": data, "has_more": false]), as: UTF8.self
      ))
    let summary = try IngestFixtures.ingest(revised, into: ledger)
    #expect((summary.read, summary.new, summary.duplicates, summary.revised) == (29, 0, 28, 2))
    let rows = try ledger.providerUsage(from: Timestamp.parse("2026-10-31T00:00:00Z"), to: nil)
    #expect(rows.map(\.model) == [Self.haiku])
    #expect(rows.first?.tokens.output == 900)
  }

  @Test func malformedReportsAreRejectedWholeWithFileLineAndPath() throws {
    let (ledger, _) = try IngestFixtures.ledger()
    func failure(_ text: String, format: InputFormat? = .anthropicUsageReport) throws -> [String] {
      let file = try F.temporary(text)
      var options = IngestOptions()
      options.format = format
      do {
        _ = try IngestFixtures.ingest(file, into: ledger, options)
        Issue.record("expected the ingest to fail")
        return []
      } catch {
        guard case .invalidInput(let problems) = error else {
          Issue.record("expected bad input, got \(error)")
          return []
        }
        return problems.map { "\(URL(fileURLWithPath: $0.file).lastPathComponent):\($0.line): \($0.message)" }
      }
    }
    let negative = """
      {
        "data": [
          {
            "starting_at": "2026-10-01T00:00:00Z",
            "ending_at": "2026-10-02T00:00:00Z",
            "results": [
              {"uncached_input_tokens": 10, "output_tokens": 5, "model": "claude-haiku-4-5"},
              {"uncached_input_tokens": 10,
               "output_tokens": -5, "model": "claude-sonnet-4-5"}
            ]
          }
        ],
        "has_more": false
      }
      """
    #expect(
      try failure(negative) == [
        "report.json:9: data[0].results[1].output_tokens: -5 is negative; token counts cannot be negative"
      ])
    #expect(
      try failure(
        #"{"data":[{"starting_at":"2026-10-01T00:00:00Z","ending_at":"2026-10-02T00:00:00Z","results":[{"uncached_input_tokens":1.5,"output_tokens":2}]}],"has_more":false}"#
      )
        == ["report.json:1: data[0].results[0].uncached_input_tokens: 1.5 is not a whole number of tokens"])
    #expect(
      try failure(
        #"{"data":[{"starting_at":"2026-10-01T00:00:00Z","ending_at":"2026-10-02T00:00:00Z","results":[{"amount":123.45,"currency":"USD"}]}],"has_more":false}"#,
        format: .anthropicCostReport)
        == [
          "report.json:1: data[0].results[0].amount: expected a decimal string of cents such as \"123.45\", not 123.45"
        ])
    #expect(
      try failure(
        #"{"data":[{"starting_at":"2026-10-01","ending_at":"2026-10-02T00:00:00Z","results":[]}],"has_more":false}"#
      )
        == [
          "report.json:1: data[0].starting_at: expected an RFC 3339 time such as \"2026-10-01T00:00:00Z\", not \"2026-10-01\""
        ])
    #expect(
      try failure("{\"data\": [\n  {\"starting_at\": \"2026-10-01T00:00:00Z\",\n") == [
        "report.json:3: not valid JSON: the text ends inside an object (a truncated file?)"
      ])
    #expect(
      try failure(#"{"usage":{"input_tokens":3}}"#) == [
        "report.json:1: data: is missing: not a report page"
      ])
    // Nothing of any failed file was written.
    #expect(try ledger.providerBuckets(.usage).isEmpty && ledger.providerBuckets(.cost).isEmpty)
  }

  @Test func missingOptionalFieldsReadAsZeroAndUnknownModelsAreUnpriced() throws {
    let text = """
      {"data":[{"starting_at":"2026-10-01T00:00:00Z","ending_at":"2026-10-02T00:00:00Z","results":[
        {"uncached_input_tokens":1500,"output_tokens":500,"model":"claude-mystery-7","service_tier":"standard","context_window":"0-200k"},
        {"uncached_input_tokens":200,"cache_creation":null,"cache_read_input_tokens":null,"output_tokens":20,"server_tool_use":null,"model":"claude-haiku-4-5","service_tier":"batch","context_window":"0-200k","workspace_id":"wrkspc_01","api_key_id":null}
      ]}],"has_more":false,"next_page":null}
      """
    let (ledger, _) = try IngestFixtures.ledger()
    let summary = try IngestFixtures.ingest(try F.temporary(text), into: ledger)
    #expect(summary.unpricedModels == ["claude-mystery-7": 1])
    let rows = try ledger.providerUsage(from: nil, to: nil)
    #expect(
      rows.map(\.tokens) == [TokenCounts(input: 200, output: 20), TokenCounts(input: 1500, output: 500)])
    #expect(rows.map(\.dimensions) == ["workspace_id=wrkspc_01", ""])
    #expect(rows.map(\.webSearches) == [0, 0])

    let report = try F.reconcile(ledger, by: [.model, .mode])
    #expect(report.rows.map(\.values) == [[Self.haiku, "batch"], ["claude-mystery-7", "sync"]])
    #expect(report.rows[1].match == .providerOnly)
    #expect(report.rows[1].providerTokens == 2_000)
    #expect(report.rows[1].verdict == .mismatch)
  }

  @Test func unpricedLedgerUsageIsNeverComparedAsZero() throws {
    let (ledger, _) = try IngestFixtures.ledger()
    let log = try F.temporary(
      #"{"timestamp":"2026-10-01T10:00:00Z","request_id":"r1","provider":"anthropic","model":"claude-mystery-7","usage":{"input_tokens":1500,"output_tokens":500}}"#
        + "\n", name: "log.jsonl")
    _ = try IngestFixtures.ingest(log, into: ledger)
    let usage = try F.temporary(
      #"{"data":[{"starting_at":"2026-10-01T00:00:00Z","ending_at":"2026-10-02T00:00:00Z","results":[{"uncached_input_tokens":1500,"output_tokens":500,"model":"claude-mystery-7","service_tier":"standard","context_window":"0-200k"}]}],"has_more":false}"#
    )
    _ = try IngestFixtures.ingest(usage, into: ledger)
    let report = try F.reconcile(ledger, by: [.model])
    #expect(report.rows.count == 1)
    #expect(report.rows[0].verdict == .unpriced)
    #expect(report.rows[0].ledgerCost == nil)
    #expect(report.unpricedModels == ["claude-mystery-7": 1])
    #expect(
      report.rows[0].explanations == [
        "unpriced model claude-mystery-7: Tally's table has no price in force; add one with --pricing FILE to compare dollars"
      ])
    #expect(report.exceeded == 1)
  }

  @Test func aBucketOfAnotherWidthOverlappingTheLedgerIsRejected() throws {
    let (ledger, _) = try IngestFixtures.ledger()
    _ = try IngestFixtures.ingest(F.path("usage-page-1.json"), into: ledger)
    let hourly = try F.temporary(
      #"{"data":[{"starting_at":"2026-10-02T05:00:00Z","ending_at":"2026-10-02T06:00:00Z","results":[]}],"has_more":false}"#
    )
    var options = IngestOptions()
    options.format = .anthropicUsageReport
    #expect {
      try IngestFixtures.ingest(hourly, into: ledger, options)
    } throws: { error in
      guard case IngestFailure.invalidInput(let problems) = error else { return false }
      return problems.map(\.message) == [
        "the bucket 2026-10-02T05:00:00Z to 2026-10-02T06:00:00Z overlaps the bucket 2026-10-02T00:00:00Z to 2026-10-03T00:00:00Z already in the ledger (from \(F.path("usage-page-1.json"))): one period's report must use one bucket_width"
      ]
    }
  }

  @Test func dayBucketsCannotBeReadInAnotherTimeZone() throws {
    #expect(throws: ReportError.self) {
      try F.reconcile(try F.month(), window: try ReportWindow(zone: "Europe/Berlin"))
    }
  }
}
