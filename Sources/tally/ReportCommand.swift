import ArgumentParser

struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Reports on the ledger.",
    subcommands: [ReportSpend.self]
  )
}
