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

/// `--format` and `--precision`, shared by every command that prints a report.
struct OutputOptions: ParsableArguments {
  @Option(help: "Output format: table, csv or json (report chargeback also focus).")
  var format: OutputFormat = .table

  @Option(help: "Decimal places for money and percentages in tables and CSV (JSON is exact).")
  var precision: Int = 2

  func validate() throws {
    guard (0...12).contains(precision) else {
      throw ValidationError("--precision must be between 0 and 12, not \(precision)")
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
  func print(_ table: ReportTable, before: String = "", after: [String] = []) {
    switch format {
    case .table:
      var out = before + table.renderTable(renderOptions)
      for section in after { out += "\n" + section }
      Swift.print(out, terminator: "")
    case .csv: Swift.print(table.renderCSV(precision: precision), terminator: "")
    case .json: Swift.print(table.renderJSON(), terminator: "")
    case .focus:
      fail(["--format focus is a chargeback export: use it with tally report chargeback"], exitCode: 64)
    }
  }
}

/// `--pricing FILE`, repeatable: user price tables that override the bundled ones.
struct PricingOptions: ParsableArguments {
  @Option(
    name: .customLong("pricing"), help: "A price table CSV whose rows override the bundled rows (repeatable)."
  )
  var files: [String] = []

  func validate() throws { try validateFilesExist(files, option: "--pricing") }

  /// The bundled tables plus the user files; exits 65 listing every problem if one is invalid.
  func loadPriceBook() throws -> PriceBook {
    let sources = try files.map { (file: $0, text: try readInput($0)) }
    do {
      return try PriceBook.load(overrides: sources)
    } catch {
      fail(error.problems.map(\.description), exitCode: 65)
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

/// Prints messages to stderr and exits with `exitCode`.
func fail(_ messages: [String], exitCode: Int32) -> Never {
  for message in messages { Terminal.error(message) }
  Foundation.exit(exitCode)
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
  /// Today in UTC.
  static let today = Timestamp.utcDay(Int64(Date().timeIntervalSince1970))

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

  static func warning(_ message: String) {
    FileHandle.standardError.write(Data(("tally: warning: " + message + "\n").utf8))
  }
}

/// `--ledger PATH`, default `$TALLY_LEDGER` or `./tally.sqlite`.
struct LedgerOptions: ParsableArguments {
  @Option(help: "The ledger file (default $TALLY_LEDGER, else ./tally.sqlite).")
  var ledger: String?

  var path: String { ledger ?? ProcessInfo.processInfo.environment["TALLY_LEDGER"] ?? "tally.sqlite" }

  /// Opens the ledger for writing, creating and migrating it (ingest).
  func open() throws -> Ledger {
    do {
      return try Ledger(path: path)
    } catch {
      fail(["\(error)"], exitCode: 1)
    }
  }

  /// Opens an existing, migrated ledger read-only (reports): never creates or writes it.
  func openForReading() throws -> Ledger {
    do {
      return try Ledger.openForReading(path: path)
    } catch {
      fail(["\(error)"], exitCode: 1)
    }
  }
}

/// `--from DATE --to DATE`: the reporting window, both days inclusive, both optional.
struct PeriodOptions: ParsableArguments {
  @Option(help: ArgumentHelp("First day (inclusive).", valueName: "date"), transform: CivilDate.argument)
  var from: CivilDate?

  @Option(help: ArgumentHelp("Last day (inclusive).", valueName: "date"), transform: CivilDate.argument)
  var to: CivilDate?

  func validate() throws {
    if let from, let to, to < from { throw ValidationError("--to \(to) is before --from \(from)") }
  }

  /// The window in `zone` (validated by `TimeZoneOptions`).
  func window(zone: String) throws -> ReportWindow {
    do { return try ReportWindow(from: from, to: to, zone: zone) } catch {
      throw ValidationError(error.description)
    }
  }
}

/// What every ledger report takes: the window and its zone, the ledger, price overrides, output.
struct LedgerReportOptions: ParsableArguments {
  @OptionGroup var period: PeriodOptions
  @OptionGroup var zone: TimeZoneOptions
  @OptionGroup var ledger: LedgerOptions
  @OptionGroup var pricing: PricingOptions
  @OptionGroup var output: OutputOptions

  /// The `--from/--to` window in the `--tz` zone.
  func window() throws -> ReportWindow { try period.window(zone: zone.tz) }

  /// For reports that scale a window to a month: `--from` and `--to` come together (`why` says
  /// why); call from `validate()`.
  func requireWholeWindow(_ why: String) throws {
    if (period.from == nil) != (period.to == nil) {
      throw ValidationError("give both --from and --to: \(why)")
    }
  }

  /// `--from/--to`, else the last full calendar month with usage in the ledger.
  func wholeWindow(_ database: Ledger) throws -> ReportWindow {
    guard period.from == nil else { return try window() }
    guard let month = try ReportWindow.lastFullMonth(in: database, zone: zone.tz, today: Terminal.today)
    else {
      throw ValidationError(
        "the ledger has no usage in a calendar month that ended before \(Terminal.today); give --from and --to"
      )
    }
    return month
  }

  /// Builds a report on the ledger over the window and prints its warnings, then the heading,
  /// the table and the unpriced note.
  func run<Report: LedgerReport>(
    heading: (ReportWindow) -> String = { _ in "" },
    _ build: (Ledger, PriceBook, ReportWindow) throws -> Report
  ) throws {
    let prices = try pricing.loadPriceBook()
    let database = try ledger.openForReading()
    let reportWindow = try window()
    let report = try buildReport { try build(database, prices, reportWindow) }
    for warning in report.warnings { Terminal.warning(warning) }
    output.print(report.table, before: heading(reportWindow), after: unpricedNote(report.unpricedRequests))
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
  do { return try body() } catch let error as ReportError { throw ValidationError(error.description) }
}

/// `--tz ZONE`: the zone days, weeks and months are bucketed in (rates always follow UTC).
struct TimeZoneOptions: ParsableArguments {
  @Option(help: "Time zone for day, week and month buckets, such as Europe/Berlin (default UTC).")
  var tz = "UTC"

  func validate() throws {
    guard TimeZone(identifier: tz) != nil else { throw ValidationError("--tz: unknown time zone \"\(tz)\"") }
  }
}
