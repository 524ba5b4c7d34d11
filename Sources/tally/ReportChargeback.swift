import ArgumentParser
import Foundation
import TallyKit

struct ReportChargeback: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "chargeback",
    abstract:
      "What each tenant cost and its share; with a markup, the charge; with revenue, the gross margin.",
    discussion: """
      Without --month or --from/--to, reports the latest month that has usage in the ledger.
      Rounded cost, share, charge and revenue columns add up exactly to their rounded totals
      (largest remainder). A revenue file is one calendar month's revenue: the report must
      cover that whole month. --format focus writes the period's usage as FinOps FOCUS 1.2 CSV.

      --allocate-unattributed spreads the (unattributed) row over the tenants with direct cost;
      --shared-costs adds a month's shared costs (seats, reserved capacity, platform overhead).
      cost_usd stays each tenant's direct cost; CSV and JSON add one column per allocation,
      allocated_usd and total_cost_usd, and share, charge and margin are of the total. The
      policy is printed under the table and carried in JSON. --focus-version 1.3 writes the
      allocations as FOCUS 1.3 allocated rows.

      A closed month is charged back as it was closed (its policy, when it was closed with \
      one); the first open month carries the closed months' prior-period adjustments \
      (adjustment_usd). --statements DIR writes one statement per tenant (CSV and Markdown) \
      and index.csv, with the amounts the chargeback shows.
      """
  )

  @OptionGroup var revenue: RevenueOptions

  @Option(
    help: ArgumentHelp(
      "Adds charge_usd = cost x (1 + PCT/100); write 20 or 20% for a 20% markup.", valueName: "pct"))
  var markup: String?

  @OptionGroup var allocation: AllocationOptions

  @Option(
    help: ArgumentHelp(
      "The FOCUS version of --format focus: 1.2 (default) or 1.3, which carries allocations as allocated rows.",
      valueName: "version"))
  var focusVersion: FocusVersion?

  @Option(
    help: ArgumentHelp(
      "Also write one statement per tenant (CSV and Markdown) and index.csv into DIR (created if missing; a non-empty DIR must be one Tally wrote).",
      valueName: "dir"), completion: .directory)
  var statements: String?

  @OptionGroup var rows: RowOptions
  @OptionGroup var options: LedgerReportOptions

  var output: OutputOptions { options.output }

  func validate() throws {
    if statements != nil && output.format == .focus {
      throw ValidationError("--statements goes with a chargeback, not --format focus")
    }
    _ = try markupPercent()
    if focusVersion != nil, output.format != .focus {
      throw ValidationError("--focus-version goes with --format focus")
    }
    if output.format == .focus, !allocation.isEmpty, focusVersion != .v1_3 {
      throw ValidationError(
        "FOCUS 1.2 has no allocation columns: give --focus-version 1.3 to export allocations, or leave out --allocate-unattributed and --shared-costs"
      )
    }
  }

  func markupPercent() throws -> Exact? {
    try markup.map { try percentArgument($0, option: "--markup", above: -100) }
  }

  /// `--month` or `--from/--to`, else the month of the latest usage (in the report's zone).
  func resolvedWindow(_ database: Ledger) throws -> ReportWindow {
    let window = try options.window()
    guard !options.period.isGiven, let latest = try database.latestRequestInstant() else { return window }
    return window.month(containing: latest)
  }

  /// The prior-period adjustments of closed months this month's chargeback carries (see
  /// `PeriodBooks.adjustments`), for the tenants the filter keeps; none, with a warning, under a
  /// filter on anything but tenants (adjustments are per tenant).
  func adjustments(
    _ database: Ledger, current: PriceBook, window: ReportWindow, filter: ReportFilter,
    warnings: inout [String]
  ) throws -> [TenantAdjustment] {
    let all = try buildReport { try PeriodBooks.adjustments(for: window, ledger: database, current: current) }
    guard !all.isEmpty else { return [] }
    guard filter.dimensions.allSatisfy({ $0 == .tenant }) else {
      warnings.append(
        "prior-period adjustments are per tenant: the \(all.count) of \(window.wholeMonth ?? "") are left out under --where \(filter)"
      )
      return []
    }
    guard let tenants = filter.values(of: .tenant) else { return all }
    return all.filter { tenants.contains($0.tenant) }
  }

  func run() throws {
    let database = try options.ledger.openForReading()
    let current = try options.pricing.loadPriceBook()
    let prices = try database.books(current)
    let reportWindow = try resolvedWindow(database)
    let filter = try rows.filter(ledger: database, prices: prices)
    var warnings: [String] = []
    let adjustments = try adjustments(
      database, current: current, window: reportWindow, filter: filter, warnings: &warnings)
    var sharedCosts = try allocation.loadSharedCosts()
    if let sharedCosts {
      try buildReport { try sharedCosts.checkPeriod(reportWindow, report: "the chargeback") }
    }
    var allocationOptions = ChargebackAllocationOptions(
      unattributed: allocation.allocateUnattributed?.method, sharedCosts: sharedCosts?.policies ?? [])
    var markupPercent = try markupPercent()
    var policyNote: [String] = []
    // A closed month is charged back as it was closed, unless the options say otherwise.
    if let month = reportWindow.wholeMonth,
      let policy = try PeriodBooks.closedPolicy(for: reportWindow, ledger: database)
    {
      if allocation.isEmpty && markup == nil {
        let closed = try policy.chargebackOptions()
        (sharedCosts, allocationOptions, markupPercent) = (
          closed.sharedCosts, closed.allocation, closed.markup
        )
        policyNote = ["Policy as \(month) was closed: \(policy.description).\n"]
      } else {
        warnings.append(
          "\(month) was closed with the policy \(policy.description); this report applies the options given instead"
        )
      }
    }
    if output.format == .focus {
      var export = try buildReport {
        try FocusExport.build(ledger: database, prices: prices, window: reportWindow, filter: filter)
      }
      warnings += export.warnings
      if focusVersion == .v1_3 {
        let chargeback = try allocation.build(sharedCosts: sharedCosts) {
          try ChargebackReport.build(
            ledger: database, prices: prices, window: reportWindow, filter: filter, revenue: nil,
            markupPercent: nil, allocation: allocationOptions)
        }
        warnings += chargeback.allocationWarnings
        export = export.withAllocations(of: chargeback)
      }
      export.adjustments = adjustments
      export.closed = try FocusExport.ClosedMonths(ledger: database)
      try options.emit(warnings: warnings)
      Swift.print(try rows.shape(export.table).renderCSV(dialect: output.csvDialect()), terminator: "")
      return
    }
    if let markup = markupPercent, markup != 0, markup > -1, markup < 1 {
      warnings.append(
        "--markup \(self.markup!) is a markup of \(markup)%, not \(markup * 100)%; write --markup \(markup * 100) for that"
      )
    }
    let revenueFile = try revenue.load()
    if let revenueFile {
      warnings += try buildReport { try revenueFile.checkPeriod(reportWindow, report: "the chargeback") }
    }
    let report = try allocation.build(sharedCosts: sharedCosts) {
      try ChargebackReport.build(
        ledger: database, prices: prices, window: reportWindow, filter: filter, revenue: revenueFile,
        markupPercent: markupPercent, allocation: allocationOptions, adjustments: adjustments)
    }
    warnings += report.warnings
    var set: StatementSet?
    if let statements {
      guard reportWindow.wholeMonth != nil else {
        throw CLIFailure(
          ["--statements: a statement is for one calendar month: give --month YYYY-MM"], status: 64)
      }
      let lines = try buildReport {
        try SpendReport.build(
          ledger: database, prices: prices, by: [.tenant, .job, .model], filter: filter, window: reportWindow)
      }
      let month = reportWindow.from!.startOfMonth
      let closed = try database.periods().first { $0.month == month && $0.isClosed }
      set = StatementSet.build(
        chargeback: report, lines: lines, closed: closed,
        numbers: closed == nil ? [:] : try database.statementNumbers(month), filter: filter,
        prices: prices.sources, precision: output.precision)
    }
    try options.emit(warnings: warnings)
    if let set, let statements { try write(set, to: statements) }
    let context = try options.context(
      "Chargeback per tenant", window: reportWindow, ledger: database, filter: filter, warnings: warnings,
      prices: prices)
    try output.print(
      try rows.shape(report.table(precision: output.precision)), context: context,
      after: policyNote + (report.allocationNotes.map { [$0] } ?? [])
        + (report.adjustmentNotes.map { [$0] } ?? [])
        + unpricedNote(report.rows.map(\.unpricedRequests).reduce(0, +)))
  }
}

extension ReportChargeback {
  /// The file that marks a directory of statements Tally wrote, listing the files it wrote.
  static let statementsMarker = ".tally-statements"

  /// Writes the statements and the index into `directory`: creates it if missing, refuses a
  /// non-empty one without Tally's marker, and replaces the files an earlier run wrote there.
  func write(_ set: StatementSet, to directory: String) throws {
    let manager = FileManager.default
    let url = URL(fileURLWithPath: directory, isDirectory: true)
    let marker = url.appendingPathComponent(Self.statementsMarker)
    var isDirectory: ObjCBool = false
    if manager.fileExists(atPath: directory, isDirectory: &isDirectory) {
      guard isDirectory.boolValue else {
        throw CLIFailure(["--statements \(directory): not a directory"], status: 64)
      }
      let entries = try manager.contentsOfDirectory(atPath: directory)
      if !entries.isEmpty {
        guard let written = try? String(contentsOf: marker, encoding: .utf8) else {
          throw CLIFailure(
            [
              "--statements \(directory): the directory is not empty and Tally did not write it; give a new or empty directory"
            ], status: 64)
        }
        for name in written.split(separator: "\n") where !name.contains("/") && name != ".." {
          try? manager.removeItem(at: url.appendingPathComponent(String(name)))
        }
      }
    } else {
      try manager.createDirectory(at: url, withIntermediateDirectories: true)
    }
    let dialect = try output.csvDialect()
    var files: [(String, String)] = [
      ("index.csv", set.indexTable.renderCSV(precision: set.precision, dialect: dialect))
    ]
    for statement in set.statements {
      files.append(
        (
          statement.fileStem + ".csv",
          set.table(for: statement).renderCSV(precision: set.precision, dialect: dialect)
        ))
      files.append((statement.fileStem + ".md", set.markdown(for: statement)))
    }
    for (name, text) in files {
      try Data(text.utf8).write(to: url.appendingPathComponent(name))
    }
    try Data((files.map(\.0).joined(separator: "\n") + "\n").utf8).write(to: marker)
    Terminal.info(
      "wrote \(set.statements.count) statement\(set.statements.count == 1 ? "" : "s") (CSV and Markdown) and index.csv to \(directory)"
    )
  }
}

extension ClosePolicy {
  /// The chargeback options of the policy; a stored shared-costs text that no longer parses
  /// exits 65 with its problems.
  func chargebackOptions() throws -> ChargebackPolicyOptions {
    do { return try options() } catch { throw CLIFailure(error.problems, status: 65) }
  }
}

/// `--allocate-unattributed`: how the `(unattributed)` row is spread.
enum UnattributedAllocation: String, ExpressibleByArgument, CaseIterable {
  case even, proportional

  var method: AllocationMethod { self == .even ? .even : .proportional }
}

extension FocusVersion: ExpressibleByArgument {}

/// `--allocate-unattributed` and `--shared-costs`: allocations of a chargeback, or of a close.
struct AllocationOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Spread the (unattributed) row's cost over the tenants with direct cost: even, or proportional to direct cost.",
      valueName: "method"))
  var allocateUnattributed: UnattributedAllocation?

  @Option(
    help: ArgumentHelp(
      "A month's shared costs to allocate: CSV with the columns name,amount_usd,method,weights (methods even, proportional, fixed, floor+proportional; weights tenant:value;tenant:value).",
      valueName: "file"), completion: .file(extensions: ["csv"]))
  var sharedCosts: String?

  var isEmpty: Bool { allocateUnattributed == nil && sharedCosts == nil }

  func validate() throws {
    try validateFilesExist(sharedCosts.map { [$0] } ?? [], option: "--shared-costs")
  }

  /// The shared-costs file, read and checked; bad lines exit 65 listing every problem.
  func loadSharedCosts() throws -> SharedCostsFile? {
    guard let sharedCosts else { return nil }
    do {
      return try SharedCostsFile.parse(try readInput(sharedCosts), file: sharedCosts)
    } catch let error as SharedCostsFileError {
      throw CLIFailure(error.problems, status: 65)
    }
  }

  /// Builds the chargeback; a shared cost that cannot be spread exits 65 naming its line.
  func build(sharedCosts: SharedCostsFile?, _ body: () throws -> ChargebackReport) throws -> ChargebackReport
  {
    do {
      return try buildReport(body)
    } catch let error as AllocationError {
      let location = error.line.map { "\(sharedCosts?.file ?? "--shared-costs"):\($0): " } ?? ""
      throw CLIFailure([location + error.description], status: 65)
    }
  }
}

/// `--revenue FILE` and `--revenue-month`: one calendar month's revenue per tenant.
struct RevenueOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Revenue per tenant for one calendar month: CSV with the columns tenant,revenue_usd, named with its month (revenue-2026-10.csv) or given --revenue-month.",
      valueName: "file"), completion: .file(extensions: ["csv"]))
  var revenue: String?

  @Option(
    help: ArgumentHelp(
      "The month the --revenue file is for, when its name does not say.", valueName: "YYYY-MM"))
  var revenueMonth: String?

  func validate() throws {
    try validateFilesExist(revenue.map { [$0] } ?? [], option: "--revenue")
    if let revenueMonth {
      guard revenue != nil else { throw ValidationError("--revenue-month goes with --revenue FILE") }
      _ = try ReportWindow.argument(month: revenueMonth, option: "--revenue-month")
    }
  }

  /// The revenue file, read and checked; bad lines exit 65 listing every problem.
  func load() throws -> RevenueFile? {
    guard let revenue else { return nil }
    do {
      var file = try RevenueFile.parse(try readInput(revenue), file: revenue)
      if let revenueMonth { file.month = revenueMonth }
      return file
    } catch let error as RevenueFileError {
      throw CLIFailure(error.problems, status: 65)
    }
  }
}

/// Parses a percentage option written `20` or `20%`, greater than `above`.
func percentArgument(_ text: String, option: String, above minimum: Decimal? = nil) throws -> Exact {
  let number = text.hasSuffix("%") ? String(text.dropLast()) : text
  guard let value = ExactDecimal.parse(number.trimmingCharacters(in: .whitespaces)),
    minimum.map({ value > $0 }) ?? true
  else {
    let range = minimum.map { "above \(ExactDecimal.plain($0)) " } ?? ""
    throw ValidationError("\(option): expected a percentage \(range)such as 20, 20% or 12.5, not \"\(text)\"")
  }
  return Exact(value)
}

extension ReportWindow {
  /// A `YYYY-MM` option, checked.
  static func argument(month: String, option: String) throws -> ReportWindow {
    do { return try ReportWindow(month: month) } catch {
      throw ValidationError("\(option): expected a month written YYYY-MM, not \"\(month)\"")
    }
  }
}
