import ArgumentParser
import Foundation
import TallyKit

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Output formats of reports.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
  case table, csv, json
  /// FinOps FOCUS 1.2 CSV: `tally report chargeback` only.
  case focus
}

/// `--format`, `--precision` and the CSV dialect, shared by every command that prints a report.
struct OutputOptions: ParsableArguments {
  @Option(help: "Output format: table, csv or json (report chargeback also focus).")
  var format: OutputFormat = .table

  @Option(help: "Decimal places for money and percentages in tables and CSV (JSON is exact).")
  var precision: Int = 2

  // The CSV dialect: each flag has a --no- form because the config file's [csv] section can set
  // the default, and a flag must be able to undo it for one run. Ignored by table and JSON output.
  @Option(
    name: .customLong("csv-delimiter"),
    help: ArgumentHelp(
      "CSV field delimiter: ',', ';' or tab (default ',', or ';' with --decimal-comma; config [csv] delimiter).",
      valueName: "delim"),
    transform: CSVDialect.Delimiter.argument)
  var csvDelimiter: CSVDialect.Delimiter?

  @Flag(
    inversion: .prefixedNo,
    help: "Start CSV with a UTF-8 byte order mark, so Excel reads names like Müller right (config [csv] bom)."
  )
  var csvBom: Bool?

  @Flag(
    inversion: .prefixedNo,
    help:
      "Write CSV numbers with a decimal comma (1234,50), for spreadsheets in such locales (config [csv] decimal_comma)."
  )
  var decimalComma: Bool?

  func validate() throws {
    // 12 places show one token's cost exactly at every bundled rate (the finest, $0.0625 per 1M
    // tokens, is $0.0000000625 a token) with room for finer user rates; JSON carries every
    // value exact whatever the precision.
    guard (0...12).contains(precision) else {
      throw ValidationError("--precision must be between 0 and 12, not \(precision)")
    }
    // Only CSV reads the config file: a table or JSON run works whatever the file says.
    if format == .csv || format == .focus {
      do { _ = try resolvedDialect() } catch let failure as CLIFailure { failure.exit() }
    }
  }

  /// The CSV settings given on the command line.
  var csvFlags: CSVSettings { CSVSettings(delimiter: csvDelimiter, bom: csvBom, decimalComma: decimalComma) }

  /// The flags over the config file's `[csv]` over the standard: a `CLIFailure` (64) for a bad
  /// config file, a `ValidationError` for flags that contradict it.
  func resolvedDialect() throws -> CSVDialect {
    let config = try UserConfig.file()
    do {
      return try CSVDialect.resolve(flags: csvFlags, config: config)
    } catch {
      throw ValidationError(error.description)
    }
  }

  /// The dialect of every CSV this run writes (checked in `validate()`).
  func csvDialect() throws -> CSVDialect {
    do { return try resolvedDialect() } catch let error as ValidationError {
      throw CLIFailure(error.message, status: 64)
    }
  }

  /// A usage error for `--format focus` on any report but chargeback; call from `validate()`.
  func rejectFocus() throws {
    if format == .focus { throw ValidationError(Self.focusOnlyForChargeback) }
  }

  static let focusOnlyForChargeback =
    "--format focus is a chargeback export: use it with tally report chargeback"

  /// Precision plus what the terminal allows, read once.
  var renderOptions: RenderOptions {
    RenderOptions(precision: precision, width: Terminal.width, color: Terminal.colorAllowed)
  }

  /// Prints `table` in the chosen format; `before`/`after` surround terminal tables only.
  /// With a context, tables start with its heading and JSON carries it.
  func print(
    _ table: ReportTable, context: ReportContext? = nil, before: String = "", after: [String] = []
  ) throws {
    switch format {
    case .table:
      var out = (context?.heading ?? "") + before + table.renderTable(renderOptions)
      for section in after { out += "\n" + section }
      Swift.print(out, terminator: "")
    case .csv: Swift.print(table.renderCSV(precision: precision, dialect: try csvDialect()), terminator: "")
    case .json:
      Swift.print(context.map { table.renderJSON(context: $0) } ?? table.renderJSON(), terminator: "")
    case .focus: throw CLIFailure([Self.focusOnlyForChargeback], status: 64)
    }
  }
}

extension CSVDialect.Delimiter {
  /// Parses `--csv-delimiter`; the usage error lists the choices.
  static func argument(_ text: String) throws -> CSVDialect.Delimiter {
    guard let delimiter = CSVDialect.Delimiter(spelling: text) else {
      throw ValidationError("expected \(CSVDialect.Delimiter.choices) (or a literal tab)")
    }
    return delimiter
  }
}

/// `--pricing FILE`, repeatable: user price tables that override the bundled ones.
struct PricingOptions: ParsableArguments {
  @Option(
    name: .customLong("pricing"),
    help: "A price table CSV whose rows override the bundled rows (repeatable).",
    completion: .file(extensions: ["csv"]))
  var files: [String] = []

  func validate() throws { try validateFilesExist(files, option: "--pricing") }

  /// The bundled tables plus the user files; exits 65 listing every problem if one is invalid.
  func loadPriceBook() throws -> PriceBook { try loadWithTables().book }

  /// The book and the text of every table in it (bundled first), each file read once.
  func loadWithTables() throws -> (book: PriceBook, tables: [(file: String, bundled: Bool, text: String)]) {
    let sources = try files.map { (file: $0, text: try readInput($0)) }
    do {
      let tables =
        PriceBook.bundledTableSources.map { (file: $0.file, bundled: true, text: $0.text) }
        + sources.map { (file: $0.file, bundled: false, text: $0.text) }
      return (try PriceBook.load(overrides: sources), tables)
    } catch {
      throw CLIFailure(error.problems.map(\.description), status: 65)
    }
  }
}

/// Reads a file named on the command line (its existence was checked in `validate()`).
func readInput(_ path: String) throws -> String {
  do {
    return try String(contentsOfFile: path, encoding: .utf8)
  } catch {
    Terminal.error("\(path): cannot be read as UTF-8 text (\(error.localizedDescription))")
    throw ExitCode(1)
  }
}

extension CivilDate {
  /// Parses a date option; the usage error says what a date looks like.
  static func argument(_ text: String) throws -> CivilDate {
    guard let date = CivilDate(parsing: text) else {
      throw ValidationError("expected a calendar date written YYYY-MM-DD")
    }
    return date
  }
}

/// Fails validation (a usage error, exit 64) unless every path names an existing file of any kind
/// (regular, FIFO, `/dev/stdin`, a process substitution's `/dev/fd/N`), or is `-` for standard
/// input where `standardInput` allows it (at most once: it can be read only once).
func validateFilesExist(_ paths: [String], option: String? = nil, standardInput: Bool = false) throws {
  if standardInput && paths.filter({ $0 == "-" }).count > 1 {
    throw ValidationError("- (standard input) can be read only once; give it once")
  }
  for path in paths where !(standardInput && path == "-") && !FileManager.default.fileExists(atPath: path) {
    throw ValidationError("\(option.map { $0 + " " } ?? "")\(path): no such file")
  }
}

/// What the process environment says, read once: today's date, terminal width, colour.
enum Terminal {
  /// Now, in seconds since the epoch: `$SOURCE_DATE_EPOCH` when set (the reproducible-builds
  /// convention: documentation examples and tests pin the time a close records), else the clock.
  static let now: Int64 = {
    if let pinned = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"], let seconds = Int64(pinned) {
      return seconds
    }
    return Int64(Date().timeIntervalSince1970)
  }()

  /// Today in UTC.
  static let today = Timestamp.utcDay(now)

  /// Who runs the command, for the records a close or reopen keeps: `$USER`, else the
  /// account's name.
  static let userName: String = {
    if let user = ProcessInfo.processInfo.environment["USER"], !user.isEmpty { return user }
    if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return String(cString: name) }
    return "uid \(getuid())"
  }()

  /// Today in `window`'s zone.
  static func today(in window: ReportWindow) -> CivilDate {
    CivilDate(parsing: window.format(now).prefix(10)) ?? today
  }

  static let stdoutIsTerminal = isatty(STDOUT_FILENO) == 1

  /// `$COLUMNS` when set, else the terminal's width, else unlimited (output is piped).
  static let width: Int? = {
    if let columns = ProcessInfo.processInfo.environment["COLUMNS"], let value = Int(columns), value > 0 {
      return value
    }
    guard stdoutIsTerminal else { return nil }
    var size = winsize()
    guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
    return Int(size.ws_col)
  }()

  /// Colour only on a terminal and never with `NO_COLOR` set.
  static let colorAllowed = stdoutIsTerminal && ProcessInfo.processInfo.environment["NO_COLOR"] == nil

  static func error(_ message: String) {
    FileHandle.standardError.write(Data(("tally: " + message + "\n").utf8))
  }

  /// A line of information on stderr (`tally: ...`), not a warning.
  static func info(_ message: String) {
    FileHandle.standardError.write(Data(("tally: " + message + "\n").utf8))
  }

  static func warning(_ message: String) {
    FileHandle.standardError.write(Data(("tally: warning: " + message + "\n").utf8))
  }
}

/// `--ledger PATH|URL`, default `$TALLY_LEDGER` or `./tally.sqlite`.
struct LedgerOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "The ledger: a SQLite file, or a PostgreSQL URL postgresql://user@host:port/db (default $TALLY_LEDGER, else ./tally.sqlite).",
      discussion:
        "Give a PostgreSQL password in PGPASSWORD or ~/.pgpass, not in the URL: arguments show in the process list.",
      valueName: "path-or-url"),
    completion: .file(extensions: ["sqlite"]))
  var ledger: String?

  var path: String { ledger ?? ProcessInfo.processInfo.environment["TALLY_LEDGER"] ?? "tally.sqlite" }

  /// The ledger as messages show it (a URL without its password).
  var name: String { Ledger.displayName(path) }

  /// Whether the ledger may exist: a file that does, or a server (which says so itself).
  var mayExist: Bool { Ledger.mayExist(path) }

  /// Warns once when the password is in a `--ledger` argument, where the process list shows it.
  func warnAboutPasswordInArguments() {
    if let ledger, Ledger.hasPasswordInURL(ledger) {
      Terminal.warning(
        "the --ledger URL holds a password, which the process list shows to every user of this machine; put it in PGPASSWORD or ~/.pgpass instead"
      )
    }
  }

  /// Opens the ledger for writing, creating and migrating it (ingest).
  func open() throws -> Ledger {
    warnAboutPasswordInArguments()
    do {
      return try Ledger(path: path)
    } catch {
      throw CLIFailure(["\(error)"], status: 1)
    }
  }

  /// Opens an existing, migrated ledger read-only (reports): never creates or writes it.
  func openForReading() throws -> Ledger {
    warnAboutPasswordInArguments()
    do {
      return try Ledger.openForReading(path: path)
    } catch {
      throw CLIFailure(["\(error)"], status: 1)
    }
  }
}

extension Ledger {
  /// The prices reports read this ledger with: `current`, each closed month priced by the
  /// tables it was closed with (`PeriodBooks.prices`).
  func books(_ current: PriceBook) throws -> PriceBook {
    do { return try PeriodBooks.prices(ledger: self, current: current) } catch let error as PeriodError {
      throw CLIFailure([error.description], status: 65)
    }
  }
}

/// `--month YYYY-MM` or `--from DATE --to DATE`: the reporting window, both days inclusive,
/// all optional.
struct PeriodOptions: ParsableArguments {
  @Option(help: ArgumentHelp("A calendar month, YYYY-MM (instead of --from/--to).", valueName: "month"))
  var month: String?

  @Option(help: ArgumentHelp("First day (inclusive).", valueName: "date"), transform: CivilDate.argument)
  var from: CivilDate?

  @Option(help: ArgumentHelp("Last day (inclusive).", valueName: "date"), transform: CivilDate.argument)
  var to: CivilDate?

  /// Whether any of `--month`, `--from`, `--to` was given.
  var isGiven: Bool { month != nil || from != nil || to != nil }

  func validate() throws {
    if month != nil, from != nil || to != nil {
      throw ValidationError("give either --month or --from/--to, not both")
    }
    if let month { _ = try window(zone: "UTC") }
    if let from, let to, to < from { throw ValidationError("--to \(to) is before --from \(from)") }
  }

  /// The window in `zone` (validated by `TimeZoneOptions`).
  func window(zone: String) throws -> ReportWindow {
    do {
      if let month { return try ReportWindow(month: month, zone: zone) }
      return try ReportWindow(from: from, to: to, zone: zone)
    } catch {
      throw ValidationError(error.description)
    }
  }
}

/// `--where`, `--sort` and `--top`: which rows a ledger report keeps, in which order.
struct RowOptions: ParsableArguments {
  @Option(
    name: .customLong("where"),
    help: ArgumentHelp(
      "Only usage where DIM=VALUE; repeatable: values of one dimension (or VALUE,VALUE) are alternatives, different dimensions must all hold.",
      valueName: "DIM=VALUE"))
  var filters: [String] = []

  @Option(
    help: ArgumentHelp(
      "Sort rows by this column (its CSV name), largest first for numbers; add :asc or :desc.",
      valueName: "column"))
  var sort: String?

  @Option(help: ArgumentHelp("Keep the first N rows and sum the rest into one row.", valueName: "N"))
  var top: Int?

  func validate() throws {
    _ = try parsedFilter()
    if let top, top < 1 { throw ValidationError("--top must be 1 or more, not \(top)") }
    if let sort, sort.isEmpty { throw ValidationError("--sort needs a column name") }
  }

  func parsedFilter() throws -> ReportFilter {
    do { return try ReportFilter(parsing: filters) } catch { throw ValidationError(error.description) }
  }

  /// The filter checked against the ledger: a value the ledger has never seen exits 65 with
  /// the closest known values.
  func filter(ledger: Ledger, prices: PriceBook) throws -> ReportFilter {
    var filter = try parsedFilter()
    do {
      try buildReport { try filter.check(ledger: ledger, prices: prices) }
    } catch let error as FilterError {
      throw CLIFailure([error.description], status: 65)
    }
    return filter
  }

  /// The table sorted and cut as asked.
  func shape(_ table: ReportTable) throws -> ReportTable {
    try buildReport { try table.reshaped(sort: sort.map(RowOrder.init(parsing:)), top: top) }
  }
}

/// What every ledger report takes: the window and its zone, the ledger, price overrides,
/// output, and `--strict`.
struct LedgerReportOptions: ParsableArguments {
  @OptionGroup var period: PeriodOptions
  @OptionGroup var zone: TimeZoneOptions
  @OptionGroup var ledger: LedgerOptions
  @OptionGroup var pricing: PricingOptions
  @OptionGroup var output: OutputOptions

  @Flag(
    help:
      "Treat every warning (a name mismatch, unpriced usage, an empty result) as an error: exit 65, no report."
  )
  var strict = false

  /// The `--month` or `--from/--to` window in the `--tz` zone.
  func window() throws -> ReportWindow { try period.window(zone: zone.tz) }

  /// For reports that scale a window to a month: `--from` and `--to` come together (`why` says
  /// why); call from `validate()`.
  func requireWholeWindow(_ why: String) throws {
    if (period.from == nil) != (period.to == nil) {
      throw ValidationError("give both --from and --to: \(why)")
    }
  }

  /// `--month` or `--from/--to`, else the last full calendar month with usage in the ledger.
  func wholeWindow(_ database: Ledger) throws -> ReportWindow {
    guard !period.isGiven else { return try window() }
    guard let month = try ReportWindow.lastFullMonth(in: database, zone: zone.tz, today: Terminal.today)
    else {
      throw CLIFailure(
        "the ledger has no usage in a calendar month that ended before \(Terminal.today); give --month or --from and --to",
        status: 64)
    }
    return month
  }

  /// The report's context: its title, the days it covers in the ledger, the filter, warnings,
  /// and the price tables that priced it.
  func context(
    _ title: String, window: ReportWindow, ledger database: Ledger?, filter: ReportFilter = ReportFilter(),
    warnings: [String], prices: PriceBook
  ) throws -> ReportContext {
    let covered = try database.flatMap { try ReportContext.covered(window, ledger: $0) }
    var context = ReportContext(
      title: title, window: window, covered: covered, filter: filter, warnings: warnings,
      prices: prices.sources)
    if let database {
      context.closedMonths = ReportContext.closedMonths(try database.periods(), in: window, covered: covered)
    }
    return context
  }

  /// Prints the warnings to stderr; with `--strict`, any warning ends the run with exit 65
  /// before the report is printed.
  func emit(warnings: [String]) throws {
    try CLIFailure.emit(warnings, strict: strict, unwritten: "report")
  }

  /// Builds a report on the ledger over the window with the checked `--where` filter, then
  /// prints its warnings, the heading, the table (sorted and cut as asked) and the unpriced note.
  func run<Report: LedgerReport>(
    title: String, rows: RowOptions,
    _ build: (Ledger, PriceBook, ReportWindow, ReportFilter) throws -> Report
  ) throws {
    let database = try ledger.openForReading()
    let prices = try database.books(try pricing.loadPriceBook())
    let reportWindow = try window()
    let filter = try rows.filter(ledger: database, prices: prices)
    let report = try buildReport { try build(database, prices, reportWindow, filter) }
    var warnings = report.warnings
    if report.table.rows.isEmpty && !filter.isEmpty {
      warnings.append(try filter.coverageNote(ledger: database, prices: prices, window: reportWindow))
    }
    try emit(warnings: warnings)
    let context = try context(
      title, window: reportWindow, ledger: database, filter: filter, warnings: warnings, prices: prices)
    try output.print(
      try rows.shape(report.table), context: context, after: unpricedNote(report.unpricedRequests))
  }
}

/// A ledger report the CLI prints the same way: a table, stderr warnings, unpriced requests.
protocol LedgerReport {
  var table: ReportTable { get }
  var warnings: [String] { get }
  var unpricedRequests: Int { get }
}

extension SpendReport: LedgerReport {
  var unpricedRequests: Int { totals.unpricedRequests }
}

extension JobsReport: LedgerReport {
  var unpricedRequests: Int { totals.unpricedRequests }
}

extension BatchesReport: LedgerReport {
  var unpricedRequests: Int { totals.unpricedRequests }
}

/// Runs a report builder, turning a report that cannot be made as asked into a usage error.
func buildReport<T>(_ body: () throws -> T) throws -> T {
  // Found only once the ledger or a file is read: the message says what to give instead, and a
  // usage line under it would only repeat the command's synopsis.
  do { return try body() } catch let error as ReportError {
    throw CLIFailure([error.description], status: 64)
  }
}

/// `--tz ZONE`: the zone days, weeks and months are bucketed in (rates always follow UTC).
struct TimeZoneOptions: ParsableArguments {
  @Option(
    help:
      "Time zone of the report's days and months (its window, and day, week and month rows), such as Europe/Berlin; rates always follow UTC days."
  )
  var tz = "UTC"

  func validate() throws {
    guard TimeZone(identifier: tz) != nil else {
      let close = Suggestions.timeZones(near: tz)
      let hint =
        close.isEmpty
        ? "; zones are named like Europe/Berlin or America/New_York"
        : "; did you mean \(Suggestions.orList(close))?"
      throw ValidationError("--tz: unknown time zone \"\(tz)\"\(hint)")
    }
  }
}
