import ArgumentParser
import TallyKit

struct ReportBatches: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "batches",
    abstract: "Per batch: results by outcome, turnaround from created to ended, cost and batch savings."
  )

  @OptionGroup var rows: RowOptions
  @OptionGroup var options: LedgerReportOptions

  func validate() throws { try options.output.rejectFocus() }

  func run() throws {
    try options.run(title: "Batches", rows: rows) { ledger, prices, window, filter in
      try BatchesReport.build(ledger: ledger, prices: prices, window: window, filter: filter)
    }
  }
}
