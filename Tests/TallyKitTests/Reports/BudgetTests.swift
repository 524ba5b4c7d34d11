import Foundation
import Testing

@testable import TallyKit

/// A small ledger with spend worked out by hand, checked on 2026-10-10 (day 10 of 31: 21 days
/// to go; the trailing 7 days are 2026-10-04 to 2026-10-10).
///
/// Haiku 4.5 output is $5 per million tokens sync, so 100,000 output tokens cost $0.50.
/// - tenant steady, job chat: 200,000 tokens ($1.00) a day, 2026-10-01 to 2026-10-10: $10.00.
///   Projected 10 x 31 / 10 = $31.00; 7d 10 + 7 / 7 x 21 = $31.00.
/// - tenant ramp, job extract: $0.50 a day 2026-10-01 to 03, then $2.00 a day 2026-10-04 to 10:
///   1.50 + 14.00 = $15.50. Projected 15.5 x 31 / 10 = $48.05; 7d 15.5 + 14 / 7 x 21 = $57.50
///   (the last week's rate is higher, so the trailing projection is too).
/// - total: $25.50; projected 25.5 x 3.1 = $79.05; 7d 25.5 + 21 / 7 x 21 = $88.50.
/// - One unpriced request of `mystery-model` for steady on 2026-10-10 (not in any actual), and
///   $1.00 for steady on 2026-10-11, after the as-of day (not counted).
enum BudgetFixtures {
  static func at(_ day: Int, hour: Int = 12) -> Int64 {
    Timestamp.parse("2026-10-\(day < 10 ? "0" : "")\(day)T\(hour < 10 ? "0" : "")\(hour):00:00Z")!
  }

  static func record(
    _ key: String, tenant: String, job: String, day: Int, output: Int, model: String = "claude-haiku-4-5"
  )
    -> UsageRecord
  {
    UsageRecord(
      key: key, provider: "anthropic", model: model, mode: .sync, timestamp: at(day), status: .succeeded,
      tenant: tenant, job: job, tokens: TokenCounts(output: output))
  }

  static let records: [UsageRecord] =
    (1...11).map { record("s\($0)", tenant: "steady", job: "chat", day: $0, output: 200_000) }
    + (1...10).map {
      record("r\($0)", tenant: "ramp", job: "extract", day: $0, output: $0 <= 3 ? 100_000 : 400_000)
    }
    + [record("u1", tenant: "steady", job: "chat", day: 10, output: 1_000, model: "mystery-model")]

  static func ledger() throws -> Ledger { try FinanceFixtures.ledger(with: records) }

  static let period = BudgetPeriod(
    firstDay: CivilDate(parsing: "2026-10-01")!, asOf: CivilDate(parsing: "2026-10-10")!)

  static func money(_ text: String) -> Money { Money(parsing: text)! }
  static func day(_ text: String) -> CivilDate { CivilDate(parsing: text)! }
}

@Suite struct BudgetTests {
  typealias B = BudgetFixtures

  static let file = """
    scope,name,monthly_budget_usd,alert_pct
    tenant,steady,40,
    job,chat,35,80
    tenant,ramp,50,
    job,extract,12,
    total,,80,
    model,claude-haiku-4-5,100,90
    tenant,stedy,0,

    """

  @Test func projectionsWorkedByHand() throws {
    let budgets = try BudgetFile.parse(Self.file, file: "budgets.csv")
    let report = try BudgetReport.build(
      ledger: try B.ledger(), prices: IngestFixtures.prices, budgets: budgets, period: B.period)
    #expect(report.period.daysElapsed == 10)
    #expect(report.period.daysInMonth == 31)
    #expect(report.period.daysRemaining == 21)
    #expect(report.period.trailingFrom == B.day("2026-10-04"))
    let rows = report.rows
    #expect(
      rows.map(\.budget.label) == [
        "tenant steady", "job chat", "tenant ramp", "job extract", "total", "model claude-haiku-4-5",
        "tenant stedy",
      ])
    #expect(rows.map(\.actual) == ["10", "10", "15.5", "15.5", "25.5", "25.5", "0"].map(B.money))
    #expect(rows.map(\.projected) == ["31", "31", "48.05", "48.05", "79.05", "79.05", "0"].map(B.money))
    #expect(rows.map(\.projected7d) == ["31", "31", "57.5", "57.5", "88.5", "88.5", "0"].map(B.money))
    #expect(rows.map(\.variance) == ["-9", "-4", "-1.95", "36.05", "-0.95", "-20.95", "0"].map(B.money))
    #expect(rows.map(\.status) == [.ok, .warning, .projectedOver, .over, .projectedOver, .ok, .ok])
    #expect(rows.map(\.alerts) == [false, true, true, true, true, false, false])
    // ramp: 15.5 + 17 x 2 = 49.5, 15.5 + 18 x 2 = 51.5 > 50: day 10 + 18. extract: 0.5 x 3 + 2 x 5 =
    // 11.5 by 2026-10-08, 13.5 > 12 on 2026-10-09. total: 25.5 + 19 x 3 = 82.5 > 80 on day 29;
    // steady and chat (at $1 a day) would need 30 and 25 more days, beyond the month.
    #expect(
      rows.map(\.overrunDate) == [
        nil, nil, B.day("2026-10-28"), B.day("2026-10-09"), B.day("2026-10-29"), nil, nil,
      ])
    #expect(rows[0].usedPercent == Exact(25))
    #expect(rows[1].usedPercent == Exact(Decimal(200), over: 7))  // 28.571428…%
    #expect(rows[6].usedPercent == nil)  // a budget of zero
    // The unpriced request is in no actual, but counted and warned about.
    #expect(rows.map(\.unpricedRequests) == [1, 1, 0, 0, 1, 0, 0])
    #expect(report.unpricedModels == ["mystery-model": 1])
    #expect(
      report.warnings == [
        "unpriced usage, excluded from every cost and from the totals: mystery-model (1 requests); add their rates with --pricing FILE",
        "budgets.csv:8: no tenant \"stedy\" in the ledger, so its actual is $0; did you mean steady?",
      ])
    #expect(
      report.alertSummary
        == "4 budgets alert: job chat (warning), tenant ramp (projected over 2026-10-28), job extract (over), total (projected over 2026-10-29)"
    )

    #expect(
      report.table.renderCSV() == """
        scope,name,budget_usd,alert_pct,actual_usd,used_pct,projected_usd,projected_7d_usd,variance_usd,overrun_date,status,alert,unpriced_requests
        tenant,steady,40.00,100.00,10.00,25.00,31.00,31.00,-9.00,,ok,no,1
        job,chat,35.00,80.00,10.00,28.57,31.00,31.00,-4.00,,warning,yes,1
        tenant,ramp,50.00,100.00,15.50,31.00,48.05,57.50,-1.95,2026-10-28,projected over,yes,0
        job,extract,12.00,100.00,15.50,129.17,48.05,57.50,36.05,2026-10-09,over,yes,0
        total,,80.00,100.00,25.50,31.88,79.05,88.50,-0.95,2026-10-29,projected over,yes,1
        model,claude-haiku-4-5,100.00,90.00,25.50,25.50,79.05,88.50,-20.95,,ok,no,0
        tenant,stedy,0.00,100.00,0.00,,0.00,0.00,0.00,,ok,no,0

        """)
    let json = report.table.renderJSON()
    #expect(json.contains("\"used_pct\": \"28.57142857142857142857\""))
    #expect(json.contains("\"overrun_date\": null"))
    #expect(json.contains("\"alert\": true"))
    #expect(json.contains("\"status\": \"projected over\""))
    #expect(!json.contains("\"totals\""))
  }

  @Test func theTrailingWindowStaysInTheMonth() throws {
    // On 2026-10-03 the trailing window is the 3 days so far: ramp's $0.50 a day.
    let period = BudgetPeriod(firstDay: B.day("2026-10-01"), asOf: B.day("2026-10-03"))
    #expect(period.trailingDays == 3)
    #expect(period.trailingFrom == B.day("2026-10-01"))
    let budgets = try BudgetFile.parse("scope,name,monthly_budget_usd\ntenant,ramp,15\n", file: "b.csv")
    let report = try BudgetReport.build(
      ledger: try B.ledger(), prices: IngestFixtures.prices, budgets: budgets, period: period)
    let row = report.rows[0]
    #expect(row.actual == B.money("1.5"))
    #expect(row.projected == B.money("15.5"))  // 1.5 x 31 / 3
    #expect(row.projected7d == B.money("15.5"))  // 1.5 + 0.5 x 28
    // 1.5 + 27 x 0.5 = 15 is not above 15; 1.5 + 28 x 0.5 = 15.5 is, on the month's last day.
    #expect(row.overrunDate == B.day("2026-10-31"))
    #expect(row.status == .projectedOver)
  }

  @Test func aZeroBudgetIsOverAtTheFirstCent() {
    let line = BudgetLine(scope: .total, name: "", monthlyBudget: .zero)
    let row = BudgetRow(budget: line, daily: [B.day("2026-10-02"): B.money("0.01")], period: B.period)
    #expect(row.status == .over)
    #expect(row.alerts)
    #expect(row.overrunDate == B.day("2026-10-02"))
    #expect(row.usedPercent == nil)
    let idle = BudgetRow(budget: line, daily: [:], period: B.period)
    #expect(idle.status == .ok)
    #expect(!idle.alerts)
  }

  @Test func alertPercentAboveOneHundredLetsAnOverrunPassQuietly() {
    // At 150% a $10 budget alerts from $15: $12 spent is over, but does not alert yet.
    let line = BudgetLine(scope: .total, name: "", monthlyBudget: B.money("10"), alertPercent: 150)
    let period = BudgetPeriod(firstDay: B.day("2026-10-01"), asOf: B.day("2026-10-31"))
    let row = BudgetRow(budget: line, daily: [B.day("2026-10-31"): B.money("12")], period: period)
    #expect(row.status == .over)
    #expect(!row.alerts)
    // Reaching the threshold exactly alerts.
    let exactly = BudgetRow(budget: line, daily: [B.day("2026-10-31"): B.money("15")], period: period)
    #expect(exactly.alerts)
  }

  @Test func periodDefaultsAndChecks() throws {
    let today = B.day("2026-11-27")
    func resolve(_ month: String?, _ asOf: String?, latest: String? = "2026-11-20") throws -> BudgetPeriod {
      try BudgetPeriod.resolve(
        month: month, asOf: asOf.map(B.day), latestUsage: latest.map(B.day), today: today)
    }
    // A month that has ended: its last day; the current month: today.
    #expect(
      try resolve("2026-10", nil) == BudgetPeriod(firstDay: B.day("2026-10-01"), asOf: B.day("2026-10-31")))
    #expect(try resolve("2026-11", nil) == BudgetPeriod(firstDay: B.day("2026-11-01"), asOf: today))
    // No --month: the month of --as-of, else of the latest usage, else this month.
    #expect(
      try resolve(nil, "2026-09-15") == BudgetPeriod(firstDay: B.day("2026-09-01"), asOf: B.day("2026-09-15"))
    )
    #expect(try resolve(nil, nil, latest: "2026-10-12").asOf == B.day("2026-10-31"))
    #expect(try resolve(nil, nil, latest: nil) == BudgetPeriod(firstDay: B.day("2026-11-01"), asOf: today))
    #expect(try resolve("2024-02", nil).daysInMonth == 29)

    func refusal(_ month: String?, _ asOf: String?) -> String? {
      do {
        _ = try resolve(month, asOf)
        return nil
      } catch { return "\(error)" }
    }
    #expect(
      refusal("2026-10", "2026-11-02")
        == "--as-of 2026-11-02 is not in 2026-10: give a day from 2026-10-01 to 2026-10-31, or leave --as-of out"
    )
    #expect(
      refusal("2026-12", nil)
        == "--month 2026-12 has not begun (today is 2026-11-27): a budget is checked against the usage of a month so far; give --month YYYY-MM"
    )
    #expect(
      refusal(nil, "2026-11-28")
        == "--as-of 2026-11-28 is after today (2026-11-27): the ledger has no usage of days to come; give a day up to 2026-11-27"
    )
  }

  @Test func budgetFileErrorsListEveryProblemWithItsLine() {
    let text = """
      scope,name,monthly_budget_usd,alert_pct
      tenant,acme,500,80
      tenants,globex,100,
      tenant,,100,
      total,acme,1000,
      job,summarize,-5,
      job,classify,"1,500",
      model,claude-haiku-4-5,20,0
      model,claude-opus-5,20,1001
      model,gpt-5-mini,,
      tenant,acme,600,
      total,,900,
      total,,950,
      tenant,initech,100

      """
    do {
      _ = try BudgetFile.parse(text, file: "budgets.csv")
      Issue.record("the file is refused")
    } catch {
      #expect(
        error.problems == [
          "budgets.csv:3: column scope: \"tenants\" is not a scope; expected tenant, job, model or total; did you mean tenant?",
          "budgets.csv:4: column name: empty; a tenant budget names the tenant",
          "budgets.csv:5: column name: \"acme\" given for scope total; a total budget covers all usage: leave the name empty",
          "budgets.csv:6: column monthly_budget_usd: -5 is negative; a budget is zero or more",
          "budgets.csv:7: column monthly_budget_usd: \"1,500\" is not a decimal number; write dollars like 1500 or 1234.56, without $ or thousands separators",
          "budgets.csv:8: column alert_pct: \"0\" is not a percentage above 0 and at most 1000; write 80 to alert at 80% of the budget, or leave it empty for 100",
          "budgets.csv:9: column alert_pct: \"1001\" is not a percentage above 0 and at most 1000; write 80 to alert at 80% of the budget, or leave it empty for 100",
          "budgets.csv:10: column monthly_budget_usd: empty; every line gives a monthly budget in dollars",
          "budgets.csv:11: column name: tenant \"acme\" already has a budget on line 2",
          "budgets.csv:13: column scope: the total already has a budget on line 12",
          "budgets.csv:14: expected 4 fields (scope,name,monthly_budget_usd,alert_pct), found 3",
        ])
    }
  }

  @Test func budgetFileHeaderProblems() {
    func problems(_ text: String) -> [String] {
      do {
        _ = try BudgetFile.parse(text, file: "b.csv")
        return []
      } catch { return error.problems }
    }
    #expect(
      problems("scope,name,budget\ntotal,,5\n") == [
        "b.csv:1: column monthly_budget_usd: missing from the header; expected scope,name,monthly_budget_usd,alert_pct (alert_pct may be left out); rename the column budget to monthly_budget_usd"
      ])
    #expect(
      problems("scope,name,monthly_budget_usd,alert_percent\ntotal,,5,80\n") == [
        "b.csv:1: column alert_percent: not a budget file column; did you mean alert_pct?"
      ])
    #expect(
      problems("") == [
        "b.csv:1: the file is empty; expected the header scope,name,monthly_budget_usd,alert_pct"
      ])
    #expect(
      problems("scope,name,monthly_budget_usd\n") == [
        "b.csv:1: no budget under the header; add lines such as tenant,acme,500,80 or total,,2000"
      ])
    #expect(
      problems("scope,name,monthly_budget_usd\ntotal,\"unclosed,5\n") == [
        "b.csv:2: a quoted field is never closed (missing \")"
      ])
  }

  @Test func budgetFileReadsColumnsInAnyOrderAndDefaultsAlertPercent() throws {
    let file = try BudgetFile.parse(
      "\u{FEFF}monthly_budget_usd,notes,scope,name\r\n1234.56,team a,tenant, acme \r\n0,,total,\r\n",
      file: "b.csv")
    #expect(
      file.lines == [
        BudgetLine(
          scope: .tenant, name: "acme", monthlyBudget: B.money("1234.56"), alertPercent: 100, line: 2),
        BudgetLine(scope: .total, name: "", monthlyBudget: .zero, alertPercent: 100, line: 3),
      ])
  }
}
