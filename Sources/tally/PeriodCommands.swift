import ArgumentParser
import Foundation
import TallyKit

struct CloseCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "close",
    abstract: "Close a month: freeze its figures; later usage and price changes become adjustments.",
    discussion: """
      Stores in the ledger the month's figures per tenant, job and model, the price tables that \
      priced them, what had been ingested, who closed it and when. Afterwards every report on \
      the month shows the closed figures. Usage ingested later for it, and price tables that \
      would change its cost, do not change it: the difference is a prior-period adjustment in \
      the first open month (the month after the latest closed one), listed by `tally periods` \
      and posted when that month is closed. Months close in order, once they have ended (UTC).
      """
  )

  @Argument(help: ArgumentHelp("The month to close.", valueName: "YYYY-MM"))
  var month: String

  @Option(help: ArgumentHelp("A note kept with the close, such as the invoice batch.", valueName: "text"))
  var note: String?

  @Flag(help: "Close even though some usage cannot be priced (it is left out of the closed figures).")
  var allowUnpriced = false

  /// The chargeback policy kept with the close.
  @OptionGroup var allocation: AllocationOptions

  @Option(help: ArgumentHelp("The markup of the month's charges, kept with the close.", valueName: "pct"))
  var markup: String?

  @OptionGroup var ledger: LedgerOptions
  @OptionGroup var pricing: PricingOptions

  func validate() throws {
    _ = try ReportWindow.argument(month: month, option: "YYYY-MM")
    if let markup { _ = try percentArgument(markup, option: "--markup", above: -100) }
  }

  /// The chargeback policy to keep with the close, checked: the shared-costs file parses and is
  /// for this month.
  func policy() throws -> ClosePolicy {
    var policy = ClosePolicy(
      allocateUnattributed: allocation.allocateUnattributed?.rawValue, markupPercent: markup)
    if let sharedCosts = allocation.sharedCosts {
      let text = try readInput(sharedCosts)
      do {
        let file = try SharedCostsFile.parse(text, file: sharedCosts)
        try buildReport { try file.checkPeriod(try ReportWindow(month: month), report: "the close") }
      } catch let error as SharedCostsFileError {
        throw CLIFailure(error.problems, status: 65)
      }
      (policy.sharedCostsFile, policy.sharedCostsText) = ((sharedCosts as NSString).lastPathComponent, text)
    }
    return policy
  }

  func run() throws {
    let first = try ReportWindow.argument(month: month, option: "YYYY-MM").from!
    let policy = try policy()
    guard ledger.mayExist else {
      throw CLIFailure(["no ledger at \(ledger.name): nothing to close"], status: 1)
    }
    let database = try ledger.open()
    let (current, tables) = try pricing.loadWithTables()
    var charged: ChargebackReport?
    if !policy.isEmpty {
      // The policy must allocate: a shared cost with nobody to spread over is refused now.
      let options = try policy.chargebackOptions()
      charged = try allocation.build(sharedCosts: options.sharedCosts) {
        try ChargebackReport.build(
          ledger: database, prices: try database.books(current), window: try ReportWindow(month: month),
          revenue: nil, markupPercent: options.markup, allocation: options.allocation)
      }
    }
    let close = try periodAction {
      try PeriodBooks.close(
        CloseRequest(
          month: first, current: current, tables: tables, by: Terminal.userName,
          at: Timestamp.format(Terminal.now), note: note, today: Terminal.today, allowUnpriced: allowUnpriced,
          policy: policy), ledger: database)
    }
    try database.checkpoint()
    let cost = close.figures.compactMap(\.cost).sum()
    let tenants = Set(close.figures.map(\.tenant)).count
    var lines = [
      "tally: closed \(month): \(grouped(close.figures.map(\.requests).reduce(0, +))) requests, \(tenants) tenant\(tenants == 1 ? "" : "s"), \(cost.terminal()) (by \(close.closedBy) at \(close.closedAt))"
    ]
    if !close.postings.isEmpty {
      let late = close.postings.map(\.lateUsage).sum()
      let repricing = close.postings.map(\.repricing).sum()
      let months = Set(close.postings.map(\.month)).sorted()
      lines.append(
        "tally: posted \(close.postings.count) prior-period adjustment\(close.postings.count == 1 ? "" : "s") of \(months.map { String($0.description.prefix(7)) }.joined(separator: ", ")) to \(month): \((late + repricing).terminal()) (late usage \(late.terminal()), repricing \(repricing.terminal()))"
      )
      // Repricing is often a --pricing file forgotten or added: say which tables differ.
      for closedMonth in months
      where close.postings.contains(where: { $0.month == closedMonth && !$0.repricing.isZero }) {
        let changes = try PeriodBooks.tableChanges(of: closedMonth, ledger: database, current: current)
        lines.append(
          "tally: warning: \(String(closedMonth.description.prefix(7))) was repriced because its price tables differ now: \(changes.joined(separator: "; "))"
        )
      }
    }
    if !policy.isEmpty, let charged {
      let charge = charged.markupPercent.map { _ in
        ", charged \(charged.rows.compactMap(charged.charge(of:)).sum().terminal())"
      }
      lines.append(
        "tally: chargeback policy kept with \(month): \(policy.description) (total \(charged.grandTotal.terminal())\(charge ?? ""))"
      )
    }
    FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
  }
}

struct ReopenCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "reopen",
    abstract: "Reopen the latest closed month, with a reason that is recorded.",
    discussion: """
      Its late usage joins its figures again, and adjustments posted to it are pending again. \
      Only the latest closed month can be reopened; close it again when it is corrected.
      """
  )

  @Argument(help: ArgumentHelp("The month to reopen.", valueName: "YYYY-MM"))
  var month: String

  @Option(help: ArgumentHelp("Why the month is reopened (recorded with it).", valueName: "text"))
  var reason: String

  @OptionGroup var ledger: LedgerOptions

  func validate() throws {
    _ = try ReportWindow.argument(month: month, option: "YYYY-MM")
    if reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
      throw ValidationError("--reason: say why \(month) is reopened; it is recorded with the month")
    }
  }

  func run() throws {
    let first = try ReportWindow.argument(month: month, option: "YYYY-MM").from!
    guard ledger.mayExist else {
      throw CLIFailure(["no ledger at \(ledger.name): nothing to reopen"], status: 1)
    }
    let database = try ledger.open()
    try periodAction {
      try PeriodBooks.reopen(
        month: first, ledger: database, by: Terminal.userName, at: Timestamp.format(Terminal.now),
        reason: reason)
    }
    try database.checkpoint()
    FileHandle.standardError.write(
      Data("tally: reopened \(month) (by \(Terminal.userName) at \(Timestamp.format(Terminal.now)))\n".utf8))
  }
}

struct PeriodsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "periods",
    abstract: "Closed months, their figures, and the prior-period adjustments pending.",
    discussion: """
      A pending adjustment is what a closed month costs now (late usage at the rates in force, \
      its closed usage at the current price tables) minus its closed figures and what earlier \
      closes posted. It goes to the first open month's chargeback and is posted when that month \
      is closed.
      """
  )

  @Flag(help: "List the pending adjustments per closed month and tenant instead of the months.")
  var adjustments = false

  @OptionGroup var ledger: LedgerOptions
  @OptionGroup var pricing: PricingOptions
  @OptionGroup var output: OutputOptions

  func validate() throws { try output.rejectFocus() }

  func run() throws {
    let database = try ledger.openForReading()
    let current = try pricing.loadPriceBook()
    let report = try periodAction { try PeriodsReport.build(ledger: database, current: current) }
    if adjustments {
      let month = report.firstOpenMonth.map { String($0.description.prefix(7)) }
      let title =
        month.map { "Prior-period adjustments pending, going to \($0)" } ?? "Prior-period adjustments"
      try output.print(
        report.adjustmentsTable, context: ReportContext(title: title, window: nil, prices: current.sources))
      return
    }
    let context = ReportContext(title: "Closed months", window: nil, prices: current.sources)
    try output.print(report.table, context: context, after: report.notes)
  }
}

/// Runs a period action, mapping what cannot be done as asked to exit 64 and books that are
/// not ready to exit 65, each with its message alone.
func periodAction<T>(_ body: () throws -> T) throws -> T {
  do {
    return try buildReport(body)
  } catch let error as PeriodError {
    throw CLIFailure([error.description], status: 65)
  } catch let error as LedgerError {
    throw CLIFailure([error.description], status: 1)
  }
}
