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
