import ArgumentParser
import Foundation
import TallyKit

struct WhatIfCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "whatif",
    abstract:
      "Apply a scenario's changes to the ledger or to declared workloads: cost and margin before and after.",
    discussion: """
      The baseline is the file's [[workload]] entries (a month of each) when it has any, else the
      ledger's usage from --from to --to (default: the last full calendar month with usage). The
      [[change]] entries (move-to-batch, switch-model, cache, scale) apply in order. A ledger
      window of D days is scaled to a month by days_per_month / D; a year is 12 months.
      """
  )

  @Argument(
    help: "A TOML file with [[change]] entries, and [[workload]] entries or a ledger to apply them to.",
    completion: .file(extensions: ["toml"]))
  var file: String

  @Option(
    help:
      "Group by these dimensions: tenant, job, provider, model, mode, context, workload (default job, or workload on declared workloads; tenant with --revenue)."
  )
  var by: String?

  @Option(help: SectionChoice.help(blocks: [.rows, .projection, .margin]))
  var section: SectionChoice?

  @Option(
    help: ArgumentHelp(
      "Price at the rates in force on this UTC date (YYYY-MM-DD): workloads default to today, ledger usage to each day's rates.",
      valueName: "date"),
    transform: CivilDate.argument)
  var at: CivilDate?

  @OptionGroup var revenueOptions: RevenueOptions
  @OptionGroup var rows: RowOptions
  @OptionGroup var options: LedgerReportOptions

  var revenue: String? { revenueOptions.revenue }

  var period: PeriodOptions { options.period }

  func validate() throws {
    try validateFilesExist([file])
    try options.output.rejectFocus()
    _ = try dimensions()
    try options.requireWholeWindow("the projection scales a window of known length")
    try SectionChoice.validate(section, format: options.output.format, blocks: [.rows, .projection, .margin])
  }

  /// `--by`, else tenant with revenue, workload on declared workloads, job on the ledger.
  func dimensions(workloads: Bool = false) throws -> [WhatIfDimension] {
    guard let by else { return revenue != nil ? [.tenant] : workloads ? [.workload] : [.job] }
    do { return try WhatIfDimension.list(by) } catch { throw ValidationError("--by: \(error)") }
  }

  func run() throws {
    let prices = try options.pricing.loadPriceBook()
    let revenueFile = try revenueOptions.load()
    let report: WhatIfReport
    var warnings: [String] = []
    var context: ReportContext
    do {
      let scenarios = try ScenarioFile.parse(try readInput(file), file: file)
      if let revenueFile, let finance = scenarios.finance, revenueFile.total != finance.revenue {
        throw CLIFailure(
          [
            "\(file): [finance] revenue is \(finance.revenue.terminal()) a month, and \(revenueFile.file) totals \(revenueFile.total.terminal()): the margin and the per-tenant block would use two revenues; make them agree or leave one out"
          ], status: 65)
      }
      let (baseline, lines, database, filter) = try self.baseline(scenarios, prices: prices)
      if let revenueFile, case .ledger(let window, _, _) = baseline {
        warnings += try buildReport { try revenueFile.checkPeriod(window, report: "the baseline") }
      }
      report = try buildReport {
        try WhatIfReport.build(
          file: scenarios, lines: lines, baseline: baseline,
          by: try dimensions(workloads: !scenarios.workloads.isEmpty), prices: prices,
          revenue: revenueFile, filter: filter)
      }
      let window: ReportWindow
      if case .ledger(let ledgerWindow, _, _) = baseline {
        window = ledgerWindow
      } else {
        window = try ReportWindow()
      }
      warnings += report.warnings
      context = try options.context(
        "What-if \(file)", window: window, ledger: database, filter: filter, warnings: warnings,
        prices: prices)
    } catch let error as ScenarioFileError {
      throw CLIFailure([error.description], status: 65)
    }
    try options.emit(warnings: warnings)
    let margin = report.margin?.table(
      baselineTitle: "Baseline", scenarioTitle: "Scenario", precision: options.output.precision)
    if let section, options.output.format == .csv {
      let sections =
        [ReportSection("rows", report.table), ReportSection("projection", report.projectionTable)]
        + (margin.map { [ReportSection("margin", $0)] } ?? [])
      Swift.print(try section.csv(sections, output: options.output, file: file), terminator: "")
      return
    }
    let render = options.output.renderOptions
    var after = [report.projectionTable.renderTable(render)]
    if let margin { after.append(margin.renderTable(render)) }
    if !report.assumptions.isEmpty {
      after.append("Assumptions:\n" + report.assumptions.map { "- \($0)\n" }.joined())
    }
    // The terminal heading names the file, the baseline's days and the changes already.
    let table = try rows.shape(report.table)
    if options.output.format == .table {
      let narrowed = context.filter.isEmpty ? "" : "Only usage where \(context.filter).\n"
      try options.output.print(
        table, before: report.heading + narrowed + context.pricesLine,
        after: after + unpricedNote(report.totals.unpricedRequests))
    } else {
      try options.output.print(table, context: context)
    }
  }

  /// The file's workloads, else the ledger over the window.
  func baseline(_ scenarios: ScenarioFile, prices: PriceBook) throws -> (
    WhatIfBaseline, [ScenarioLine], Ledger?, ReportFilter
  ) {
    if !scenarios.workloads.isEmpty {
      guard !period.isGiven, rows.filters.isEmpty else {
        throw CLIFailure(
          "\(file) declares [[workload]] entries, which are the baseline; --month, --from/--to and --where choose ledger usage",
          status: 64)
      }
      let date = at ?? Terminal.today
      return (
        .workloads(at: date), try ScenarioLine.monthly(scenarios, at: date, prices: prices), nil,
        ReportFilter()
      )
    }
    let path = options.ledger.name
    guard options.ledger.mayExist else {
      throw CLIFailure(
        "no ledger at \(path) and no [[workload]] entries in \(file): ingest usage first (tally ingest), give --ledger, or declare workloads",
        status: 64)
    }
    let database = try options.ledger.openForReading()
    let prices = try database.books(prices)
    let window = try options.wholeWindow(database)
    let filter = try rows.filter(ledger: database, prices: prices)
    // Tenant and job are told apart only where a row, a selector or the revenue file needs them.
    var keeping = Set(try dimensions().map(\.rawValue))
    for change in scenarios.changes { keeping.formUnion(change.selector.conditions.map(\.key.rawValue)) }
    if revenue != nil { keeping.insert("tenant") }
    let lines = try ScenarioLine.ledger(
      database, prices: prices, window: window, filter: filter, at: at, changes: scenarios.changes,
      keeping: keeping)
    // `validate()` asks for both --from and --to; the default window is a whole month.
    guard let days = window.days else {
      throw CLIFailure(
        "give both --from and --to: the projection scales a window of known length", status: 64)
    }
    return (.ledger(window: window, days: days, at: at), lines, database, filter)
  }
}
