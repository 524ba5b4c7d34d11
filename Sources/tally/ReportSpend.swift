import ArgumentParser
import Foundation
import TallyKit

struct ReportSpend: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "spend",
    abstract: "Billed usage and its cost per group: list cost, cost paid, batch savings."
  )

  @Option(
    help: "Group by these dimensions: tenant, job, provider, model, mode, day, week, month, context, batch.")
  var by = "month,model"

  @OptionGroup var rows: RowOptions
  @OptionGroup var options: LedgerReportOptions

  func validate() throws {
    try options.output.rejectFocus()
    _ = try dimensions()
  }

  func dimensions() throws -> [ReportDimension] {
    do { return try ReportDimension.list(by) } catch { throw ValidationError("--by: \(error)") }
  }

  func run() throws {
    let by = try dimensions()
    try options.run(title: SpendReport.title(by: by), rows: rows) { ledger, prices, window, filter in
      try SpendReport.build(ledger: ledger, prices: prices, by: by, filter: filter, window: window)
    }
  }
}
