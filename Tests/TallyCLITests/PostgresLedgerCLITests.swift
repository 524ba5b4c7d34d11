import Foundation
import Testing

/// The PostgreSQL ledger as a team uses it: migrations from many processes at once, copies
/// between engines, concurrent ingests, a dropped connection, a read-only role, passwords.
@Suite(.enabled(if: PostgresServer.enabled, PostgresServer.skipReason))
struct PostgresLedgerCLITests {
  static let fixtures = CLI.fixturesDirectory

  /// `count` API-log lines with keys `req_<first>`... (each 1,000 input and 100 output tokens
  /// on claude-sonnet-4-5, one per minute from 2026-10-01).
  static func apiLog(_ range: Range<Int>) -> String {
    range.map { index in
      let minute = index % (60 * 24 * 28)
      let day = 1 + minute / (60 * 24)
      let time = String(format: "2026-10-%02dT%02d:%02d:00Z", day, (minute / 60) % 24, minute % 60)
      return
        #"{"timestamp":"\#(time)","tenant":"t\#(index % 7)","job":"j\#(index % 3)","request_id":"req_\#(index)","response":{"type":"message","model":"claude-sonnet-4-5-20250929","usage":{"input_tokens":1000,"output_tokens":100}}}"#
    }.joined(separator: "\n") + "\n"
  }

  static func run(_ arguments: [String], _ database: TestDatabase, in directory: URL) throws -> CLIResult {
    try CLI.run(arguments, in: directory, environment: database.environment)
  }

  @Test func tenProcessesOpeningANewLedgerMigrateItOnce() async throws {
    let database = try PostgresServer.makeDatabase("migrate")
    defer { database.drop() }
    let scratch = try CLI.temporaryDirectory("tally-pg-migrate")
    let results = try await withThrowingTaskGroup(of: CLIResult.self) { group in
      for _ in 0..<10 {
        group.addTask {
          try Self.run(["ledger", "migrate", "--ledger", database.url], database, in: scratch)
        }
      }
      return try await group.reduce(into: []) { $0.append($1) }
    }
    #expect(results.allSatisfy { $0.status == 0 }, "\(results.filter { $0.status != 0 })")
    #expect(
      try database.psql("SELECT string_agg(identifier, ',' ORDER BY identifier) FROM tally_migrations")
        == "postgres-1,v8")
    #expect(try database.psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == "18")
  }

  /// A ledger as the first PostgreSQL schema left it (v8: the id the primary key, B-trees on
  /// the key hash and the timestamp) is refused by reports until migrated, and reports the same
  /// after.
  @Test func aLedgerOfTheFirstPostgreSQLSchemaMigratesWithItsReportsUnchanged() throws {
    let database = try PostgresServer.makeDatabase("v8")
    defer { database.drop() }
    let scratch = try CLI.temporaryDirectory("tally-pg-v8")
    let log = scratch.appendingPathComponent("api.jsonl")
    try Self.apiLog(0..<500).write(to: log, atomically: true, encoding: .utf8)
    #expect(try Self.run(["ingest", log.path, "--ledger", database.url], database, in: scratch).status == 0)
    let spend = ["report", "spend", "--by", "day,tenant", "--format", "csv", "--ledger", database.url]
    let before = try Self.run(spend, database, in: scratch)
    #expect(before.status == 0, "\(before)")
    try database.psql(
      """
      DROP INDEX request_on_timestamp; CREATE INDEX request_on_timestamp ON request(timestamp);
      DROP INDEX request_on_id; ALTER TABLE request DROP CONSTRAINT request_on_key_hash;
      ALTER TABLE request ADD PRIMARY KEY (id); CREATE UNIQUE INDEX request_on_key_hash ON request(key_hash);
      DELETE FROM tally_migrations WHERE identifier = 'postgres-1'
      """)
    let refused = try Self.run(spend, database, in: scratch)
    #expect(refused.status == 1)
    #expect(refused.stderr.contains("was written by an earlier version of Tally; migrate it"), "\(refused)")
    let migrate = try Self.run(["ledger", "migrate", "--ledger", database.url], database, in: scratch)
    #expect(migrate.status == 0, "\(migrate)")
    #expect(
      try database.psql(
        "SELECT amname FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE relname = 'request_on_timestamp'"
      )
        == "brin")
    let after = try Self.run(spend, database, in: scratch)
    #expect(after.stdout == before.stdout)
    // The header and seven tenants on 2026-10-01 (500 requests, one a minute).
    #expect(after.stdout.split(separator: "\n").count == 8)
  }

  @Test func aReportOnADatabaseWithoutALedgerSaysSoAndCreatesNothing() throws {
    let database = try PostgresServer.makeDatabase("empty")
    defer { database.drop() }
    let scratch = try CLI.temporaryDirectory("tally-pg-empty")
    let report = try Self.run(["report", "spend", "--ledger", database.url], database, in: scratch)
    #expect(report.status == 1)
    #expect(
      report.stderr
        == "tally: no ledger at \(database.url): ingest something first (tally ingest FILE --ledger \(database.url))\n"
    )
    #expect(try database.psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == "0")
  }

  /// A ledger of an earlier version (the v2 fixture) moves into PostgreSQL once migrated, and
  /// every report reads there as it did.
  @Test func aLedgerOfAnEarlierVersionMovesIntoPostgreSQLWithEveryReportUnchanged() throws {
    let database = try PostgresServer.makeDatabase("v2")
    defer { database.drop() }
    let scratch = try CLI.temporaryDirectory("tally-pg-v2")
    let ledger = try LedgerFileTests.copyOfTheV2Ledger()
    let refused = try Self.run(["ledger", "copy", ledger, database.url], database, in: scratch)
    #expect(refused.status == 1)
    #expect(refused.stderr.contains("\(ledger) was written by an earlier version of Tally; migrate it"))
    #expect(try database.psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == "0")
    #expect(try CLI.run(["ledger", "migrate", "--ledger", ledger]).status == 0)
    let copied = try Self.run(["ledger", "copy", ledger, database.url], database, in: scratch)
    #expect(copied.status == 0, "\(copied)")
    try LedgerFileTests.expectTheV2Reports(ledger: database.url, environment: database.environment)
  }

  @Test func copyBothWaysKeepsEveryReportAndIsIdempotent() throws {
    let database = try PostgresServer.makeDatabase("copy")
    defer { database.drop() }
    let scratch = try CLI.temporaryDirectory("tally-pg-copy")
    let demo = try CLI.run(["demo", "--dir", "demo"], in: scratch)
    #expect(demo.status == 0, "\(demo)")
    let there = try Self.run(["ledger", "copy", "demo/tally.sqlite", database.url], database, in: scratch)
    #expect(there.status == 0, "\(there)")
    #expect(
      there.stderr
        == "tally: copied demo/tally.sqlite to \(database.url): source 45, batch 12, request 8,100, rollup_month 410, rollup_day 454; the spend report (108 rows) and 2 months of chargeback totals are the same in both\n"
    )
    let again = try Self.run(["ledger", "copy", "demo/tally.sqlite", database.url], database, in: scratch)
    #expect(again.status == 0)
    #expect(again.stderr.hasPrefix("tally: \(database.url) already holds this ledger: nothing copied;"))
    #expect(try database.psql("SELECT count(*) FROM request") == "8100")
    // New rows after the copy get new ids: an ingest into the copy appends.
    try Self.apiLog(0..<5).write(
      to: scratch.appendingPathComponent("late.jsonl"), atomically: true, encoding: .utf8)
    let more = try Self.run(["ingest", "late.jsonl", "--ledger", database.url], database, in: scratch)
    #expect(more.status == 0, "\(more)")
    #expect(try database.psql("SELECT max(id) FROM source") == "46")
    #expect(try database.psql("SELECT min(id) FROM request WHERE source_id = 46") == "8101")

    let back = try Self.run(["ledger", "copy", database.url, "back.sqlite"], database, in: scratch)
    #expect(back.status == 0, "\(back)")
    #expect(back.stderr.contains("request 8,105"))
    for format in ["table", "csv", "json"] {
      let original = try Self.run(
        ["report", "chargeback", "--month", "2026-10", "--ledger", database.url, "--format", format],
        database,
        in: scratch)
      let copied = try Self.run(
        ["report", "chargeback", "--month", "2026-10", "--ledger", "back.sqlite", "--format", format],
        database,
        in: scratch)
      #expect(original.status == 0)
      #expect(copied.stdout == original.stdout)
    }
    // A target holding another ledger is refused.
    let refused = try Self.run(["ledger", "copy", "demo/tally.sqlite", "back.sqlite"], database, in: scratch)
    #expect(refused.status == 1)
    #expect(refused.stderr.contains("back.sqlite already holds another ledger"))
  }

  @Test func tenConcurrentIngestsOfOverlappingFilesGiveTheSequentialTotals() async throws {
    let database = try PostgresServer.makeDatabase("concurrent")
    defer { database.drop() }
    let scratch = try CLI.temporaryDirectory("tally-pg-concurrent")
    // File i holds requests 1000 i ..< 1000 i + 2500: each overlaps the next two.
    var files: [String] = []
    for index in 0..<10 {
      let name = "part-\(index).jsonl"
      try Self.apiLog((1000 * index)..<(1000 * index + 2500)).write(
        to: scratch.appendingPathComponent(name), atomically: true, encoding: .utf8)
      files.append(name)
    }
    let migrate = try Self.run(["ledger", "migrate", "--ledger", database.url], database, in: scratch)
    #expect(migrate.status == 0, "\(migrate)")
    let results = try await withThrowingTaskGroup(of: CLIResult.self) { group in
      for file in files {
        group.addTask { try Self.run(["ingest", file, "--ledger", database.url], database, in: scratch) }
      }
      // A report while they write: it reads a consistent snapshot.
      group.addTask { try Self.run(["report", "spend", "--ledger", database.url], database, in: scratch) }
      return try await group.reduce(into: []) { $0.append($1) }
    }
    #expect(results.allSatisfy { $0.status == 0 }, "\(results.filter { $0.status != 0 })")
    let sequential = try CLI.run(["ingest"] + files + ["--ledger", "sequential.sqlite"], in: scratch)
    #expect(sequential.status == 0)
    #expect(
      try database.psql("SELECT count(*), sum(new_records), sum(duplicates) FROM source") == "10|11500|13500")
    #expect(try database.psql("SELECT count(*) FROM request") == "11500")
    for arguments in [["report", "spend", "--by", "day,tenant,job", "--format", "csv"], ["report", "jobs"]] {
      let shared = try Self.run(arguments + ["--ledger", database.url], database, in: scratch)
      let alone = try CLI.run(arguments + ["--ledger", "sequential.sqlite"], in: scratch)
      #expect(shared.stdout == alone.stdout)
    }
    // 11,500 requests of 1,000 input and 100 output tokens at $3 and $15 per million: $51.75.
    let total = try Self.run(
      ["report", "spend", "--by", "month", "--format", "csv", "--ledger", database.url], database, in: scratch
    )
    #expect(
      total.stdout.split(separator: "\n").last
        == "2026-10,11500,11500000,0,0,0,1150000,0,0,0,51.75,51.75,0.00,0")
  }

  @Test func aConnectionKilledMidFileLeavesNothingAndARetryAddsItOnce() async throws {
    let database = try PostgresServer.makeDatabase("killed")
    defer { database.drop() }
    let scratch = try CLI.temporaryDirectory("tally-pg-killed")
    try Self.apiLog(0..<40_000).write(
      to: scratch.appendingPathComponent("big.jsonl"), atomically: true, encoding: .utf8)
    let migrate = try Self.run(["ledger", "migrate", "--ledger", database.url], database, in: scratch)
    #expect(migrate.status == 0, "\(migrate)")
    // Another session holds the rollups: the ingest writes its source and every request, then
    // waits to add its sums. Its connection is killed there, mid-file. The lock is held far
    // longer than the ingest needs to get there on a loaded machine (the whole suite runs at
    // once): released early, the ingest would finish and never be killed.
    let admin = try PostgresServer.admin()
    let holder = Process()
    holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    holder.arguments = [
      "psql", "-X", "-q", "-h", admin.host, "-p", String(admin.port), "-U", admin.user, "-d", database.name,
      "-c", "BEGIN; LOCK TABLE rollup_day IN SHARE MODE; SELECT pg_sleep(900); COMMIT",
    ]
    holder.environment = [
      "PGPASSWORD": admin.password, "PGAPPNAME": "tally-lock-holder",
      "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "",
    ]
    holder.standardOutput = FileHandle.nullDevice
    holder.standardError = FileHandle.nullDevice
    try holder.run()
    defer { if holder.isRunning { holder.terminate() } }
    let waitForLock = Date().addingTimeInterval(20)
    while try database.psql(
      "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'rollup_day' AND l.mode = 'ShareLock' AND l.granted"
    ) != "1" {
      guard Date() < waitForLock else { throw HarnessError("the lock holder never locked rollup_day") }
      usleep(50_000)
    }
    let url = database.url + "?application_name=tally-killed"
    let ingest = Task { try Self.run(["ingest", "big.jsonl", "--ledger", url], database, in: scratch) }
    let deadline = Date().addingTimeInterval(600)
    var killed = "0"
    while killed == "0" {
      guard Date() < deadline else { throw HarnessError("the ingest never reached the rollups") }
      usleep(50_000)
      killed = try database.psql(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'tally-killed' AND wait_event_type = 'Lock'"
      )
    }
    let failed = try await ingest.value
    try database.psql(
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'tally-lock-holder'"
    )
    holder.terminate()
    #expect(failed.status == 1, "\(failed)")
    #expect(failed.stderr.contains("big.jsonl: "), "\(failed.stderr)")
    #expect(
      try database.psql(
        "SELECT (SELECT count(*) FROM source), (SELECT count(*) FROM request), (SELECT count(*) FROM rollup_month)"
      ) == "0|0|0")
    let retry = try Self.run(["ingest", "big.jsonl", "--ledger", database.url], database, in: scratch)
    #expect(retry.status == 0, "\(retry)")
    #expect(retry.stderr.contains("read 40000, new 40000, duplicates 0"))
    #expect(try database.psql("SELECT count(*), sum(input_tokens) FROM request") == "40000|40000000")
    let twice = try Self.run(["ingest", "big.jsonl", "--ledger", database.url], database, in: scratch)
    #expect(twice.stderr.contains("read 40000, new 0, duplicates 40000"))
  }

  @Test func aReadOnlyRoleRunsEveryReportAndIsToldWhyItCannotIngest() throws {
    let database = try PostgresServer.makeDatabase("readonly")
    defer { database.drop() }
    let scratch = try CLI.temporaryDirectory("tally-pg-readonly")
    try Self.apiLog(0..<200).write(
      to: scratch.appendingPathComponent("a.jsonl"), atomically: true, encoding: .utf8)
    let ingest = try Self.run(["ingest", "a.jsonl", "--ledger", database.url], database, in: scratch)
    #expect(ingest.status == 0, "\(ingest)")
    let role = "reader_\(database.name.suffix(8))"
    try PostgresServer.psql(
      "DROP ROLE IF EXISTS \(role); CREATE ROLE \(role) LOGIN PASSWORD 'reader-secret-1'")
    try database.psql(
      "GRANT CONNECT ON DATABASE \(database.name) TO \(role); GRANT USAGE ON SCHEMA public TO \(role); GRANT SELECT ON ALL TABLES IN SCHEMA public TO \(role)"
    )
    defer { _ = try? PostgresServer.psql("DROP OWNED BY \(role); DROP ROLE IF EXISTS \(role)") }
    let reader = database.url(user: role)
    let environment: [String: String?] = ["PGPASSWORD": "reader-secret-1"]
    for arguments in [
      ["report", "spend"], ["report", "chargeback", "--month", "2026-10", "--format", "focus"],
      ["report", "jobs"],
      ["report", "batches"], ["report", "opportunities"], ["ledger", "sources"], ["periods"], ["reconcile"],
    ] {
      let asReader = try CLI.run(arguments + ["--ledger", reader], in: scratch, environment: environment)
      let asOwner = try Self.run(arguments + ["--ledger", database.url], database, in: scratch)
      #expect(asReader.status == asOwner.status, "\(arguments): \(asReader)")
      #expect(asReader.stdout == asOwner.stdout, "\(arguments)")
    }
    let refused = try CLI.run(
      ["ingest", "a.jsonl", "--ledger", reader], in: scratch, environment: environment)
    #expect(refused.status == 1)
    #expect(
      refused.stderr
        == "tally: \(reader): the role \(role) may only read this ledger: reports work, but ingest, close, reopen and remove need INSERT, UPDATE and DELETE on its tables (GRANT them, or use a role that has them)\n"
    )
    let close = try CLI.run(["close", "2026-10", "--ledger", reader], in: scratch, environment: environment)
    #expect(close.status == 1)
    #expect(close.stderr.contains("may only read this ledger"))
  }

  @Test func passwordsNeverAppearAndAWrongOneIsAClearError() throws {
    let database = try PostgresServer.makeDatabase("password")
    defer { database.drop() }
    let scratch = try CLI.temporaryDirectory("tally-pg-password")
    try Self.apiLog(0..<10).write(
      to: scratch.appendingPathComponent("a.jsonl"), atomically: true, encoding: .utf8)
    let wrong = try CLI.run(
      ["ingest", "a.jsonl", "--ledger", database.url], in: scratch,
      environment: ["PGPASSWORD": "not-the-password-42"])
    #expect(wrong.status == 1)
    #expect(
      wrong.stderr
        == "tally: \(database.url): cannot connect: password authentication failed for user \"\(database.admin.user)\" (the password comes from the URL, else PGPASSWORD, else ~/.pgpass; check it for user \(database.admin.user))\n"
    )
    #expect(!(wrong.stdout + wrong.stderr).contains("not-the-password-42"))
    // In the URL: used, never echoed, and the process list warned about.
    let inURL =
      "postgresql://\(database.admin.user):\(database.admin.password)@\(database.admin.host):\(database.admin.port)/\(database.name)"
    let given = try CLI.run(
      ["ingest", "a.jsonl", "--ledger", inURL], in: scratch, environment: ["PGPASSWORD": nil])
    #expect(given.status == 0, "\(given)")
    #expect(!(given.stdout + given.stderr).contains(database.admin.password))
    #expect(
      given.stderr.hasPrefix(
        "tally: warning: the --ledger URL holds a password, which the process list shows"))
    let wrongInURL =
      "postgresql://\(database.admin.user):hunter2-wrong@\(database.admin.host):\(database.admin.port)/\(database.name)"
    let report = try CLI.run(
      ["report", "spend", "--ledger", wrongInURL], in: scratch, environment: ["PGPASSWORD": nil])
    #expect(report.status == 1)
    #expect(!(report.stdout + report.stderr).contains("hunter2-wrong"))
    #expect(report.stderr.contains("password authentication failed"))
    // From ~/.pgpass (libpq's format, private to its owner).
    let home = try CLI.temporaryDirectory("tally-pg-home")
    let pgpass = home.appendingPathComponent(".pgpass")
    try
      "# team ledger\n\(database.admin.host):\(database.admin.port):*:\(database.admin.user):\(database.admin.password)\n"
      .write(to: pgpass, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: pgpass.path)
    let fromFile = try CLI.run(
      ["report", "spend", "--by", "month", "--format", "csv", "--ledger", database.url], in: scratch,
      environment: ["HOME": home.path, "PGPASSWORD": nil])
    #expect(fromFile.status == 0, "\(fromFile)")
    #expect(fromFile.stdout.contains("2026-10,10,10000,"))
    // sslmode is honoured: this server has no SSL, so require fails and disable connects.
    let required = try Self.run(
      ["report", "spend", "--ledger", database.url + "?sslmode=require"], database, in: scratch)
    #expect(required.status == 1)
    #expect(
      required.stderr
        == "tally: \(database.url)?sslmode=require: cannot connect: the server does not accept SSL connections, and sslmode=require requires one\n"
    )
    let disabled = try Self.run(
      ["report", "spend", "--ledger", database.url + "?sslmode=disable"], database, in: scratch)
    #expect(disabled.status == 0, "\(disabled)")
    let bogus = try Self.run(
      ["report", "spend", "--ledger", database.url + "?sslmode=sometimes"], database, in: scratch)
    #expect(bogus.status == 1)
    #expect(
      bogus.stderr.contains(
        "sslmode \"sometimes\" is not one of disable, allow, prefer, require, verify-ca, verify-full"))
  }
}
