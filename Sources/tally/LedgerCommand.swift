import ArgumentParser
import Foundation
import TallyKit

struct LedgerCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ledger",
    abstract: "Look after the ledger.",
    subcommands: [LedgerMigrate.self, LedgerSources.self, LedgerRemove.self, LedgerCopy.self]
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
    // On a server, migrate creates the ledger's tables in the database given: a team's owner
    // role does that once, so that roles without CREATE can ingest and report.
    guard Ledger.isServer(ledger.path) || ledger.mayExist else {
      throw CLIFailure(["no ledger at \(ledger.name): nothing to migrate"], status: 1)
    }
    let database = try ledger.open()
    try database.checkpoint()
    FileHandle.standardError.write(Data("\(ledger.name): the ledger is up to date\n".utf8))
  }
}

struct LedgerCopy: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "copy",
    abstract: "Copy a ledger to another engine: a SQLite file into a team's PostgreSQL, or back.",
    discussion: """
      FROM and TO are each a SQLite file or a PostgreSQL URL (postgresql://user@host:port/db,
      the password in PGPASSWORD or ~/.pgpass). TO must be empty (a new file, or a database
      with no Tally tables or an empty ledger), or hold exactly FROM already: copying twice
      changes nothing. Every row is copied, ids included, in one transaction; then both ledgers'
      facts (every table's rows, the usage sums per month and dimension, batches, sources,
      closed months, provider reports) and the spend and chargeback totals of every month are
      compared, and any difference is an error.
      """
  )

  @Argument(help: ArgumentHelp("The ledger to copy.", valueName: "from"))
  var from: String

  @Argument(help: ArgumentHelp("The ledger to copy into.", valueName: "to"))
  var to: String

  @OptionGroup var pricing: PricingOptions

  func run() throws {
    for location in [from, to] where Ledger.hasPasswordInURL(location) {
      Terminal.warning(
        "\(Ledger.displayName(location)) holds a password, which the process list shows to every user of this machine; put it in PGPASSWORD or ~/.pgpass instead"
      )
    }
    guard Ledger.displayName(from) != Ledger.displayName(to) else {
      throw ValidationError("FROM and TO are the same ledger")
    }
    guard Ledger.mayExist(from) else {
      throw CLIFailure(["no ledger at \(from): nothing to copy"], status: 1)
    }
    let prices = try pricing.loadPriceBook()
    do {
      let source = try Ledger.openForReading(path: from)
      let target = try Ledger(path: to)
      let outcome = try source.copy(to: target)
      try target.checkpoint()
      // The reports' totals, month by month, priced as each ledger prices them.
      let checked = try LedgerCopy.compareTotals(source, target, prices: prices)
      if outcome.alreadyCopied {
        Terminal.info("\(target.path) already holds this ledger: nothing copied; \(checked)")
      } else {
        let rows = outcome.rows.filter { $0.count > 0 }.map { "\($0.table) \(grouped($0.count))" }
        Terminal.info("copied \(source.path) to \(target.path): \(rows.joined(separator: ", ")); \(checked)")
      }
    } catch let error as LedgerError {
      throw CLIFailure([error.description], status: 1)
    }
  }

  /// Compares the spend totals (by month, tenant, job and model) and each month's chargeback
  /// totals of two ledgers; returns what was compared.
  static func compareTotals(_ a: Ledger, _ b: Ledger, prices: PriceBook) throws -> String {
    let all = try ReportWindow()
    let by: [ReportDimension] = [.month, .tenant, .job, .model]
    let left = try SpendReport.build(ledger: a, prices: try a.books(prices), by: by, window: all)
    let right = try SpendReport.build(ledger: b, prices: try b.books(prices), by: by, window: all)
    guard left.table.renderJSON() == right.table.renderJSON() else {
      throw LedgerError("the spend report differs between \(a.path) and \(b.path) after the copy")
    }
    var months = 0
    if let span = try a.usageMonths(where: [:]) {
      var month = span.first
      while month <= span.last {
        let window = try ReportWindow(month: String(month.description.prefix(7)))
        let one = try ChargebackReport.build(
          ledger: a, prices: try a.books(prices), window: window, revenue: nil, markupPercent: nil)
        let other = try ChargebackReport.build(
          ledger: b, prices: try b.books(prices), window: window, revenue: nil, markupPercent: nil)
        guard one.table(precision: 12).renderJSON() == other.table(precision: 12).renderJSON() else {
          throw LedgerError(
            "the chargeback of \(month.description.prefix(7)) differs between \(a.path) and \(b.path) after the copy"
          )
        }
        months += 1
        month = month.startOfNextMonth
      }
    }
    return
      "the spend report (\(grouped(left.rows.count)) rows) and \(months) month\(months == 1 ? "" : "s") of chargeback totals are the same in both"
  }
}
