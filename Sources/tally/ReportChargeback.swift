import ArgumentParser
import Foundation
import TallyKit

struct ReportChargeback: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "chargeback",
    abstract:
      "What each tenant cost and its share; with a markup, the charge; with revenue, the gross margin.",
    discussion: """
      Without --month or --from/--to, reports the latest month that has usage in the ledger.
      Rounded cost, share, charge and revenue columns add up exactly to their rounded totals
      (largest remainder). --format focus writes the period's usage as FinOps FOCUS 1.2 CSV.
      """
  )

  @Option(help: ArgumentHelp("A calendar month, YYYY-MM.", valueName: "month"))
  var month: String?

  @Option(
    help: ArgumentHelp(
      "Revenue per tenant for the period: CSV with the columns tenant,revenue_usd.", valueName: "file"))
  var revenue: String?

  @Option(help: ArgumentHelp("Adds charge_usd = cost x (1 + PCT/100), such as 20.", valueName: "pct"))
  var markup: String?

  @OptionGroup var options: LedgerReportOptions

  var period: PeriodOptions { options.period }
  var output: OutputOptions { options.output }

  func validate() throws {
    if month != nil, period.from != nil || period.to != nil {
      throw ValidationError("give either --month or --from/--to, not both")
    }
    if let month { _ = try reportWindow(month: month) }
    _ = try markupPercent()
    try validateFilesExist(revenue.map { [$0] } ?? [], option: "--revenue")
  }

  func reportWindow(month: String) throws -> ReportWindow {
    do { return try ReportWindow(month: month, zone: options.zone.tz) } catch {
      throw ValidationError(error.description)
    }
  }

  func markupPercent() throws -> Exact? {
    guard let markup else { return nil }
    guard let value = ExactDecimal.parse(markup), value > -100 else {
      throw ValidationError(
        "--markup: expected a percentage above -100 such as 20 or 12.5, not \"\(markup)\"")
    }
    return Exact(value)
  }

  /// `--month`, else `--from/--to`, else the month of the latest usage (in the report's zone).
  func resolvedWindow(_ database: Ledger) throws -> ReportWindow {
    if let month { return try reportWindow(month: month) }
    let window = try options.window()
    guard period.from == nil, period.to == nil, let latest = try database.latestRequestInstant() else {
      return window
    }
    return try reportWindow(month: String(window.format(latest).prefix(7)))
  }

  func run() throws {
    let prices = try options.pricing.loadPriceBook()
    let revenueFile = try revenue.map { file in
      do { return try RevenueFile.parse(try readInput(file), file: file) } catch let error as RevenueFileError
      {
        fail(error.problems, exitCode: 65)
      }
    }
    let database = try options.ledger.openForReading()
    let reportWindow = try resolvedWindow(database)
    if output.format == .focus {
      let export = try buildReport {
        try FocusExport.build(ledger: database, prices: prices, window: reportWindow)
      }
      for warning in export.warnings { Terminal.warning(warning) }
      Swift.print(export.table.renderCSV(), terminator: "")
      return
    }
    let report = try buildReport {
      try ChargebackReport.build(
        ledger: database, prices: prices, window: reportWindow, revenue: revenueFile,
        markupPercent: try markupPercent())
    }
    for warning in report.warnings { Terminal.warning(warning) }
    output.print(
      report.table(precision: output.precision), before: "Chargeback for \(reportWindow.description):\n",
      after: unpricedNote(report.rows.map(\.unpricedRequests).reduce(0, +)))
  }
}
