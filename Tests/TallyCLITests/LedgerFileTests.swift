import Foundation
import Testing

/// The ledger file: migration from the previous version, read-only reports, a missing path.
@Suite("Ledger file")
struct LedgerFileTests {
  static let fixtures = CLI.packageRoot.appendingPathComponent("Tests/TallyKitTests/Fixtures/ledger")

  /// The reports `v2-expected/` holds, with the arguments that printed them.
  static let reports: [(file: String, arguments: [String])] = [
    ("spend-month-model.csv", ["report", "spend", "--format", "csv"]),
    ("spend-tenant-job.csv", ["report", "spend", "--by", "tenant,job", "--format", "csv"]),
    (
      "spend-day-model-mode-context.csv",
      ["report", "spend", "--by", "day,model,mode,context", "--format", "csv"]
    ),
    ("spend-all.json", ["report", "spend", "--by", "tenant,job,model,mode,context", "--format", "json"]),
    ("chargeback-2026-10.csv", ["report", "chargeback", "--month", "2026-10", "--format", "csv"]),
    ("chargeback-2026-10.json", ["report", "chargeback", "--month", "2026-10", "--format", "json"]),
    ("focus-2026-10.csv", ["report", "chargeback", "--month", "2026-10", "--format", "focus"]),
    ("jobs.csv", ["report", "jobs", "--format", "csv"]),
    ("batches.csv", ["report", "batches", "--format", "csv"]),
    (
      "opportunities.csv",
      ["report", "opportunities", "--from", "2026-10-01", "--to", "2026-10-31", "--format", "csv"]
    ),
    ("reconcile.csv", ["reconcile", "--format", "csv"]),
  ]

  static func copyOfTheV2Ledger() throws -> String {
    let ledger = try LedgerCLITests.ledgerPath()
    try FileManager.default.copyItem(
      atPath: fixtures.appendingPathComponent("v2-ledger.sqlite").path, toPath: ledger)
    return ledger
  }

  /// A report's JSON without the members that say what it covers, which the v2 outputs predate
  /// (and whose `from`/`to` were null for an open window), and without the audio token counts
  /// (added by migration v5), which must be 0 in every row.
  static func withoutContext(_ json: String) throws -> NSDictionary {
    var object = try #require(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    for key in ["schema_version", "title", "where", "prices", "warnings", "from", "to"] { object[key] = nil }
    func withoutAudio(_ row: [String: Any]) -> [String: Any] {
      var row = row
      for key in audioColumns where row[key] != nil {
        #expect(row[key] as? Int == 0, "\(key) of a v2 ledger's row")
        row[key] = nil
      }
      return row
    }
    if let rows = object["rows"] as? [[String: Any]] { object["rows"] = rows.map(withoutAudio) }
    if let totals = object["totals"] as? [String: Any] { object["totals"] = withoutAudio(totals) }
    return object as NSDictionary
  }

  static let audioColumns = ["audio_input_tokens", "audio_output_tokens"]

  /// A CSV report without its audio token columns (added by migration v5), which must be 0 in
  /// every row. The reports this is used on have no quoted cells.
  static func withoutAudioColumns(_ csv: String) -> String {
    let lines = csv.split(separator: "\n", omittingEmptySubsequences: false).map {
      $0.split(separator: ",", omittingEmptySubsequences: false)
    }
    guard let header = lines.first else { return csv }
    let audio = Set(header.indices.filter { audioColumns.contains(String(header[$0])) })
    guard !audio.isEmpty else { return csv }
    return lines.enumerated().map { number, fields in
      if number > 0 {
        for index in audio where index < fields.count { #expect(fields[index] == "0", "line \(number + 1)") }
      }
      return fields.indices.filter { !audio.contains($0) }.map { String(fields[$0]) }.joined(separator: ",")
    }.joined(separator: "\n")
  }

  /// Every report of `v2-expected/` on `ledger` (the v2 ledger migrated), with the members and
  /// columns later versions added set aside.
  static func expectTheV2Reports(ledger: String, environment: [String: String?] = [:]) throws {
    for (file, arguments) in Self.reports {
      let result = try CLI.run(arguments + ["--ledger", ledger], environment: environment)
      let expected = try String(
        contentsOf: Self.fixtures.appendingPathComponent("v2-expected/\(file)"), encoding: .utf8)
      if file.hasSuffix(".json") {
        // The numbers must not change; the context members came later (schema version 2).
        #expect(
          try Self.withoutContext(result.stdout) == Self.withoutContext(expected),
          "\(file) differs after migration")
      } else if file.hasPrefix("spend-") {
        // The audio columns came later (migration v5): 0 on every row, the rest unchanged.
        #expect(result.stdout.contains(",audio_input_tokens,audio_output_tokens,"))
        #expect(Self.withoutAudioColumns(result.stdout) == expected, "\(file) differs after migration")
      } else if file.hasPrefix("focus-") {
        // x_BillingPeriodStatus came later (period close, migration v8): every month is open.
        let lines = expected.split(separator: "\n").enumerated().map { index, line in
          line + (index == 0 ? ",x_BillingPeriodStatus" : ",Open")
        }
        #expect(result.stdout == lines.joined(separator: "\n") + "\n", "\(file) differs after migration")
      } else {
        #expect(result.stdout == expected, "\(file) differs after migration")
      }
    }
  }

  @Test(TestEngine.sqliteOnly) func aLedgerOfThePreviousVersionMigratesWithEveryReportUnchanged() throws {
    let ledger = try Self.copyOfTheV2Ledger()
    let refused = try CLI.run(["report", "spend", "--ledger", ledger])
    #expect(refused.status == 1)
    #expect(
      refused.stderr
        == "tally: \(ledger) was written by an earlier version of Tally; migrate it with `tally ledger migrate --ledger \(ledger)` (or any `tally ingest` into it), then run the report again\n"
    )
    let migrate = try CLI.run(["ledger", "migrate", "--ledger", ledger])
    #expect(migrate.status == 0, "\(migrate)")
    #expect(migrate.stderr == "\(ledger): the ledger is up to date\n")
    try Self.expectTheV2Reports(ledger: ledger)
    // Ingesting the same files again adds nothing: the request keys survived the migration.
    let again = try CLI.run([
      "ingest", "--ledger", ledger,
      CLI.packageRoot.appendingPathComponent("Tests/TallyKitTests/Fixtures/reconcile/api-log.jsonl").path,
    ])
    #expect(again.stderr.contains("read 62, new 0, duplicates 62"), "\(again)")
  }

  @Test func aMissingLedgerIsAnErrorAndCreatesNothing() throws {
    let ledger = try LedgerCLITests.ledgerPath()
    for arguments in [["report", "spend"], ["report", "chargeback"], ["report", "jobs"], ["reconcile"]] {
      let result = try CLI.run(arguments + ["--ledger", ledger])
      #expect(result.status == 1)
      #expect(
        result.stderr
          == "tally: no ledger at \(ledger): ingest something first (tally ingest FILE --ledger \(ledger))\n")
      #expect(!FileManager.default.fileExists(atPath: ledger))
    }
    let dryRun = try CLI.run([
      "ingest", "--dry-run", "--ledger", ledger, LedgerCLITests.fixture("api-log/mixed.jsonl"),
    ])
    #expect(dryRun.status == 0, "\(dryRun)")
    #expect(dryRun.stderr.contains("dry run: nothing written"))
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: (ledger as NSString).deletingLastPathComponent)
        == [])
  }

  /// A `chmod 444` ledger in a `chmod 555` directory, read by another user (CI runs as root,
  /// which ignores permission bits, so the reports run as nobody there): every report works
  /// and the file stays byte-identical.
  @Test(TestEngine.sqliteOnly) func reportsReadAReadOnlyLedgerInAReadOnlyDirectoryAndChangeNothing() throws {
    let ledger = try LedgerCLITests.demoLedger()
    _ = try CLI.run(["ledger", "migrate", "--ledger", ledger])  // checkpoints the WAL into the file
    let directory = (ledger as NSString).deletingLastPathComponent
    for extra in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: ledger + extra) }
    let before = try Data(contentsOf: URL(fileURLWithPath: ledger))
    try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: ledger)
    try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: directory)
    defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory) }
    let asNobody = getuid() == 0
    // nobody may not reach the build directory (a clone under /root): run a copy from /tmp.
    let binary = try CLI.temporaryDirectory("tally-nobody").appendingPathComponent("tally")
    try FileManager.default.copyItem(at: CLI.executable, to: binary)
    for path in [binary.path, binary.deletingLastPathComponent().path] {
      try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    }
    for arguments in [
      ["report", "spend", "--by", "tenant"], ["report", "chargeback", "--month", "2026-10"],
      ["report", "jobs"],
      ["report", "batches"], ["report", "chargeback", "--month", "2026-10", "--format", "focus"],
    ] {
      let result =
        asNobody
        ? try CLI.run(
          ["--reuid=65534", "--regid=65534", "--clear-groups", binary.path] + arguments + [
            "--ledger", ledger,
          ],
          executable: URL(fileURLWithPath: "/usr/bin/setpriv"))
        : try CLI.run(arguments + ["--ledger", ledger])
      #expect(result.status == 0, "\(arguments): \(result)")
      #expect(!result.stdout.isEmpty)
    }
    #expect(try Data(contentsOf: URL(fileURLWithPath: ledger)) == before)
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["tally.sqlite"])
  }
}
