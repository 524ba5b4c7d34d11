import ArgumentParser
import Foundation
import TallyKit

struct PricingDiff: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "diff",
    abstract: "What changed between two price tables, and what a month's bill would be under each.",
    discussion: """
      OLD and NEW are price table CSV files, or `bundled` for the tables compiled into the binary; \
      each side is a complete set of prices on its own. Lists changed rates, tiers and dates, and \
      added and removed models. With --ledger and --month, prints the month's bill per model \
      under NEW versus OLD (CSV and JSON print that comparison only; the terminal table shows \
      the changes first).
      """
  )

  @Argument(help: "The old prices: a price table CSV, or bundled.") var old: String
  @Argument(help: "The new prices: a price table CSV, or bundled.") var new: String

  @Option(help: "A ledger whose month to price under both tables.", completion: .file(extensions: ["sqlite"]))
  var ledger: String?

  @Option(help: ArgumentHelp("The calendar month to price (YYYY-MM); with --ledger.", valueName: "month"))
  var month: String?

  @OptionGroup var output: OutputOptions

  func validate() throws {
    try output.rejectFocus()
    try validateFilesExist([old, new].filter { $0 != "bundled" })
    if (ledger == nil) != (month == nil) {
      throw ValidationError("give --ledger and --month together: the bill of that month under both tables")
    }
    if let month { _ = try monthWindow(month) }
  }

  func monthWindow(_ month: String) throws -> ReportWindow {
    do { return try ReportWindow(month: month) } catch { throw ValidationError(error.description) }
  }

  /// The rows of one side and the book that prices them; exits 65 listing every problem.
  func load(_ side: String) throws -> (cards: [RateCard], book: PriceBook) {
    if side == "bundled" {
      do {
        let book = try PriceBook.load()
        return (book.bundled, book)
      } catch {
        throw CLIFailure(error.problems.map(\.description), status: 65)
      }
    }
    let parsed = PriceTable.parse(try readInput(side), file: side)
    guard parsed.problems.isEmpty else { throw CLIFailure(parsed.problems.map(\.description), status: 65) }
    return (parsed.table.cards, PriceBook(bundled: parsed.table.cards))
  }

  func run() throws {
    let before = try load(old)
    let after = try load(new)
    let changes = PriceDiff.changes(old: before.cards, new: after.cards)
    let heading = "Changes from \(old) to \(new) (USD per million tokens; web search per 1,000):\n"
    guard let ledger, let month else {
      try output.print(PriceDiff.table(changes), before: heading)
      return
    }
    guard Ledger.mayExist(ledger) else {
      throw CLIFailure(["--ledger \(ledger): no such file; give a ledger made by tally ingest"], status: 64)
    }
    let database: Ledger
    do { database = try Ledger.openForReading(path: ledger) } catch {
      throw CLIFailure(["\(error)"], status: 1)
    }
    let bill = try PriceChangeBill.build(
      ledger: database, old: before.book, new: after.book, window: try monthWindow(month))
    for warning in bill.warnings { Terminal.warning(warning) }
    if output.format == .table {
      try output.print(PriceDiff.table(changes), before: heading)
      print()
    }
    try output.print(bill.table, before: "Bill of \(month) under \(new) versus \(old) (USD):\n")
  }
}
