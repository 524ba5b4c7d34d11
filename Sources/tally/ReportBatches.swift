import ArgumentParser
import TallyKit

struct ReportBatches: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "batches",
    abstract: "Per batch: results by outcome, turnaround from created to ended, cost and batch savings."
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
      try BatchesReport.build(ledger: database, prices: prices, window: reportWindow)
    }
    for warning in report.warnings { Terminal.warning(warning) }
    output.print(
      report.table, before: "Batches, \(reportWindow.description):\n",
      after: unpricedNote(report.totals.unpricedRequests))
  }
}
