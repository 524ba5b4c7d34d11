import ArgumentParser
import Foundation
import TallyKit

struct LedgerCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ledger",
    abstract: "Look after the ledger file.",
    subcommands: [LedgerMigrate.self, LedgerSources.self, LedgerRemove.self]
  )
}

struct LedgerMigrate: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "migrate",
    abstract: "Bring a ledger written by an earlier version of Tally up to this version's schema.",
    discussion: """
      Reports open the ledger read-only and refuse one that needs migrating; ingest migrates
      it on its own. Migrating keeps every request, batch, source and provider report, and
      rebuilds the rollups from the requests.
      """
  )

  @OptionGroup var ledger: LedgerOptions

  func run() throws {
    guard FileManager.default.fileExists(atPath: ledger.path) else {
      fail(["no ledger at \(ledger.path): nothing to migrate"], exitCode: 1)
    }
    let database = try ledger.open()
    try database.checkpoint()
    FileHandle.standardError.write(Data("\(ledger.path): the ledger is up to date\n".utf8))
  }
}
