import ArgumentParser
import TallyKit

struct EstimateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "estimate",
    abstract: "Price declared workloads per month at sync and batch rates, with gross margin.",
    discussion: "Reads the [[workload]] entries and the optional [finance] table of a TOML file."
  )

  @Argument(
    help: "A TOML file with [[workload]] entries (see examples/workloads.toml).",
    completion: .file(extensions: ["toml"]))
  var file: String

  @Option(
    help: ArgumentHelp(
      "Price at the rates in force on this UTC date (YYYY-MM-DD); default today.", valueName: "date"),
    transform: CivilDate.argument)
  var at: CivilDate?

  @Option(help: SectionChoice.help(blocks: [.rows, .margin]))
  var section: SectionChoice?

  @OptionGroup var pricing: PricingOptions
  @OptionGroup var output: OutputOptions

  func validate() throws {
    try validateFilesExist([file])
    try output.rejectFocus()
    try SectionChoice.validate(section, format: output.format, blocks: [.rows, .margin])
  }

  func run() throws {
    let date = at ?? Terminal.today
    let text = try readInput(file)
    let prices = try pricing.loadPriceBook()
    let report: EstimateReport
    do {
      let scenarios = try ScenarioFile.parse(text, file: file)
      guard !scenarios.workloads.isEmpty else {
        throw CLIFailure(["\(file): no [[workload]] entries to estimate"], status: 65)
      }
      report = try EstimateReport.build(scenarios, prices: prices, at: date)
    } catch let error as ScenarioFileError {
      throw CLIFailure([error.description], status: 65)
    }
    for warning in report.warnings { Terminal.warning(warning) }
    let heading = "Monthly cost at the rates in force on \(date) (a month is \(report.daysPerMonth) days):\n"
    let margin = report.margin?.table(
      baselineTitle: "At sync rates", scenarioTitle: "At batch rates", precision: output.precision)
    if let section, output.format == .csv {
      let sections =
        [ReportSection("rows", report.table)] + (margin.map { [ReportSection("margin", $0)] } ?? [])
      Swift.print(try section.csv(sections, output: output, file: file), terminator: "")
      return
    }
    let context = ReportContext(
      title: "Estimate \(file)", window: nil, warnings: report.warnings, prices: prices.sources)
    if output.format == .json {
      try output.print(report.table, context: context)
      return
    }
    try output.print(
      report.table, before: heading + context.pricesLine,
      after: margin.map { [$0.renderTable(output.renderOptions)] } ?? [])
  }
}
