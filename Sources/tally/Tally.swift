import ArgumentParser

@main
struct Tally: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "tally",
    abstract: "Cost accounting and margin analysis for LLM API spend.",
    discussion: """
      Prices workloads at sync and batch rates from effective-dated price tables.
      Exit status: 0 success, 64 usage error, 65 bad input data, 1 anything else.
      """,
    version: "0.1.0",
    subcommands: [
      DemoCommand.self, IngestCommand.self, ReportCommand.self, PricingCommand.self, EstimateCommand.self,
      WhatIfCommand.self, ReconcileCommand.self, LedgerCommand.self,
    ]
  )
}
