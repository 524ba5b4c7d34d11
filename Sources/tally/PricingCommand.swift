import ArgumentParser

struct PricingCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "pricing",
    abstract: "List, show, check, import and compare the effective-dated price tables.",
    subcommands: [
      PricingList.self, PricingShow.self, PricingCheck.self, PricingImport.self, PricingDiff.self,
    ]
  )
}
