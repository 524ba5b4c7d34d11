import ArgumentParser
import TallyKit

struct ReportJobs: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "jobs",
    abstract:
      "Per job: requests billed and failed, batch share, average tokens, cost, cost per billed request."
  )

  @OptionGroup var period: PeriodOptions
  @OptionGroup var window: TimeZoneOptions
  @OptionGroup var ledger: LedgerOptions
  @OptionGroup var pricing: PricingOptions
  @OptionGroup var output: OutputOptions

  func validate() throws { try output.rejectFocus() }

  func run() throws {
    let prices = try pricing.loadPriceBook()
    let database = try ledger.open()
    let reportWindow = try period.window(zone: window.tz)
    let report = try buildReport {
      try JobsReport.build(ledger: database, prices: prices, window: reportWindow)
    }
    for warning in report.warnings { Terminal.warning(warning) }
    output.print(
      report.table, before: "Jobs, \(reportWindow.description):\n",
      after: unpricedNote(report.totals.unpricedRequests))
  }
}
