import ArgumentParser
import Foundation
import TallyKit

struct LedgerSources: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sources",
    abstract: "List the files ingested into the ledger: id, path, format, options, time and counts.",
    discussion: """
      A source's id is what `tally ledger remove` takes. Removed sources are listed with --all,
      with the time they were removed.
      """
  )

  @Flag(help: "Also list sources taken out with `tally ledger remove`.")
  var all = false

  @OptionGroup var output: OutputOptions
  @OptionGroup var ledger: LedgerOptions

  func validate() throws { try output.rejectFocus() }

  func run() throws {
    let database = try ledger.openForReading()
    let sources: [LedgerSource]
    do {
      sources = try database.sources(includeRemoved: all)
    } catch {
      throw CLIFailure(["\(error)"], status: 1)
    }
    try output.print(sourcesTable(sources))
  }
}

struct LedgerRemove: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "remove",
    abstract: "Take one ingested file out of the ledger again: its requests, batch and rollup sums.",
    discussion: """
      SOURCE is an id or a path as `tally ledger sources` lists them. Every report then reads
      as if the file had never been ingested; the source stays listed by `ledger sources --all`
      as removed. One transaction: it happens whole or not at all.
      """
  )

  @Argument(help: "The source: an id, or a path as `tally ledger sources` lists it.")
  var source: String

  @Flag(help: "Show what would be removed, and remove nothing.")
  var dryRun = false

  @OptionGroup var ledger: LedgerOptions

  func run() throws {
    guard ledger.mayExist else {
      throw CLIFailure(["no ledger at \(ledger.name): nothing to remove"], status: 1)
    }
    let database = try ledger.open()
    let removal: SourceRemoval
    do {
      let found = try database.findSource(source)
      removal = try database.removeSource(
        found.id, dryRun: dryRun, now: Timestamp.format(Int64(Date().timeIntervalSince1970)))
    } catch let error as LedgerError {
      throw CLIFailure([error.description], status: 65)
    }
    if !dryRun { try database.checkpoint() }
    FileHandle.standardError.write(Data(describe(removal).map { $0 + "\n" }.joined().utf8))
  }

  /// What was (or, in a dry run, would be) removed, as lines for stderr.
  func describe(_ removal: SourceRemoval) -> [String] {
    let source = removal.source
    let verb = dryRun ? "would remove" : "removed"
    var lines = [
      "source \(source.id) (\(source.path), \(source.format), ingested \(source.ingestedAt))\(dryRun ? ", dry run: nothing removed" : "")"
    ]
    if removal.requests > 0 || removal.providerRows == 0 {
      var line =
        "  \(verb) \(grouped(removal.requests)) request\(removal.requests == 1 ? "" : "s") (\(grouped(removal.billed)) billed)"
      if let first = removal.firstTimestamp, let last = removal.lastTimestamp {
        let (from, to) = (Timestamp.utcDay(first), Timestamp.utcDay(last))
        line += from == to ? " of \(from) (UTC)" : " from \(from) to \(to) (UTC)"
      }
      lines.append(line)
    }
    if removal.requests > 0 {
      let tokens = removal.tokens
      let audio =
        tokens.audioInput == 0 && tokens.audioOutput == 0
        ? "" : ", audio input \(grouped(tokens.audioInput)), audio output \(grouped(tokens.audioOutput))"
      lines.append(
        "  tokens: input \(grouped(tokens.input)), cache writes 5m \(grouped(tokens.cacheWrite5m)), 1h \(grouped(tokens.cacheWrite1h)), cache reads \(grouped(tokens.cacheRead)), output \(grouped(tokens.output))\(audio); web searches \(grouped(tokens.webSearches))"
      )
    }
    if removal.providerRows > 0 || removal.providerBuckets > 0 {
      lines.append(
        "  \(verb) \(grouped(removal.providerRows)) provider report rows in \(grouped(removal.providerBuckets)) time buckets (a bucket this report replaced comes back by ingesting the earlier report again)"
      )
    }
    for batch in removal.batchesRemoved { lines.append("  \(verb) batch \(batch)") }
    for batch in removal.batchesKept { lines.append("  kept batch \(batch): another source still has it") }
    if !removal.laterSourcesWithDuplicates.isEmpty {
      lines.append(
        "  note: sources ingested later found duplicates (\(removal.laterSourcesWithDuplicates.map { "\($0.id) \($0.path)" }.joined(separator: ", "))); requests they share with this one go with it, and ingesting them again puts those back"
      )
    }
    return lines
  }
}
