import ArgumentParser
import TallyKit

struct ReportJobs: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "jobs",
    abstract:
      "Per job: requests billed and failed, batch share, average tokens, cost, cost per billed request."
  )

  @OptionGroup var rows: RowOptions
  @OptionGroup var options: LedgerReportOptions

  func validate() throws { try options.output.rejectFocus() }

  func run() throws {
    try options.run(title: "Jobs", rows: rows) { ledger, prices, window, filter in
      try JobsReport.build(ledger: ledger, prices: prices, window: window, filter: filter)
    }
  }
}
