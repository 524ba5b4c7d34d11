import Foundation
import Testing

/// The PostgreSQL server the PostgreSQL ledger's tests use: `TALLY_TEST_POSTGRES_URL`, a
/// superuser's URL (`scripts/postgres-test-cluster` starts a throwaway cluster and sets it).
///
/// Unset, the tests are skipped with that reason, except under CI (`CI` set), where they run
/// and fail: CI must test both engines.
enum PostgresServer {
  static let adminURL = ProcessInfo.processInfo.environment["TALLY_TEST_POSTGRES_URL"].flatMap {
    $0.isEmpty ? nil : $0
  }
  static let underCI: Bool = {
    let value = ProcessInfo.processInfo.environment["CI"] ?? ""
    return !value.isEmpty && value != "0" && value.lowercased() != "false"
  }()
  static let enabled = adminURL != nil || underCI
  static let skipReason: Comment =
    "TALLY_TEST_POSTGRES_URL is not set: run the tests under scripts/postgres-test-cluster to test the PostgreSQL ledger"

  struct Admin {
    var user: String
    var password: String
    var host: String
    var port: Int
  }

  static func admin() throws -> Admin {
    guard let adminURL else {
      throw HarnessError(
        "TALLY_TEST_POSTGRES_URL is not set, and CI must test the PostgreSQL ledger: run the tests under scripts/postgres-test-cluster"
      )
    }
    guard let components = URLComponents(string: adminURL), let host = components.host else {
      throw HarnessError("TALLY_TEST_POSTGRES_URL is not a postgresql:// URL")
    }
    return Admin(
      user: components.user ?? "postgres", password: components.password ?? "", host: host,
      port: components.port ?? 5432)
  }

  /// Runs SQL with psql as the superuser; returns its unaligned output.
  @discardableResult
  static func psql(_ sql: String, database: String = "postgres") throws -> String {
    let admin = try admin()
    let result = try CLI.run(
      [
        "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-h", admin.host, "-p", String(admin.port), "-U",
        admin.user, "-d", database, "-c", sql,
      ], environment: ["PGPASSWORD": admin.password], executable: URL(fileURLWithPath: "/usr/bin/env"))
    guard result.status == 0 else { throw HarnessError("psql \(sql): \(result.stderr)") }
    return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// A new, empty database for one test, with its URL for `--ledger` (no password in it:
  /// `environment` carries it in PGPASSWORD).
  static func makeDatabase(_ label: String) throws -> TestDatabase {
    let admin = try admin()
    let name = "tally_\(label)_\(UUID().uuidString.prefix(8).lowercased())"
    try psql("CREATE DATABASE \(name)")
    return TestDatabase(name: name, admin: admin)
  }
}

struct TestDatabase {
  let name: String
  let admin: PostgresServer.Admin

  /// The ledger URL as the superuser, without the password.
  var url: String { "postgresql://\(admin.user)@\(admin.host):\(admin.port)/\(name)" }
  /// The URL as another role (its password goes in PGPASSWORD too).
  func url(user: String) -> String { "postgresql://\(user)@\(admin.host):\(admin.port)/\(name)" }
  var environment: [String: String?] { ["PGPASSWORD": admin.password] }

  @discardableResult
  func psql(_ sql: String) throws -> String { try PostgresServer.psql(sql, database: name) }

  func drop() {
    _ = try? PostgresServer.psql("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
  }
}

/// The engine under test: with `TALLY_TEST_ENGINE=postgresql` (the second pass of
/// `scripts/test`), every ledger a CLI test names by file path, in `--ledger` or
/// `TALLY_LEDGER`, runs as a database of its own on the test server instead, and the database's
/// URL in the output reads as the path again: the same tests, expectations and golden files test
/// both engines. Tests of the SQLite file itself (its permissions, an old version's file, the
/// bytes on disk) run in the SQLite pass only (`TestEngine.sqliteOnly`).
enum TestEngine {
  static let postgres = ProcessInfo.processInfo.environment["TALLY_TEST_ENGINE"] == "postgresql"
  static let sqliteOnly = ConditionTrait.enabled(
    if: !postgres, "a test of the SQLite ledger file: runs in the SQLite pass")

  private static let lock = NSLock()
  /// Ledger file paths (absolute) and the databases they run as.
  nonisolated(unsafe) private static var databases: [String: TestDatabase] = [:]

  /// The database standing for the ledger file at `path` (relative to `directory`), created
  /// on first use; `fresh` gives the path a new, empty one.
  static func database(forPath path: String, in directory: URL, fresh: Bool = false) throws -> TestDatabase {
    let absolute =
      path.hasPrefix("/") ? path : directory.appendingPathComponent(path).standardizedFileURL.path
    lock.lock()
    defer { lock.unlock() }
    if !fresh, let database = databases[absolute] { return database }
    let database = try PostgresServer.makeDatabase("file")
    databases[absolute] = database
    return database
  }

  /// `arguments` and `environment` with every ledger path as its database's URL, the URLs
  /// with the paths they stand for, and the password in PGPASSWORD.
  static func mapLedgers(
    _ arguments: [String], environment: [String: String?], in directory: URL
  ) throws -> (arguments: [String], environment: [String: String?], paths: [(url: String, path: String)]) {
    var paths: [(url: String, path: String)] = []
    func map(_ value: String) throws -> String {
      guard !value.contains("://") else { return value }
      let database = try database(forPath: value, in: directory)
      paths.append((database.url, value))
      return database.url
    }
    var mapped: [String] = []
    var index = arguments.startIndex
    while index < arguments.endIndex {
      let argument = arguments[index]
      if argument == "--ledger", index + 1 < arguments.endIndex {
        mapped += [argument, try map(arguments[index + 1])]
        index += 2
        continue
      }
      if argument.hasPrefix("--ledger=") {
        mapped.append("--ledger=" + (try map(String(argument.dropFirst("--ledger=".count)))))
      } else {
        mapped.append(argument)
      }
      index += 1
    }
    // The demo writes its ledger into its directory: there, it ingests into a new database too.
    if arguments.first == "demo", !arguments.contains(where: { $0.hasPrefix("--ledger") }),
      !arguments.contains("--help")
    {
      let dir = arguments.firstIndex(of: "--dir").map { arguments[$0 + 1] } ?? "demo"
      let path = (dir as NSString).appendingPathComponent("tally.sqlite")
      let database = try database(forPath: path, in: directory, fresh: true)
      paths.append((database.url, path))
      mapped += ["--ledger", database.url]
    }
    var environment = environment
    if let ledger = environment["TALLY_LEDGER"], let ledger { environment["TALLY_LEDGER"] = try map(ledger) }
    if !paths.isEmpty, let admin = try? PostgresServer.admin() { environment["PGPASSWORD"] = admin.password }
    lock.withLock { given += paths }
    return (mapped, environment, paths)
  }

  /// Output with each database's URL read as the path it stands for.
  static func unmap(_ text: String, _ paths: [(url: String, path: String)]) -> String {
    paths.reduce(text) { $0.replacingOccurrences(of: $1.url, with: $1.path) }
  }

  /// A file tally wrote, with every database's URL read as the path the test gave for it.
  static func readingPaths(_ text: String) -> String {
    unmap(text, lock.withLock { given })
  }
  /// Every URL given for a path, and the path as the test gave it.
  nonisolated(unsafe) private static var given: [(url: String, path: String)] = []
}
