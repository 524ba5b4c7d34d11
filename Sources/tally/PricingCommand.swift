import ArgumentParser

struct PricingCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "pricing",
    abstract: "List, show and check the effective-dated price tables.",
    subcommands: [PricingList.self, PricingShow.self, PricingCheck.self]
  )
}
