import Foundation
import GRDB

/// A ledger problem: the database cannot be opened, migrated, read or written.
public struct LedgerError: Error, CustomStringConvertible, Sendable {
  public let description: String
  public init(_ description: String) { self.description = description }
}

/// The token ledger: facts (requests, batches, sources, provider reports and two rollups),
/// never money and never prompt or completion text, in one SQLite file or in a PostgreSQL
/// database shared by a team (`postgresql://user@host:port/db`).
///
/// Ingest opens it for writing (creating and migrating it); reports open it read-only, never
/// create it and never write to it, so they work on a read-only file, directory or role. Each
/// file is one transaction and writers queue (SQLite: WAL mode, a busy timeout and IMMEDIATE
/// transactions; PostgreSQL: a transaction-scoped advisory lock), so several `tally ingest`
/// processes can write one ledger while reports read a consistent snapshot.
public final class Ledger: Sendable {
  let engine: any LedgerEngine
  /// The file, or the PostgreSQL URL without its password.
  public let path: String
  public let isReadOnly: Bool

  /// Opens the ledger at `path` (a file, or a `postgresql://` URL) for writing, creating and
  /// migrating it if needed.
  public init(path: String) throws {
    if PostgresLocation.isURL(path) {
      let location = try PostgresLocation(url: path)
      engine = try PostgresEngine(location, readOnly: false)
      self.path = location.description
      self.isReadOnly = false
      return
    }
    var configuration = Ledger.configuration()
    configuration.prepareDatabase { db in
      // 16 KB pages (a new ledger; 1M lines ingest in 4.8 s instead of 5.3 s with 4 KB) and a
      // page cache large enough for the key-hash index of a big ingest (32 MB: peak RSS stays
      // under 128 MB).
      try db.execute(sql: "PRAGMA page_size = 16384; PRAGMA cache_size = -32768")
    }
    do {
      engine = SQLiteEngine(database: try Ledger.openAndMigrate(path: path, configuration: configuration))
    } catch {
      throw LedgerError("\(path): cannot open the ledger: \(error)")
    }
    self.path = path
    self.isReadOnly = false
  }

  private init(path: String, engine: any LedgerEngine, readOnly: Bool) {
    self.path = path
    self.engine = engine
    self.isReadOnly = readOnly
  }

  /// Opens an existing ledger for reports: read-only, no migration, nothing created.
  ///
  /// A missing file is an error (a mistyped `--ledger` must not report zero spend), and so is
  /// a ledger written by an earlier version (the message says which command migrates it).
  public static func openForReading(path: String) throws -> Ledger {
    if PostgresLocation.isURL(path) {
      let location = try PostgresLocation(url: path)
      return Ledger(
        path: location.description, engine: try PostgresEngine(location, readOnly: true), readOnly: true)
    }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw LedgerError("no ledger at \(path): ingest something first (tally ingest FILE --ledger \(path))")
    }
    guard !isDirectory.boolValue else { throw LedgerError("\(path) is a directory, not a ledger file") }
    var configuration = configuration()
    configuration.readonly = true
    func open(_ location: String) throws -> Ledger {
      let queue = try DatabaseQueue(path: location, configuration: configuration)
      let current = try queue.read { db in
        guard try db.tableExists("source") else {
          throw LedgerError("\(path) is not a Tally ledger (it has no source table)")
        }
        return try migrator.hasCompletedMigrations(db)
      }
      guard current else {
        throw LedgerError(
          "\(path) was written by an earlier version of Tally; migrate it with `tally ledger migrate --ledger \(path)` (or any `tally ingest` into it), then run the report again"
        )
      }
      return Ledger(path: path, engine: SQLiteEngine(database: queue), readOnly: true)
    }
    do {
      return try open(path)
    } catch let error as LedgerError {
      throw error
    } catch let error as DatabaseError
      where error.resultCode == .SQLITE_CANTOPEN || error.resultCode == .SQLITE_READONLY
    {
      // A WAL ledger in a directory we cannot write: SQLite cannot create the shared-memory
      // file. Nobody can be writing it through that directory, so read it as immutable.
      do {
        return try open("file:\(percentEncoded(path))?immutable=1")
      } catch {
        throw LedgerError("\(path): cannot open the ledger for reading: \(error)")
      }
    } catch {
      throw LedgerError("\(path): cannot open the ledger for reading: \(error)")
    }
  }

  /// An empty ledger in memory (dry runs on a ledger that does not exist yet).
  public static func inMemory() throws -> Ledger {
    let queue = try DatabaseQueue(configuration: configuration())
    try migrator.migrate(queue)
    return Ledger(path: ":memory:", engine: SQLiteEngine(database: queue), readOnly: false)
  }

  /// Whether the ledger is on a PostgreSQL server.
  public var isPostgres: Bool { engine is PostgresEngine }

  private static func configuration() -> Configuration {
    var configuration = Configuration()
    // Each file is ingested in one transaction, so a writer may wait while other ingests finish
    // whole files (a million lines take about 5 s): two minutes covers a queue of large files,
    // and a longer wait means a stuck writer, which an error should then name.
    configuration.busyMode = .timeout(120)
    configuration.label = "tally-ledger"
    configuration.foreignKeysEnabled = false
    return configuration
  }

  private static func percentEncoded(_ path: String) -> String {
    var allowed = CharacterSet.urlPathAllowed
    allowed.remove(charactersIn: "?#%")
    return path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
  }

  /// Opens and migrates, tolerating other processes creating the same new ledger at the same
  /// moment: switching a new file to WAL can meet SQLITE_BUSY without the busy handler, and a
  /// migration that loses the race fails (its tables now exist) and rolls back. Either way a
  /// retry finds the file in WAL mode and the migration recorded.
  private static func openAndMigrate(path: String, configuration: Configuration) throws -> DatabasePool {
    let attempts = 8
    for attempt in 1..<attempts {
      do {
        let pool = try DatabasePool(path: path, configuration: configuration)
        do {
          try migrator.migrate(pool)
        } catch {
          // Another process may have finished the migration first.
          guard try pool.read({ try migrator.hasCompletedMigrations($0) }) else { throw error }
        }
        return pool
      } catch {
        usleep(UInt32(20_000 * attempt))
      }
    }
    let pool = try DatabasePool(path: path, configuration: configuration)
    try migrator.migrate(pool)
    return pool
  }

  /// Runs `body` in one write transaction (writers queue for it), committed when `body`
  /// returns and `commit` is true, rolled back when it throws or `commit` is false (dry runs).
  public func transaction<T>(commit: Bool = true, _ body: (LedgerWriter) throws -> T) throws -> T {
    try transaction(commit: commit, keyHash: Ledger.keyHash, body)
  }

  /// `transaction` with another key hash (tests force collisions with it).
  func transaction<T>(
    commit: Bool = true, keyHash: @escaping (String) -> Int64, _ body: (LedgerWriter) throws -> T
  ) throws -> T {
    guard !isReadOnly else { throw LedgerError("\(path): the ledger is open read-only") }
    return try engine.write { connection in
      var writer = LedgerWriter(connection)
      writer.keyHash = keyHash
      return (try body(writer), commit)
    }
  }

  /// Reads with a consistent snapshot.
  func reading<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
    try engine.read(body)
  }

  /// Reads a SQLite ledger through GRDB (tests look at its tables this way).
  func read<T>(_ body: (Database) throws -> T) throws -> T {
    guard let sqlite = engine as? SQLiteEngine else {
      throw LedgerError("\(path): a GRDB read needs a SQLite ledger")
    }
    return try sqlite.database.read(body)
  }

  /// Copies the WAL into the database file (so the file alone holds everything); nothing to
  /// do on PostgreSQL.
  public func checkpoint() throws {
    guard !isReadOnly else { return }
    try engine.checkpoint()
  }
}

extension Ledger {
  /// The lower ends of the request-size classes the rollups keep apart: a request is counted
  /// under the largest boundary its total input (input + cache writes + cache reads) reaches,
  /// else 0. Every context-tier threshold of the bundled tables is one of them, so the
  /// rollups price those tiers exactly; a user table with another threshold is priced from the
  /// requests themselves. Fixed by migration v3: changing it needs a migration that rebuilds
  /// the rollups.
  public static let sizeClassBoundaries = [
    32_001, 64_001, 100_001, 128_001, 200_001, 256_001, 272_001, 500_001, 1_000_001,
  ]

  /// The size class of a request with `totalInput` tokens of input.
  static func sizeClass(_ totalInput: Int) -> Int {
    sizeClassBoundaries.last { $0 <= totalInput } ?? 0
  }

  /// SQL for the size class of a request row, over `boundaries`.
  static func sizeClassSQL(_ boundaries: [Int]) -> String {
    guard !boundaries.isEmpty else { return "0" }
    let cases = boundaries.sorted(by: >).map { "WHEN total_input_tokens >= \($0) THEN \($0)" }
    return "CASE \(cases.joined(separator: " ")) ELSE 0 END"
  }

  /// The 64-bit key of a request key: FNV-1a over its UTF-8 bytes, then a final avalanche.
  /// Stored in the ledger, so it must never change.
  static func keyHash(_ key: String) -> Int64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in key.utf8 {
      hash ^= UInt64(byte)
      hash = hash &* 0x100_0000_01b3
    }
    hash ^= hash >> 33
    hash = hash &* 0xff51_afd7_ed55_8ccd
    hash ^= hash >> 33
    hash = hash &* 0xc4ce_b9fe_1a85_ec53
    hash ^= hash >> 33
    return Int64(bitPattern: hash)
  }
}

extension Ledger {
  /// Whether `location` names a ledger on a PostgreSQL server (`postgresql://` or
  /// `postgres://`) rather than a SQLite file.
  public static func isServer(_ location: String) -> Bool { PostgresLocation.isURL(location) }

  /// Whether a ledger may be at `location`: a file that exists, or a database that holds a
  /// ledger's tables. A server that cannot be asked may hold one: opening it then says why not.
  public static func mayExist(_ location: String) -> Bool {
    guard isServer(location) else { return FileManager.default.fileExists(atPath: location) }
    guard let place = try? PostgresLocation(url: location), let connection = try? PostgresConnectionBox(place)
    else { return true }
    defer { connection.close() }
    return (try? PostgresSchema.holdsLedger(connection)) ?? true
  }

  /// `location` as messages may show it: a server URL without its password.
  public static func displayName(_ location: String) -> String {
    guard isServer(location) else { return location }
    return (try? PostgresLocation(url: location).description) ?? "the PostgreSQL URL given"
  }

  /// Whether a server URL holds a password (visible in the process list when given as an
  /// argument).
  public static func hasPasswordInURL(_ location: String) -> Bool {
    guard isServer(location), let rest = location.split(separator: "://", maxSplits: 1).last else {
      return false
    }
    let authority = rest.prefix { $0 != "/" && $0 != "?" }
    if let at = authority.lastIndex(of: "@"), authority[..<at].contains(":") { return true }
    return rest.contains("password=")
  }
}
