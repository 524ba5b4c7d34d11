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

  @Option(help: "Rates in force on this UTC date (YYYY-MM-DD); default today.")
  var at: String?

  @Flag(help: "Every row of every period, not only those in force.")
  var all = false

  @OptionGroup var pricing: PricingOptions
  @OptionGroup var output: OutputOptions

  func validate() throws {
    if all && at != nil { throw ValidationError("--all lists every period; it cannot be combined with --at") }
  }

  func run() throws {
    let date = try at.map { try parseDate($0, option: "--at") } ?? Terminal.today
    let prices = try pricing.loadPriceBook()
    var cards = all ? prices.bundled + prices.overrides : prices.cardsInForce(on: date)
    if let provider {
      guard PriceTable.knownProviders.contains(provider) else {
        throw ValidationError("--provider: unknown provider \"\(provider)\"; expected one of \(PriceTable.knownProviders.joined(separator: ", "))")
      }
      cards = cards.filter { $0.provider == provider }
    }
    let table = PricingListing.table(cards, at: all ? nil : date, includeNotes: output.format != .table)
    let heading = all ? "Every rate period (USD per million tokens; web search per 1,000):\n"
      : "Rates in force on \(date) (USD per million tokens; web search per 1,000):\n"
    output.print(table, before: heading)
  }
}
