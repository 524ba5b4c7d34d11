import ArgumentParser
import Foundation
import TallyKit

struct DemoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Write a demo data set, ingest it, and print a tour of the finance reports.",
    discussion: """
      The data set is the same on every run: a dozen tenants, five jobs, September and October
      2026, API logs, Anthropic and OpenAI batches with some failed requests, a revenue file and
      a scenario file. Running it again rebuilds the directory; a directory the demo did not make
      is left alone.
      """
  )

  @Option(help: ArgumentHelp("Where to write the data set and its ledger.", valueName: "dir"))
  var dir = "tally-demo"

  @OptionGroup var output: OutputOptions

  func validate() throws {
    guard output.format == .table else { throw ValidationError("the demo prints its tour as tables only") }
  }

  func run() throws {
    let prices = try PriceBook.load()
    let directory = URL(fileURLWithPath: dir)
    let summaries: [IngestSummary]
    do {
      summaries = try DemoDataSet.install(in: directory, prices: prices)
    } catch let error as DemoError {
      fail([error.description], exitCode: error.exitStatus)
    }
    let ledgerPath = (dir as NSString).appendingPathComponent(DemoDataSet.ledgerName)
    let ledger = try Ledger(path: ledgerPath)
    let records = summaries.map(\.new).reduce(0, +)
    let options = output.renderOptions
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
    func section(_ command: String, _ table: ReportTable, note: String = "") {
      out += "\n$ tally \(command) --ledger \(ledgerPath)\n"
      if !note.isEmpty { out += note + "\n" }
      out += table.renderTable(options)
    }
    let spend = try SpendReport.build(
      ledger: ledger, prices: prices, by: [.month, .model], filters: [], window: try ReportWindow())
    section(
      "report spend --by month,model", spend.table,
      note:
        "What each model cost per month, at list (sync) rates and at the rates paid; batch savings is the difference."
    )
    let chargeback = try ChargebackReport.build(
      ledger: ledger, prices: prices, window: window, revenue: revenue, markupPercent: nil)
    section(
      "report chargeback --month \(month) --revenue \(revenueFile)",
      chargeback.table(precision: output.precision),
      note: "Each tenant's cost and share of \(month), against its revenue: the gross margin per customer.")
    let jobs = try JobsReport.build(
      ledger: ledger, prices: prices, window: window)
    section(
      "report jobs --from \(window.from!) --to \(window.to!)", jobs.table,
      note: "Which jobs drive spend, how much already runs on batch, and what failed.")
    out += """

      Next: tally report batches, tally report chargeback --format focus (FinOps FOCUS 1.2),
      tally pricing list, and \(dir)/README.txt for what each file is.

      """
    Swift.print(out, terminator: "")
  }
}
