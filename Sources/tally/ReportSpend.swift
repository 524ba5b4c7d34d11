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

  @Option(
    name: .customLong("where"),
    help: ArgumentHelp("Only rows where DIM=VALUE (repeatable).", valueName: "DIM=VALUE"))
  var filters: [String] = []

  @OptionGroup var options: LedgerReportOptions

  func validate() throws {
    try options.output.rejectFocus()
    _ = try dimensions()
    _ = try parsedFilters()
  }

  func dimensions() throws -> [ReportDimension] {
    do { return try ReportDimension.list(by) } catch { throw ValidationError("--by: \(error)") }
  }

  func parsedFilters() throws -> [(ReportDimension, String)] {
    try filters.map { text in
      let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
      guard parts.count == 2, let dimension = ReportDimension(rawValue: parts[0]) else {
        throw ValidationError(
          "--where: \"\(text)\" is not DIM=VALUE with DIM one of \(ReportDimension.allCases.map(\.rawValue).joined(separator: ", "))"
        )
      }
      return (dimension, parts[1])
    }
  }

  func run() throws {
    try options.run { ledger, prices, window in
      try SpendReport.build(
        ledger: ledger, prices: prices, by: try dimensions(), filters: try parsedFilters(), window: window)
    }
  }
}
