import ArgumentParser

struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Reports on the ledger.",
    subcommands: [
      ReportSpend.self, ReportChargeback.self, ReportJobs.self, ReportBatches.self, ReportOpportunities.self,
      ReportBudget.self,
    ]
  )
}
