import Foundation

/// What `tally review` is asked for: the month, the optional revenue and budget files, and how
/// the command was given (so that the page can say how to reproduce every figure on it).
public struct ReviewRequest: Sendable {
  /// One calendar month in the report's zone.
  public var window: ReportWindow
  public var revenue: RevenueFile?
  public var budgets: BudgetFile?
  /// The month and as-of day of the budget check (`BudgetPeriod.resolve`); needed with `budgets`.
  public var budgetPeriod: BudgetPeriod?
  /// `--ledger`, `--pricing` and `--tz` as given, to append to each report's command.
  public var commonArguments: [String]
  /// The command that made the review, as typed (`tally review --month 2026-10 ...`).
  public var command: String
  /// Decimal places of money and percentages (`--precision`).
  public var precision: Int
  /// Rows kept per section before the rest are summed into one `(N others)` row (`--top`).
  public var topTenants = 20
  public var topJobs = 10
  public var topOpportunities = 5
  /// Models drawn on their own in the daily chart; the smaller ones are drawn together.
  public var chartModels = 7

  public init(
    window: ReportWindow, revenue: RevenueFile? = nil, budgets: BudgetFile? = nil,
    budgetPeriod: BudgetPeriod? = nil, commonArguments: [String] = [], command: String, precision: Int = 2
  ) {
    self.window = window
    self.revenue = revenue
    self.budgets = budgets
    self.budgetPeriod = budgetPeriod
    self.commonArguments = commonArguments
    self.command = command
    self.precision = precision
  }
}

/// One section's report: the presented table (rounded as the report's CSV and terminal table
/// are) and the command that prints the same report.
public struct ReviewSection: Sendable {
  /// The `data-figure` prefix of its figures on the page, such as `chargeback`.
  public let id: String
  /// `tally report chargeback --month 2026-10 --revenue revenue-2026-10.csv`.
  public let command: String
  /// Presented at the review's precision (`ReportTable.presented`), cut to its top rows.
  public let table: ReportTable
}

/// `tally review`: the month's finance review, built from the same reports the CLI prints,
/// each presented with the same rounding, so that every figure of the page or the terminal
/// summary is a cell of a report anyone can run (`ReviewSection.command`).
public struct ReviewReport: Sendable {
  public let request: ReviewRequest
  /// `YYYY-MM`.
  public let month: String
  public let previousMonth: String
  /// The month's daily spend by model: `report spend --by day,model`. With more models than
  /// `chartModels`, the smallest are summed into one `(N other models)` model per day.
  public let dailyByModel: ReviewSection
  /// `report spend --by day` of the month and of the previous month.
  public let daily: ReviewSection
  public let previousDaily: ReviewSection
  /// `report spend --by model`: the month's totals and each model's share.
  public let byModel: ReviewSection
  /// `report spend --by month --to <month end>`: what batch saved month by month so far.
  public let history: ReviewSection
  public let chargeback: ReviewSection
  public let jobs: ReviewSection
  public let opportunities: ReviewSection
  public let budget: ReviewSection?
  public let reconcile: ReviewSection?
  /// The headline: the month's cost, list cost and savings, the previous month's cost and
  /// the change (`headlineTable`).
  public let headline: ReviewSection
  /// The month's close, when it is closed.
  public let closed: ClosedPeriod?
  /// The price tables that priced the review (closed months by the tables they closed with).
  public let prices: [PriceSource]
  /// Budget lines that alert, as `report budget` names them; nil without budgets or alerts.
  public let budgetAlerts: String?
  /// The as-of line of the budget check (`BudgetReport.periodNote`).
  public let budgetNote: String?
  /// How many reconcile rows are beyond tolerance (nil without provider reports).
  public let reconcileExceeded: Int?
  /// The opportunities' assumptions (`OpportunitiesReport.assumptions`).
  public let assumptions: [String]
  /// Every report's warnings, once each, in section order.
  public let warnings: [String]

  /// Builds every section's report on `ledger`. `prices` is the book reports read the ledger
  /// with (closed months spliced in), `current` the book a closed month would be priced with
  /// now (for the chargeback's prior-period adjustments).
  public static func build(
    ledger: Ledger, prices: PriceBook, current: PriceBook, request: ReviewRequest
  ) throws -> ReviewReport {
    let window = request.window
    guard let month = window.wholeMonth, let first = window.from else {
      throw ReportError("a review covers one calendar month: give --month YYYY-MM")
    }
    let previousFirst = first.adding(days: -1).startOfMonth
    let previousMonth = String(previousFirst.description.prefix(7))
    let previousWindow = try ReportWindow(month: previousMonth, zone: window.zoneName)
    let precision = request.precision
    let common = request.commonArguments
    func command(_ words: [String]) -> String {
      (["tally"] + words + common).map(shellWord).joined(separator: " ")
    }
    func section(_ id: String, _ words: [String], _ table: ReportTable, top: Int? = nil) throws
      -> ReviewSection
    {
      var shown = table.presented(precision: precision)
      var words = words
      if let top, shown.rows.count > top + 1 {
        shown = try shown.reshaped(sort: nil, top: top)
        words += ["--top", String(top)]
      }
      return ReviewSection(id: id, command: command(words), table: shown)
    }
    var warnings: [String] = []
    func warn(_ lines: [String]) {
      for line in lines where !warnings.contains(line) { warnings.append(line) }
    }

    let byModel = try SpendReport.build(ledger: ledger, prices: prices, by: [.model], window: window)
    warn(byModel.warnings)
    var dailyByModel = try SpendReport.build(
      ledger: ledger, prices: prices, by: [.day, .model], window: window)
    let dailyByModelWords = ["report", "spend", "--by", "day,model", "--month", month]
    if byModel.rows.count > request.chartModels {
      dailyByModel = dailyByModel.lumpingModels(keeping: request.chartModels - 1, ranked: byModel)
    }
    let daily = try SpendReport.build(ledger: ledger, prices: prices, by: [.day], window: window)
    let previousDaily = try SpendReport.build(
      ledger: ledger, prices: prices, by: [.day], window: previousWindow)
    let history = try SpendReport.build(
      ledger: ledger, prices: prices, by: [.month],
      window: try ReportWindow(to: window.to, zone: window.zoneName))

    let adjustments = try PeriodBooks.adjustments(for: window, ledger: ledger, current: current)
    var chargebackWords = ["report", "chargeback", "--month", month]
    if let revenue = request.revenue {
      warn(try revenue.checkPeriod(window, report: "the review"))
      chargebackWords += ["--revenue", revenue.file]
    }
    // A closed month is charged back with the policy it was closed with, as `report chargeback`
    // does without options.
    let policy = try PeriodBooks.closedPolicy(for: window, ledger: ledger)?.options()
    let chargeback = try ChargebackReport(
      spend: try SpendReport.build(ledger: ledger, prices: prices, by: [.tenant], window: window),
      revenue: request.revenue, markupPercent: nil,
      allocation: policy?.allocation ?? ChargebackAllocationOptions(),
      adjustments: adjustments)
    warn(chargeback.warnings)
    let jobs = try JobsReport.build(ledger: ledger, prices: prices, window: window)
    warn(jobs.warnings)
    let opportunities = try OpportunitiesReport.build(
      ledger: ledger, prices: prices, window: window, by: [.job])
    warn(opportunities.warnings)

    var budgetSection: ReviewSection?
    var budgetAlerts: String?
    var budgetNote: String?
    if let budgets = request.budgets, let period = request.budgetPeriod {
      let budget = try BudgetReport.build(
        ledger: ledger, prices: prices, budgets: budgets, period: period, zone: window.zoneName)
      warn(budget.warnings)
      budgetSection = try section(
        "budget", ["report", "budget", "--budgets", budgets.file, "--month", period.month], budget.table)
      budgetAlerts = budget.alertSummary
      budgetNote = budget.periodNote.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    var reconcileSection: ReviewSection?
    var reconcileExceeded: Int?
    let hasProviderReports = try ["anthropic", "openai"].contains {
      !(try ledger.providerBuckets(.usage, provider: $0)).isEmpty
    }
    if hasProviderReports {
      let reconcile = try ReconcileReport.build(
        ledger: ledger, prices: prices, by: [.model], tolerance: 0, window: window)
      warn(reconcile.warnings)
      reconcileSection = try section(
        "reconcile", ["reconcile", "--by", "model", "--month", month], reconcile.table())
      reconcileExceeded = reconcile.exceeded
    }

    let closed = try ledger.periods().first { $0.month == first && $0.isClosed }
    let headline = headlineTable(
      month: month, previousMonth: previousMonth, cost: byModel.totals.cost ?? .zero,
      listCost: byModel.totals.listCost ?? .zero, previousCost: previousDaily.totals.cost ?? .zero)

    return ReviewReport(
      request: request, month: month, previousMonth: previousMonth,
      dailyByModel: try section("spend-day-model", dailyByModelWords, dailyByModel.table),
      daily: try section("spend-day", ["report", "spend", "--by", "day", "--month", month], daily.table),
      previousDaily: try section(
        "spend-day-previous", ["report", "spend", "--by", "day", "--month", previousMonth],
        previousDaily.table),
      byModel: try section(
        "spend-model", ["report", "spend", "--by", "model", "--month", month], byModel.table),
      history: try section(
        "spend-month", ["report", "spend", "--by", "month", "--to", window.to!.description], history.table),
      chargeback: try section("chargeback", chargebackWords, chargeback.table, top: request.topTenants),
      jobs: try section("jobs", ["report", "jobs", "--month", month], jobs.table, top: request.topJobs),
      opportunities: try section(
        "opportunities", ["report", "opportunities", "--month", month], opportunities.table,
        top: request.topOpportunities),
      budget: budgetSection, reconcile: reconcileSection,
      headline: ReviewSection(
        id: "change",
        command: command([
          "report", "spend", "--by", "month", "--from", previousWindow.from!.description, "--to",
          window.to!.description,
        ]),
        table: headline.presented(precision: precision)),
      closed: closed, prices: prices.sources, budgetAlerts: budgetAlerts, budgetNote: budgetNote,
      reconcileExceeded: reconcileExceeded, assumptions: opportunities.assumptions, warnings: warnings)
  }

  /// The headline's month-over-month figures as one row: the month's cost and list cost, the
  /// previous month's cost, each rounded on its own (exactly as each month's own reports show
  /// its total), the batch savings and the change as differences of the shown amounts (so the
  /// row reads right), and the change in percent of the previous month (exact, rounded once).
  static func headlineTable(
    month: String, previousMonth: String, cost: Money, listCost: Money, previousCost: Money
  )
    -> ReportTable
  {
    let columns = [
      Column("month", title: "Month"),
      Column("list_cost_usd", title: "List cost", rounding: .allocated),
      Column("cost_usd", title: "Cost", rounding: .allocated),
      Column(
        "batch_savings_usd", title: "Batch savings", rounding: .difference("list_cost_usd", minus: "cost_usd")
      ),
      Column("previous_month", title: "Previous month"),
      Column("previous_cost_usd", title: "Previous cost", rounding: .allocated),
      Column("change_usd", title: "Change", rounding: .difference("cost_usd", minus: "previous_cost_usd")),
      Column("change_pct", title: "Change %"),
    ]
    let row: [Cell] = [
      .text(month), .money(listCost), .money(cost), .money(listCost - cost), .text(previousMonth),
      .money(previousCost), .money(cost - previousCost),
      .percent((cost - previousCost).percent(of: previousCost)),
    ]
    return ReportTable(name: "review-change", columns: columns, rows: [row])
  }
}

extension SpendReport {
  /// The same report with every model but the `keeping` largest of `ranked` (by cost) summed
  /// into one `(N other models)` model, row by row: a chart can tell a handful of models apart.
  func lumpingModels(keeping: Int, ranked: SpendReport) -> SpendReport {
    let kept = Set(
      sortedByCost(ranked.rows, cost: \.cost, name: { ranked.value(.model, of: $0) }).prefix(keeping).map {
        ranked.value(.model, of: $0)
      })
    let others = ranked.rows.count - kept.count
    guard others > 0, let modelIndex = by.firstIndex(of: .model) else { return self }
    let label = "(\(others) other models)"
    var merged: [[String]: SpendRow] = [:]
    var order: [[String]] = []
    for row in rows {
      var values = row.values
      if !kept.contains(values[modelIndex]) { values[modelIndex] = label }
      guard var sum = merged[values] else {
        var copy = row
        copy.values = values
        merged[values] = copy
        order.append(values)
        continue
      }
      sum.add(row)
      merged[values] = sum
    }
    var report = SpendReport(
      by: by, window: window,
      rows: order.map { merged[$0]! }.sorted { $0.values.lexicographicallyPrecedes($1.values) },
      unpricedModels: unpricedModels)
    report.providerWarnings = providerWarnings
    return report
  }
}

/// A word of a shell command as it can be pasted: bare when it holds only safe characters,
/// else in single quotes.
public func shellWord(_ word: String) -> String {
  let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,@%+")
  if !word.isEmpty, word.allSatisfy({ safe.contains($0) }) { return word }
  return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
