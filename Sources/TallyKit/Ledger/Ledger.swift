import Foundation
import GRDB

/// A ledger problem: the database cannot be opened, migrated or written.
public struct LedgerError: Error, CustomStringConvertible, Sendable {
  public let description: String
}

/// The token ledger: one SQLite file of facts (requests, batches, sources and an hourly-ish
/// rollup), never money and never prompt or completion text.
///
/// WAL mode and a busy timeout let several `tally ingest` processes write one ledger: each file
/// is one IMMEDIATE transaction, so writers queue instead of failing.
public final class Ledger: Sendable {
  let pool: DatabasePool
  public let path: String

  /// Opens (creating if needed) and migrates the ledger at `path`.
  public init(path: String) throws {
    var configuration = Configuration()
    configuration.busyMode = .timeout(120)
    configuration.label = "tally-ledger"
    do {
      pool = try Ledger.open(path: path, configuration: configuration)
    } catch {
      throw LedgerError(description: "\(path): cannot open the ledger: \(error)")
    }
    self.path = path
  }

  /// Opens and migrates, tolerating other processes creating the same new ledger at the same
  /// moment: switching a new file to WAL can meet SQLITE_BUSY without the busy handler, and a
  /// migration that loses the race fails (its tables now exist) and rolls back. Either way a
  /// retry finds the file in WAL mode and the migration recorded.
  private static func open(path: String, configuration: Configuration) throws -> DatabasePool {
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

  /// Schema migrations. Never edit a migration that has shipped: add a new one.
  static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("v1") { db in
      try db.create(table: "source") { t in
        t.autoIncrementedPrimaryKey("id")
        t.column("path", .text).notNull()
        t.column("content_hash", .text).notNull()
        t.column("format", .text).notNull()
        t.column("ingested_at", .text).notNull()
        t.column("records_read", .integer).notNull()
        t.column("new_records", .integer).notNull()
        t.column("duplicates", .integer).notNull()
        t.column("not_billed", .integer).notNull()
        t.column("invalid", .integer).notNull()
      }
      try db.create(table: "batch") { t in
        t.primaryKey("id", .text)
        t.column("provider", .text).notNull()
        t.column("created_at", .integer).notNull()
        t.column("ended_at", .integer)
        t.column("status", .text)
      }
      try db.create(table: "request") { t in
        t.primaryKey("key", .text)
        t.column("provider", .text).notNull()
        t.column("model", .text)
        t.column("model_id", .text)
        t.column("mode", .text).notNull()
        t.column("timestamp", .integer).notNull()
        t.column("status", .text).notNull()
        t.column("tenant", .text)
        t.column("job", .text)
        t.column("custom_id", .text)
        t.column("batch_id", .text)
        t.column("input_tokens", .integer).notNull()
        t.column("cache_write_5m_tokens", .integer).notNull()
        t.column("cache_write_1h_tokens", .integer).notNull()
        t.column("cache_read_tokens", .integer).notNull()
        t.column("output_tokens", .integer).notNull()
        t.column("web_searches", .integer).notNull()
        t.column("total_input_tokens", .integer).notNull()
        t.column("service_tier", .text)
        t.column("inference_geo", .text)
        t.column("source_id", .integer).notNull().references("source")
      }
      try db.create(index: "request_on_source", on: "request", columns: ["source_id"])
      try db.create(index: "request_on_timestamp", on: "request", columns: ["timestamp"])
      // Sums per 15-minute slot and every report dimension, so reports read thousands of rows
      // instead of millions. Absent tenant, job and batch are '' (NULLs would defeat the key).
      try db.execute(
        sql: """
          CREATE TABLE usage_rollup (
            slot INTEGER NOT NULL,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            mode TEXT NOT NULL,
            status TEXT NOT NULL,
            tenant TEXT NOT NULL,
            job TEXT NOT NULL,
            batch_id TEXT NOT NULL,
            long_context INTEGER NOT NULL,
            requests INTEGER NOT NULL,
            input_tokens INTEGER NOT NULL,
            cache_write_5m_tokens INTEGER NOT NULL,
            cache_write_1h_tokens INTEGER NOT NULL,
            cache_read_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL,
            web_searches INTEGER NOT NULL,
            PRIMARY KEY (slot, provider, model, mode, status, tenant, job, batch_id, long_context)
          ) WITHOUT ROWID
          """)
    }
    registerProviderReportTables(in: &migrator)
    return migrator
  }

  /// Runs `body` in one IMMEDIATE write transaction, committed when `body` returns and
  /// `commit` is true, rolled back when it throws or `commit` is false (dry runs).
  public func transaction<T>(commit: Bool = true, _ body: (LedgerWriter) throws -> T) throws -> T {
    var result: T?
    try pool.writeWithoutTransaction { db in
      try db.inTransaction(.immediate) {
        result = try body(LedgerWriter(db: db))
        return commit ? .commit : .rollback
      }
    }
    return result!
  }

  /// Reads with a consistent snapshot.
  func read<T>(_ body: (Database) throws -> T) throws -> T {
    try pool.read(body)
  }
}

/// What inserting a record did.
public enum InsertOutcome: Equatable, Sendable {
  case new
  /// The key was already in the ledger with the same usage.
  case duplicate
  /// The key was already in the ledger with different usage (model, status or tokens),
  /// written by the source with that id and path (possibly the file being ingested).
  case conflict(sourceID: Int64, path: String)
}

/// Writes of one ingest transaction.
public struct LedgerWriter {
  let db: Database

  /// Starts a source row; its counts are filled by `finishSource`.
  public func addSource(path: String, contentHash: String, format: String, ingestedAt: String) throws -> Int64
  {
    try db.execute(
      sql: """
        INSERT INTO source (path, content_hash, format, ingested_at, records_read, new_records, duplicates, not_billed, invalid)
        VALUES (?, ?, ?, ?, 0, 0, 0, 0, 0)
        """, arguments: [path, contentHash, format, ingestedAt])
    return db.lastInsertedRowID
  }

  /// Records the file's hash, format and counts, and folds its new requests into the rollup.
  public func finishSource(_ id: Int64, contentHash: String, format: String, summary: IngestSummary) throws {
    try db.execute(
      sql: """
        UPDATE source SET content_hash = ?, format = ?, records_read = ?, new_records = ?, duplicates = ?,
          not_billed = ?, invalid = ? WHERE id = ?
        """,
      arguments: [
        contentHash, format, summary.read, summary.new, summary.duplicates, summary.notBilled,
        summary.invalid, id,
      ])
    // Fold this source's new requests into the rollup, set-based.
    try db.execute(
      sql: """
        INSERT INTO usage_rollup
        SELECT timestamp / 900, provider, coalesce(model_id, model, ''), mode, status, coalesce(tenant, ''),
               coalesce(job, ''), coalesce(batch_id, ''), total_input_tokens >= \(RateCard.longContextMinInputTokens), count(*),
               sum(input_tokens), sum(cache_write_5m_tokens), sum(cache_write_1h_tokens), sum(cache_read_tokens),
               sum(output_tokens), sum(web_searches)
        FROM request WHERE source_id = ?
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
        ON CONFLICT DO UPDATE SET
          requests = requests + excluded.requests,
          input_tokens = input_tokens + excluded.input_tokens,
          cache_write_5m_tokens = cache_write_5m_tokens + excluded.cache_write_5m_tokens,
          cache_write_1h_tokens = cache_write_1h_tokens + excluded.cache_write_1h_tokens,
          cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens,
          output_tokens = output_tokens + excluded.output_tokens,
          web_searches = web_searches + excluded.web_searches
        """, arguments: [id])
  }

  public func upsert(batch: BatchInfo) throws {
    try db.execute(
      sql: """
        INSERT INTO batch (id, provider, created_at, ended_at, status) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT(id) DO UPDATE SET ended_at = coalesce(excluded.ended_at, ended_at), status = coalesce(excluded.status, status)
        """, arguments: [batch.id, batch.provider, batch.createdAt, batch.endedAt, batch.status])
  }

  /// Inserts a request unless its key is already there; `modelID` is the resolved model.
  public func insert(_ record: UsageRecord, modelID: String?, sourceID: Int64) throws -> InsertOutcome {
    let tokens = record.tokens
    let statement = try db.cachedStatement(
      sql: """
        INSERT OR IGNORE INTO request (key, provider, model, model_id, mode, timestamp, status, tenant, job, custom_id,
          batch_id, input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, cache_read_tokens, output_tokens,
          web_searches, total_input_tokens, service_tier, inference_geo, source_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """)
    try statement.execute(arguments: [
      record.key, record.provider, record.model, modelID, record.mode.rawValue, record.timestamp,
      record.status.rawValue,
      record.tenant, record.job, record.customID, record.batchID, tokens.input, tokens.cacheWrite5m,
      tokens.cacheWrite1h,
      tokens.cacheRead, tokens.output, record.webSearches, tokens.totalInput, record.serviceTier,
      record.inferenceGeo,
      sourceID,
    ])
    if db.changesCount == 1 { return .new }
    let row = try Row.fetchOne(
      db,
      sql: """
        SELECT r.model, r.status, r.input_tokens, r.cache_write_5m_tokens, r.cache_write_1h_tokens, r.cache_read_tokens,
               r.output_tokens, r.web_searches, s.id, s.path
        FROM request r JOIN source s ON s.id = r.source_id WHERE r.key = ?
        """, arguments: [record.key])
    guard let row else { return .duplicate }
    let model: String? = row["model"]
    let status: String = row["status"]
    let existing = TokenCounts(
      input: row["input_tokens"], cacheWrite5m: row["cache_write_5m_tokens"],
      cacheWrite1h: row["cache_write_1h_tokens"],
      cacheRead: row["cache_read_tokens"], output: row["output_tokens"])
    let searches: Int = row["web_searches"]
    let same =
      model == record.model && status == record.status.rawValue && existing == tokens
      && searches == record.webSearches
    return same ? .duplicate : .conflict(sourceID: row["id"], path: row["path"])
  }
}

extension Ledger {
  /// Copies the WAL into the database file (so the file alone holds everything).
  public func checkpoint() throws {
    try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
  }
}
