import Foundation
import Testing

@testable import TallyKit

/// A hand-built October ledger whose costs are worked by hand (Sonnet 4.5 $3/$15, cache read
/// $0.30; Haiku 4.5 $1/$5, batch half):
/// - acme chat, 20 Sonnet sync requests: 1M input, 2M cache reads, 100k output = 3 + 0.60 + 1.50 = $5.10
/// - acme summarize, 20 Haiku sync requests: 3M input, 300k output = $4.50
/// - globex summarize, 10 Haiku sync requests: 1M input, 100k output = $1.50
/// - globex classify, 20 Haiku batch requests: 2M input, 200k output = 1 + 0.50 = $1.50
/// - an unattributed classify request on an unknown model: unpriced.
/// Total $12.60 over the 31 days of October.
enum WhatIfFixtures {
  static let day = Timestamp.parse("2026-10-05T10:00:00Z")!

  static func record(
    _ key: String, tenant: String?, job: String, model: String, mode: Mode = .sync, tokens: TokenCounts
  ) -> UsageRecord {
    UsageRecord(
      key: key, provider: "anthropic", model: model, mode: mode, timestamp: day, status: .succeeded,
      tenant: tenant, job: job, batchID: mode == .batch ? "msgbatch_W" : nil, tokens: tokens)
  }

  /// `count` requests splitting `total` evenly, each under the 200,000-token long-context cliff.
  static func requests(
    _ count: Int, _ key: String, tenant: String?, job: String, model: String, mode: Mode = .sync,
    total: TokenCounts
  ) -> [UsageRecord] {
    (1...count).map { index in
      record(
        "\(key)-\(index)", tenant: tenant, job: job, model: model, mode: mode,
        tokens: TokenCounts(
          input: total.input / count, cacheRead: total.cacheRead / count, output: total.output / count))
    }
  }

  static let records =
    requests(
      20, "chat", tenant: "acme", job: "chat", model: "claude-sonnet-4-5",
      total: TokenCounts(input: 1_000_000, cacheRead: 2_000_000, output: 100_000))
    + requests(
      20, "sum-acme", tenant: "acme", job: "summarize", model: "claude-haiku-4-5",
      total: TokenCounts(input: 3_000_000, output: 300_000))
    + requests(
      10, "sum-globex", tenant: "globex", job: "summarize", model: "claude-haiku-4-5",
      total: TokenCounts(input: 1_000_000, output: 100_000))
    + requests(
      20, "classify", tenant: "globex", job: "classify", model: "claude-haiku-4-5", mode: .batch,
      total: TokenCounts(input: 2_000_000, output: 200_000))
    + [record("u1", tenant: nil, job: "classify", model: "mystery-model", tokens: TokenCounts(input: 1_000))]

  static func ledger() throws -> Ledger { try FinanceFixtures.ledger(with: records) }

  static let october = try! ReportWindow(month: "2026-10")

  /// Half of summarize to batch, chat on Haiku, globex doubled; revenue $100, other COGS $10.
  static let scenario = """
    [finance]
    revenue = 100
    other_cogs = 10

    [[change]]
    kind = "move-to-batch"
    where = { job = "summarize" }
    share = 0.5

    [[change]]
    kind = "switch-model"
    where = { job = "chat" }
    to = "claude-haiku-4-5"

    [[change]]
    kind = "scale"
    where = { tenant = "globex" }
    factor = 2
    """
}

@Suite struct WhatIfTests {
  typealias F = WhatIfFixtures
  let prices = IngestFixtures.prices

  func whatif(
    _ text: String = F.scenario, by: [WhatIfDimension] = [.job], revenue: RevenueFile? = nil,
    at: CivilDate? = nil
  ) throws -> WhatIfReport {
    let file = try ScenarioFile.parse(text, file: "s.toml")
    let lines = try ScenarioLine.ledger(try F.ledger(), prices: prices, window: F.october, at: at)
    return try WhatIfReport.build(
      file: file, lines: lines, baseline: .ledger(window: F.october, days: 31, at: at), by: by,
      prices: prices,
      revenue: revenue)
  }

  @Test func ledgerScenarioPerJobWorkedByHand() throws {
    let report = try whatif()
    // summarize: acme 2.25 sync + 1.125 batch; globex (0.75 + 0.375) x 2 = 2.25; 5.625 in all.
    // chat on Haiku: 1 + 0.20 + 0.50 = 1.70. classify: globex doubled, 3.00; the unknown model
    // stays out of both sides. 12.60 becomes 10.325.
    #expect(
      report.table.renderCSV() == """
        job,baseline_cost_usd,scenario_cost_usd,delta_usd,delta_pct,unpriced_requests
        summarize,6.00,5.62,-0.38,-6.25,0
        chat,5.10,1.70,-3.40,-66.67,0
        classify,1.50,3.00,1.50,100.00,1

        """)
    #expect(report.totals.baselineCost.json == "12.6")
    #expect(report.totals.scenarioCost.json == "10.325")
    // A 31-day window scaled to a 30-day month: 12.60 x 30/31 and 10.325 x 30/31.
    #expect(report.monthFactor == Exact(30, over: 31))
    #expect(report.monthlyBaselineCost == Money(Exact(378, over: 31)))
    #expect(report.monthlyScenarioCost == Money(Exact(ExactDecimal.parse("309.75")!, over: 31)))
    #expect(report.monthlySavings == Money(Exact(ExactDecimal.parse("68.25")!, over: 31)))
    #expect(report.annualSavings == Money(Exact(819, over: 31)))
    #expect(report.annualSavings.csv() == "26.42")
    #expect(report.annual.baselineCost == report.monthly.baselineCost * 12)
    #expect(report.annual.scenarioCost == Money(Exact(ExactDecimal.parse("3717")!, over: 31)))
    #expect(report.annual.deltaPercent == report.monthly.deltaPercent)
    // Gross margin (100 - cost - 10) / 100: 90 - 12.1935… = 77.806…%, then 90 - 9.9919… = 80.008…%.
    #expect(report.margin?.baselineGrossMarginPercent == Exact(ExactDecimal.parse("2412")!, over: 31))
    #expect(report.margin?.scenarioGrossMarginPercent == Exact(ExactDecimal.parse("2480.25")!, over: 31))
    #expect(report.margin?.baselineGrossMarginPercent?.description == "77.80645161290322580645")
    #expect(
      report.warnings == [
        "unpriced usage, excluded from every cost and from the totals: mystery-model (1 requests); add their rates with --pricing FILE"
      ])
  }

  @Test func groupsFollowTheScenarioModelAndMode() throws {
    let byModel = try whatif(by: [.model])
    #expect(
      byModel.rows.map { [$0.values[0], $0.baselineCost.json, $0.scenarioCost.json] } == [
        ["claude-haiku-4-5-20251001", "7.5", "10.325"], ["claude-sonnet-4-5-20250929", "5.1", "0"],
        ["mystery-model", "0", "0"],
      ])
    // Sync: chat 1.70 + acme's sync half 2.25 + globex's 0.75 x 2; batch: 1.125 + 0.75 + 3.00.
    let byMode = try whatif(by: [.mode])
    #expect(
      byMode.rows.map { [$0.values[0], $0.baselineCost.json, $0.scenarioCost.json] } == [
        ["sync", "11.1", "5.45"], ["batch", "1.5", "4.875"],
      ])
  }

  @Test func eachTenantsMarginBeforeAndAfter() throws {
    // acme costs 9.60 then 5.075; globex 3.00 then 5.25; delta has revenue and no usage.
    let revenue = try RevenueFile.parse("tenant,revenue_usd\nacme,8\nglobex,3.50\ndelta,5\n", file: "r.csv")
    let report = try whatif(by: [.tenant], revenue: revenue)
    #expect(
      report.table.renderCSV() == """
        tenant,baseline_cost_usd,scenario_cost_usd,delta_usd,delta_pct,unpriced_requests,revenue_usd,baseline_gross_margin_usd,scenario_gross_margin_usd,baseline_gross_margin_pct,scenario_gross_margin_pct,verdict
        acme,9.60,5.07,-4.53,-47.14,0,8.00,-1.60,2.93,-20.00,36.56,becomes profitable
        globex,3.00,5.25,2.25,75.00,0,3.50,0.50,-1.75,14.29,-50.00,becomes unprofitable
        (unattributed),,,,,1,,,,,,no revenue line
        delta,0.00,0.00,0.00,,0,5.00,5.00,5.00,100.00,100.00,stays profitable

        """)
    // Rounded half to even, as everywhere: 5.075 shows as 5.08, -4.525 as -4.52, 2.925 as 2.92.
    #expect(report.rows[0].scenarioCost.json == "5.075")
    #expect(report.totals.revenue == Money(parsing: "16.5"))
    #expect(
      report.warnings.suffix(2) == [
        "revenue but no usage in the period (check the tenant names match the ledger): delta",
        "usage but no line in the revenue file (their margin is minus their cost): (unattributed)",
      ])
    #expect(throws: ReportError.self) { try whatif(by: [.job], revenue: revenue) }
  }

  @Test func ledgerBaselinesRejectWorkloadSelectorsAndPriceAtAGivenDate() throws {
    #expect(
      throws: ScenarioFileError(
        file: "s.toml", line: 3,
        message:
          "change 1 (scale): where { workload = \"nightly\" } matches no usage; the baseline is ledger usage, which has no workloads"
      )
    ) {
      try whatif("[[change]]\nkind = \"scale\"\nwhere = { workload = \"nightly\" }\nfactor = 2\n")
    }
    #expect(throws: ReportError.self) { try whatif(by: [.workload]) }
    // --at prices both sides at one date's rates: the same here, as no rate changed since.
    let atLater = try whatif(at: CivilDate(parsing: "2026-11-21")!)
    #expect(atLater.totals.scenarioCost.json == "10.325")
  }

  @Test func opportunitiesRankSyncTrafficBySavings() throws {
    let report = try OpportunitiesReport.build(
      ledger: try F.ledger(), prices: prices, window: F.october, by: [.job])
    // summarize: 6.00 sync, 3.00 at batch. chat: 5.10 sync, 2.55 at batch; if every cache read
    // missed and re-wrote the cache: 1.50 + 2M x 1.875 + 0.75 = 6.00, so it could cost 0.90 more.
    // Savings per month are x 30/31; shares are of all $12.60 spent.
    #expect(
      report.table.renderCSV() == """
        rank,job,sync_requests,sync_cost_usd,batch_cost_usd,savings_usd,monthly_savings_usd,worst_case_monthly_savings_usd,share_of_spend_pct,unpriced_requests,verdict
        1,summarize,30,6.00,3.00,3.00,2.90,2.90,47.62,0,move first
        2,chat,20,5.10,2.55,2.55,2.47,-0.87,40.48,0,pilot first: costs more if batch cache hits miss
        3,classify,1,,,,,,,1,unpriced: add its rates to compare

        """)
    #expect(report.totalSpend.json == "12.6")
    #expect(report.totals.savings.json == "5.55")
    #expect(report.assumptions.last == "A month is 30 days: the 31-day window is scaled by 30/31.")
  }
}
