import ArgumentParser
import Foundation
import TallyKit

/// `--format` of `tally review`: the page, or its summary on the terminal.
enum ReviewFormat: String, ExpressibleByArgument, CaseIterable {
  case table, html
}

struct ReviewCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "review",
    abstract: "The month's finance review as one self-contained HTML page (or its summary on the terminal).",
    discussion: """
      Writes one HTML file that loads nothing from anywhere (no script, font, image or style
      sheet from elsewhere): headline figures, daily spend by model against the previous month,
      cost and gross margin per tenant, jobs, batch savings and the top opportunities, budgets
      (--budgets), reconciliation (when provider reports are in the ledger), the closed-month
      status, the price tables and this command. Every figure is a cell of a report the page
      names (report spend, chargeback, jobs, opportunities, budget, reconcile), rounded as its
      CSV and table are; the page marks each with data-figure="SECTION.COLUMN".

      Month: --month, else the latest month with usage. Output: --out FILE (default
      tally-review-YYYY-MM.html; - for standard output). --format table prints the headline and
      the top rows of each section instead; it is the default when standard output is a
      terminal and no --out is given.
      """
  )

  @Option(
    help: ArgumentHelp(
      "The calendar month to review, YYYY-MM (default: the latest with usage).", valueName: "month"))
  var month: String?

  @OptionGroup var revenue: RevenueOptions

  @Option(
    help: ArgumentHelp(
      "Monthly budgets to show (as report budget reads them): CSV with the columns scope,name,monthly_budget_usd[,alert_pct].",
      valueName: "file"), completion: .file(extensions: ["csv"]))
  var budgets: String?

  @Option(
    help: ArgumentHelp(
      "Where to write the page (default tally-review-YYYY-MM.html; - for standard output).", valueName: "file"
    ),
    completion: .file(extensions: ["html"]))
  var out: String?

  @Option(
    help: "html (the page) or table (a summary on the terminal); default table on a terminal without --out.")
  var format: ReviewFormat?

  @Option(help: "Decimal places for money and percentages (as in tables and CSV).")
  var precision: Int = 2

  @Flag(help: "Treat every warning as an error: exit 65, nothing written.")
  var strict = false

  @OptionGroup var zone: TimeZoneOptions
  @OptionGroup var ledger: LedgerOptions
  @OptionGroup var pricing: PricingOptions

  func validate() throws {
    if let month { _ = try ReportWindow.argument(month: month, option: "--month") }
    try validateFilesExist(budgets.map { [$0] } ?? [], option: "--budgets")
    guard (0...12).contains(precision) else {
      throw ValidationError("--precision must be between 0 and 12, not \(precision)")
    }
    if resolvedFormat == .table, out != nil {
      throw ValidationError("--out writes the HTML page: leave out --format table, or --out")
    }
  }

  var resolvedFormat: ReviewFormat { format ?? (Terminal.stdoutIsTerminal && out == nil ? .table : .html) }

  /// `--month`, else the month (in the `--tz` zone) of the latest usage in the ledger.
  func window(_ database: Ledger) throws -> ReportWindow {
    if let month { return try buildReport { try ReportWindow(month: month, zone: zone.tz) } }
    let zoneOnly = try buildReport { try ReportWindow(zone: zone.tz) }
    guard let latest = try database.latestRequestInstant() else {
      throw CLIFailure(
        ["the ledger \(ledger.path) has no usage: ingest some first, or give --month YYYY-MM"], status: 65)
    }
    return zoneOnly.month(containing: latest)
  }

  /// The options every section's command needs to read the same ledger the same way.
  var commonArguments: [String] {
    var words: [String] = []
    if let path = ledger.ledger { words += ["--ledger", path] }
    for file in pricing.files { words += ["--pricing", file] }
    if zone.tz != "UTC" { words += ["--tz", zone.tz] }
    return words
  }

  func loadBudgets() throws -> BudgetFile? {
    guard let budgets else { return nil }
    do {
      return try BudgetFile.parse(try readInput(budgets), file: budgets)
    } catch let error as BudgetFileError {
      throw CLIFailure(error.problems, status: 65)
    }
  }

  func run() throws {
    let database = try ledger.openForReading()
    let current = try pricing.loadPriceBook()
    let prices = try database.books(current)
    let window = try window(database)
    let monthName = window.wholeMonth!
    let budgetFile = try loadBudgets()
    var period: BudgetPeriod?
    if budgetFile != nil {
      let latestUsage = try database.latestRequestInstant().flatMap {
        CivilDate(parsing: window.format($0).prefix(10))
      }
      period = try buildReport {
        try BudgetPeriod.resolve(
          month: monthName, asOf: nil, latestUsage: latestUsage, today: Terminal.today(in: window))
      }
    }
    let command = (["tally"] + CommandLine.arguments.dropFirst()).map(shellWord).joined(separator: " ")
    let request = ReviewRequest(
      window: window, revenue: try revenue.load(), budgets: budgetFile, budgetPeriod: period,
      commonArguments: commonArguments, command: command, precision: precision)
    let review = try buildReport {
      try ReviewReport.build(ledger: database, prices: prices, current: current, request: request)
    }
    try emit(warnings: review.warnings)
    switch resolvedFormat {
    case .table:
      Swift.print(
        review.terminalSummary(
          RenderOptions(precision: precision, width: Terminal.width, color: Terminal.colorAllowed)),
        terminator: "")
    case .html:
      let html = review.html(generator: "tally \(Tally.version)")
      let path = out ?? "tally-review-\(monthName).html"
      if path == "-" {
        Swift.print(html, terminator: "")
        return
      }
      do {
        try Data(html.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
      } catch {
        throw CLIFailure(["\(path): cannot be written (\(error.localizedDescription))"], status: 1)
      }
      FileHandle.standardError.write(
        Data("tally: wrote \(path): the review of \(monthName), one self-contained file\n".utf8))
    }
  }

  /// Prints the warnings to stderr; with `--strict`, any warning ends the run with exit 65.
  func emit(warnings: [String]) throws {
    try CLIFailure.emit(warnings, strict: strict, unwritten: "review")
  }
}
