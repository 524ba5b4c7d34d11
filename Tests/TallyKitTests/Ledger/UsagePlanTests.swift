import Foundation
import GRDB
import Testing

@testable import TallyKit

/// The ledger engine against brute force: every report reads rollups and cut edges, and must
/// equal, to the last digit, the same sums and costs computed request by request.
@Suite("Ledger engine")
struct UsagePlanTests {
  /// Haiku under a contract: a price cut on 2025-06-15 (inside a month), a tier at 150,001
  /// (no size class of the rollups: priced from the requests) and one at 272,001.
  static let contract = """
    provider,model,aliases,effective_from,effective_to,min_input_tokens,input,output,cache_write_5m,cache_write_1h,cache_read,batch_input,batch_output,batch_cache_write_5m,batch_cache_write_1h,batch_cache_read,web_search_per_1k,notes
    anthropic,claude-haiku-4-5,,2024-01-01,2025-06-15,0,1,5,1.25,2,0.1,0.5,2.5,0.625,1,0.05,10,
    anthropic,claude-haiku-4-5,,2025-06-15,,0,0.8,4,1,1.6,0.08,0.4,2,0.5,0.8,0.04,10,
    anthropic,claude-haiku-4-5,,2024-01-01,,150001,2,10,2.5,4,0.2,1,5,1.25,2,0.1,10,
    anthropic,claude-haiku-4-5,,2024-01-01,,272001,3,15,3.75,6,0.3,1.5,7.5,1.875,3,0.15,10,

    """
  static let prices = try! PriceBook.load(overrides: [(file: "contract.csv", text: contract)])

  /// A deterministic generator (64-bit LCG).
  struct Random {
    var state: UInt64
    mutating func next(_ bound: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(bound))
    }
  }

  /// Three years of requests of four models (one unknown), both modes, every status, and total
  /// inputs on both sides of 150,001, 200,001 and 272,001.
  static func records(count: Int, from: Int64, to: Int64, seed: UInt64) -> [UsageRecord] {
    var random = Random(state: seed)
    let models = ["claude-haiku-4-5", "claude-sonnet-4-5-20250929", "gpt-4o-mini", "mystery-model-1"]
    let inputs = [1_000, 99_000, 150_000, 150_001, 199_000, 200_001, 250_000, 272_000, 272_001, 400_000]
    return (0..<count).map { index in
      let model = models[random.next(models.count)]
      let mode: Mode = random.next(3) == 0 ? .batch : .sync
      let total = inputs[random.next(inputs.count)]
      let cacheRead = random.next(2) == 0 ? total / 2 : 0
      let write = random.next(3) == 0 ? 1_000 : 0
      let statuses: [RequestStatus] = [.succeeded, .succeeded, .succeeded, .errored, .expired]
      let tenants = ["acme", "globex", "initech", "umbrella"]
      return UsageRecord(
        key: "test:\(index)", provider: model.hasPrefix("gpt") ? "openai" : "anthropic", model: model,
        mode: mode,
        timestamp: from + Int64(random.next(Int(to - from))), status: statuses[random.next(statuses.count)],
        tenant: random.next(5) == 0 ? nil : tenants[random.next(tenants.count)],
        job: random.next(4) == 0 ? nil : ["chat", "summarize", "classify"][random.next(3)],
        batchID: mode == .batch ? "batch_\(random.next(6))" : nil,
        tokens: TokenCounts(
          input: total - cacheRead - write, cacheWrite5m: write, cacheRead: cacheRead,
          output: 1 + random.next(4_000)),
        webSearches: random.next(10) == 0 ? 2 : 0)
    }
  }

  static func ledger(_ records: [UsageRecord], prices: PriceBook = prices) throws -> Ledger {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "tally-plan-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let ledger = try Ledger(path: directory.appendingPathComponent("ledger.sqlite").path)
    try ledger.transaction { writer in
      let source = try writer.addSource(
        path: "generated", contentHash: "", format: "api-log", ingestedAt: "now")
      let inserts = records.map { LedgerInsert(record: $0, modelID: prices.resolve($0.model!)?.id) }
      for chunk in stride(from: 0, to: inserts.count, by: 1_000) {
        let outcomes = try writer.insert(
          Array(inserts[chunk..<min(chunk + 1_000, inserts.count)]), sourceID: source)
        #expect(outcomes.allSatisfy { $0 == .new })
      }
      try writer.finishSource(
        source, contentHash: "", format: "api-log", summary: IngestSummary(file: "generated"))
    }
    return ledger
  }

  static let start = Timestamp.startOf(CivilDate(year: 2024, month: 1, day: 1)!)
  static let end = Timestamp.startOf(CivilDate(year: 2027, month: 1, day: 1)!)
  static let all = records(count: 4_000, from: start, to: end, seed: 7)
  static let full = try! ledger(all)

  /// Spend computed request by request: the answer the engine must give.
  static func bruteForce(
    _ records: [UsageRecord], by: [ReportDimension], window: ReportWindow
  ) -> [[String]: (requests: Int, tokens: TokenCounts, list: Money?, cost: Money?, unpriced: Int)] {
    var rows: [[String]: (requests: Int, tokens: TokenCounts, list: Money?, cost: Money?, unpriced: Int)] =
      [:]
    let (from, to) = window.instants
    for record in records where record.billed {
      if let from, record.timestamp < from { continue }
      if let to, record.timestamp >= to { continue }
      let model = prices.resolve(record.model!)?.id ?? record.model!
      let utcDay = Timestamp.utcDay(record.timestamp)
      let localDay = window.localDay(record.timestamp)
      let values = by.map { dimension -> String in
        switch dimension {
        case .tenant: record.tenant ?? unattributed
        case .job: record.job ?? unattributed
        case .batch: record.batchID ?? "(none)"
        case .provider: record.provider
        case .model: model
        case .mode: record.mode.rawValue
        case .context:
          prices.contextLabel(model: model, on: utcDay, requestInputTokens: record.tokens.totalInput)
        case .day: localDay.description
        case .week: localDay.adding(days: -((localDay.daysSinceEpoch % 7 + 10) % 7)).description
        case .month: String(localDay.description.prefix(7))
        }
      }
      var row = rows[values] ?? (0, TokenCounts(), nil, nil, 0)
      row.requests += 1
      row.tokens = row.tokens + record.tokens
      switch prices.cost(
        of: Usage(tokens: record.tokens, webSearches: record.webSearches), model: model, mode: record.mode,
        on: utcDay, requestInputTokens: record.tokens.totalInput)
      {
      case .success(let cost):
        row.list = (row.list ?? .zero) + cost.list
        row.cost = (row.cost ?? .zero) + cost.actual
      case .failure: row.unpriced += 1
      }
      rows[values] = row
    }
    return rows
  }

  static func expectSameSpend(
    _ ledger: Ledger, _ records: [UsageRecord], by: [ReportDimension], window: ReportWindow
  ) throws {
    let report = try SpendReport.build(ledger: ledger, prices: prices, by: by, window: window)
    let expected = bruteForce(records, by: by, window: window)
    #expect(report.rows.count == expected.count, "\(by) \(window)")
    for row in report.rows {
      guard let want = expected[row.values] else {
        Issue.record("unexpected row \(row.values) for \(by) \(window)")
        continue
      }
      #expect(row.requests == want.requests, "\(row.values)")
      #expect(row.tokens == want.tokens, "\(row.values)")
      #expect(row.listCost == want.list, "\(row.values)")
      #expect(row.cost == want.cost, "\(row.values)")
      #expect(row.unpricedRequests == want.unpriced, "\(row.values)")
    }
  }

  @Test(arguments: [
    [ReportDimension.tenant], [.month, .model], [.day, .model], [.tenant, .job, .context],
    [.context, .model, .mode],
    [.week, .batch], [.provider, .month, .tenant],
  ])
  func spendOnTheWholeLedgerEqualsBruteForce(by: [ReportDimension]) throws {
    try Self.expectSameSpend(Self.full, Self.all, by: by, window: try ReportWindow())
  }

  @Test(arguments: [
    ("2025-03-10", "2025-11-20", "UTC"), ("2025-06-01", "2025-06-30", "UTC"),
    ("2025-06-02", "2025-06-29", "UTC"),
    ("2024-12-31", "2025-01-01", "UTC"), ("2025-06-01", "2025-06-30", "America/New_York"),
    ("2024-02-01", "2026-03-31", "Asia/Kolkata"), ("2025-10-05", "2025-10-06", "Pacific/Chatham"),
  ])
  func spendOnWindowsAndZonesEqualsBruteForce(from: String, to: String, zone: String) throws {
    let window = try ReportWindow(from: CivilDate(parsing: from), to: CivilDate(parsing: to), zone: zone)
    for by: [ReportDimension] in [[.tenant], [.month, .model, .context], [.day, .model], [.job, .week]] {
      try Self.expectSameSpend(Self.full, Self.all, by: by, window: window)
    }
  }

  /// A model released mid-month (claude-sonnet-4-5-20250929's rates start on 2025-09-29): a
  /// month whose usage all falls after the release is read whole from the rollup, priced on its
  /// first day of usage (on the month's first day it would be unpriced); one with usage on both
  /// sides is read per day. Either way the engine gives the brute-force answer.
  @Test(arguments: [("2025-09-29", "2025-10-20"), ("2025-09-20", "2025-10-05")])
  func aModelReleasedMidMonthIsPricedFromItsFirstDayOfUsage(from: String, to: String) throws {
    let first = Timestamp.startOf(CivilDate(parsing: from)!)
    let last = Timestamp.startOf(CivilDate(parsing: to)!)
    let records = Self.records(count: 600, from: first, to: last, seed: 11).map { record -> UsageRecord in
      var record = record
      record.model = "claude-sonnet-4-5-20250929"
      record.provider = "anthropic"
      return record
    }
    #expect(
      Self.prices.rateChangeDays(model: "claude-sonnet-4-5-20250929").contains(
        CivilDate(year: 2025, month: 9, day: 29)!.daysSinceEpoch))
    let ledger = try Self.ledger(records)
    for by: [ReportDimension] in [[.tenant], [.month, .model, .context], [.day, .model], [.job, .mode]] {
      try Self.expectSameSpend(ledger, records, by: by, window: try ReportWindow())
      try Self.expectSameSpend(
        ledger, records, by: by,
        window: try ReportWindow(from: CivilDate(parsing: "2025-09-01"), to: CivilDate(parsing: "2025-09-30"))
      )
      try Self.expectSameSpend(
        ledger, records, by: by,
        window: try ReportWindow(from: CivilDate(parsing: "2025-09-03"), to: CivilDate(parsing: "2025-10-30"))
      )
    }
  }

  @Test func aMonthsChargebackIsTheSameOnAOneMonthAndOnAThreeYearLedger() throws {
    let october = try ReportWindow(month: "2025-10")
    let (from, to) = october.instants
    let month = Self.all.filter { $0.timestamp >= from! && $0.timestamp < to! }
    let small = try Self.ledger(month)
    let one = try ChargebackReport.build(
      ledger: small, prices: Self.prices, window: october, revenue: nil, markupPercent: nil)
    let three = try ChargebackReport.build(
      ledger: Self.full, prices: Self.prices, window: october, revenue: nil, markupPercent: nil)
    #expect(one.rows.map(\.tenant) == three.rows.map(\.tenant))
    #expect(one.rows.map(\.cost) == three.rows.map(\.cost))
    #expect(one.rows.map(\.requests) == three.rows.map(\.requests))
    #expect(one.totalCost == three.totalCost)
    #expect(one.totalCost.rounded() == Self.bruteForce(month, by: [], window: october)[[]]!.cost!.rounded())
    #expect(!one.totalCost.isZero)
  }

  @Test func rollupsIngestKeepsEqualARebuildFromTheRequests() throws {
    try Self.full.transaction(commit: false) { writer in
      func dump() throws -> [String] {
        try ["rollup_month", "rollup_day"].flatMap { table in
          try Row.fetchAll(writer.db, sql: "SELECT * FROM \(table)").map { "\(table) \($0)" }.sorted()
        }
      }
      let maintained = try dump()
      try Ledger.rebuildRollups(writer.db)
      #expect(try dump() == maintained)
      #expect(maintained.count > 1_000)
    }
  }
}
