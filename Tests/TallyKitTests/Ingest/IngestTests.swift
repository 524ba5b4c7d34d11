import Foundation
import GRDB
import Testing

@testable import TallyKit

/// Fixtures written from facts/formats.md; `Fixtures/ingest/ANSWERS.md` holds the hand-computed
/// figures asserted here (checked by `check_answers.py` with Python's decimal module).
enum IngestFixtures {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/ingest")
  static func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  static let results = path("anthropic-batch/msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d_results.jsonl")
  static let batchObject = path("anthropic-batch/msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d.json")
  static let prices = try! PriceBook.load()

  /// A fresh ledger in a temporary directory.
  static func ledger() throws -> (Ledger, String) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "tally-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let path = directory.appendingPathComponent("tally.sqlite").path
    return (try Ledger(path: path), path)
  }

  static func batchOptions() throws -> IngestOptions {
    var options = IngestOptions()
    options.batch = try AnthropicBatchReader.batchInfo(
      from: Data(contentsOf: URL(fileURLWithPath: batchObject)))
    return options
  }

  static func ingest(
    _ path: String, into ledger: Ledger, _ options: IngestOptions = IngestOptions(),
    prices: PriceBook = prices
  )
    throws(IngestFailure) -> IngestSummary
  {
    try Ingester(prices: prices).ingest(
      path: path, into: ledger, options: options, now: "2026-11-21T00:00:00Z")
  }

  /// Every row of every table, in key order: "the ledger's content".
  static func dump(_ ledger: Ledger) throws -> [String] {
    try ledger.read { db in
      var lines: [String] = []
      for table in ["source", "batch", "request", "rollup_month", "rollup_day"] {
        let rows = try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY 1, 2, 3")
        lines += rows.map { "\(table): \($0)" }
      }
      return lines
    }
  }

  static func spend(_ ledger: Ledger, by: [ReportDimension], prices: PriceBook = prices) throws -> SpendReport
  {
    try SpendReport.build(ledger: ledger, prices: prices, by: by, window: try ReportWindow())
  }
}

@Suite struct IngestTests {
  typealias F = IngestFixtures

  @Test func batchResultsEndToEndCostExactly() throws {
    let (ledger, _) = try F.ledger()
    let summary = try F.ingest(F.results, into: ledger, try F.batchOptions())
    #expect((summary.format, summary.formatDetected) == (.anthropicBatch, true))
    #expect(
      (summary.read, summary.new, summary.duplicates, summary.notBilled, summary.invalid) == (12, 12, 0, 4, 0)
    )
    #expect(summary.unpricedModels == ["claude-nonexistent-9": 1])

    let report = try F.spend(ledger, by: [.model])
    #expect(
      report.rows.map(\.values) == [
        ["claude-haiku-4-5-20251001"], ["claude-nonexistent-9"], ["claude-sonnet-4-5-20250929"],
      ])
    let sonnet = report.rows[2]
    #expect(
      sonnet.tokens
        == TokenCounts(input: 6819, cacheWrite5m: 2048, cacheWrite1h: 0, cacheRead: 6144, output: 3311))
    #expect(sonnet.webSearches == 3)
    #expect(sonnet.cost?.json == "0.0698226")
    #expect(sonnet.listCost?.json == "0.1096452")
    #expect(
      report.rows[0].tokens
        == TokenCounts(input: 1043, cacheWrite5m: 5096, cacheWrite1h: 2512, cacheRead: 32480, output: 1197))
    #expect(report.rows[0].cost?.json == "0.010835")
    #expect(report.rows[1].cost == nil && report.rows[1].unpricedRequests == 1)
    #expect(report.totals.cost?.json == "0.0806576")
    #expect(report.totals.listCost?.json == "0.1313152")
    #expect(report.totals.batchSavings?.json == "0.0506576")
    #expect(report.totals.requests == 8)
    #expect(report.table.renderJSON().contains("\"cost_usd\": null"))
  }

  @Test func apiLogNormalisesBothProvidersAndCountsADuplicateOnce() throws {
    let (ledger, _) = try F.ledger()
    let summary = try F.ingest(F.path("api-log/mixed.jsonl"), into: ledger)
    #expect((summary.read, summary.new, summary.duplicates, summary.invalid) == (10, 9, 1, 0))
    let report = try F.spend(ledger, by: [.model])
    let byModel = Dictionary(uniqueKeysWithValues: report.rows.map { ($0.values[0], $0) })
    #expect(byModel["gpt-4o-mini"]?.tokens == TokenCounts(input: 1928, cacheRead: 3072, output: 750))
    #expect(byModel["gpt-4o"]?.tokens == TokenCounts(input: 2480, cacheRead: 5120, output: 1220))
    #expect(
      byModel["claude-sonnet-4-5-20250929"]?.tokens
        == TokenCounts(input: 7960, cacheWrite5m: 1624, cacheWrite1h: 1200, cacheRead: 13096, output: 1935))
    #expect(byModel["claude-sonnet-4-5-20250929"]?.webSearches == 2)
    #expect(report.totals.cost?.json == "0.1221784")

    let tenants = try F.spend(ledger, by: [.tenant])
    #expect(
      tenants.rows.map(\.values[0]) == [
        "(unattributed)", "=cmd|' /C calc'!A0", "Müller & Söhne, \"GmbH\"", "acme", "globex", "initech",
      ])
    #expect(tenants.rows.first { $0.values[0] == "initech" }?.cost?.json == "0.0509")
  }

  @Test func theSameFileOrAShuffledCopyAddsNothing() throws {
    let (ledger, _) = try F.ledger()
    _ = try F.ingest(F.results, into: ledger, try F.batchOptions())
    let before = try F.dump(ledger).filter { !$0.hasPrefix("source:") }
    let again = try F.ingest(F.results, into: ledger, try F.batchOptions())
    #expect((again.new, again.duplicates) == (0, 12))
    var options = IngestOptions()
    options.batchID = "msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d"
    options.date = CivilDate(parsing: "2026-10-01")
    let shuffled = try F.ingest(F.path("anthropic-batch/shuffled-copy.jsonl"), into: ledger, options)
    #expect((shuffled.new, shuffled.duplicates, shuffled.invalid) == (0, 12, 0))
    #expect(try F.dump(ledger).filter { !$0.hasPrefix("source:") } == before)
  }

  @Test func aBrokenFileLeavesTheLedgerAsItWas() throws {
    let (ledger, _) = try F.ledger()
    _ = try F.ingest(F.path("api-log/mixed.jsonl"), into: ledger)
    let before = try F.dump(ledger)
    var options = IngestOptions()
    options.batchID = "msgbatch_trunc"
    options.date = CivilDate(parsing: "2026-10-02")
    #expect {
      _ = try F.ingest(F.path("anthropic-batch/truncated.jsonl"), into: ledger, options)
    } throws: { error in
      guard case IngestFailure.invalidInput(let problems) = error else { return false }
      return problems.map(\.description) == [
        F.path("anthropic-batch/truncated.jsonl") + ":3: not valid JSON (a truncated or corrupted line?)"
      ]
    }
    #expect(try F.dump(ledger) == before)
  }

  @Test func impossibleUsageIsAnErrorAtItsLine() throws {
    let (ledger, _) = try F.ledger()
    var options = IngestOptions()
    options.batchID = "msgbatch_bad"
    options.date = CivilDate(parsing: "2026-10-02")
    let file = F.path("anthropic-batch/bad-values.jsonl")
    #expect {
      _ = try F.ingest(file, into: ledger, options)
    } throws: { error in
      guard case IngestFailure.invalidInput(let problems) = error else { return false }
      return problems.map(\.description) == [
        "\(file):2: result.message.usage.input_tokens: -5 is negative; token counts cannot be negative",
        "\(file):3: result.message.usage.output_tokens: 12.5 is not a whole number of tokens",
        "\(file):4: result.type \"succeeded_partially\" is unknown; expected succeeded, errored, canceled or expired",
        "\(file):5: custom_id \"bad-1\" appears twice in this file with different usage",
      ]
    }
    options.skipInvalid = true
    let skipped = try F.ingest(file, into: ledger, options)
    #expect((skipped.read, skipped.new, skipped.invalid, skipped.problems.count) == (5, 1, 4, 4))
    #expect(try F.spend(ledger, by: [.model]).totals.tokens == TokenCounts(input: 700, output: 90))

    let split = F.path("anthropic-batch/split-mismatch.jsonl")
    #expect {
      _ = try F.ingest(split, into: ledger, options.with(skipInvalid: false))
    } throws: { error in
      guard case IngestFailure.invalidInput(let problems) = error else { return false }
      return problems.first?.description
        == "\(split):1: usage.cache_creation: 5m (1000) + 1h (1500) does not add up to cache_creation_input_tokens (3000)"
    }
    let bad = F.path("api-log/bad.jsonl")
    #expect {
      _ = try F.ingest(bad, into: ledger)
    } throws: { error in
      guard case IngestFailure.invalidInput(let problems) = error else { return false }
      return problems.map(\.description) == [
        "\(bad):2: usage: cached_tokens (2048) exceed prompt_tokens (1000)",
        "\(bad):3: not valid JSON (a truncated or corrupted line?)",
      ]
    }
  }

  @Test func aBatchWithoutIdOrTimeSaysHowToGiveThem() throws {
    let (ledger, _) = try F.ledger()
    let copy = F.path("anthropic-batch/shuffled-copy.jsonl")
    #expect {
      _ = try F.ingest(copy, into: ledger)
    } throws: { error in
      guard case IngestFailure.usage(let message) = error else { return false }
      return message.hasSuffix(
        "Anthropic batch results carry no batch id; give the batch object with --batch FILE.json, or --batch-id msgbatch_…"
      )
    }
    // The id is in the results file's name, but there is still no time.
    #expect {
      _ = try F.ingest(F.results, into: ledger)
    } throws: { error in
      guard case IngestFailure.usage(let message) = error else { return false }
      return message.contains("carry no time; give the batch object with --batch FILE.json")
    }
    #expect(try F.dump(ledger).isEmpty)
  }

  @Test func bomCRLFBlankLinesAndHugeContentAreNormalInput() throws {
    let (ledger, path) = try F.ledger()
    var options = IngestOptions()
    options.batchID = "msgbatch_bom"
    options.date = CivilDate(parsing: "2026-10-03")
    let bom = try F.ingest(F.path("anthropic-batch/bom-crlf.jsonl"), into: ledger, options)
    #expect((bom.read, bom.new, bom.invalid) == (3, 3, 0))
    options.batchID = "msgbatch_huge"
    let huge = try F.ingest(F.path("anthropic-batch/huge-content.jsonl"), into: ledger, options)
    #expect((huge.read, huge.new) == (3, 3))
    let report = try F.spend(ledger, by: [.batch])
    #expect(
      report.rows.map(\.tokens) == [
        TokenCounts(input: 3542, cacheWrite5m: 1024, cacheRead: 2048, output: 808),
        TokenCounts(input: 4400, cacheWrite5m: 1024, cacheRead: 4096, output: 64850),
      ])
    // No generated text reaches the ledger: not in the database file, not in its WAL.
    try ledger.checkpoint()
    for file in [path, path + "-wal"] where FileManager.default.fileExists(atPath: file) {
      let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
      #expect(bytes.range(of: Data("SECRET-CONTENT-7f3a9".utf8)) == nil, "\(file)")
    }
  }

  @Test func attributionOrderRecordMapPatternFlags() throws {
    let (ledger, _) = try F.ledger()
    var options = try F.batchOptions()
    options.attribution.map = try Attribution.parseMap(
      String(contentsOfFile: F.path("attribution/map.csv"), encoding: .utf8), file: "map.csv")
    options.attribution.idPattern = try IDPattern(#"(?<tenant>[^:]+):(?<job>[^:]+):\d+"#)
    _ = try F.ingest(F.results, into: ledger, options)
    let report = try F.spend(ledger, by: [.tenant])
    let costs = report.rows.map { "\($0.values[0])=\($0.cost?.json ?? "unpriced")" }
    #expect(
      costs == ["(unattributed)=0.005843", "Initech, Inc.=0.04599", "acme=0.0238326", "globex=0.004992"])
  }

  @Test func aContractedRateRepricesOnlyItsPeriod() throws {
    let (ledger, _) = try F.ledger()
    _ = try F.ingest(F.path("api-log/mixed.jsonl"), into: ledger)
    // Haiku 4.5 at half price in October 2026 only: its October request ($0.0027) halves, its
    // November one ($0.003585) does not.
    let contract =
      PriceTable.requiredColumns.joined(separator: ",") + "\n"
      + "anthropic,claude-haiku-4-5,,2026-10-01,2026-11-01,0,0.5,2.5,0.625,1,0.05,0.25,1.25,0.3125,0.5,0.025,10\n"
    let prices = try PriceBook.load(overrides: [(file: "contract.csv", text: contract)])
    let bundled = try F.spend(ledger, by: [.month, .model]).rows.filter {
      $0.values[1] == "claude-haiku-4-5-20251001"
    }
    let contracted = try F.spend(ledger, by: [.month, .model], prices: prices).rows.filter {
      $0.values[1] == "claude-haiku-4-5-20251001"
    }
    #expect(bundled.map { $0.cost?.json } == ["0.0027", "0.003585"])
    #expect(contracted.map { $0.cost?.json } == ["0.00135", "0.003585"])
  }

  @Test func twoIngestsAtOnceLoseNothing() async throws {
    let (_, path) = try F.ledger()
    let files = ["api-log/mixed.jsonl", "openai-batch/batch_output.jsonl"]
    try await withThrowingTaskGroup(of: Void.self) { group in
      for file in files {
        group.addTask {
          // A ledger of its own: a separate connection pool, as a second process would have.
          let ledger = try Ledger(path: path)
          _ = try F.ingest(F.path(file), into: ledger)
        }
      }
      try await group.waitForAll()
    }
    let ledger = try Ledger(path: path)
    #expect(try F.spend(ledger, by: [.provider]).totals.requests == 9 + 5)
  }
}

extension IngestOptions {
  func with(skipInvalid: Bool) -> IngestOptions {
    var copy = self
    copy.skipInvalid = skipInvalid
    return copy
  }
}
