import Foundation
import Testing

@testable import TallyKit

@Suite("PostgreSQL ledger URL")
struct PostgresLocationTests {
  @Test func theURLGivesEveryPartAndItsNameNeverThePassword() throws {
    let location = try PostgresLocation(
      url:
        "postgresql://finance:s%40cret@db.example.com:6543/ledger?sslmode=verify-full&application_name=nightly",
      environment: [:])
    #expect(location.user == "finance")
    #expect(location.password == "s@cret")
    #expect(location.host == "db.example.com")
    #expect(location.port == 6543)
    #expect(location.database == "ledger")
    #expect(location.sslMode == .verifyFull)
    #expect(location.applicationName == "nightly")
    #expect(location.description == "postgresql://finance@db.example.com:6543/ledger?sslmode=verify-full")
    #expect(
      Ledger.displayName("postgres://finance:s%40cret@db.example.com/ledger")
        == "postgresql://finance@db.example.com:5432/ledger")
    #expect(Ledger.hasPasswordInURL("postgresql://finance:s%40cret@db/ledger"))
    #expect(!Ledger.hasPasswordInURL("postgresql://finance@db/ledger"))
    #expect(Ledger.hasPasswordInURL("postgresql://finance@db/ledger?password=x"))
  }

  @Test func defaultsFollowLibpq() throws {
    let location = try PostgresLocation(
      url: "postgresql:///tally?host=/var/run/postgresql", environment: ["USER": "ana", "PGPASSWORD": "pw"])
    #expect(location.user == "ana")
    #expect(location.password == "pw")
    #expect(location.isUnixSocket)
    #expect(location.port == 5432)
    #expect(location.sslMode == .prefer)
    #expect(location.description == "postgresql://ana@/tally?host=/var/run/postgresql")
    let ipv6 = try PostgresLocation(url: "postgresql://u@[::1]:5433", environment: ["PGSSLMODE": "disable"])
    #expect(ipv6.host == "::1")
    #expect(ipv6.database == "u")
    #expect(ipv6.description == "postgresql://u@[::1]:5433/u?sslmode=disable")
  }

  @Test func mistakesAreErrorsThatDoNotRepeatTheURL() {
    for (url, message) in [
      ("postgresql://u:secret@h:99999/d", "the PostgreSQL URL's port is not a number from 1 to 65535"),
      (
        "postgresql://u:secret@h/d?sslmode=maybe",
        "the PostgreSQL URL's sslmode \"maybe\" is not one of disable, allow, prefer, require, verify-ca, verify-full"
      ),
      (
        "postgresql://u:secret@h/d?secret=1",
        "the PostgreSQL URL has the parameter \"secret\", which Tally does not know (it knows sslmode, sslrootcert, host, port, user, password, dbname, application_name)"
      ),
    ] {
      #expect(throws: LedgerError.self) { try PostgresLocation(url: url, environment: [:]) }
      do {
        _ = try PostgresLocation(url: url, environment: [:])
      } catch {
        #expect("\(error)" == message)
        #expect(!"\(error)".contains("u:secret"))
      }
    }
  }

  @Test func thePasswordFileIsReadAsLibpqReadsIt() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "tally-pgpass-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let file = directory.appendingPathComponent(".pgpass")
    try """
    # host:port:database:user:password
    other:5432:*:finance:wrong
    db.example.com:5432:ledger:finance:pa\\:ss\\\\word
    *:*:*:*:fallback

    """.write(to: file, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
    let location = try PostgresLocation(
      url: "postgresql://finance@db.example.com/ledger", environment: ["HOME": directory.path])
    #expect(location.password == "pa:ss\\word")
    let other = try PostgresLocation(
      url: "postgresql://ana@db.example.com/x", environment: ["PGPASSFILE": file.path])
    #expect(other.password == "fallback")
    // A file others can read is ignored, as libpq ignores it.
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
    let ignored = try PostgresLocation(
      url: "postgresql://ana@db.example.com/x", environment: ["PGPASSFILE": file.path])
    #expect(ignored.password == nil)
  }

  @Test func placeholdersAreNumberedOutsideQuotes() {
    #expect(
      PostgresConnectionBox.numberedPlaceholders("SELECT '?', \"a?\" FROM t WHERE a = ? AND b IN (?, ?)")
        == "SELECT '?', \"a?\" FROM t WHERE a = $1 AND b IN ($2, $3)")
  }

  @Test func dialectsDifferOnlyWhereTheyMust() {
    #expect(SQLDialect.sqlite.sum("x") == "sum(x)")
    #expect(SQLDialect.postgres.sum("x") == "CAST(sum(x) AS BIGINT)")
    #expect(
      SQLDialect.addSums(table: "rollup_day", keys: ["day", "model"], sums: ["requests"])
        == "ON CONFLICT (day, model) DO UPDATE SET requests = rollup_day.requests + excluded.requests")
  }
}

/// The writer on a PostgreSQL ledger (`TALLY_TEST_POSTGRES_URL`; skipped without it, failing
/// under CI).
@Suite(
  "PostgreSQL ledger writer",
  .enabled(
    if: ProcessInfo.processInfo.environment["TALLY_TEST_POSTGRES_URL"] != nil
      || !(ProcessInfo.processInfo.environment["CI"] ?? "").isEmpty,
    "TALLY_TEST_POSTGRES_URL is not set: run the tests under scripts/postgres-test-cluster to test the PostgreSQL ledger"
  ))
struct PostgresWriterTests {
  /// A new database on the test server; returns its URL (with the password, for the library).
  static func emptyLedgerURL() throws -> String {
    guard let admin = ProcessInfo.processInfo.environment["TALLY_TEST_POSTGRES_URL"] else {
      throw LedgerError("TALLY_TEST_POSTGRES_URL is not set, and CI must test the PostgreSQL ledger")
    }
    let name = "tally_writer_\(UUID().uuidString.prefix(8).lowercased())"
    let connection = try PostgresConnectionBox(try PostgresLocation(url: admin))
    try connection.execute("CREATE DATABASE \(name)")
    connection.close()
    return String(admin[..<admin.lastIndex(of: "/")!]) + "/\(name)"
  }

  /// Sums are BIGINT: one that would pass 2^63 - 1 refuses the file whole, never wraps.
  @Test func aSumThatWouldOverflowIsRefusedAndTheLedgerStaysUsable() throws {
    let ledger = try Ledger(path: try Self.emptyLedgerURL())
    func ingest(_ key: String) throws {
      try ledger.transaction { writer in
        let source = try writer.addSource(path: key, contentHash: "", format: "api-log", ingestedAt: "now")
        _ = try writer.insert(
          LedgerWriterTests.record(key, input: 5_000_000_000_000_000_000), modelID: nil, sourceID: source)
        try writer.finishSource(source, contentHash: "", format: "api-log", summary: IngestSummary(file: key))
      }
    }
    try ingest("api:one")
    #expect(throws: LedgerSumOverflow.self) { try ingest("api:two") }
    do { try ingest("api:two") } catch {
      #expect(
        "\(error)"
          == "adding it would take the ledger's sum of tokens past 9,223,372,036,854,775,807; nothing was written"
      )
    }
    let stored = try ledger.reading { sql in
      try sql.fetchOne(
        "SELECT (SELECT count(*) FROM request), (SELECT count(*) FROM source), (SELECT sum(input_tokens) FROM rollup_month)::bigint"
      )
    }
    #expect(stored?[0] == 1 as Int)
    #expect(stored?[1] == 1 as Int)
    #expect(stored?[2] == 5_000_000_000_000_000_000 as Int64)
    // Colliding hashes are told apart by their keys, as on SQLite.
    let outcomes = try ledger.transaction(keyHash: { _ in 42 }) { writer in
      let source = try writer.addSource(
        path: "b.jsonl", contentHash: "", format: "api-log", ingestedAt: "now")
      let result = try writer.insert(
        [
          LedgerInsert(record: LedgerWriterTests.record("api:x", input: 100), modelID: nil),
          LedgerInsert(record: LedgerWriterTests.record("api:y", input: 200), modelID: nil),
          LedgerInsert(record: LedgerWriterTests.record("api:x", input: 100), modelID: nil),
          LedgerInsert(record: LedgerWriterTests.record("api:y", input: 999), modelID: nil),
        ], sourceID: source)
      try writer.finishSource(
        source, contentHash: "", format: "api-log", summary: IngestSummary(file: "b.jsonl"))
      return result
    }
    // Source 4: a PostgreSQL identity is not rolled back, so the two refused files used 2 and 3.
    #expect(outcomes == [.new, .new, .duplicate, .conflict(sourceID: 4, path: "b.jsonl")])
    let keys = try ledger.reading { sql in
      try sql.values(
        String.self, "SELECT key_hash || ' ' || key FROM request WHERE key_hash < 100 ORDER BY key_hash")
    }
    #expect(keys == ["42 api:x", "43 api:y"])
  }
}
