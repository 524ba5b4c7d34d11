import Foundation
import Testing

@testable import TallyKit

/// A table with tiers at 100,001 and 272,001 (claude-haiku-5-5 and OpenAI's gpt-5.4 have such
/// cuts), priced exactly on both sides of each through every report.
@Suite("Context tiers at any threshold")
struct ContextTierTests {
  static let table = """
    provider,model,aliases,effective_from,effective_to,min_input_tokens,input,output,cache_write_5m,cache_write_1h,cache_read,batch_input,batch_output,batch_cache_write_5m,batch_cache_write_1h,batch_cache_read,web_search_per_1k,notes
    anthropic,tiered-model,,2026-01-01,,0,1,2,1.25,2,0.1,0.5,1,0.625,1,0.05,10,
    anthropic,tiered-model,,2026-01-01,,100001,2,4,2.5,4,0.2,1,2,1.25,2,0.1,10,
    anthropic,tiered-model,,2026-01-01,,272001,3,6,3.75,6,0.3,1.5,3,1.875,3,0.15,10,

    """
  static let prices = try! PriceBook.load(overrides: [(file: "tiers.csv", text: table)])
  static let october = try! ReportWindow(month: "2026-10")

  /// 100,000 and 100,001, 272,000 and 272,001 tokens of input, 1,000 of output each:
  /// $0.102, $0.204002, $0.548 and $0.822003 (hand-computed: input x rate + output x rate).
  static func ledger() throws -> Ledger {
    let inputs = [
      (100_000, "acme", "a"), (100_001, "acme", "b"), (272_000, "globex", "a"), (272_001, "globex", "b"),
    ]
    let records = inputs.enumerated().map { index, request in
      UsageRecord(
        key: "api:tier-\(index)", provider: "anthropic", model: "tiered-model", mode: .sync,
        timestamp: Timestamp.startOf(CivilDate(year: 2026, month: 10, day: 5 + index)!) + 3_600,
        status: .succeeded, tenant: request.1, job: request.2,
        tokens: TokenCounts(input: request.0, output: 1_000))
    }
    return try UsagePlanTests.ledger(records, prices: prices)
  }

  @Test func spendAndChargebackPriceEachSideOfEachThreshold() throws {
    let ledger = try Self.ledger()
    let spend = try SpendReport.build(
      ledger: ledger, prices: Self.prices, by: [.context], window: Self.october)
    #expect(spend.rows.map(\.values) == [["0-100k"], ["100k-272k"], ["272k+"]])
    #expect(
      spend.rows.map(\.cost) == [
        Money(0.102), Money(Decimal(string: "0.752002")!), Money(Decimal(string: "0.822003")!),
      ])
    #expect(spend.rows.map(\.requests) == [1, 2, 1])
    #expect(spend.totals.cost == Money(Decimal(string: "1.676005")!))
    let chargeback = try ChargebackReport.build(
      ledger: ledger, prices: Self.prices, window: Self.october, revenue: nil, markupPercent: nil)
    #expect(chargeback.rows.map(\.tenant) == ["globex", "acme"])
    #expect(
      chargeback.rows.map(\.cost) == [
        Money(Decimal(string: "1.370003")!), Money(Decimal(string: "0.306002")!),
      ])
  }

  @Test func focusJobsWhatIfAndOpportunitiesUseTheSameTiers() throws {
    let ledger = try Self.ledger()
    let focus = try FocusExport.build(ledger: ledger, prices: Self.prices, window: Self.october)
    let inputRows = focus.charges.filter { $0.meter == .tokens(.input) }
    #expect(inputRows.map(\.context) == ["0-100k", "100k-272k", "100k-272k", "272k+"])
    #expect(
      inputRows.map(\.cost) == [0.1, Decimal(string: "0.200002")!, 0.544, Decimal(string: "0.816003")!])

    let jobs = try JobsReport.build(ledger: ledger, prices: Self.prices, window: Self.october)
    #expect(jobs.rows.map(\.job) == ["b", "a"])
    #expect(jobs.rows.map(\.cost) == [Money(Decimal(string: "1.026005")!), Money(0.65)])

    let scenario = try ScenarioFile.parse(
      """
      [[change]]
      kind = "move-to-batch"
      """, file: "batch.toml")
    let lines = try ScenarioLine.ledger(ledger, prices: Self.prices, window: Self.october)
    let whatif = try WhatIfReport.build(
      file: scenario, lines: lines, baseline: .ledger(window: Self.october, days: 31, at: nil),
      by: [.context],
      prices: Self.prices)
    #expect(whatif.rows.map(\.values) == [["272k+"], ["100k-272k"], ["0-100k"]])
    #expect(whatif.rows.map(\.baselineCost).sum() == Money(Decimal(string: "1.676005")!))
    #expect(whatif.rows.map(\.scenarioCost).sum() == Money(Decimal(string: "0.8380025")!))

    let opportunities = try OpportunitiesReport.build(
      ledger: ledger, prices: Self.prices, window: Self.october, by: [.context])
    #expect(opportunities.rows.map(\.values) == [["272k+"], ["100k-272k"], ["0-100k"]])
    #expect(opportunities.totals.savings == Money(Decimal(string: "0.8380025")!))
    #expect(opportunities.rows.first?.savings == Money(Decimal(string: "0.4110015")!))
  }

  @Test func aContextFilterTakesTheTablesLabelsAndNothingElse() throws {
    let ledger = try Self.ledger()
    #expect(Self.prices.contextLabels.contains("100k-272k"))
    let spend = try SpendReport.build(
      ledger: ledger, prices: Self.prices, by: [.tenant],
      filter: try ReportFilter(parsing: ["context=100k-272k"]),
      window: Self.october)
    #expect(spend.rows.map(\.requests) == [1, 1])
    var wrong = try ReportFilter(parsing: ["context=100K+"])
    let error = #expect(throws: ReportError.self) { try wrong.check(ledger: ledger, prices: Self.prices) }
    #expect(error?.description.hasPrefix("--where context=100K+: context is 0-100k, ") == true)
  }
}
