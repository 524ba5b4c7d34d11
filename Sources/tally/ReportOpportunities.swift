import ArgumentParser
import Foundation
import TallyKit

struct ReportOpportunities: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "opportunities",
    abstract: "Rank sync traffic by what moving it to batch would save: what to migrate first.",
    discussion: """
      Without --from/--to, looks at the last full calendar month with usage. Savings are scaled
      to a month of 30 days; the assumptions are printed under the table.
      """
  )

  @Option(help: "Group by these dimensions: tenant, job, provider, model, context.")
  var by = "job"

  @OptionGroup var rows: RowOptions
  @OptionGroup var options: LedgerReportOptions

  func validate() throws {
    try options.output.rejectFocus()
    _ = try dimensions()
    try options.requireWholeWindow("monthly savings scale a window of known length")
  }

  func dimensions() throws -> [WhatIfDimension] {
    do { return try WhatIfDimension.list(by) } catch { throw ValidationError("--by: \(error)") }
  }

  func run() throws {
    let database = try options.ledger.openForReading()
    let prices = try database.books(try options.pricing.loadPriceBook())
    let window = try options.wholeWindow(database)
    let filter = try rows.filter(ledger: database, prices: prices)
    let report = try buildReport {
      try OpportunitiesReport.build(
        ledger: database, prices: prices, window: window, by: try dimensions(), filter: filter)
    }
    try options.emit(warnings: report.warnings)
    let context = try options.context(
      "Opportunities: sync traffic ranked by what moving it to batch would save", window: window,
      ledger: database, filter: filter, warnings: report.warnings, prices: prices)
    let notes = "Assumptions:\n" + report.assumptions.map { "- \($0)\n" }.joined()
    try options.output.print(
      try rows.shape(report.table), context: context,
      after: [notes] + unpricedNote(report.totals.unpricedRequests))
  }
}
