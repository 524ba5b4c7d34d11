import ArgumentParser
import TallyKit

struct PricingList: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "List the rates in force on a date (USD per million tokens).",
    discussion: "The CSV output has the price-table columns: edit it into a --pricing override file."
  )

  @Option(help: "Only this provider (anthropic, openai).")
  var provider: String?

  @Option(
    help: ArgumentHelp("Rates in force on this UTC date (YYYY-MM-DD); default today.", valueName: "date"),
    transform: CivilDate.argument)
  var at: CivilDate?

  @Flag(help: "Every row of every period, not only those in force.")
  var all = false

  @OptionGroup var pricing: PricingOptions
  @OptionGroup var output: OutputOptions

  func validate() throws {
    try output.rejectFocus()
    if all && at != nil { throw ValidationError("--all lists every period; it cannot be combined with --at") }
    if let provider, !PriceTable.knownProviders.contains(provider) {
      throw ValidationError(
        "--provider: unknown provider \"\(provider)\"; expected one of \(PriceTable.knownProviders.joined(separator: ", "))"
      )
    }
  }

  func run() throws {
    let date = at ?? Terminal.today
    let prices = try pricing.loadPriceBook()
    var cards = all ? prices.bundled + prices.overrides : prices.cardsInForce(on: date)
    if let provider {
      cards = cards.filter { $0.provider == provider }
      if cards.isEmpty {
        Terminal.warning("the price tables have no \(provider) rates\(all ? "" : " in force on \(date)")")
      }
    }
    let table = PricingListing.table(cards, at: all ? nil : date, includeNotes: output.format != .table)
    let heading =
      all
      ? "Every rate period (USD per million tokens; web search per 1,000):\n"
      : "Rates in force on \(date) (USD per million tokens; web search per 1,000):\n"
    try output.print(table, before: heading)
  }
}
