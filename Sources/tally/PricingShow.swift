import ArgumentParser
import TallyKit

struct PricingShow: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "show",
    abstract: "Show one model's rates: resolved by id, alias or dated name."
  )

  @Argument(help: "A model id, alias or dated name such as gpt-4o-mini-2024-07-18.")
  var model: String

  @Option(
    help: ArgumentHelp("Rates in force on this UTC date (YYYY-MM-DD); default today.", valueName: "date"),
    transform: CivilDate.argument)
  var at: CivilDate?

  @OptionGroup var pricing: PricingOptions
  @OptionGroup var output: OutputOptions

  func validate() throws { try output.rejectFocus() }

  func run() throws {
    let date = at ?? Terminal.today
    let prices = try pricing.loadPriceBook()
    guard let resolved = prices.resolve(model) else {
      throw CLIFailure([Unpriced.unknownModel(model).description], status: 65)
    }
    let shown = ModelPricing(query: model, model: resolved, at: date, prices: prices)
    if shown.inForce.isEmpty {
      Terminal.warning(Unpriced.noRateInForce(model: resolved.id, on: date).description)
    }
    try output.print(shown.table, before: shown.heading, after: [shown.footer])
  }
}
