import Foundation
import Testing

@testable import TallyKit

/// Period close worked by hand on claude-sonnet-4-5 at $3 input / $15 output per million.
@Suite("Period close")
struct PeriodCloseTests {
  typealias W = LedgerWriterTests

  static let october = CivilDate(year: 2026, month: 10, day: 1)!
  static let november = CivilDate(year: 2026, month: 11, day: 1)!

  static func record(_ key: String, tenant: String, input: Int, output: Int, on day: CivilDate) -> UsageRecord
  {
    var record = UsageRecord(
      key: key, provider: "anthropic", model: "claude-sonnet-4-5-20250929", mode: .sync,
      timestamp: Timestamp.startOf(day) + 3600, status: .succeeded,
      tokens: TokenCounts(input: input, output: output))
    record.tenant = tenant
    record.job = "summarize"
    return record
  }

  static func ingest(_ records: [UsageRecord], path: String, into ledger: Ledger) throws -> [CivilDate: Int] {
    try ledger.transaction { writer in
      let source = try writer.addSource(path: path, contentHash: path, format: "api-log", ingestedAt: "now")
      _ = try writer.insert(records.map { LedgerInsert(record: $0, modelID: nil) }, sourceID: source)
      var summary = IngestSummary(file: path)
      summary.read = records.count
      return try writer.finishSource(
        source, contentHash: path, format: "api-log", summary: summary, batchID: "")
    }
  }

  /// October: acme $0.45 (100k in, 10k out), globex $0.90 (200k in, 20k out); closed on 2026-11-27.
  static func closedOctober() throws -> (Ledger, PriceBook) {
    let ledger = try W.emptyLedger()
    let day = CivilDate(year: 2026, month: 10, day: 10)!
    _ = try ingest(
      [
        record("api:a1", tenant: "acme", input: 100_000, output: 10_000, on: day),
        record("api:g1", tenant: "globex", input: 200_000, output: 20_000, on: day),
      ], path: "october.jsonl", into: ledger)
    let prices = try PriceBook.load()
    _ = try close(october, ledger: ledger, prices: prices, today: CivilDate(year: 2026, month: 11, day: 27)!)
    return (ledger, prices)
  }

  @discardableResult
  static func close(_ month: CivilDate, ledger: Ledger, prices: PriceBook, today: CivilDate) throws
    -> PeriodClose
  {
    try PeriodBooks.close(
      CloseRequest(
        month: month, current: prices, tables: PriceBook.bundledTableSources.map { ($0.file, true, $0.text) },
        by: "alice", at: "\(today)T09:00:00Z", note: "invoiced", today: today), ledger: ledger)
  }

  static func costs(_ ledger: Ledger, _ prices: PriceBook, month: String) throws -> [String: String] {
    let books = try PeriodBooks.prices(ledger: ledger, current: prices)
    let spend = try SpendReport.build(
      ledger: ledger, prices: books, by: [.tenant], window: try ReportWindow(month: month))
    return Dictionary(uniqueKeysWithValues: spend.rows.map { ($0.values[0], $0.cost?.json ?? "-") })
  }

  static let contract = """
    provider,model,aliases,effective_from,effective_to,min_input_tokens,input,output,cache_write_5m,cache_write_1h,cache_read,batch_input,batch_output,batch_cache_write_5m,batch_cache_write_1h,batch_cache_read,web_search_per_1k,notes
    anthropic,claude-sonnet-4-5,,2026-10-01,,0,2.70,13.50,3.375,5.40,0.27,1.35,6.75,1.6875,2.70,0.135,10,negotiated
    """

  @Test func closingStoresTheFiguresStatementNumbersAndTables() throws {
    let (ledger, _) = try Self.closedOctober()
    let period = try #require(try ledger.periods().first)
    #expect(period.name == "2026-10")
    #expect(period.status == "closed")
    #expect(period.closedBy == "alice")
    #expect(period.note == "invoiced")
    #expect(period.requests == 2)
    #expect(period.cost.json == "1.35")
    #expect(period.sources == 1)
    let figures = try ledger.closedFigures(Self.october)
    #expect(
      figures.map { "\($0.tenant) \($0.job) \($0.model) \($0.cost!.json)" } == [
        "acme summarize claude-sonnet-4-5-20250929 0.45", "globex summarize claude-sonnet-4-5-20250929 0.9",
      ])
    #expect(
      try ledger.statementNumbers(Self.october) == [
        "acme": "TALLY-2026-10-0001", "globex": "TALLY-2026-10-0002",
      ])
    #expect(
      try ledger.closedPriceTables(Self.october).map(\.file) == [
        "pricing/anthropic.csv", "pricing/openai.csv",
      ])
    #expect(
      try ledger.periodEvents().map { "\($0.action) \($0.by) \($0.text ?? "")" } == ["close alice invoiced"])
  }

  @Test func lateUsageLeavesTheClosedMonthAloneAndIsItsAdjustment() throws {
    let (ledger, prices) = try Self.closedOctober()
    let late = try Self.ingest(
      [
        Self.record(
          "api:a2", tenant: "acme", input: 50_000, output: 0, on: CivilDate(year: 2026, month: 10, day: 20)!),
        Self.record(
          "api:a3", tenant: "acme", input: 100_000, output: 0, on: CivilDate(year: 2026, month: 11, day: 5)!),
      ], path: "late.jsonl", into: ledger)
    #expect(late == [Self.october: 1])
    #expect(try Self.costs(ledger, prices, month: "2026-10") == ["acme": "0.45", "globex": "0.9"])
    #expect(try Self.costs(ledger, prices, month: "2026-11") == ["acme": "0.3"])
    let pending = try PeriodBooks.pendingAdjustments(ledger: ledger, current: prices)
    #expect(
      pending.map {
        "\($0.monthName) \($0.tenant) \($0.lateRequests) \($0.lateUsage.json) \($0.repricing.json)"
      } == [
        "2026-10 acme 1 0.15 0"
      ])
    // The rollups hold exactly the requests not set aside as late.
    #expect(try LedgerRemovalTests.rollups(ledger) == LedgerRemovalTests.rebuiltRollups(ledger))
    // Ingesting the late file again adds nothing.
    #expect(
      try Self.ingest(
        [
          Self.record(
            "api:a2", tenant: "acme", input: 50_000, output: 0, on: CivilDate(year: 2026, month: 10, day: 20)!
          )
        ], path: "again.jsonl", into: ledger) == [:])
    #expect(
      try PeriodBooks.pendingAdjustments(ledger: ledger, current: prices).map(\.amount.json) == ["0.15"])
  }

  @Test func aPriceChangeLeavesTheClosedMonthAloneAndIsItsAdjustment() throws {
    let (ledger, _) = try Self.closedOctober()
    _ = try Self.ingest(
      [
        Self.record(
          "api:a2", tenant: "acme", input: 50_000, output: 0, on: CivilDate(year: 2026, month: 10, day: 20)!)
      ],
      path: "late.jsonl", into: ledger)
    let contract = try PriceBook.load(overrides: [("contract.csv", Self.contract)])
    // Reports price October with the tables it was closed with.
    #expect(try Self.costs(ledger, contract, month: "2026-10") == ["acme": "0.45", "globex": "0.9"])
    // At $2.70/$13.50: acme's closed usage costs 0.27 + 0.135 = 0.405 (-0.045), its late usage
    // 0.135; globex's 0.54 + 0.27 = 0.81 (-0.09).
    #expect(
      try PeriodBooks.tableChanges(of: Self.october, ledger: ledger, current: contract) == [
        "contract.csv is given now, not then"
      ])
    #expect(
      try PeriodBooks.tableChanges(of: Self.october, ledger: ledger, current: try PriceBook.load()).isEmpty)
    let pending = try PeriodBooks.pendingAdjustments(ledger: ledger, current: contract)
    #expect(
      pending.map { "\($0.tenant) \($0.lateUsage.json) \($0.repricing.json) \($0.amount.json)" } == [
        "acme 0.135 -0.045 0.09", "globex 0 -0.09 -0.09",
      ])
  }

  @Test func closingTheNextMonthPostsThePendingAdjustments() throws {
    let (ledger, prices) = try Self.closedOctober()
    _ = try Self.ingest(
      [
        Self.record(
          "api:a2", tenant: "acme", input: 50_000, output: 0, on: CivilDate(year: 2026, month: 10, day: 20)!),
        Self.record(
          "api:a3", tenant: "acme", input: 100_000, output: 0, on: CivilDate(year: 2026, month: 11, day: 5)!),
      ], path: "late.jsonl", into: ledger)
    let close = try Self.close(
      Self.november, ledger: ledger, prices: prices, today: CivilDate(year: 2026, month: 12, day: 2)!)
    #expect(close.postings.map { "\($0.tenant) \($0.lateUsage.json)" } == ["acme 0.15"])
    #expect(try PeriodBooks.pendingAdjustments(ledger: ledger, current: prices).isEmpty)
    #expect(
      try ledger.postedAdjustments(of: Self.october).map {
        "\($0.postedTo) \($0.tenant) \($0.lateUsage.json)"
      } == [
        "2026-11-01 acme 0.15"
      ])
    #expect(try ledger.periods().map { "\($0.name) \($0.cost.json)" } == ["2026-10 1.35", "2026-11 0.3"])
    #expect(try ledger.statementNumbers(Self.november) == ["acme": "TALLY-2026-11-0001"])
  }

  @Test func onlyTheLatestClosedMonthReopensWithAReasonAndItsLateUsageJoinsIt() throws {
    let (ledger, prices) = try Self.closedOctober()
    _ = try Self.ingest(
      [
        Self.record(
          "api:a2", tenant: "acme", input: 50_000, output: 0, on: CivilDate(year: 2026, month: 10, day: 20)!)
      ],
      path: "late.jsonl", into: ledger)
    try Self.close(
      Self.november, ledger: ledger, prices: prices, today: CivilDate(year: 2026, month: 12, day: 2)!)
    #expect(throws: ReportError.self) {
      try PeriodBooks.reopen(month: Self.october, ledger: ledger, by: "bob", at: "t", reason: "late file")
    }
    do {
      try PeriodBooks.reopen(month: Self.october, ledger: ledger, by: "bob", at: "t", reason: "late file")
    } catch let error as ReportError {
      #expect(
        error.description
          == "only the latest closed month can be reopened: 2026-11 (reopen it first to reach 2026-10)")
    }
    #expect(throws: ReportError.self) {
      try PeriodBooks.reopen(month: Self.november, ledger: ledger, by: "bob", at: "t", reason: "  ")
    }
    try PeriodBooks.reopen(month: Self.november, ledger: ledger, by: "bob", at: "t1", reason: "wrong rates")
    // The posting to November is undone: October's adjustment is pending again.
    #expect(
      try PeriodBooks.pendingAdjustments(ledger: ledger, current: prices).map(\.amount.json) == ["0.15"])
    try PeriodBooks.reopen(month: Self.october, ledger: ledger, by: "bob", at: "t2", reason: "late file")
    #expect(try Self.costs(ledger, prices, month: "2026-10") == ["acme": "0.6", "globex": "0.9"])
    #expect(try LedgerRemovalTests.rollups(ledger) == LedgerRemovalTests.rebuiltRollups(ledger))
    #expect(try ledger.periods().map { "\($0.name) \($0.status)" } == ["2026-10 open", "2026-11 open"])
    #expect(
      try ledger.periodEvents().map { "\($0.month) \($0.action) \($0.by)" } == [
        "2026-10-01 close alice", "2026-11-01 close alice", "2026-11-01 reopen bob", "2026-10-01 reopen bob",
      ])
    // Closed again, October includes the late usage.
    try Self.close(
      Self.october, ledger: ledger, prices: prices, today: CivilDate(year: 2026, month: 12, day: 2)!)
    #expect(try ledger.periods().first?.cost.json == "1.5")
    #expect(try ledger.periods().first?.closeCount == 2)
  }

  @Test(arguments: [
    (
      "2026-10", "2026-11-27",
      "2026-10 is already closed (on 2026-11-27T09:00:00Z by alice); to change it, reopen it first: tally reopen 2026-10 --reason TEXT"
    ),
    (
      "2026-11", "2026-11-27",
      "2026-11 has not ended (today is 2026-11-27, UTC): a month can be closed from its next month on"
    ),
    (
      "2026-09", "2026-11-27",
      "2026-09 is before 2026-10, which is closed: months close in order (a correction to 2026-09 is a prior-period adjustment in 2026-11)"
    ),
    (
      "2026-12", "2027-01-05",
      "close 2026-11 first: months close in order, and 2026-10 is the latest closed month"
    ),
  ])
  func monthsCloseOnceInOrderAfterTheyEnd(month: String, today: String, message: String) throws {
    let (ledger, prices) = try Self.closedOctober()
    do {
      try Self.close(
        try PeriodBooks.month(month), ledger: ledger, prices: prices, today: CivilDate(parsing: today)!)
      Issue.record("closing \(month) should fail")
    } catch let error as ReportError {
      #expect(error.description == message)
    }
  }

  @Test func aMonthWithUnpricedUsageClosesOnlyWhenAllowed() throws {
    let ledger = try W.emptyLedger()
    var unknown = Self.record(
      "api:u1", tenant: "acme", input: 1000, output: 10, on: CivilDate(year: 2026, month: 10, day: 3)!)
    unknown.model = "claude-imaginary-9"
    _ = try Self.ingest([unknown], path: "u.jsonl", into: ledger)
    let prices = try PriceBook.load()
    do {
      try Self.close(
        Self.october, ledger: ledger, prices: prices, today: CivilDate(year: 2026, month: 11, day: 27)!)
      Issue.record("closing with unpriced usage should fail")
    } catch let error as PeriodError {
      #expect(
        error.description
          == "2026-10 has 1 unpriced request (claude-imaginary-9 (1 requests)): add their rates with --pricing FILE, or close with --allow-unpriced to leave them out of the closed figures"
      )
    }
  }

  @Test func aSourceInAClosedMonthCannotBeRemovedButALateOneCan() throws {
    let (ledger, prices) = try Self.closedOctober()
    _ = try Self.ingest(
      [
        Self.record(
          "api:a2", tenant: "acme", input: 50_000, output: 0, on: CivilDate(year: 2026, month: 10, day: 20)!)
      ],
      path: "late.jsonl", into: ledger)
    do {
      _ = try ledger.transaction { try $0.removeSource(1, now: "t") }
      Issue.record("removing a closed month's source should fail")
    } catch let error as LedgerError {
      #expect(
        error.description
          == "source 1 (october.jsonl) has requests in closed month 2026-10, whose figures are final; to correct it, reopen 2026-10 (only the latest closed month can be reopened: tally reopen MONTH --reason TEXT), remove the source, and close again"
      )
    }
    _ = try ledger.transaction { try $0.removeSource(2, now: "t") }
    #expect(try PeriodBooks.pendingAdjustments(ledger: ledger, current: prices).isEmpty)
    #expect(try Self.costs(ledger, prices, month: "2026-10") == ["acme": "0.45", "globex": "0.9"])
    #expect(try LedgerRemovalTests.rollups(ledger) == LedgerRemovalTests.rebuiltRollups(ledger))
  }

  @Test func splicingPricesAClosedMonthByItsOwnTablesOnly() throws {
    let bundled = try PriceBook.load()
    let contract = try PriceBook.load(overrides: [("contract.csv", Self.contract)])
    let spliced = contract.splicing(months: [(Self.october, bundled)])
    func input(_ book: PriceBook, _ day: CivilDate) -> String {
      guard case .success(let card) = book.card(model: "claude-sonnet-4-5", on: day, requestInputTokens: 0)
      else {
        return "unpriced"
      }
      return "\(card.sync[.input]!)"
    }
    #expect(input(spliced, CivilDate(year: 2026, month: 9, day: 30)!) == "3")
    #expect(input(spliced, CivilDate(year: 2026, month: 10, day: 31)!) == "3")
    #expect(input(spliced, CivilDate(year: 2026, month: 11, day: 1)!) == "2.7")
    #expect(spliced.rateChangeDays(model: "claude-sonnet-4-5").contains(Self.november.daysSinceEpoch))
  }
}
