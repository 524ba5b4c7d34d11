import Foundation
import Testing

/// The same files ingested into a SQLite ledger and a PostgreSQL ledger print the same bytes
/// in every report and every format: the demo data set (`tally demo --ledger URL` ingests it into
/// both), then the same month closed in both, then provider reports for reconcile.
@Suite(.serialized, .enabled(if: PostgresServer.enabled, PostgresServer.skipReason))
struct PostgresParityCLITests {
  static let environment: [String: String?] = ["USER": "finance", "SOURCE_DATE_EPOCH": "1793696400"]

  /// Runs `arguments` against both ledgers and expects the same stdout and exit status, and
  /// the same stderr once each ledger's name is replaced by LEDGER.
  static func expectSame(
    _ arguments: [String], sqlite: String, postgres: TestDatabase, in directory: URL,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let onSQLite = try CLI.run(arguments + ["--ledger", sqlite], in: directory, environment: environment)
    var pgEnvironment = environment
    pgEnvironment.merge(postgres.environment) { $1 }
    let onPostgres = try CLI.run(
      arguments + ["--ledger", postgres.url], in: directory, environment: pgEnvironment)
    let command = "tally " + arguments.joined(separator: " ")
    #expect(
      onSQLite.status == onPostgres.status, "\(command): \(onSQLite) vs \(onPostgres)",
      sourceLocation: sourceLocation)
    #expect(
      onPostgres.stdout == onSQLite.stdout,
      "\(command)\n\(goldenDiff(expected: onSQLite.stdout, actual: onPostgres.stdout))",
      sourceLocation: sourceLocation)
    #expect(
      onPostgres.stderr.replacingOccurrences(of: postgres.url, with: "LEDGER")
        == onSQLite.stderr.replacingOccurrences(of: sqlite, with: "LEDGER"),
      "\(command): stderr differs", sourceLocation: sourceLocation)
    #expect(
      !(onSQLite.stdout + onSQLite.stderr).isEmpty, "\(command) printed nothing",
      sourceLocation: sourceLocation)
  }

  /// Every ledger report, in every format.
  static func reports() -> [[String]] {
    var runs: [[String]] = []
    for format in ["table", "csv", "json"] {
      let f = ["--format", format]
      runs += [
        ["report", "spend"] + f,
        ["report", "spend", "--by", "month,tenant"] + f,
        ["report", "spend", "--by", "day,job,model", "--from", "2026-09-10", "--to", "2026-10-20"] + f,
        ["report", "spend", "--by", "week,mode,provider", "--where", "tenant=acme,globex"] + f,
        ["report", "spend", "--by", "month,context,batch"] + f,
        ["report", "spend", "--by", "day,tenant", "--tz", "America/New_York", "--from", "2026-10-01"] + f,
        [
          "report", "chargeback", "--month", "2026-10", "--revenue", "demo/revenue-2026-10.csv", "--markup",
          "20",
        ]
          + f,
        [
          "report", "chargeback", "--month", "2026-10", "--allocate-unattributed", "proportional",
          "--shared-costs", "shared-costs.csv",
        ] + f,
        ["report", "chargeback", "--month", "2026-09"] + f,
        ["report", "jobs", "--from", "2026-10-01", "--to", "2026-10-31"] + f,
        ["report", "batches"] + f,
        ["report", "opportunities", "--from", "2026-10-01", "--to", "2026-10-31"] + f,
        ["whatif", "demo/scenarios.toml", "--from", "2026-10-01", "--to", "2026-10-31"] + f,
        ["report", "budget", "--budgets", "budgets.csv", "--month", "2026-10", "--as-of", "2026-10-20"] + f,
        ["ledger", "sources", "--all"] + f,
        ["periods"] + f,
        ["periods", "--adjustments"] + f,
      ]
    }
    runs += [
      ["report", "chargeback", "--month", "2026-10", "--format", "focus"],
      ["report", "chargeback", "--month", "2026-09", "--format", "focus", "--focus-version", "1.3"],
    ]
    return runs
  }

  @Test func everyReportPrintsTheSameBytesOnBothEngines() throws {
    let database = try PostgresServer.makeDatabase("parity")
    defer { database.drop() }
    let scratch = try CLI.temporaryDirectory("tally-pg-parity")
    for name in ["budgets-2026-10.csv", "shared-costs-2026-10.csv"] {
      try FileManager.default.copyItem(
        at: CLI.packageRoot.appendingPathComponent("examples/\(name)"),
        to: scratch.appendingPathComponent(name.replacingOccurrences(of: "-2026-10", with: "")))
    }
    // One run writes the files, ingests them into demo/tally.sqlite, and ingests the same
    // paths into the PostgreSQL ledger.
    var environment = Self.environment
    environment.merge(database.environment) { $1 }
    let demo = try CLI.run(
      ["demo", "--dir", "demo", "--ledger", database.url], in: scratch, environment: environment)
    #expect(demo.status == 0, "\(demo)")
    #expect(try database.psql("SELECT count(*) FROM request") == "8100")
    let sqlite = "demo/tally.sqlite"

    for arguments in Self.reports() {
      try Self.expectSame(arguments, sqlite: sqlite, postgres: database, in: scratch)
    }
    // Closing September in both: the figures, statement numbers and price tables stored, then
    // every report again (September closed, October with its adjustments).
    try Self.expectSame(
      ["close", "2026-09", "--note", "invoiced"], sqlite: sqlite, postgres: database, in: scratch)
    #expect(try database.psql("SELECT status, close_count FROM period") == "closed|1")
    for arguments in Self.reports() {
      try Self.expectSame(arguments, sqlite: sqlite, postgres: database, in: scratch)
    }
  }

  @Test func reconcilePrintsTheSameBytesOnBothEngines() throws {
    let database = try PostgresServer.makeDatabase("reconcile")
    defer { database.drop() }
    let scratch = try CLI.temporaryDirectory("tally-pg-reconcile")
    let examples = CLI.packageRoot.appendingPathComponent("examples/reconcile")
    let files = [
      "api-log.jsonl", "msgbatch_01ExampleNov03_results.jsonl", "usage-report.json", "cost-report.json",
    ].map { examples.appendingPathComponent($0).path }
    for ledger in ["tally.sqlite", database.url] {
      let run = try CLI.run(
        ["ingest"] + files + ["--ledger", ledger], in: scratch, environment: database.environment)
      #expect(run.status == 0, "\(run)")
    }
    for format in ["table", "csv", "json"] {
      for extra in [
        [], ["--by", "model"], ["--pricing", examples.appendingPathComponent("contract-rates.csv").path],
      ] {
        try Self.expectSame(
          ["reconcile", "--format", format] + extra, sqlite: "tally.sqlite", postgres: database, in: scratch)
      }
      try Self.expectSame(
        ["report", "spend", "--format", format], sqlite: "tally.sqlite", postgres: database, in: scratch)
    }
  }
}
