import ArgumentParser
import Foundation
import TallyKit

struct DemoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Write a demo data set, ingest it, and print a tour of the finance reports.",
    discussion: """
      The data set is the same on every run: a dozen tenants, five jobs, September and October
      2026, API logs, Anthropic and OpenAI batches with some failed requests, an internal team's
      LiteLLM spend logs, a folder of Claude Code sessions, a revenue file and a scenario file. Running it again rebuilds the directory; a directory the demo did not make
      is left alone.
      """
  )

  @Option(
    help: ArgumentHelp("Where to write the data set and its ledger.", valueName: "dir"),
    completion: .directory)
  var dir = "tally-demo"

  @Option(
    help: ArgumentHelp(
      "Also ingest the data set into this empty ledger (a PostgreSQL URL, say) and tour it.",
      valueName: "path-or-url"))
  var ledger: String?

  func run() throws {
    let prices = try PriceBook.load()
    let directory = URL(fileURLWithPath: dir)
    var summaries: [IngestSummary]
    do {
      summaries = try DemoDataSet.install(in: directory, prices: prices)
    } catch let error as DemoError {
      throw CLIFailure([error.description], status: error.exitStatus)
    }
    var ledgerPath = (dir as NSString).appendingPathComponent(DemoDataSet.ledgerName)
    let ledger: Ledger
    if let other = self.ledger {
      do {
        ledger = try Ledger(path: other)
        guard try ledger.sources(includeRemoved: true).isEmpty else {
          throw CLIFailure(
            ["\(ledger.path) is not empty: the demo ingests into an empty ledger only"], status: 64)
        }
        summaries = try DemoDataSet.ingestFiles(in: directory, into: ledger, prices: prices)
      } catch let error as DemoError {
        throw CLIFailure([error.description], status: error.exitStatus)
      } catch let error as LedgerError {
        throw CLIFailure([error.description], status: 1)
      }
      ledgerPath = ledger.path
    } else {
      ledger = try Ledger(path: ledgerPath)
    }
    let records = summaries.map(\.new).reduce(0, +)
    let options = RenderOptions(precision: 2, width: Terminal.width, color: Terminal.colorAllowed)
    let month = DemoDataSet.tourMonth
    let revenueFile = (dir as NSString).appendingPathComponent("revenue-\(month).csv")
    let revenue = try RevenueFile.parse(
      String(contentsOfFile: revenueFile, encoding: .utf8), file: revenueFile)
    let window = try ReportWindow(month: month)

    var out = """
      Wrote the demo data set to \(dir)/ (\(DemoDataSet.files().count) files) and ingested \(ExactDecimal.fixed(Decimal(records), scale: 0, grouping: true)) requests
      from \(summaries.count) files into \(ledgerPath). Every command below works on it; add
      --format csv or --format json to any report.

      """
    // Each section prints what the command prints: its heading, then its table.
    func section(_ command: String, _ why: String, _ table: ReportTable, _ context: ReportContext) {
      out += "\n# \(why)\n$ tally \(command) --ledger \(ledgerPath)\n"
      out += context.heading + table.renderTable(options)
    }
    let all = try ReportWindow()
    let by: [ReportDimension] = [.month, .model]
    let spend = try SpendReport.build(ledger: ledger, prices: prices, by: by, window: all)
    section(
      "report spend --by month,model",
      "What each model cost per month, at list (sync) rates and at the rates paid; batch savings is the difference.",
      spend.table,
      ReportContext(
        title: SpendReport.title(by: by), window: all, covered: try ReportContext.covered(all, ledger: ledger)
      ))
    let chargeback = try ChargebackReport.build(
      ledger: ledger, prices: prices, window: window, revenue: revenue, markupPercent: nil)
    section(
      "report chargeback --month \(month) --revenue \(revenueFile)",
      "Each tenant's cost and share of \(month), against its revenue: the gross margin per customer.",
      chargeback.table(precision: options.precision),
      ReportContext(
        title: "Chargeback per tenant", window: window, covered: (window.from!, window.to!),
        prices: prices.sources))
    let jobs = try JobsReport.build(ledger: ledger, prices: prices, window: window)
    section(
      "report jobs --month \(month)",
      "Which jobs drive spend, how much already runs on batch, and what failed.",
      jobs.table,
      ReportContext(
        title: "Jobs", window: window, covered: (window.from!, window.to!), prices: prices.sources))
    out += """

      Next: tally report batches, tally report chargeback --format focus (FinOps FOCUS 1.2),
      tally pricing list, each with --ledger \(ledgerPath) (or export TALLY_LEDGER=\(ledgerPath)),
      and \(dir)/README.txt for what each file is.

      """
    Swift.print(out, terminator: "")
  }
}
