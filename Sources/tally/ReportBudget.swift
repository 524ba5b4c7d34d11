import ArgumentParser
import Foundation
import TallyKit

struct ReportBudget: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "budget",
    abstract:
      "Month-to-date cost against monthly budgets, projected to month end; exit 1 when a budget alerts.",
    discussion: """
      The budget file is CSV with the header scope,name,monthly_budget_usd[,alert_pct]: scope is
      tenant, job, model (a model may be named by an alias) or total (then name is empty);
      alert_pct defaults to 100. Rows are printed in file order, with no totals row (budgets
      overlap), each amount rounded on its own.

      Month: --month, else the month of --as-of, else the latest month with usage in the
      ledger. --as-of (inclusive, in the month): default the month's last day if the month has
      ended, else today. Days are read in the --tz zone; --from/--to are refused.

      actual_usd: cost at the rates paid from the month's first day through the as-of day
      (priced usage only). used_pct = actual / budget x 100.
      projected_usd = actual x days_in_month / days_elapsed (days_elapsed counts the first and
      the as-of day).
      projected_7d_usd = actual + the daily average of the last 7 days up to the as-of day
      (fewer early in the month) x the days remaining.
      variance_usd = projected_usd - budget (positive: over budget at month end).
      overrun_date: the first day cumulative cost exceeded the budget; else the day it will at
      the trailing 7-day rate, if within the month.
      status: over (actual above the budget), projected over (either projection above it),
      warning (the actual or a projection reaches alert_pct of the budget), else ok.

      Exit status 1 when any row alerts (the actual or either projection reaches alert_pct of its
      budget), after the whole report, with a one-line summary on stderr, so that a nightly job
      can alert; 65 for a bad budget file (every problem listed as file:line), 64 for usage
      errors. A name the ledger has never seen is a warning (an error with --strict).
      """
  )

  @Option(
    help: ArgumentHelp(
      "Monthly budgets: CSV with the columns scope,name,monthly_budget_usd and optionally alert_pct.",
      valueName: "file"), completion: .file(extensions: ["csv"]))
  var budgets: String

  @Option(
    help: ArgumentHelp(
      "The last day counted (inclusive, in the month); default the month's last day once it has ended, else today.",
      valueName: "date"), transform: CivilDate.argument)
  var asOf: CivilDate?

  @OptionGroup var options: LedgerReportOptions

  func validate() throws {
    try options.output.rejectFocus()
    if options.period.from != nil || options.period.to != nil {
      throw ValidationError(
        "report budget checks one calendar month up to a day: give --month YYYY-MM and --as-of DATE, not --from/--to"
      )
    }
    try validateFilesExist([budgets], option: "--budgets")
  }

  /// The budget file, read and checked; bad lines exit 65 listing every problem.
  func loadBudgets() throws -> BudgetFile {
    do {
      return try BudgetFile.parse(try readInput(budgets), file: budgets)
    } catch let error as BudgetFileError {
      throw CLIFailure(error.problems, status: 65)
    }
  }

  func run() throws {
    let database = try options.ledger.openForReading()
    let prices = try database.books(try options.pricing.loadPriceBook())
    let budgetFile = try loadBudgets()
    let zone = try buildReport { try ReportWindow(zone: options.zone.tz) }
    let latestUsage = try database.latestRequestInstant().flatMap {
      CivilDate(parsing: zone.format($0).prefix(10))
    }
    let period = try buildReport {
      try BudgetPeriod.resolve(
        month: options.period.month, asOf: asOf, latestUsage: latestUsage, today: Terminal.today(in: zone))
    }
    let report = try buildReport {
      try BudgetReport.build(
        ledger: database, prices: prices, budgets: budgetFile, period: period, zone: options.zone.tz)
    }
    try options.emit(warnings: report.warnings)
    let context = try options.context(
      "Budgets for \(period.month)", window: report.window, ledger: database, warnings: report.warnings,
      prices: prices)
    try options.output.print(report.table, context: context, after: [report.periodNote])
    if let summary = report.alertSummary {
      Terminal.error(summary)
      throw ExitCode(1)
    }
  }
}
