import Foundation

/// The month a budget report checks and the day it is checked on.
///
/// Days elapsed count the first day and the as-of day; the trailing window is the last
/// `min(7, daysElapsed)` days up to the as-of day, never before the month's first day.
public struct BudgetPeriod: Sendable, Equatable {
  /// The month's first day.
  public let firstDay: CivilDate
  /// The last day counted (inclusive), in the month.
  public let asOf: CivilDate

  /// `firstDay`..`asOf` must lie in one month.
  public init(firstDay: CivilDate, asOf: CivilDate) {
    precondition(
      firstDay == firstDay.startOfMonth && asOf.startOfMonth == firstDay, "as-of lies in the month")
    self.firstDay = firstDay
    self.asOf = asOf
  }

  /// `YYYY-MM`.
  public var month: String { String(firstDay.description.prefix(7)) }
  public var lastDay: CivilDate { firstDay.startOfNextMonth.adding(days: -1) }
  public var daysInMonth: Int { lastDay.day }
  /// The as-of day minus the first day, plus one.
  public var daysElapsed: Int { asOf.day }
  public var daysRemaining: Int { daysInMonth - daysElapsed }
  /// The days of the trailing-rate window: 7, or fewer early in the month.
  public var trailingDays: Int { min(7, daysElapsed) }
  /// The first day of the trailing window.
  public var trailingFrom: CivilDate { asOf.adding(days: 1 - trailingDays) }

  /// The period as asked: `month` (`YYYY-MM`), else the month of `asOf`, else the month of
  /// `latestUsage` (the last day with usage in the ledger), else today's month. The as-of day
  /// defaults to the month's last day when the month ended before `today`, else to `today`.
  /// A month that has not begun, an as-of day outside the month or after `today`, are usage
  /// errors.
  public static func resolve(
    month: String?, asOf: CivilDate?, latestUsage: CivilDate?, today: CivilDate
  ) throws(ReportError) -> BudgetPeriod {
    let firstDay: CivilDate
    let source: String
    if let month {
      guard let window = try? ReportWindow(month: month), let first = window.from else {
        throw ReportError("--month: expected a month written YYYY-MM, not \"\(month)\"")
      }
      (firstDay, source) = (first, "--month \(month)")
    } else if let asOf {
      (firstDay, source) = (asOf.startOfMonth, "the month of --as-of \(asOf)")
    } else if let latestUsage {
      (firstDay, source) = (
        latestUsage.startOfMonth, "the latest month with usage, \(latestUsage.description.prefix(7)),"
      )
    } else {
      (firstDay, source) = (today.startOfMonth, "this month")
    }
    guard firstDay <= today else {
      throw ReportError(
        "\(source) has not begun (today is \(today)): a budget is checked against the usage of a month so far; give --month YYYY-MM"
      )
    }
    let lastDay = firstDay.startOfNextMonth.adding(days: -1)
    guard let asOf else {
      return BudgetPeriod(firstDay: firstDay, asOf: min(lastDay, today))
    }
    guard asOf.startOfMonth == firstDay else {
      throw ReportError(
        "--as-of \(asOf) is not in \(firstDay.description.prefix(7)): give a day from \(firstDay) to \(lastDay), or leave --as-of out"
      )
    }
    guard asOf <= today else {
      throw ReportError(
        "--as-of \(asOf) is after today (\(today)): the ledger has no usage of days to come; give a day up to \(today)"
      )
    }
    return BudgetPeriod(firstDay: firstDay, asOf: asOf)
  }
}

/// Where a budget stands: `over` (spent more than the budget), `projected over` (either
/// projection to month end is above it), `warning` (the actual or a projection reaches the
/// alert percentage), else `ok`.
public enum BudgetStatus: String, Sendable {
  case ok, warning, over
  case projectedOver = "projected over"
}

/// One budget line checked against the month's usage.
public struct BudgetRow: Sendable {
  public let budget: BudgetLine
  /// Cost at the rates paid from the month's first day through the as-of day; priced usage only.
  public let actual: Money
  /// Cost of the trailing window (`BudgetPeriod.trailingDays` days up to the as-of day).
  public let trailingCost: Money
  /// `actual x days in month / days elapsed`.
  public let projected: Money
  /// `actual + trailingCost / trailing days x days remaining`.
  public let projected7d: Money
  /// The first day cumulative cost exceeded the budget, or at the trailing daily rate will
  /// exceed it, within the month; nil otherwise.
  public let overrunDate: CivilDate?
  /// Billed requests in the scope that could not be priced (left out of `actual`).
  public let unpricedRequests: Int

  /// `projected - budget`: positive is over budget at month end at the days-elapsed rate.
  public var variance: Money { projected - budget.monthlyBudget }

  /// `actual / budget x 100`; nil for a budget of zero.
  public var usedPercent: Exact? { actual.percent(of: budget.monthlyBudget) }

  /// The amount at which the line alerts: `alert_pct` of the budget.
  public var alertThreshold: Money { budget.monthlyBudget * budget.alertPercent / 100 }

  /// Whether the actual or either projection reaches `alert_pct` of the budget (any spend, for
  /// a budget of zero).
  public var alerts: Bool {
    [actual, projected, projected7d].contains { $0 > .zero && !($0 < alertThreshold) }
  }

  public var status: BudgetStatus {
    let amount = budget.monthlyBudget
    if actual > amount { return .over }
    if projected > amount || projected7d > amount { return .projectedOver }
    return alerts ? .warning : .ok
  }

  /// `over`, `projected over 2026-10-24`: the status with the overrun date when it is ahead.
  public var statusPhrase: String {
    guard status == .projectedOver, let overrunDate else { return status.rawValue }
    return "\(status.rawValue) \(overrunDate)"
  }

  /// Checks `budget` against the cost of each day of `period` in its scope (days from the
  /// first to the as-of day; missing days cost nothing).
  public init(budget: BudgetLine, daily: [CivilDate: Money], unpricedRequests: Int = 0, period: BudgetPeriod)
  {
    let days = daily.filter { $0.key >= period.firstDay && $0.key <= period.asOf }
    let actual = days.values.sum()
    let trailing = days.filter { $0.key >= period.trailingFrom }.values.sum()
    let rate = trailing / Exact(Decimal(period.trailingDays))
    self.budget = budget
    self.actual = actual
    self.trailingCost = trailing
    self.projected = actual * Exact(Decimal(period.daysInMonth)) / Exact(Decimal(period.daysElapsed))
    self.projected7d = actual + rate * Exact(Decimal(period.daysRemaining))
    self.unpricedRequests = unpricedRequests
    let amount = budget.monthlyBudget
    if actual > amount {
      var cumulative = Money.zero
      var first: CivilDate?
      for day in days.keys.sorted() {
        cumulative = cumulative + days[day]!
        if cumulative > amount {
          first = day
          break
        }
      }
      overrunDate = first
    } else if rate > .zero {
      // Cumulative cost after k more days is actual + k x rate; it first exceeds the budget at
      // k = floor(left / rate) + 1, within the month when left / rate < days remaining.
      let daysLeft = (amount - actual).value / rate.value
      overrunDate =
        daysLeft < Exact(Decimal(period.daysRemaining))
        ? period.asOf.adding(days: BudgetRow.floor(daysLeft) + 1) : nil
    } else {
      overrunDate = nil
    }
  }

  /// The largest whole number not above `value` (a small non-negative value).
  static func floor(_ value: Exact) -> Int {
    var whole = ExactDecimal.wholeNumber(ExactDecimal.floor(value.decimal, scale: 0)) ?? 0
    // The decimal is exact only where the value terminates; settle the edge exactly.
    while Exact(Decimal(whole + 1)) <= value { whole += 1 }
    while Exact(Decimal(whole)) > value { whole -= 1 }
    return whole
  }
}

/// `tally report budget`: each budget line's month-to-date cost, its projections to month
/// end, and whether it alerts.
public struct BudgetReport: Sendable {
  public let period: BudgetPeriod
  /// The month's first day to the as-of day, in the report's zone.
  public let window: ReportWindow
  /// The budget file's name, as given.
  public let file: String
  /// One row per budget line, in file order.
  public let rows: [BudgetRow]
  public let unpricedModels: [String: Int]
  /// See `SpendReport.providerWarnings`.
  public let providerWarnings: [String]
  /// Budget lines naming a tenant, job or model the ledger has never seen (their actual is zero).
  public let nameWarnings: [String]

  public init(
    period: BudgetPeriod, window: ReportWindow, file: String, rows: [BudgetRow],
    unpricedModels: [String: Int] = [:], providerWarnings: [String] = [], nameWarnings: [String] = []
  ) {
    self.period = period
    self.window = window
    self.file = file
    self.rows = rows
    self.unpricedModels = unpricedModels
    self.providerWarnings = providerWarnings
    self.nameWarnings = nameWarnings
  }

  /// Reads the cost per day of every scope the budget file uses (one ledger query per scope
  /// kind: tenant, job, model, total), from the month's first day through the as-of day in
  /// `zone`, and checks each line. A name the ledger has never seen is a warning with the
  /// closest known names; a model may be named by any alias the price tables give it.
  public static func build(
    ledger: Ledger, prices: PriceBook, budgets: BudgetFile, period: BudgetPeriod, zone: String = "UTC"
  ) throws -> BudgetReport {
    let window = try ReportWindow(from: period.firstDay, to: period.asOf, zone: zone)
    var daily: [BudgetScope: [String: [CivilDate: Money]]] = [:]
    var unpriced: [BudgetScope: [String: Int]] = [:]
    var unpricedModels: [String: Int] = [:]
    var providerWarnings: Set<String> = []
    for scope in BudgetScope.allCases where budgets.lines.contains(where: { $0.scope == scope }) {
      let by = (scope.dimension.map { [$0] } ?? []) + [.day]
      let spend = try SpendReport.build(ledger: ledger, prices: prices, by: by, window: window)
      for row in spend.rows {
        let name = scope.dimension.map { spend.value($0, of: row) } ?? ""
        guard let day = CivilDate(parsing: spend.value(.day, of: row)) else { continue }
        if let cost = row.cost { daily[scope, default: [:]][name, default: [:]][day, default: .zero] += cost }
        unpriced[scope, default: [:]][name, default: 0] += row.unpricedRequests
      }
      // Every query covers all usage of the window, so each sees the same unpriced models.
      unpricedModels.merge(spend.unpricedModels) { max($0, $1) }
      providerWarnings.formUnion(spend.providerWarnings)
    }

    var known: [BudgetScope: Set<String>] = [:]
    var nameWarnings: [String] = []
    var rows: [BudgetRow] = []
    for line in budgets.lines {
      var key = line.name
      if let dimension = line.scope.dimension, let column = dimension.rollupColumn {
        if known[line.scope] == nil {
          var values = try ledger.distinctValues(of: column)
          if values.remove("") != nil, dimension != .model { values.insert(unattributed) }
          known[line.scope] = values
        }
        let names = known[line.scope]!
        if dimension == .model { key = prices.resolve(line.name)?.id ?? line.name }
        if !names.contains(key) {
          let candidates =
            dimension == .model
            ? names.union(names.flatMap { prices.history(model: $0).flatMap(\.aliases) }) : names
          nameWarnings.append(unknownName(line, file: budgets.file, known: candidates))
        }
      }
      rows.append(
        BudgetRow(
          budget: line, daily: daily[line.scope]?[key] ?? [:],
          unpricedRequests: unpriced[line.scope]?[key] ?? 0, period: period))
    }
    return BudgetReport(
      period: period, window: window, file: budgets.file, rows: rows,
      unpricedModels: unpricedModels.filter { $0.value != 0 }, providerWarnings: providerWarnings.sorted(),
      nameWarnings: nameWarnings)
  }

  /// `budgets.csv:4: no tenant "acmee" in the ledger, so its actual is $0; did you mean acme?`
  static func unknownName(_ line: BudgetLine, file: String, known: Set<String>) -> String {
    let noun = line.scope.rawValue
    var text = "\(file):\(line.line): no \(noun) \"\(line.name)\" in the ledger, so its actual is $0"
    let close = Suggestions.closest(to: line.name, among: known)
    if !close.isEmpty {
      text += "; did you mean \(Suggestions.orList(close))?"
    } else if known.count <= 12 {
      text +=
        known.isEmpty ? "; the ledger has no \(noun) names" : "; it has \(Suggestions.orList(known.sorted()))"
    } else {
      text += " (it has \(known.count) \(noun) names; see tally report spend --by \(noun))"
    }
    return text
  }

  /// The rows that alert (the CLI exits 1 when there is any).
  public var alerting: [BudgetRow] { rows.filter(\.alerts) }

  /// `2 budgets alert: tenant acme (over), total (projected over 2026-10-24)`; nil when none does.
  public var alertSummary: String? {
    let rows = alerting
    guard !rows.isEmpty else { return nil }
    let count = rows.count == 1 ? "1 budget alerts" : "\(rows.count) budgets alert"
    return count + ": " + rows.map { "\($0.budget.label) (\($0.statusPhrase))" }.joined(separator: ", ")
  }

  /// Lines for stderr: unpriced models, and budget names the ledger does not know.
  public var warnings: [String] { unpricedWarnings(unpricedModels) + providerWarnings + nameWarnings }
}
