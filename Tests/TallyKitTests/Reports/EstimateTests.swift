import Foundation
import Testing

@testable import TallyKit

@Suite struct EstimateTests {
  static let prices = try! PriceBook.load()
  static let november = CivilDate(parsing: "2026-11-21")!

  func estimate(_ text: String, at: CivilDate = november) throws -> EstimateReport {
    try EstimateReport.build(try ScenarioFile.parse(text, file: "w.toml"), prices: Self.prices, at: at)
  }

  static let published = """
    [[workload]]
    name = "contract-review"
    model = "claude-sonnet-4-5"
    requests = 500
    per = "day"
    input_tokens = 15000
    output_tokens = 800

    [[workload]]
    name = "claims"
    model = "claude-sonnet-4-5"
    requests = 50000
    per = "month"
    input_tokens = 2000
    output_tokens = 150

    [finance]
    revenue = 100000
    other_cogs = 10000
    """

  @Test func reproducesThePublishedExamples() throws {
    let report = try estimate(Self.published)
    #expect(report.rows.map { $0.syncCost.json } == ["855", "412.5"])
    #expect(report.rows.map { $0.batchCost?.json } == ["427.5", "206.25"])
    #expect(report.rows.map { $0.savingsPercent } == [50, 50])
    #expect(report.rows[0].requests == 15_000)
    #expect(report.rows[0].inputTokens == 225_000_000)
    #expect(report.totalSyncCost.json == "1267.5")
    #expect(report.totalBatchCost?.json == "633.75")
    // Gross margin: (100000 - 1267.50 - 10000) / 100000 = 88.7325%; at batch rates 89.36625%.
    #expect(report.margin?.baselineGrossMarginPercent == Exact(ExactDecimal.parse("88.7325")!))
    #expect(report.margin?.scenarioGrossMarginPercent == Exact(ExactDecimal.parse("89.36625")!))
  }

  @Test func weeklyWorkloadsScaleByDaysPerMonthOverSevenExactly() throws {
    let report = try estimate(
      Self.published.replacingOccurrences(of: "per = \"day\"", with: "per = \"week\"")
        .replacingOccurrences(of: "requests = 500", with: "requests = 700"))
    // 700 a week is 3,000 a month of 30 days: 3,000 x 0.057 = 171.
    #expect(report.rows[0].requests == 3_000)
    #expect(report.rows[0].syncCost.json == "171")
    let odd = try estimate(Self.published.replacingOccurrences(of: "per = \"day\"", with: "per = \"week\""))
    #expect(odd.rows[0].requests == Exact(15_000, over: 7))  // 500 x 30 / 7
    #expect(odd.rows[0].syncCost.csv() == "122.14")  // 855 / 7 = 122.142857...
    #expect(odd.rows[0].savingsPercent == 50)
  }

  @Test func ratesAreThoseInForceOnTheDate() throws {
    let text = Self.published.replacingOccurrences(of: "claude-sonnet-4-5", with: "claude-opus-4-6")
      .replacingOccurrences(of: "input_tokens = 15000", with: "input_tokens = 250000")
    // Over 200,000 input: Opus 4.6's premium (10 / 37.50) until 2026-03-12, standard (5 / 25) from
    // 2026-03-13, when the 1M context became generally available.
    #expect(try estimate(text, at: CivilDate(parsing: "2026-03-12")!).rows[0].syncCost.json == "37950")
    #expect(try estimate(text, at: CivilDate(parsing: "2026-03-13")!).rows[0].syncCost.json == "19050")
  }

  @Test func unknownModelsAndDatesWithoutRatesAreErrors() {
    #expect(
      throws: ScenarioFileError(
        file: "w.toml", line: 3,
        message:
          "workload \"contract-review\": unknown model \"claude-sonnet-9\": no price table row has that id or alias; add it with --pricing FILE"
      )
    ) {
      try estimate(Self.published.replacingOccurrences(of: "claude-sonnet-4-5", with: "claude-sonnet-9"))
    }
    #expect(
      throws: ScenarioFileError(
        file: "w.toml", line: 3,
        message:
          "workload \"contract-review\": no rate for claude-sonnet-4-5-20250929 is in force on 2024-01-01"
      )
    ) {
      try estimate(Self.published, at: CivilDate(parsing: "2024-01-01")!)
    }
  }
}
