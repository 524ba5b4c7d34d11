import Foundation
import GRDB
import Testing

@testable import TallyKit

/// Issue 13, parts 1 and 2: OpenAI's organization usage (completions) and costs reports and
/// Anthropic's Analytics API usage and cost reports, ingested and reconciled. The fixtures in
/// `Fixtures/provider-reports/` are written by `make_fixtures.py` from the shapes of shared
/// facts/formats-more.md 2.5 and 2.6; `ANSWERS.md` there has every figure asserted below worked
/// out by hand.
@Suite struct ProviderReportFormatsTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/provider-reports")
  static func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  typealias F = ReconcileFixtures
  static let mini = "gpt-4o-mini"
  static let nano = "gpt-4.1-mini"
  static let sonnet = "claude-sonnet-4-5-20250929"
  static let haiku = "claude-haiku-4-5-20251001"

  static func ledger(_ files: [String]) throws -> Ledger {
    let (ledger, _) = try IngestFixtures.ledger()
    for file in files { _ = try IngestFixtures.ingest(path(file), into: ledger) }
    return ledger
  }

  /// The problems of ingesting `text` (as `report.json`), each as `report.json:LINE: MESSAGE`.
  static func failure(_ text: String, format: InputFormat? = nil) throws -> [String] {
    let (ledger, _) = try IngestFixtures.ledger()
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
      #expect(try ledger.providerBuckets(.usage, provider: "openai").isEmpty)
      return problems.map { "\(URL(fileURLWithPath: $0.file).lastPathComponent):\($0.line): \($0.message)" }
    }
  }

  // MARK: Detection

  @Test func eachReportIsDetectedFromItsContent() throws {
    let (ledger, _) = try IngestFixtures.ledger()
    let expected: [(String, InputFormat, Int)] = [
      ("openai-usage.json", .openaiUsageReport, 4),
      ("openai-costs.json", .openaiCostReport, 11),
      ("analytics-usage.json", .anthropicAnalyticsUsage, 3),
      ("analytics-cost.json", .anthropicAnalyticsCost, 8),
    ]
    for (file, format, rows) in expected {
      let summary = try IngestFixtures.ingest(Self.path(file), into: ledger)
      #expect(summary.format == format, "\(file)")
      #expect(summary.formatDetected)
      #expect((summary.read, summary.new, summary.pages) == (rows, rows, 1), "\(file)")
      // The same file again adds nothing.
      let again = try IngestFixtures.ingest(Self.path(file), into: ledger)
      #expect((again.new, again.duplicates, again.revised) == (0, rows, 0), "\(file)")
    }
    // The legacy Admin API reports are still told apart from the Analytics ones.
    let legacy = try IngestFixtures.ingest(F.path("usage-page-1.json"), into: ledger)
    #expect(legacy.format == .anthropicUsageReport)
  }

  // MARK: Token normalisation

  @Test func openAIUsageIsNormalisedToTheLastToken() throws {
    // input_tokens includes the cached and the audio input tokens.
    let text = """
      {"object":"page","data":[{"object":"bucket","start_time":1793577600,"end_time":1793664000,"results":[
      {"object":"organization.usage.completions.result","input_tokens":10000,"input_cached_tokens":2500,"output_tokens":700,"input_audio_tokens":1200,"output_audio_tokens":300,"num_model_requests":4,"project_id":"proj_a","user_id":null,"api_key_id":"key_b","model":"gpt-4o-mini-2024-07-18","batch":false,"service_tier":"default"},
      {"object":"organization.usage.completions.result","input_tokens":900,"input_cached_tokens":0,"output_tokens":90,"num_model_requests":1,"model":"gpt-4o-mini-2024-07-18","batch":true},
      {"object":"organization.usage.completions.result","input_tokens":50,"input_cached_tokens":null,"output_tokens":5,"num_model_requests":1,"model":"gpt-4o-mini-2024-07-18","batch":null,"service_tier":"flex"}
      ]}],"has_more":true,"next_page":"page_AAA"}
      """
    let (ledger, _) = try IngestFixtures.ledger()
    let summary = try IngestFixtures.ingest(try F.temporary(text), into: ledger)
    #expect(summary.format == .openaiUsageReport)
    #expect(summary.continuation == "page_AAA")
    let rows = try ledger.providerUsage(from: nil, to: nil)
    #expect(rows.count == 3)
    let sync = try #require(rows.first { $0.serviceTier == "standard" })
    #expect(sync.provider == "openai")
    #expect(sync.model == "gpt-4o-mini-2024-07-18" && sync.contextWindow == "")
    #expect(
      sync.tokens
        == TokenCounts(input: 6300, cacheRead: 2500, output: 700, audioInput: 1200, audioOutput: 300))
    #expect(sync.dimensions == "api_key_id=key_b\nproject_id=proj_a\nservice_tier=default")
    let batch = try #require(rows.first { $0.serviceTier == "batch" })
    #expect(batch.tokens == TokenCounts(input: 900, output: 90))
    // Not grouped by batch: the mode is unknown, whatever the service tier says.
    let unknown = try #require(rows.first { $0.serviceTier == "" })
    #expect(unknown.tokens == TokenCounts(input: 50, output: 5))
    #expect(unknown.dimensions == "service_tier=flex")
  }

  @Test func analyticsUsageIsNormalisedToTheLastToken() throws {
    let ledger = try Self.ledger(["analytics-usage.json"])
    let rows = try ledger.providerUsage(from: nil, to: nil)
    #expect(rows.map(\.provider) == ["anthropic", "anthropic", "anthropic"])
    let day3 = try #require(rows.first { $0.bucketStart == 1_793_664_000 })
    #expect(day3.model == Self.sonnet && day3.serviceTier == "standard" && day3.contextWindow == "0-200k")
    #expect(day3.tokens == TokenCounts(input: 60000, cacheWrite5m: 10000, output: 6000))
    #expect(day3.dimensions == "inference_geo=global\nspeed=standard")
    let sonnet2 = try #require(rows.first { $0.bucketStart == 1_793_577_600 && $0.model == Self.sonnet })
    #expect(sonnet2.tokens == TokenCounts(input: 50000, cacheRead: 20000, output: 5000))
  }

  @Test func anOpenAICostAmountIsReadAsExactDecimalText() throws {
    let text = """
      {"object":"page","data":[{"object":"bucket","start_time":1793577600,"end_time":1793664000,"results":[
      {"object":"organization.costs.result","amount":{"value":0.1,"currency":"usd"},"line_item":"gpt-4o-mini-2024-07-18, input","project_id":null},
      {"object":"organization.costs.result","amount":{"value":0.30000000000000004,"currency":"usd"},"line_item":"Web search tool calls","project_id":"proj_a"},
      {"object":"organization.costs.result","amount":{"value":1.5e-7,"currency":"usd"},"line_item":"gpt-4o-mini-2024-07-18, cached input (batch)","project_id":null}
      ]}],"has_more":false,"next_page":null}
      """
    let (ledger, _) = try IngestFixtures.ledger()
    _ = try IngestFixtures.ingest(try F.temporary(text), into: ledger)
    let rows = try ledger.providerCosts(from: nil, to: nil)
    let input = try #require(rows.first { $0.tokenType == "uncached_input_tokens" })
    #expect(input.amountCents == Decimal(10))
    #expect(input.amount.json == "0.1")
    #expect(
      (input.model, input.serviceTier, input.costType) == ("gpt-4o-mini-2024-07-18", "standard", "tokens"))
    let search = try #require(rows.first { $0.tokenType == "" })
    #expect(search.amount.json == "0.30000000000000004")
    #expect(search.dimensions == "line_item=Web search tool calls\nproject_id=proj_a")
    let cached = try #require(rows.first { $0.tokenType == "cache_read_input_tokens" })
    #expect(cached.amount.json == "0.00000015")
    #expect(cached.serviceTier == "batch")
  }

  @Test func lineItemsNameAModelsTokensOrNothing() {
    #expect(
      ProviderReportReader.openAILineItem("gpt-4o-2024-08-06, output")! == (
        "gpt-4o-2024-08-06", "output_tokens", "standard"
      ))
    #expect(
      ProviderReportReader.openAILineItem("gpt-4o-mini, cached input, batch")! == (
        "gpt-4o-mini", "cache_read_input_tokens", "batch"
      ))
    #expect(
      ProviderReportReader.openAILineItem("gpt-4o-audio-preview, audio input")! == (
        "gpt-4o-audio-preview", "audio_input_tokens", "standard"
      ))
    #expect(ProviderReportReader.openAILineItem("Web search tool calls") == nil)
    #expect(ProviderReportReader.openAILineItem("fine-tuning, training hours") == nil)
  }

  // MARK: Errors

  @Test func malformedReportsNameTheFileLineAndPath() throws {
    let usage = """
      {
        "object": "page",
        "data": [
          {
            "object": "bucket", "start_time": 1793577600, "end_time": 1793664000,
            "results": [
              {"object": "organization.usage.completions.result", "input_tokens": 100, "output_tokens": 5,
               "model": "gpt-4o-mini", "batch": false},
              {"object": "organization.usage.completions.result", "input_tokens": 100,
               "input_cached_tokens": 80, "input_audio_tokens": 40, "output_tokens": 5,
               "model": "gpt-4o", "batch": false},
              {"object": "organization.usage.completions.result", "input_tokens": 100, "output_tokens": 5,
               "model": "gpt-4o", "batch": "no"}
            ]
          }
        ],
        "has_more": false
      }
      """
    #expect(
      try Self.failure(usage) == [
        "report.json:10: data[0].results[1].input_cached_tokens: 80 cached and 40 audio input tokens exceed input_tokens (100); input_tokens includes both",
        "report.json:13: data[0].results[2].batch: expected true, false or null, not \"no\"",
      ])
    #expect(
      try Self.failure(
        #"{"object":"page","data":[{"object":"bucket","start_time":"2026-11-02","end_time":1793664000,"results":[]}]}"#,
        format: .openaiUsageReport)
        == [
          "report.json:1: data[0].start_time: expected a time in whole seconds since 1970 such as 1730419200, not \"2026-11-02\""
        ])
    let cost = """
      {"object": "page", "data": [{"object": "bucket", "start_time": 1793577600, "end_time": 1793664000,
        "results": [
          {"object": "organization.costs.result", "amount": {"value": 0.5, "currency": "usd"}, "line_item": null},
          {"object": "organization.costs.result", "amount": {"value": "a dollar", "currency": "usd"}},
          {"object": "organization.costs.result", "amount": {"value": 1, "currency": "eur"}}
        ]}], "has_more": false}
      """
    #expect(
      try Self.failure(cost) == [
        "report.json:4: data[0].results[1].amount.value: expected a number of dollars such as 0.1, not \"a dollar\"",
        "report.json:5: data[0].results[2].amount.currency: \"eur\" is not supported; Tally reconciles USD amounts only",
      ])
    #expect(
      try Self.failure(
        #"{"object":"page","data":[{"object":"bucket","start_time":1793577600,"end_time":1793664000,"results":[{"object":"organization.usage.embeddings.result","input_tokens":5,"num_model_requests":1}]}]}"#,
        format: .openaiUsageReport)
        == [
          "report.json:1: data[0].results[0].object: \"organization.usage.embeddings.result\" is not a completions usage result; Tally reads /v1/organization/usage/completions (object \"organization.usage.completions.result\")"
        ])
    let analytics = """
      {"data": [{"starting_at": "2026-11-02T00:00:00Z", "ending_at": "2026-11-03T00:00:00Z", "results": [
        {"amount": "13.5", "list_amount": "15", "currency": "USD", "cost_type": "tokens",
         "token_type": "output_tokens", "model": "claude-sonnet-4-5", "requests": null},
        {"amount": "13.5", "list_amount": 15, "currency": "USD", "cost_type": "tokens",
         "token_type": "uncached_input_tokens", "model": "claude-sonnet-4-5", "requests": null}
      ]}], "has_more": false}
      """
    #expect(
      try Self.failure(analytics) == [
        "report.json:4: data[0].results[1].list_amount: expected a decimal string of cents such as \"123.45\", not 15"
      ])
  }

  // MARK: Reconcile

  @Test func openAIReconcileMatchesToTheToken() throws {
    let ledger = try Self.ledger(["openai-log.jsonl", "openai-usage.json", "openai-costs.json"])
    let report = try F.reconcile(ledger)
    #expect(report.exceeded == 0)
    #expect(report.window.description == "2026-11-02 to 2026-11-03")
    #expect(report.rows.count == 11)
    #expect(report.rows.allSatisfy { $0.verdict == .ok && $0.match == .matched })
    #expect(report.notes == [])
    let totals = report.totals
    #expect((totals.ledgerTokens, totals.providerTokens) == (87_500, 87_500))
    #expect(totals.ledgerCost?.json == "0.025825")
    #expect(totals.providerCost?.json == "0.025825")
    let cached = try #require(F.row(report, "2026-11-02", Self.mini, "sync", "(all)", "cache_read"))
    #expect((cached.ledgerTokens, cached.providerTokens) == (4_000, 4_000))
    #expect(cached.providerCost?.json == "0.0003")
    #expect(cached.tableRate == Decimal(string: "0.075"))
    #expect(cached.impliedRate == Exact(Decimal(string: "0.075")!))
    let byDay = try F.reconcile(ledger, by: [.day])
    #expect(byDay.rows.map(\.providerCost?.json) == ["0.0161", "0.009725"])
  }

  @Test func openAIReconcileFindsTheMissingBatchAndExitsNonZero() throws {
    let ledger = try Self.ledger(["openai-log.jsonl", "openai-usage.json", "openai-costs.json"])
    // A re-downloaded page of the 3rd with a batch the ledger does not hold replaces the bucket.
    let revised = try IngestFixtures.ingest(Self.path("openai-usage-revised.json"), into: ledger)
    #expect((revised.new, revised.duplicates, revised.revised) == (1, 2, 0))
    let report = try F.reconcile(ledger, by: [.model, .mode])
    #expect(report.exceeded == 1)
    let batch = try #require(F.row(report, Self.mini, "batch"))
    #expect(batch.match == .providerOnly && batch.verdict == .mismatch)
    #expect((batch.ledgerTokens, batch.providerTokens) == (0, 120_000))
    #expect(
      batch.explanations == [
        "requests missing from the ledger: the provider reports 120,000 more tokens than the ledger holds (a batch results file not ingested?)"
      ])
    #expect(F.row(report, Self.mini, "sync")?.verdict == .ok)
  }

  @Test func anOpenAIReportNotGroupedByBatchCannotCompareModes() throws {
    let text = """
      {"object":"page","data":[{"object":"bucket","start_time":1793577600,"end_time":1793664000,"results":[
      {"object":"organization.usage.completions.result","input_tokens":20000,"input_cached_tokens":4000,"output_tokens":2000,"num_model_requests":2,"model":"gpt-4o-mini-2024-07-18","batch":null}
      ]}],"has_more":false}
      """
    let (ledger, _) = try IngestFixtures.ledger()
    _ = try IngestFixtures.ingest(try F.temporary(text), into: ledger)
    #expect(throws: ReportError.self) { try F.reconcile(ledger) }
    do {
      _ = try F.reconcile(ledger)
    } catch {
      #expect(
        "\(error)"
          == "the OpenAI usage report for 2026-11-02 is not grouped by batch; download it with group_by=batch, or leave mode out of --by"
      )
    }
    #expect(try F.reconcile(ledger, by: [.day, .model]).rows.count == 1)
  }

  @Test func anOpenAILineItemNamingNoModelIsComparedPerDay() throws {
    let ledger = try Self.ledger(["openai-log.jsonl", "openai-usage.json", "openai-costs.json"])
    let extra = """
      {"object":"page","data":[{"object":"bucket","start_time":1793577600,"end_time":1793664000,"results":[
      {"object":"organization.costs.result","amount":{"value":0.02,"currency":"usd"},"line_item":"Web search tool calls","project_id":null}
      ]}],"has_more":false}
      """
    _ = try IngestFixtures.ingest(try F.temporary(extra), into: ledger)
    let byDay = try F.reconcile(ledger, by: [.day])
    // The new file replaced the cost bucket of the 2nd: only the web search line is left.
    #expect(byDay.rows.first?.providerCost?.json == "0.02")
    #expect(
      byDay.notes == [
        "the OpenAI cost report's line item \"Web search tool calls\" names no model's tokens: its dollars are compared per day only (reconcile --by day)"
      ])
  }

  @Test func analyticsListAmountsShowTheContractedDiscount() throws {
    let ledger = try Self.ledger(["anthropic-log.jsonl", "analytics-usage.json", "analytics-cost.json"])
    let report = try F.reconcile(ledger)
    // Tokens agree everywhere; dollars are 10% under the table on every row.
    #expect(report.rows.count == 8 && report.exceeded == 8)
    #expect(report.rows.allSatisfy { $0.deltaTokens == 0 && $0.verdict == .mismatch })
    let output = try #require(F.row(report, "2026-11-02", Self.sonnet, "sync", "0-200k", "output"))
    #expect(output.ledgerCost?.json == "0.075")
    #expect(output.providerListCost?.json == "0.075")
    #expect(output.providerCost?.json == "0.0675")
    #expect(output.discount?.json == "0.0075")
    #expect(output.discountPercent == Exact(10))
    #expect(
      output.explanations == [
        "Tally's table agrees with the list price and the bill is 10.00% below it: a contracted discount (give the contracted rates with --pricing FILE)"
      ])
    let totals = report.totals
    #expect(totals.providerListCost?.json == "0.6185")
    #expect(totals.providerCost?.json == "0.55665")
    #expect(totals.ledgerCost?.json == "0.6185")
    #expect(
      report.notes == [
        "the Analytics cost report lists $0.62 before discounts and bills $0.56: a contracted discount of $0.06 (10.00% of list)"
      ])
    let table = report.table()
    #expect(table.columns.map(\.key).contains("provider_list_cost_usd"))
    #expect(table.columns.map(\.key).contains("discount_usd"))
    // Legacy reports have no list amounts: no such columns.
    let legacy = try F.reconcile(try F.month())
    #expect(!legacy.table().columns.map(\.key).contains("provider_list_cost_usd"))
  }

  @Test func anAnalyticsBucketOf100GroupsIsIncompleteNeverAMatch() throws {
    // 100 API keys with one Haiku request each on 2026-11-02, as the ledger holds them too.
    var log = ""
    var results: [String] = []
    for index in 0..<100 {
      log +=
        #"{"timestamp":"2026-11-02T10:00:00Z","request_id":"r\#(index)","response":{"id":"msg_\#(index)","type":"message","role":"assistant","model":"claude-haiku-4-5-20251001","content":[],"usage":{"input_tokens":100,"output_tokens":10}}}"#
        + "\n"
      results.append(
        #"{"uncached_input_tokens":100,"cache_read_input_tokens":0,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},"output_tokens":10,"requests":1,"model":"claude-haiku-4-5-20251001","service_tier":"standard","context_window":"0-200k","api_key_id":"apikey_\#(index)"}"#
      )
    }
    let report =
      #"{"data":[{"starting_at":"2026-11-02T00:00:00Z","ending_at":"2026-11-03T00:00:00Z","results":["#
      + results.joined(separator: ",\n") + "]}],\"has_more\":false}"
    let (ledger, _) = try IngestFixtures.ledger()
    _ = try IngestFixtures.ingest(try F.temporary(log, name: "log.jsonl"), into: ledger)
    let summary = try IngestFixtures.ingest(try F.temporary(report), into: ledger)
    #expect(summary.format == .anthropicAnalyticsUsage && summary.new == 100)
    #expect(
      summary.warnings.map { $0.replacingOccurrences(of: summary.file, with: "report.json") } == [
        "report.json: 1 bucket (the first from 2026-11-02T00:00:00Z) holds 100 groups: incomplete: the API returns at most 100 groups per bucket; download with fewer group_by dimensions or narrower filters"
      ])
    let reconciled = try F.reconcile(ledger, by: [.day, .model, .category])
    #expect(reconciled.exceeded == 2)
    let input = try #require(F.row(reconciled, "2026-11-02", Self.haiku, "input"))
    // The tokens agree, yet the row is not taken as a match.
    #expect(input.deltaTokens == 0 && input.verdict == .incomplete)
    #expect(
      input.explanations == [
        "incomplete: the API returns at most 100 groups per bucket, and a bucket of 2026-11-02 holds 100: groups beyond them may be missing (download with fewer group_by dimensions, or filter by model or workspace)"
      ])
    // 99 groups are complete.
    let (small, _) = try IngestFixtures.ledger()
    _ = try IngestFixtures.ingest(try F.temporary(log, name: "log.jsonl"), into: small)
    let fewer =
      #"{"data":[{"starting_at":"2026-11-02T00:00:00Z","ending_at":"2026-11-03T00:00:00Z","results":["#
      + results.dropLast().joined(separator: ",\n") + "]}],\"has_more\":false}"
    _ = try IngestFixtures.ingest(try F.temporary(fewer), into: small)
    let complete = try F.reconcile(small, by: [.day, .model, .category])
    #expect(complete.rows.allSatisfy { $0.verdict != .incomplete })
  }

  @Test func eachProvidersReportsAreComparedWithItsOwnUsageOnly() throws {
    // The Anthropic month's reports and ledger beside OpenAI requests no OpenAI report covers:
    // the OpenAI usage is not compared (no usage report of OpenAI's), and the Anthropic rows
    // agree as before.
    let ledger = try F.month()
    _ = try IngestFixtures.ingest(Self.path("openai-log.jsonl"), into: ledger)
    let report = try F.reconcile(ledger)
    #expect(report.exceeded == 0)
    #expect(report.totals.ledgerTokens == 917_180)
  }
}

@Suite struct ProviderReportMigrationTests {
  /// A ledger of migration v6 with a legacy report keeps its rows, as Anthropic's, after v7.
  @Test func v7KeepsTheLegacyReportsAsAnthropics() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "tally-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let path = directory.appendingPathComponent("tally.sqlite").path
    let queue = try DatabaseQueue(path: path)
    try Ledger.migrator.migrate(queue, upTo: "v6")
    try queue.write { db in
      try db.execute(
        sql: """
          INSERT INTO source (id, path, content_hash, format, ingested_at, records_read, new_records, duplicates, not_billed, invalid) VALUES (1, 'u.json', 'h', 'anthropic-usage-report', 'now', 1, 1, 0, 0, 0);
          INSERT INTO provider_bucket VALUES ('usage', 100, 200, 1);
          INSERT INTO provider_usage VALUES (100, 200, 'claude-haiku-4-5', 'standard', '0-200k', '', 1, 2, 3, 4, 5, 6, 1);
          INSERT INTO provider_cost VALUES (100, 200, 'claude-haiku-4-5', 'standard', '0-200k', 'tokens', 'output_tokens', '', '12.5', 1);
          """)
    }
    try queue.close()
    let ledger = try Ledger(path: path)
    let usage = try ledger.providerUsage(from: nil, to: nil)
    #expect(usage.count == 1)
    #expect(usage.first?.provider == "anthropic")
    #expect(
      usage.first?.tokens == TokenCounts(input: 1, cacheWrite5m: 2, cacheWrite1h: 3, cacheRead: 4, output: 5))
    #expect(usage.first?.webSearches == 6)
    let cost = try ledger.providerCosts(from: nil, to: nil)
    #expect(cost.first?.amountCents == Decimal(string: "12.5") && cost.first?.listAmountCents == nil)
    #expect(try ledger.providerBuckets(.usage).map(\.truncated) == [false])
  }
}
