import Foundation

extension BudgetReport {
  /// The contract columns, one row per budget line in file order, and no totals row: budgets
  /// overlap (a tenant's budget is part of the total's), so their amounts do not add up. Every
  /// money cell is rounded on its own.
  public var table: ReportTable {
    let columns = [
      Column("scope", title: "Scope"),
      Column("name", title: "Name"),
      Column("budget_usd", title: "Budget"),
      Column("alert_pct", title: "Alert at", dropPriority: 3),
      Column("actual_usd", title: "Actual"),
      Column("used_pct", title: "Used", dropPriority: 2),
      Column("projected_usd", title: "Projected"),
      Column("projected_7d_usd", title: "Projected 7d"),
      Column("variance_usd", title: "Variance", dropPriority: 1),
      Column("overrun_date", title: "Overrun"),
      Column("status", title: "Status"),
      Column("alert", title: "Alert"),
      Column("unpriced_requests", title: "Unpriced", dropPriority: 4),
    ]
    let body = rows.map { row -> [Cell] in
      [
        .text(row.budget.scope.rawValue), .text(row.budget.name), .money(row.budget.monthlyBudget),
        .percent(row.budget.alertPercent), .money(row.actual), .percent(row.usedPercent),
        .money(row.projected),
        .money(row.projected7d), .money(row.variance), .date(row.overrunDate), .text(row.status.rawValue),
        .flag(row.alerts), .count(row.unpricedRequests),
      ]
    }
    let header =
      windowHeader(window) + [
        ("month", .string(period.month)), ("as_of", .string(period.asOf.description)),
        ("days_elapsed", .integer(period.daysElapsed)), ("days_in_month", .integer(period.daysInMonth)),
        ("trailing_days", .integer(period.trailingDays)), ("budgets", .string(file)),
        unpricedModelsMember(unpricedModels),
      ]
    return ReportTable(name: "budget", columns: columns, rows: body, header: header)
  }

  /// The line under the table: the as-of day, days elapsed and the trailing window.
  ///
  /// `As of 2026-10-20: day 20 of 31 of 2026-10, 11 days to go. Projected: actual x 31 / 20;
  /// projected 7d: actual + the daily average of 2026-10-14 to 2026-10-20 (7 days) x 11.`
  public var periodNote: String {
    let remaining = period.daysRemaining
    let trailing =
      period.trailingDays == 1
      ? "\(period.asOf) (1 day)" : "\(period.trailingFrom) to \(period.asOf) (\(period.trailingDays) days)"
    return """
      As of \(period.asOf): day \(period.daysElapsed) of \(period.daysInMonth) of \(period.month), \
      \(remaining) day\(remaining == 1 ? "" : "s") to go. Projected: actual x \(period.daysInMonth) / \
      \(period.daysElapsed); projected 7d: actual + the daily average of \(trailing) x \(remaining).

      """
  }
}
