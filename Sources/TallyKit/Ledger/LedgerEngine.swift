import Foundation
import GRDB

/// Where a ledger's tables live and how its transactions run: the seam between `Ledger`, whose
/// operations are written once against `SQLConnection`, and the two engines.
protocol LedgerEngine: Sendable {
  /// Runs `body` with a consistent snapshot.
  func read<T>(_ body: (any SQLConnection) throws -> T) throws -> T
  /// Runs `body` in one write transaction, writers queued; committed when `body` returns
  /// `commit` true, rolled back when it throws or returns false.
  func write<T>(_ body: (any SQLConnection) throws -> (value: T, commit: Bool)) throws -> T
  /// Makes everything written durable in the ledger's own storage.
  func checkpoint() throws
}

/// A SQLite file (or memory) through GRDB.
struct SQLiteEngine: LedgerEngine {
  let database: any DatabaseWriter

  func read<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
    try database.read { db in try body(SQLiteConnection(db)) }
  }

  func write<T>(_ body: (any SQLConnection) throws -> (value: T, commit: Bool)) throws -> T {
    var result: T?
    try database.writeWithoutTransaction { db in
      // IMMEDIATE: take the write lock at the start, so writers queue instead of failing.
      try db.inTransaction(.immediate) {
        let (value, commit) = try body(SQLiteConnection(db))
        result = value
        return commit ? .commit : .rollback
      }
    }
    return result!
  }

  func checkpoint() throws {
    try database.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
  }
}

/// A PostgreSQL database through one connection of its own.
///
/// Writers take a transaction-scoped advisory lock first, so that ingests, closes and removals
/// queue as they do on SQLite: a file's key-hash probing and rollup additions then never race
/// another writer's, and a dropped connection releases the lock with the transaction. Readers
/// take none: a REPEATABLE READ snapshot reads while a writer writes.
final class PostgresEngine: LedgerEngine, @unchecked Sendable {
  let connection: PostgresConnectionBox
  private let lock = NSLock()
  /// Set while a transaction is open on the connection: a read inside a write reads through it.
  private var inTransaction = false

  init(_ location: PostgresLocation, readOnly: Bool) throws {
    connection = try PostgresConnectionBox(location)
    if readOnly {
      try PostgresSchema.checkCurrent(connection)
    } else {
      try PostgresSchema.migrate(connection)
    }
  }

  func read<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
    if lock.withLock({ inTransaction }) { return try body(connection) }
    return try transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", lockWriters: false) {
      (try body($0), true)
    }
  }

  func write<T>(_ body: (any SQLConnection) throws -> (value: T, commit: Bool)) throws -> T {
    try transaction("BEGIN", lockWriters: true, body)
  }

  private func transaction<T>(
    _ begin: String, lockWriters: Bool, _ body: (any SQLConnection) throws -> (value: T, commit: Bool)
  ) throws -> T {
    try connection.execute(begin)
    connection.bulkTriesFailed = false
    lock.withLock { inTransaction = true }
    defer { lock.withLock { inTransaction = false } }
    do {
      if lockWriters {
        try connection.execute("SELECT pg_advisory_xact_lock(?)", [PostgresSchema.writerLock])
      }
      let (value, commit) = try body(connection)
      try connection.execute(commit ? "COMMIT" : "ROLLBACK")
      return value
    } catch {
      // A dropped connection has rolled the transaction back already.
      _ = try? connection.execute("ROLLBACK")
      throw error
    }
  }

  func checkpoint() throws {}
}

/// The PostgreSQL ledger's schema: the tables and meaning of the SQLite ledger's (see
/// `Ledger.migrator`, whose versions these migrations are named after), in PostgreSQL's types:
/// BIGINT for every integer (an overflowing sum is an error, never a wrap or a float), text in
/// the "C" collation (compared and sorted by code point, as SQLite does), identity columns for
/// SQLite's row ids.
///
/// Migrations are applied in order under a session advisory lock, each in a transaction with
/// its name recorded in `tally_migrations`: ten processes opening a new ledger at once migrate
/// it once. Never edit a migration that has shipped: add a new one.
enum PostgresSchema {
  /// `pg_advisory_lock` keys: 0x7461_6c6c_79 is "tally".
  static let migrationLock: Int64 = 0x7461_6c6c_79_0001
  static let writerLock: Int64 = 0x7461_6c6c_79_0002

  static let migrations: [(name: String, statements: [String])] = [
    ("v8", schemaV8),
    // One B-tree on request, the key hash (the primary key: what makes ingest idempotent);
    // the row id and the timestamp as BRIN indexes. Requests arrive in id order and nearly in
    // time order, so a block range index finds a source's id range or a day's rows as well as
    // a B-tree, and costs ingest almost nothing where the two B-trees took a fifth of a big
    // file's time. Ids stay unique: the identity column gives them, and `ledger copy` copies
    // them from a ledger where they were a key. Summarised as ranges fill (autosummarize).
    (
      "postgres-1",
      [
        "DROP INDEX request_on_timestamp",
        "CREATE INDEX request_on_timestamp ON request USING brin (timestamp) WITH (autosummarize = on)",
        "ALTER TABLE request DROP CONSTRAINT request_pkey",
        "ALTER TABLE request ADD CONSTRAINT request_on_key_hash PRIMARY KEY USING INDEX request_on_key_hash",
        "CREATE INDEX request_on_id ON request USING brin (id) WITH (autosummarize = on)",
      ]
    ),
  ]

  private static let text = "TEXT COLLATE \"C\""
  private static let sums = """
    requests BIGINT NOT NULL,
      input_tokens BIGINT NOT NULL,
      cache_write_5m_tokens BIGINT NOT NULL,
      cache_write_1h_tokens BIGINT NOT NULL,
      cache_read_tokens BIGINT NOT NULL,
      output_tokens BIGINT NOT NULL,
      web_searches BIGINT NOT NULL,
      audio_input_tokens BIGINT NOT NULL DEFAULT 0,
      audio_output_tokens BIGINT NOT NULL DEFAULT 0
    """

  /// SQLite's schema as migrations v1 to v8 left it.
  private static let schemaV8: [String] = [
    """
    CREATE TABLE source (
      id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
      path \(text) NOT NULL,
      content_hash \(text) NOT NULL,
      format \(text) NOT NULL,
      ingested_at \(text) NOT NULL,
      records_read BIGINT NOT NULL,
      new_records BIGINT NOT NULL,
      duplicates BIGINT NOT NULL,
      not_billed BIGINT NOT NULL,
      invalid BIGINT NOT NULL,
      batch_id \(text),
      options \(text),
      request_id_from BIGINT,
      request_id_to BIGINT,
      removed_at \(text)
    )
    """,
    "CREATE INDEX source_on_content_hash ON source(content_hash)",
    """
    CREATE TABLE batch (
      id \(text) PRIMARY KEY,
      provider \(text) NOT NULL,
      created_at BIGINT NOT NULL,
      ended_at BIGINT,
      status \(text)
    )
    """,
    """
    CREATE TABLE request (
      id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
      key_hash BIGINT NOT NULL,
      key \(text) NOT NULL,
      provider \(text) NOT NULL,
      model \(text),
      model_id \(text),
      mode \(text) NOT NULL,
      timestamp BIGINT NOT NULL,
      status \(text) NOT NULL,
      tenant \(text),
      job \(text),
      custom_id \(text),
      batch_id \(text),
      input_tokens BIGINT NOT NULL,
      cache_write_5m_tokens BIGINT NOT NULL,
      cache_write_1h_tokens BIGINT NOT NULL,
      cache_read_tokens BIGINT NOT NULL,
      output_tokens BIGINT NOT NULL,
      web_searches BIGINT NOT NULL,
      total_input_tokens BIGINT NOT NULL,
      service_tier \(text),
      inference_geo \(text),
      source_id BIGINT NOT NULL,
      audio_input_tokens BIGINT NOT NULL DEFAULT 0,
      audio_output_tokens BIGINT NOT NULL DEFAULT 0,
      part BIGINT NOT NULL DEFAULT 0
    )
    """,
    "CREATE UNIQUE INDEX request_on_key_hash ON request(key_hash)",
    "CREATE INDEX request_on_timestamp ON request(timestamp)",
    """
    CREATE TABLE rollup_month (
      month BIGINT NOT NULL,
      provider \(text) NOT NULL,
      model \(text) NOT NULL,
      mode \(text) NOT NULL,
      status \(text) NOT NULL,
      tenant \(text) NOT NULL,
      job \(text) NOT NULL,
      batch_id \(text) NOT NULL,
      size_class BIGINT NOT NULL,
      searched BIGINT NOT NULL,
      has_audio BIGINT NOT NULL,
      \(sums),
      PRIMARY KEY (month, provider, model, mode, status, tenant, job, batch_id, size_class, searched, has_audio)
    )
    """,
    """
    CREATE TABLE rollup_day (
      day BIGINT NOT NULL,
      provider \(text) NOT NULL,
      model \(text) NOT NULL,
      mode \(text) NOT NULL,
      status \(text) NOT NULL,
      size_class BIGINT NOT NULL,
      searched BIGINT NOT NULL,
      has_audio BIGINT NOT NULL,
      \(sums),
      PRIMARY KEY (day, provider, model, mode, status, size_class, searched, has_audio)
    )
    """,
    """
    CREATE TABLE provider_bucket (
      report \(text) NOT NULL,
      bucket_start BIGINT NOT NULL,
      bucket_end BIGINT NOT NULL,
      source_id BIGINT NOT NULL REFERENCES source(id),
      truncated BIGINT NOT NULL DEFAULT 0,
      PRIMARY KEY (report, bucket_start, bucket_end)
    )
    """,
    """
    CREATE TABLE provider_usage (
      provider \(text) NOT NULL,
      bucket_start BIGINT NOT NULL,
      bucket_end BIGINT NOT NULL,
      model \(text) NOT NULL,
      service_tier \(text) NOT NULL,
      context_window \(text) NOT NULL,
      dimensions \(text) NOT NULL,
      input_tokens BIGINT NOT NULL,
      cache_write_5m_tokens BIGINT NOT NULL,
      cache_write_1h_tokens BIGINT NOT NULL,
      cache_read_tokens BIGINT NOT NULL,
      output_tokens BIGINT NOT NULL,
      audio_input_tokens BIGINT NOT NULL,
      audio_output_tokens BIGINT NOT NULL,
      web_searches BIGINT NOT NULL,
      source_id BIGINT NOT NULL REFERENCES source(id),
      PRIMARY KEY (provider, bucket_start, bucket_end, model, service_tier, context_window, dimensions)
    )
    """,
    """
    CREATE TABLE provider_cost (
      provider \(text) NOT NULL,
      bucket_start BIGINT NOT NULL,
      bucket_end BIGINT NOT NULL,
      model \(text) NOT NULL,
      service_tier \(text) NOT NULL,
      context_window \(text) NOT NULL,
      cost_type \(text) NOT NULL,
      token_type \(text) NOT NULL,
      dimensions \(text) NOT NULL,
      amount_cents \(text) NOT NULL,
      list_amount_cents \(text) NOT NULL,
      source_id BIGINT NOT NULL REFERENCES source(id),
      PRIMARY KEY (provider, bucket_start, bucket_end, model, service_tier, context_window, cost_type, token_type, dimensions)
    )
    """,
    """
    CREATE TABLE period (
      month BIGINT PRIMARY KEY,
      status \(text) NOT NULL,
      closed_at \(text) NOT NULL,
      closed_by \(text) NOT NULL,
      note \(text),
      close_count BIGINT NOT NULL,
      request_id_max BIGINT NOT NULL,
      source_id_max BIGINT NOT NULL,
      sources BIGINT NOT NULL,
      requests BIGINT NOT NULL,
      cost \(text) NOT NULL,
      list_cost \(text) NOT NULL,
      unpriced_requests BIGINT NOT NULL
    )
    """,
    """
    CREATE TABLE period_event (
      id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
      month BIGINT NOT NULL,
      action \(text) NOT NULL,
      at \(text) NOT NULL,
      "by" \(text) NOT NULL,
      text \(text)
    )
    """,
    """
    CREATE TABLE period_figure (
      month BIGINT NOT NULL,
      tenant \(text) NOT NULL,
      job \(text) NOT NULL,
      model \(text) NOT NULL,
      requests BIGINT NOT NULL,
      cost \(text),
      list_cost \(text),
      unpriced_requests BIGINT NOT NULL,
      PRIMARY KEY (month, tenant, job, model)
    )
    """,
    """
    CREATE TABLE period_statement (
      month BIGINT NOT NULL,
      tenant \(text) NOT NULL,
      invoice_id \(text) NOT NULL,
      PRIMARY KEY (month, tenant)
    )
    """,
    """
    CREATE TABLE period_price_table (
      month BIGINT NOT NULL,
      position BIGINT NOT NULL,
      file \(text) NOT NULL,
      bundled BIGINT NOT NULL,
      hash \(text) NOT NULL,
      PRIMARY KEY (month, position)
    )
    """,
    """
    CREATE TABLE price_table_text (
      hash \(text) PRIMARY KEY,
      text \(text) NOT NULL
    )
    """,
    """
    CREATE TABLE period_adjustment (
      month BIGINT NOT NULL,
      posted_to BIGINT NOT NULL,
      tenant \(text) NOT NULL,
      late_requests BIGINT NOT NULL,
      late_usage \(text) NOT NULL,
      repricing \(text) NOT NULL,
      PRIMARY KEY (month, posted_to, tenant)
    )
    """,
    """
    CREATE TABLE period_policy (
      month BIGINT PRIMARY KEY,
      allocate_unattributed \(text),
      shared_costs_file \(text),
      shared_costs_text \(text),
      markup_pct \(text)
    )
    """,
    """
    CREATE TABLE late_request (
      request_id BIGINT PRIMARY KEY,
      month BIGINT NOT NULL
    )
    """,
    "CREATE INDEX late_request_on_month ON late_request(month)",
  ]

  /// Applies the migrations not yet applied, under the migration lock.
  static func migrate(_ connection: PostgresConnectionBox) throws {
    // A role that may only read gets as far as finding every migration applied.
    if try pending(connection).isEmpty { return try checkWriter(connection) }
    try connection.execute("SELECT pg_advisory_lock(?)", [migrationLock])
    defer { _ = try? connection.execute("SELECT pg_advisory_unlock(?)", [migrationLock]) }
    do {
      try connection.execute(
        "CREATE TABLE IF NOT EXISTS tally_migrations (identifier \(text) PRIMARY KEY, applied_at \(text) NOT NULL)"
      )
      for name in try pending(connection) {
        let statements = migrations.first { $0.name == name }!.statements
        try connection.execute("BEGIN")
        do {
          for statement in statements { try connection.execute(statement) }
          try connection.execute(
            "INSERT INTO tally_migrations (identifier, applied_at) VALUES (?, ?)",
            [name, Timestamp.format(Int64(Date().timeIntervalSince1970))])
          try connection.execute("COMMIT")
        } catch {
          _ = try? connection.execute("ROLLBACK")
          throw error
        }
      }
    } catch let error as PostgresStatementError where error.sqlState == "42501" {
      throw LedgerError(
        "\(connection.location): the role \(connection.location.user) cannot create the ledger's tables (\(error.message)); create the ledger once as the database's owner (tally ledger migrate --ledger URL)"
      )
    } catch {
      throw LedgerError("\(connection.location): cannot migrate the ledger: \(error)")
    }
  }

  /// The names of the migrations not applied yet, in order; all of them when the ledger has no
  /// tables yet. A database with other tables but no `tally_migrations` is not a Tally ledger.
  /// Whether the database holds a ledger (its migrations table), as a SQLite ledger's file exists.
  static func holdsLedger(_ connection: PostgresConnectionBox) throws -> Bool {
    try connection.value(String.self, "SELECT CAST(to_regclass('tally_migrations') AS TEXT)") != nil
  }

  private static func pending(_ connection: PostgresConnectionBox) throws -> [String] {
    guard try holdsLedger(connection) else {
      if try connection.value(String.self, "SELECT CAST(to_regclass('source') AS TEXT)") != nil {
        throw LedgerError(
          "\(connection.location) has a table named source but is not a Tally ledger (no tally_migrations table)"
        )
      }
      return migrations.map(\.name)
    }
    let applied = Set(try connection.values(String.self, "SELECT identifier FROM tally_migrations"))
    let known = Set(migrations.map(\.name))
    if let newer = applied.subtracting(known).sorted().first {
      throw LedgerError(
        "\(connection.location) was migrated by a newer version of Tally (migration \(newer)); use that version"
      )
    }
    return migrations.map(\.name).filter { !applied.contains($0) }
  }

  /// A reader needs every migration applied; it never applies one.
  static func checkCurrent(_ connection: PostgresConnectionBox) throws {
    let missing = try pending(connection)
    guard missing.isEmpty else {
      if missing.count == migrations.count {
        throw LedgerError(
          "no ledger at \(connection.location): ingest something first (tally ingest FILE --ledger \(connection.location))"
        )
      }
      throw LedgerError(
        "\(connection.location) was written by an earlier version of Tally; migrate it with `tally ledger migrate --ledger URL` (or any `tally ingest` into it), then run the report again"
      )
    }
  }

  /// Refuses to open for writing as a role that cannot write the ledger's tables, before any
  /// work: the error says reports are fine.
  private static func checkWriter(_ connection: PostgresConnectionBox) throws {
    let canWrite =
      try connection.value(
        Bool.self,
        "SELECT has_table_privilege('request', 'INSERT') AND has_table_privilege('rollup_month', 'UPDATE') AND has_table_privilege('source', 'UPDATE') AND has_table_privilege('late_request', 'DELETE')"
      ) ?? false
    guard canWrite else {
      throw LedgerError(
        "\(connection.location): the role \(connection.location.user) may only read this ledger: reports work, but ingest, close, reopen and remove need INSERT, UPDATE and DELETE on its tables (GRANT them, or use a role that has them)"
      )
    }
  }
}
