import ArgumentParser
import Foundation
import TallyKit

struct ReconcileCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "reconcile",
    abstract: "Compare the ledger with the provider's own usage and cost reports, and say why they differ.",
    discussion: """
      Ingest the provider's usage report (and the cost report) first: Anthropic's Admin API or
      Analytics API reports, or OpenAI's organization usage (completions) and costs reports:
        tally ingest usage.json cost.json
      Each provider's reports are compared with that provider's requests in the ledger.
      Rows are per day, model, mode (service tier), context window and token category; deltas
      are provider minus ledger, percentages of the provider's figure. The window defaults to
      the days the usage reports cover. Exit status 1 when any row is beyond --tolerance (or
      cannot be compared: unpriced, or no report covers its day), so a nightly job can gate on it.
      """
  )

  @Option(help: "Compare per these dimensions: day, model, mode, context, category.")
  var by = "day,model,mode,context,category"

  @Option(
    help: ArgumentHelp(
      "Largest delta accepted, in percent of the provider's figure, such as 0.5 (0: any delta is a mismatch).",
      valueName: "PCT"))
  var tolerance = "0"

  @OptionGroup var options: LedgerReportOptions

  func validate() throws {
    try options.output.rejectFocus()
    _ = try dimensions()
    _ = try tolerancePercent()
  }

  func dimensions() throws -> [ReconcileDimension] {
    do { return try ReconcileDimension.list(by) } catch { throw ValidationError("--by: \(error)") }
  }

  func tolerancePercent() throws -> Exact {
    let value = try percentArgument(tolerance, option: "--tolerance")
    guard value >= 0 else {
      throw ValidationError(
        "--tolerance: expected a percentage of 0 or more, such as 0.5 or 0.5%, not \"\(tolerance)\"")
    }
    return value
  }

  func run() throws {
    let database = try options.ledger.openForReading()
    let prices = try database.books(try options.pricing.loadPriceBook())
    let window = try options.window()
    let report = try buildReport {
      try ReconcileReport.build(
        ledger: database, prices: prices, by: try dimensions(), tolerance: try tolerancePercent(),
        window: window)
    }
    try options.emit(warnings: report.warnings)
    let heading =
      "Tolerance \(report.tolerance)%: \(report.exceeded == 0 ? "every row agrees" : "\(report.exceeded) row\(report.exceeded == 1 ? "" : "s") beyond tolerance")\n"
    let context = try options.context(
      "Reconcile with the provider's reports", window: report.window, ledger: database,
      warnings: report.warnings, prices: prices)
    try options.output.print(
      report.table(forTerminal: options.output.format == .table), context: context, before: heading,
      after: report.explanationNotes)
    if report.exceeded > 0 { throw ExitCode(1) }
  }
}
