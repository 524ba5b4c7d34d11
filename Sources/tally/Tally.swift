import ArgumentParser
import Foundation
import TallyKit

@main
struct Tally: ParsableCommand {
  static let version = "0.1.0"

  static let configuration = CommandConfiguration(
    commandName: "tally",
    abstract: "Cost accounting and margin analysis for LLM API spend.",
    discussion: """
      Prices workloads at sync and batch rates from effective-dated price tables.
      Exit status: 0 success, 64 usage error, 65 bad input data, 1 anything else.
      Shell completions: tally --generate-completion-script bash|zsh|fish (see the README).
      """,
    version: version,
    subcommands: [
      DemoCommand.self, IngestCommand.self, ReportCommand.self, PricingCommand.self, EstimateCommand.self,
      WhatIfCommand.self, ReconcileCommand.self, ReviewCommand.self, CloseCommand.self, ReopenCommand.self,
      PeriodsCommand.self,
      LedgerCommand.self,
    ]
  )

  /// Answers `--version` with the price tables compiled in, and a mistyped command with the
  /// closest ones, before the parser (which would only say "unexpected argument").
  static func main() {
    let arguments = Array(CommandLine.arguments.dropFirst())
    if arguments == ["--version"] {
      print(versionText)
      return
    }
    if let message = unknownSubcommand(arguments) { CLIFailure(message, status: 64).exit() }
    // As `ParsableCommand.main`, plus the one place a `CLIFailure` becomes stderr and a status.
    do {
      var command = try parseAsRoot(arguments)
      try command.run()
    } catch let failure as CLIFailure {
      failure.exit()
    } catch {
      exit(withError: error)
    }
  }

  /// `0.1.0 (price tables: pricing/anthropic.csv of 2026-04-01, …)`: each bundled table named
  /// with the newest date its rates take effect.
  static var versionText: String {
    let tables = ((try? PriceBook.load())?.sources ?? []).map(\.description)
    return "\(version) (bundled price tables: \(tables.joined(separator: ", ")))"
  }

  /// The error for the first word that should name a subcommand and does not, nil when every
  /// command word is known (options and arguments are the parser's business).
  static func unknownSubcommand(_ arguments: [String]) -> String? {
    var configuration = Tally.configuration
    var path = "tally"
    for word in arguments {
      guard !word.hasPrefix("-"), word != "help", !configuration.subcommands.isEmpty,
        configuration.defaultSubcommand == nil
      else { return nil }
      var names: [String] = []
      var next: CommandConfiguration?
      for subcommand in configuration.subcommands {
        let sub = subcommand.configuration
        let name = sub.commandName ?? ""
        names.append(name)
        if name == word { next = sub }
      }
      guard let next else {
        return
          "unknown command '\(path) \(word)'\(Suggestions.phrase(for: word, among: names)) Commands: \(names.joined(separator: ", "))."
      }
      configuration = next
      path += " " + word
    }
    return nil
  }
}
