import Foundation
import Testing

/// Batch pairing checks, `tally ledger sources` and `tally ledger remove`, on the demo data set.
@Suite("Batch pairing and undo")
struct UndoCLITests {
  /// The demo's batch of 240 results (`msgbatch_01k8…`), and another batch of 265 requests.
  static let batch240 = "msgbatch_01k8et3AagQPSaxpUtq5yXnB"
  static let batch265 = "msgbatch_01iuVRNGgwUFQ8a7T2nfu8ET"

  /// A scratch directory holding the demo data set in `d/` (and its ledger `d/tally.sqlite`).
  static func demo() throws -> URL {
    let scratch = try CLI.temporaryDirectory("tally-undo")
    let result = try CLI.run(["demo", "--dir", "d"], in: scratch)
    #expect(result.status == 0, "\(result)")
    return scratch
  }

  static func run(_ arguments: [String], in scratch: URL) throws -> CLIResult {
    try CLI.run(arguments, in: scratch)
  }

  @Test func aBatchObjectWhoseCountsDisagreeWithTheFileIsRefusedWithBothCounts() throws {
    let scratch = try Self.demo()
    try FileManager.default.copyItem(
      at: scratch.appendingPathComponent("d/\(Self.batch240)_results.jsonl"),
      to: scratch.appendingPathComponent("results.jsonl"))
    let result = try Self.run(
      ["ingest", "results.jsonl", "--batch", "d/\(Self.batch265).json", "--ledger", "x.sqlite"], in: scratch)
    #expect(result.status == 65)
    #expect(
      result.stderr == """
        tally: results.jsonl: the batch object d/\(Self.batch265).json counts 265 requests, the file has 240 result lines
        tally: results.jsonl: nothing was written

        """)
    let sources = try Self.run(["ledger", "sources", "--format", "csv", "--ledger", "x.sqlite"], in: scratch)
    #expect(
      sources.stdout
        == "id,path,format,ingested_at,batch,options,read,new,duplicates,not_billed,invalid,status\n")
  }

  @Test func aBatchObjectForAnotherBatchThanTheFileNameIsRefused() throws {
    let scratch = try Self.demo()
    let file = "d/\(Self.batch240)_results.jsonl"
    let result = try Self.run(
      ["ingest", file, "--batch", "d/\(Self.batch265).json", "--ledger", "x.sqlite"], in: scratch)
    #expect(result.status == 65)
    #expect(
      result.stderr == """
        tally: \(file): the batch object d/\(Self.batch265).json is for batch \(Self.batch265), not \(Self.batch240)
        tally: \(file): nothing was written

        """)
  }

  @Test func theSameResultsUnderAnotherBatchIdAreRefusedAsADuplicate() throws {
    let scratch = try Self.demo()
    try FileManager.default.copyItem(
      at: scratch.appendingPathComponent("d/\(Self.batch240)_results.jsonl"),
      to: scratch.appendingPathComponent("results.jsonl"))
    let first = try Self.run(
      [
        "ingest", "results.jsonl", "--batch-id", "msgbatch_wrong", "--date", "2026-10-01", "--ledger",
        "x.sqlite",
      ],
      in: scratch)
    #expect(first.status == 0, "\(first)")
    let spend = ["report", "spend", "--by", "day", "--format", "csv", "--ledger", "x.sqlite"]
    let before = try Self.run(spend, in: scratch)
    let again = try Self.run(
      ["ingest", "results.jsonl", "--batch", "d/\(Self.batch240).json", "--ledger", "x.sqlite"], in: scratch)
    #expect(again.status == 65)
    #expect(
      again.stderr == """
        tally: results.jsonl: this file is already in the ledger as source 1 (results.jsonl) under batch msgbatch_wrong; ingesting it under batch \(Self.batch240) would count its requests twice. If the earlier pairing is wrong, take it out with `tally ledger remove 1`, then ingest this file again
        tally: results.jsonl: nothing was written

        """)
    #expect(try Self.run(spend, in: scratch).stdout == before.stdout)
    // The identical pairing again stays idempotent.
    let same = try Self.run(
      [
        "ingest", "results.jsonl", "--batch-id", "msgbatch_wrong", "--date", "2026-10-01", "--ledger",
        "x.sqlite",
      ],
      in: scratch)
    #expect(same.status == 0)
    #expect(same.stderr.contains("read 240, new 0, duplicates 240, not billed 0, invalid 0"))
    // Removed, the right pairing goes in.
    #expect(try Self.run(["ledger", "remove", "1", "--ledger", "x.sqlite"], in: scratch).status == 0)
    let right = try Self.run(
      ["ingest", "results.jsonl", "--batch", "d/\(Self.batch240).json", "--ledger", "x.sqlite"], in: scratch)
    #expect(right.status == 0, "\(right)")
    #expect(right.stderr.contains("read 240, new 240, duplicates 0, not billed 1, invalid 0"))
  }

  @Test func aBatchObjectGivenAsInputGetsTheBatchHint() throws {
    let scratch = try Self.demo()
    let result = try Self.run(["ingest", "d/\(Self.batch240).json", "--ledger", "x.sqlite"], in: scratch)
    #expect(result.status == 64)
    #expect(
      result.stderr == """
        tally: d/\(Self.batch240).json is an Anthropic message batch object, not results: give it with --batch d/\(Self.batch240).json together with its results file (tally ingest \(Self.batch240)_results.jsonl --batch d/\(Self.batch240).json); a results file named after its batch finds it on its own

        """)
  }

  @Test func aResultsFilePairsWithTheBatchObjectBesideIt() throws {
    let scratch = try Self.demo()
    let file = "d/\(Self.batch240)_results.jsonl"
    let paired = try Self.run(["ingest", file, "--ledger", "paired.sqlite"], in: scratch)
    #expect(paired.status == 0, "\(paired)")
    #expect(
      paired.stderr == """
        \(file): anthropic-batch (detected)
          batch object d/\(Self.batch240).json (found beside the file; --batch FILE gives another)
          read 240, new 240, duplicates 0, not billed 1, invalid 0

        """)
    let explicit = try Self.run(
      ["ingest", file, "--batch", "d/\(Self.batch240).json", "--ledger", "explicit.sqlite"], in: scratch)
    #expect(explicit.status == 0)
    #expect(!explicit.stderr.contains("found beside"))
    let batches = { (ledger: String) in
      try Self.run(["report", "batches", "--format", "csv", "--ledger", ledger], in: scratch).stdout
    }
    let report = try batches("paired.sqlite")
    #expect(report == (try batches("explicit.sqlite")))
    #expect(report.contains("\(Self.batch240),2026-10-"))
    // An explicit --batch wins over the file beside it (and is then checked).
    let wrong = try Self.run(
      ["ingest", file, "--batch", "d/\(Self.batch265).json", "--ledger", "other.sqlite"], in: scratch)
    #expect(wrong.status == 65)
  }

  /// What `ledger sources` prints, with the ingest times (now) masked: they keep their width.
  static func masked(_ text: String) -> String {
    text.replacing(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/, with: "2026-11-01T07:00:00Z")
  }

  @Test func ledgerSourcesListsWhatWasIngestedAndRemoved() throws {
    let scratch = try Self.demo()
    let ingest = try Self.run(
      [
        "ingest", "d/api-log-2026-10.jsonl", "d/\(Self.batch240)_results.jsonl", "--id-pattern",
        "^(?<tenant>[a-z-]+)__(?<job>[a-z-]+)__", "--ledger", "x.sqlite",
      ], in: scratch)
    #expect(ingest.status == 0, "\(ingest)")
    let openAI = try Self.run(
      [
        "ingest", "d/batch_1a1e4773ae15b0af44c13c9e09fcc2d9_output.jsonl", "--map", "d/openai-map.csv",
        "--ledger", "x.sqlite",
      ], in: scratch)
    #expect(openAI.status == 0, "\(openAI)")
    let removed = try Self.run(
      ["ledger", "remove", "d/api-log-2026-10.jsonl", "--ledger", "x.sqlite"], in: scratch)
    #expect(removed.status == 0, "\(removed)")
    for (format, name) in [
      ("table", "ledger-sources.txt"), ("csv", "ledger-sources.csv"), ("json", "ledger-sources.json"),
    ] {
      let result = try Self.run(
        ["ledger", "sources", "--all", "--format", format, "--ledger", "x.sqlite"], in: scratch)
      #expect(result.status == 0, "\(result)")
      assertGolden(Self.masked(result.stdout), named: name)
    }
    let active = try Self.run(["ledger", "sources", "--format", "csv", "--ledger", "x.sqlite"], in: scratch)
    #expect(active.stdout.split(separator: "\n").map { $0.prefix(2) } == ["id", "2,", "3,"])
  }

  /// The reports a removal must restore, byte for byte.
  static let reports: [[String]] = [
    ["report", "spend", "--by", "day,model", "--format", "csv"],
    ["report", "spend", "--by", "month,tenant,job,batch,context", "--format", "json"],
    ["report", "chargeback", "--month", "2026-10", "--format", "csv"],
    ["report", "chargeback", "--month", "2026-10", "--format", "focus"],
    ["report", "jobs", "--format", "csv"],
    ["report", "batches", "--format", "csv"],
  ]

  static func reports(_ ledger: String, in scratch: URL) throws -> [String] {
    try reports.map { arguments in
      let result = try run(arguments + ["--ledger", ledger], in: scratch)
      #expect(result.status == 0, "\(arguments): \(result)")
      return result.stdout
    }
  }

  /// The demo's files in ingest order, with the options the demo used (from `ledger sources`).
  static func demoIngests(in scratch: URL) throws -> [(path: String, arguments: [String])] {
    let listing = try run(
      ["ledger", "sources", "--format", "json", "--ledger", "d/tally.sqlite"], in: scratch)
    let object = try JSONSerialization.jsonObject(with: Data(listing.stdout.utf8)) as! [String: Any]
    let rows = object["rows"] as! [[String: Any]]
    return rows.map { row in
      let path = row["path"] as! String
      var arguments = [path]
      for pair in (row["options"] as! String).split(separator: " ") {
        let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
        let value = ["batch", "map"].contains(parts[0]) ? "d/\(parts[1])" : parts[1]
        arguments += ["--" + parts[0].replacingOccurrences(of: "_", with: "-"), value]
      }
      return (path, arguments)
    }
  }

  @Test(arguments: [
    batch240 + "_results.jsonl", "api-log-2026-10.jsonl",
    "batch_1a1e4773ae15b0af44c13c9e09fcc2d9_errors.jsonl",
  ])
  func removingAFileRestoresEveryReportToNeverHavingIngestedIt(_ name: String) throws {
    let scratch = try Self.demo()
    let ingests = try Self.demoIngests(in: scratch)
    #expect(ingests.count == 45)  // 16 files, the LiteLLM export and 28 Claude Code logs
    func ingest(_ arguments: [String], into ledger: String) throws {
      let result = try Self.run(["ingest"] + arguments + ["--ledger", ledger], in: scratch)
      #expect(result.status == 0, "\(arguments): \(result)")
    }
    for ingestion in ingests {
      try ingest(ingestion.arguments, into: "all.sqlite")
      if !ingestion.path.hasSuffix("/" + name) { try ingest(ingestion.arguments, into: "without.sqlite") }
    }
    let all = try Self.reports("all.sqlite", in: scratch)
    // Ingested by the command line as the demo ingests them: the same reports.
    #expect(all == (try Self.reports("d/tally.sqlite", in: scratch)))
    let without = try Self.reports("without.sqlite", in: scratch)
    #expect(all != without)

    let path = ingests.first { $0.path.hasSuffix("/" + name) }!.path
    let dryRun = try Self.run(["ledger", "remove", path, "--dry-run", "--ledger", "all.sqlite"], in: scratch)
    #expect(dryRun.status == 0, "\(dryRun)")
    #expect(dryRun.stderr.contains("dry run: nothing removed"))
    #expect(try Self.reports("all.sqlite", in: scratch) == all)

    let removed = try Self.run(["ledger", "remove", path, "--ledger", "all.sqlite"], in: scratch)
    #expect(removed.status == 0, "\(removed)")
    #expect(
      removed.stderr.replacing(/would remove/, with: "removed").replacing(
        /, dry run: nothing removed/, with: "") == removed.stderr)
    let after = try Self.reports("all.sqlite", in: scratch)
    for (index, arguments) in Self.reports.enumerated() {
      #expect(after[index] == without[index], "\(arguments) after removing \(name)")
    }
    // Ingested again, it gives back the original bytes.
    try ingest(ingests.first { $0.path == path }!.arguments, into: "all.sqlite")
    #expect(try Self.reports("all.sqlite", in: scratch) == all)
  }

  @Test func removeSaysWhatItRemovedAndRefusesWhatItCannotFind() throws {
    let scratch = try Self.demo()
    let path = scratch.appendingPathComponent("d/\(Self.batch240)_results.jsonl").resolvingSymlinksInPath()
      .path
    let sources = try Self.run(
      ["ledger", "sources", "--format", "csv", "--ledger", "d/tally.sqlite"], in: scratch)
    let line = sources.stdout.split(separator: "\n").first { $0.contains(Self.batch240) }!
    let id = String(line.prefix { $0 != "," })
    let removed = try Self.run(["ledger", "remove", id, "--ledger", "d/tally.sqlite"], in: scratch)
    #expect(removed.status == 0, "\(removed)")
    let stored = String(line.split(separator: ",")[1])
    #expect(stored.hasSuffix("d/\(Self.batch240)_results.jsonl"), "\(path)")
    #expect(
      removed.stderr == """
        source \(id) (\(stored), anthropic-batch, ingested 2026-11-01T07:00:00Z)
          removed 240 requests (239 billed) of 2026-10-05 (UTC)
          tokens: input 26,981,830, cache writes 5m 148,000, 1h 0, cache reads 1,124,800, output 1,370,305; web searches 0
          removed batch \(Self.batch240)

        """)
    let again = try Self.run(["ledger", "remove", id, "--ledger", "d/tally.sqlite"], in: scratch)
    #expect(again.status == 65)
    #expect(again.stderr.hasPrefix("tally: source \(id) (\(stored)) was already removed at "))
    let missing = try Self.run(["ledger", "remove", "999", "--ledger", "d/tally.sqlite"], in: scratch)
    #expect(missing.status == 65)
    #expect(
      missing.stderr == "tally: there is no source 999 in d/tally.sqlite; `tally ledger sources` lists them\n"
    )
  }

  @Test func anAmbiguousPathListsTheIds() throws {
    let scratch = try Self.demo()
    let file = "d/\(Self.batch240)_results.jsonl"
    for _ in 0..<2 {
      #expect(try Self.run(["ingest", file, "--ledger", "x.sqlite"], in: scratch).status == 0)
    }
    let result = try Self.run(["ledger", "remove", file, "--ledger", "x.sqlite"], in: scratch)
    #expect(result.status == 65)
    #expect(
      result.stderr
        == "tally: \(file) names 2 sources (ids 1, 2); give one id, e.g. `tally ledger remove 1`\n")
  }

  @Test func aProviderReportSourceIsRemovable() throws {
    let fixtures = CLI.packageRoot.appendingPathComponent("Tests/TallyKitTests/Fixtures/reconcile")
    let scratch = try CLI.temporaryDirectory("tally-undo")
    let log = fixtures.appendingPathComponent("api-log.jsonl").path
    let usage = fixtures.appendingPathComponent("usage-page-1.json").path
    let cost = fixtures.appendingPathComponent("cost.json").path
    for ledger in ["with.sqlite", "without.sqlite"] {
      #expect(try Self.run(["ingest", log, cost, "--ledger", ledger], in: scratch).status == 0)
    }
    #expect(try Self.run(["ingest", usage, "--ledger", "with.sqlite"], in: scratch).status == 0)
    let reconcile = { (ledger: String) in
      try Self.run(["reconcile", "--format", "csv", "--ledger", ledger], in: scratch).stdout
    }
    #expect(try reconcile("with.sqlite") != (try reconcile("without.sqlite")))
    let removed = try Self.run(["ledger", "remove", usage, "--ledger", "with.sqlite"], in: scratch)
    #expect(removed.status == 0, "\(removed)")
    #expect(removed.stderr.contains(" provider report rows in "))
    #expect(try reconcile("with.sqlite") == (try reconcile("without.sqlite")))
  }
}
