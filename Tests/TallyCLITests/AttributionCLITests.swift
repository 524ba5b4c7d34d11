import Foundation
import Testing

/// `tally ingest --id-pattern`, `--map` and `--summary json` end to end, on
/// `Tests/TallyKitTests/Fixtures/ingest/attribution` (see AttributionTests for the ids).
@Suite("Attribution")
struct AttributionCLITests {
  typealias L = LedgerCLITests
  static let batch = L.fixture("attribution/msgbatch_01Attribution_results.jsonl")
  static let map = L.fixture("attribution/prefix-map.csv")

  @Test func aPrefixPatternAttributesAndTheSummaryCountsEachRule() throws {
    let ledger = try L.ledgerPath()
    let result = try CLI.run([
      "ingest", "--ledger", ledger, Self.batch, "--date", "2026-10-05", "--map", Self.map,
      "--id-pattern", "(?<tenant>[a-z]+)__(?<job>[a-z]+)",
    ])
    #expect(result.status == 0, "\(result)")
    #expect(result.stdout == "")
    #expect(
      result.stderr == """
        \(Self.batch): anthropic-batch (detected)
          read 6, new 6, duplicates 0, not billed 0, invalid 0
          attributed: record fields 0, map 2, id-pattern 3, flags 0; unattributed 1

        """)
    let spend = try CLI.run(["report", "spend", "--by", "tenant", "--format", "csv", "--ledger", ledger])
    #expect(
      spend.stdout.split(separator: "\n").dropFirst().map { $0.prefix { $0 != "," } } == [
        "(unattributed)", "\"Initech", "acme", "globex",
      ])
  }

  @Test func aPatternThatMatchesNoIdWarnsWithAnExample() throws {
    let result = try CLI.run([
      "ingest", "--ledger", try L.ledgerPath(), Self.batch, "--date", "2026-10-05",
      "--id-pattern", "^(?<tenant>[a-z]+)-(?<job>[a-z]+)$",
    ])
    #expect(result.status == 0, "\(result)")
    #expect(
      result.stderr == """
        \(Self.batch): anthropic-batch (detected)
          read 6, new 6, duplicates 0, not billed 0, invalid 0
          attributed: record fields 0, map 0, id-pattern 0, flags 0; unattributed 6
        tally: warning: --id-pattern matched none of the 6 custom_ids of \(Self.batch); every record of it is (unattributed). Example id: "acme__summarize__0001"

        """)
  }

  @Test func summaryJSONIsOneObjectOnStdout() throws {
    let ledger = try L.ledgerPath()
    let result = try CLI.run([
      "ingest", "--ledger", ledger, "--summary", "json", "--date", "2026-10-05", "--map", Self.map,
      "--id-pattern", "^(?<tenant>[a-z]+)__(?<job>[a-z]+)__", "--job", "misc", Self.batch,
      L.fixture("anthropic-batch/truncated.jsonl"),
    ])
    // The second file names no batch: the run fails, the first file's ingest stands.
    let failure =
      "\(L.fixture("anthropic-batch/truncated.jsonl")): Anthropic batch results carry no batch id; give the batch object with --batch FILE.json, or --batch-id msgbatch_…"
    #expect(result.status == 64, "\(result)")
    #expect(result.stderr == "tally: \(failure)\n")
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    #expect(object["dry_run"] as? Bool == false)
    let files = try #require(object["files"] as? [[String: Any]])
    #expect(files.count == 2)
    let first = files[0]
    #expect(first["file"] as? String == Self.batch)
    #expect(first["status"] as? String == "ingested")
    #expect(first["format"] as? String == "anthropic-batch")
    #expect(first["format_detected"] as? Bool == true)
    #expect(
      [
        first["read"], first["new"], first["duplicates"], first["not_billed"], first["invalid"],
        first["revised"],
      ]
      .map { $0 as? Int } == [6, 6, 0, 0, 0, 0])
    #expect(
      first["attributed"] as? [String: Int] == [
        "field": 0, "record": 0, "map": 2, "pattern": 2, "flags": 3, "unattributed": 0,
      ])
    #expect((first["unpriced_models"] as? [String: Int]) == [:])
    #expect((first["problems"] as? [Any])?.isEmpty == true)
    #expect((first["warnings"] as? [String]) == [])
    let second = files[1]
    #expect(second["status"] as? String == "failed")
    #expect(second["exit_status"] as? Int == 64)
    #expect(second["errors"] as? [String] == [failure])
    let spend = try CLI.run(["report", "spend", "--by", "tenant", "--format", "csv", "--ledger", ledger])
    #expect(
      spend.stdout.split(separator: "\n").dropFirst().map { $0.prefix { $0 != "," } } == [
        "(unattributed)", "\"Initech", "acme", "globex",
      ])
  }

  @Test func aDryRunSaysSoInTheJSONAndStoresNothing() throws {
    let ledger = try L.ledgerPath()
    let result = try CLI.run([
      "ingest", "--ledger", ledger, "--summary", "json", "--dry-run", "--date", "2026-10-05", Self.batch,
    ])
    #expect(result.status == 0, "\(result)")
    #expect(result.stderr == "")
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    #expect(object["dry_run"] as? Bool == true)
    #expect((object["files"] as? [[String: Any]])?.first?["new"] as? Int == 6)
    // A dry run writes nothing at all: not even an empty ledger.
    #expect(!FileManager.default.fileExists(atPath: ledger))
    let spend = try CLI.run(["report", "spend", "--format", "csv", "--ledger", ledger])
    #expect(spend.status == 1)
  }

  @Test func anExponentialPatternIsAUsageError() throws {
    let result = try CLI.run([
      "ingest", "--ledger", try L.ledgerPath(), Self.batch, "--date", "2026-10-05",
      "--id-pattern", "(?<tenant>(a+)+)_(?<job>x)",
    ])
    #expect(result.status == 64)
    #expect(
      result.stderr.hasPrefix(
        "Error: --id-pattern: nested quantifiers such as (a+)+ can take exponential time; rewrite the pattern without a quantifier inside a repeated group (here (a+)+)\n"
      ))
    let unnamed = try CLI.run([
      "ingest", "--ledger", try L.ledgerPath(), Self.batch, "--id-pattern", "[a-z]+__",
    ])
    #expect(unnamed.status == 64)
    #expect(
      unnamed.stderr.hasPrefix(
        "Error: --id-pattern: the pattern has no group named tenant or job; name what it captures, as in ^(?<tenant>[a-z0-9-]+)__(?<job>[a-z-]+)__\n"
      ))
  }
}
