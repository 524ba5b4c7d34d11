import Foundation
import Testing

/// `tally ingest` and `tally report spend` end to end, on the ingest fixtures of TallyKitTests.
@Suite("Ingest and spend")
struct LedgerCLITests {
  static let fixtures = CLI.packageRoot.appendingPathComponent("Tests/TallyKitTests/Fixtures/ingest")
  static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

  /// A ledger path in a fresh temporary directory.
  static func ledgerPath() throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "tally-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory.appendingPathComponent("tally.sqlite").path
  }

  /// The batch results, the API log and the OpenAI batch output in one ledger.
  static func demoLedger() throws -> String {
    let ledger = try ledgerPath()
    let batch = try CLI.run([
      "ingest", "--ledger", ledger,
      fixture("anthropic-batch/msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d_results.jsonl"),
      "--batch", fixture("anthropic-batch/msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d.json"),
      "--map", fixture("attribution/map.csv"), "--id-pattern", #"(?<tenant>[^:]+):(?<job>[^:]+):\d+"#,
    ])
    #expect(batch.status == 0, "\(batch)")
    let logs = try CLI.run([
      "ingest", "--ledger", ledger, fixture("api-log/mixed.jsonl"),
      fixture("openai-batch/batch_output.jsonl"),
    ])
    #expect(logs.status == 0, "\(logs)")
    return ledger
  }

  @Test func ingestSummaryGoesToStderr() throws {
    let ledger = try Self.ledgerPath()
    let file = Self.fixture("anthropic-batch/msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d_results.jsonl")
    let result = try CLI.run([
      "ingest", "--ledger", ledger, file, "--batch",
      Self.fixture("anthropic-batch/msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d.json"),
    ])
    #expect(result.status == 0)
    #expect(result.stdout == "")
    #expect(
      result.stderr == """
        \(file): anthropic-batch (detected)
          read 12, new 12, duplicates 0, not billed 4, invalid 0
          unpriced models (stored, excluded from costs): claude-nonexistent-9 (1)

        """)
    let again = try CLI.run([
      "ingest", "--ledger", ledger, file, "--batch",
      Self.fixture("anthropic-batch/msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d.json"),
    ])
    #expect(again.stderr.contains("read 12, new 0, duplicates 12, not billed 0, invalid 0"))
  }

  @Test func aBadFileExits65AndAMissingTimeExits64() throws {
    let ledger = try Self.ledgerPath()
    let truncated = Self.fixture("anthropic-batch/truncated.jsonl")
    let bad = try CLI.run([
      "ingest", "--ledger", ledger, truncated, "--batch-id", "msgbatch_x", "--date", "2026-10-02",
    ])
    #expect(bad.status == 65)
    #expect(
      bad.stderr == """
        tally: \(truncated):3: not valid JSON (a truncated or corrupted line?)
        tally: \(truncated): nothing was written (fix the lines above, or pass --skip-invalid to skip them)

        """)
    let skipped = try CLI.run([
      "ingest", "--ledger", ledger, truncated, "--batch-id", "msgbatch_x", "--date", "2026-10-02",
      "--skip-invalid",
    ])
    #expect(skipped.status == 0)
    #expect(skipped.stderr.contains("read 4, new 3, duplicates 0, not billed 0, invalid 1"))
    let noTime = try CLI.run([
      "ingest", "--ledger", ledger, Self.fixture("anthropic-batch/shuffled-copy.jsonl"), "--batch-id",
      "msgbatch_y",
    ])
    #expect(noTime.status == 64)
    #expect(noTime.stderr.contains("carry no time; give the batch object with --batch FILE.json"))
    let both = try CLI.run([
      "ingest", "--ledger", ledger, truncated, "--batch",
      Self.fixture("anthropic-batch/msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d.json"), "--date", "2026-10-02",
    ])
    #expect(both.status == 64)
  }

  @Test func spendInEveryFormat() throws {
    let ledger = try Self.demoLedger()
    for (format, golden) in [
      ("table", "spend-month-model.txt"), ("csv", "spend-month-model.csv"),
      ("json", "spend-month-model.json"),
    ] {
      let result = try CLI.run([
        "report", "spend", "--ledger", ledger, "--format", format, "--precision", "4",
      ])
      #expect(result.status == 0, "\(result)")
      #expect(
        result.stderr.contains(
          "unpriced usage, excluded from every cost and from the totals: claude-nonexistent-9 (1 requests)"))
      assertGolden(result.stdout, named: golden)
    }
    let tenants = try CLI.run([
      "report", "spend", "--ledger", ledger, "--by", "tenant", "--format", "csv", "--where",
      "provider=anthropic",
    ])
    assertGolden(tenants.stdout, named: "spend-tenant-anthropic.csv")
    let json = try CLI.run(["report", "spend", "--ledger", ledger, "--by", "mode", "--format", "json"])
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    let totals = try #require(object["totals"] as? [String: Any])
    // Batch results 0.0806576 + API log 0.1221784 + OpenAI batch (gpt-4o-mini and gpt-4.1 at batch rates).
    #expect(totals["unpriced_requests"] as? Int == 1)
    #expect(object["report"] as? String == "spend")
  }

  @Test func timeZonesMoveDaysNotRates() throws {
    let ledger = try Self.demoLedger()
    let utc = try CLI.run(["report", "spend", "--ledger", ledger, "--by", "month", "--format", "csv"])
    let newYork = try CLI.run([
      "report", "spend", "--ledger", ledger, "--by", "month", "--format", "csv", "--tz", "America/New_York",
    ])
    #expect(utc.stdout.hasPrefix("month,requests"))
    // The batch created 2026-10-01T02:00Z is still September there.
    #expect(newYork.stdout.contains("2026-09,"))
    let total: (String) -> String = { csv in
      csv.split(separator: "\n").dropFirst().map {
        $0.split(separator: ",", omittingEmptySubsequences: false)[9]
      }
      .joined(separator: "+")
    }
    #expect(!total(utc.stdout).isEmpty && !total(newYork.stdout).isEmpty)
    let bad = try CLI.run(["report", "spend", "--ledger", ledger, "--tz", "Mars/Olympus"])
    #expect(bad.status == 64)
  }

  /// (On PostgreSQL: PostgresLedgerCLITests runs ten at once.)
  @Test(TestEngine.sqliteOnly) func twoIngestProcessesAtOnceLoseNothing() throws {
    let ledger = try Self.ledgerPath()
    let files = ["api-log/mixed.jsonl", "openai-batch/batch_output.jsonl", "anthropic-batch/bom-crlf.jsonl"]
    let logs = files.indices.map { URL(fileURLWithPath: ledger + ".stderr-\($0)") }
    let processes = try files.indices.map { index -> Process in
      let process = Process()
      process.executableURL = CLI.executable
      process.arguments = [
        "ingest", "--ledger", ledger, Self.fixture(files[index]), "--batch-id", "msgbatch_bom", "--date",
        "2026-10-03",
      ]
      FileManager.default.createFile(atPath: logs[index].path, contents: nil)
      process.standardError = try FileHandle(forWritingTo: logs[index])
      return process
    }
    for process in processes { try process.run() }
    for process in processes { process.waitUntilExit() }
    let stderr = try logs.map { try String(contentsOf: $0, encoding: .utf8) }
    #expect(processes.map(\.terminationStatus) == [0, 0, 0], "\(stderr)")
    let result = try CLI.run(["report", "spend", "--ledger", ledger, "--by", "provider", "--format", "json"])
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    #expect((object["totals"] as? [String: Any])?["requests"] as? Int == 9 + 5 + 3)
  }
}
