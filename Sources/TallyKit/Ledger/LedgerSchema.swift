import Foundation
import GRDB

extension Ledger {
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
    migrator.registerMigration("v3", migrate: migrateToV3)
    migrator.registerMigration("v4", migrate: migrateToV4)
    migrator.registerMigration("v5", migrate: migrateToV5)
    migrator.registerMigration("v6") { db in
      // Usage iterations billed apart from their request (an advisor's model, a compaction
      // step) are rows of their own with `part` > 0: they carry tokens but no request count.
      try db.execute(sql: "ALTER TABLE request ADD COLUMN part INTEGER NOT NULL DEFAULT 0")
    }
    migrator.registerMigration("v7", migrate: migrateProviderReportsToV7)
    migrator.registerMigration("v8", migrate: migrateToV8)
    return migrator
  }

  /// The sum columns of both rollups, in order (`requests` counts rows; the others are sums of
  /// the request columns of the same name).
  static let sumColumns = [
    "requests", "input_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens", "cache_read_tokens",
    "output_tokens", "web_searches", "audio_input_tokens", "audio_output_tokens",
  ]

  /// The request columns a rollup sums, named as in `sumColumns`: the select list that sums
  /// requests into rollup rows. A row counts as a request unless it is an iteration's part
  /// (`part` > 0, migration "v6").
  static func requestSumsSQL(_ dialect: SQLDialect) -> String {
    sumColumns.map {
      $0 == "requests"
        ? "\(dialect.sum(SQLDialect.flag("part = 0"))) AS requests" : "\(dialect.sum($0)) AS \($0)"
    }
    .joined(separator: ", ")
  }

  /// The rollup key column that keeps requests with audio tokens apart from those without.
  static let hasAudioSQL = SQLDialect.flag("audio_input_tokens > 0 OR audio_output_tokens > 0")

  /// The rollup key column that keeps requests with web searches apart from those without.
  static let searchedSQL = SQLDialect.flag("web_searches > 0")

  /// Migration "v3", the ledger engine:
  /// - requests keyed by a 64-bit hash of the request key, in a unique index of its own (rows
  ///   are appended in ingest order, and the small index is all a duplicate check reads; the
  ///   full key is kept to tell colliding keys apart: a taken hash moves the later key to the
  ///   next free one);
  /// - two rollups instead of the 15-minute one, which barely compressed a year of many
  ///   tenants: every dimension per UTC month (`rollup_month`), and per UTC day without
  ///   tenant, job and batch (`rollup_day`); both keep requests apart by size class, so that
  ///   every context tier is priced exactly, and requests with web searches apart from those
  ///   without (`searched`), so that a missing web-search rate leaves only them unpriced;
  /// - STRICT tables: an integer column can hold nothing but an integer, so an overflowing
  ///   sum is an error, never a REAL.
  private static func migrateToV3(_ db: Database) throws {
    try db.execute(
      sql: """
        CREATE TABLE request_v3 (
          id INTEGER PRIMARY KEY,
          key_hash INTEGER NOT NULL,
          key TEXT NOT NULL,
          provider TEXT NOT NULL,
          model TEXT,
          model_id TEXT,
          mode TEXT NOT NULL,
          timestamp INTEGER NOT NULL,
          status TEXT NOT NULL,
          tenant TEXT,
          job TEXT,
          custom_id TEXT,
          batch_id TEXT,
          input_tokens INTEGER NOT NULL,
          cache_write_5m_tokens INTEGER NOT NULL,
          cache_write_1h_tokens INTEGER NOT NULL,
          cache_read_tokens INTEGER NOT NULL,
          output_tokens INTEGER NOT NULL,
          web_searches INTEGER NOT NULL,
          total_input_tokens INTEGER NOT NULL,
          service_tier TEXT,
          inference_geo TEXT,
          source_id INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE rollup_month (
          month INTEGER NOT NULL,
          provider TEXT NOT NULL,
          model TEXT NOT NULL,
          mode TEXT NOT NULL,
          status TEXT NOT NULL,
          tenant TEXT NOT NULL,
          job TEXT NOT NULL,
          batch_id TEXT NOT NULL,
          size_class INTEGER NOT NULL,
          searched INTEGER NOT NULL,
          requests INTEGER NOT NULL,
          input_tokens INTEGER NOT NULL,
          cache_write_5m_tokens INTEGER NOT NULL,
          cache_write_1h_tokens INTEGER NOT NULL,
          cache_read_tokens INTEGER NOT NULL,
          output_tokens INTEGER NOT NULL,
          web_searches INTEGER NOT NULL,
          PRIMARY KEY (month, provider, model, mode, status, tenant, job, batch_id, size_class, searched)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE rollup_day (
          day INTEGER NOT NULL,
          provider TEXT NOT NULL,
          model TEXT NOT NULL,
          mode TEXT NOT NULL,
          status TEXT NOT NULL,
          size_class INTEGER NOT NULL,
          searched INTEGER NOT NULL,
          requests INTEGER NOT NULL,
          input_tokens INTEGER NOT NULL,
          cache_write_5m_tokens INTEGER NOT NULL,
          cache_write_1h_tokens INTEGER NOT NULL,
          cache_read_tokens INTEGER NOT NULL,
          output_tokens INTEGER NOT NULL,
          web_searches INTEGER NOT NULL,
          PRIMARY KEY (day, provider, model, mode, status, size_class, searched)
        ) STRICT, WITHOUT ROWID;
        """)
    let columns =
      "key, provider, model, model_id, mode, timestamp, status, tenant, job, custom_id, batch_id, input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, cache_read_tokens, output_tokens, web_searches, total_input_tokens, service_tier, inference_geo, source_id"
    try db.execute(sql: "CREATE UNIQUE INDEX request_on_key_hash ON request_v3(key_hash)")
    let insert = try db.makeStatement(
      sql: """
        INSERT INTO request_v3 (key_hash, \(columns)) VALUES (?, \(Array(repeating: "?", count: 21).joined(separator: ", ")))
        ON CONFLICT(key_hash) DO NOTHING
        """)
    let rows = try Row.fetchCursor(db, sql: "SELECT \(columns) FROM request ORDER BY timestamp")
    while let row = try rows.next() {
      let key: String = row["key"]
      var hash = keyHash(key)
      let values = StatementArguments(row.databaseValues)
      while true {
        try insert.execute(arguments: [hash] + values)
        if db.changesCount == 1 { break }
        hash = hash &+ 1
      }
    }
    try db.execute(
      sql: """
        DROP TABLE usage_rollup;
        DROP TABLE request;
        ALTER TABLE request_v3 RENAME TO request;
        CREATE INDEX request_on_timestamp ON request(timestamp);
        """)
    try rebuildRollupsAtV3(db)
  }

  /// Migration "v4", sources that can be listed and taken out again (`tally ledger sources`,
  /// `tally ledger remove`):
  /// - `batch_id`: the batch a source's requests belong to (the duplicate check under another
  ///   batch id compares it; remove deletes the batch row when nothing else has the batch);
  /// - `options`: the ingest options that shaped the rows, a JSON object (`batch`, `map`,
  ///   `id_pattern`, ...), so a removed file can be ingested again the same way;
  /// - `request_id_from`, `request_id_to`: the request row ids the ingest appended (rows of a
  ///   source are appended in one transaction, so remove reads a range instead of the table);
  ///   NULL for sources ingested before v4, which remove finds by scanning;
  /// - `removed_at`: when `tally ledger remove` took the source out (its row stays, as the record
  ///   of the removal).
  private static func migrateToV4(_ db: Database) throws {
    try db.execute(
      sql: """
        ALTER TABLE source ADD COLUMN batch_id TEXT;
        ALTER TABLE source ADD COLUMN options TEXT;
        ALTER TABLE source ADD COLUMN request_id_from INTEGER;
        ALTER TABLE source ADD COLUMN request_id_to INTEGER;
        ALTER TABLE source ADD COLUMN removed_at TEXT;
        CREATE INDEX source_on_content_hash ON source(content_hash);
        """)
  }

  /// Migration "v5", audio tokens in categories of their own (OpenAI
  /// `prompt_tokens_details.audio_tokens` and `completion_tokens_details.audio_tokens`, which
  /// were text input and output before):
  /// - `audio_input_tokens`, `audio_output_tokens` on `request` and both rollups, 0 for every
  ///   row already there (their audio, if any, stays counted as text: remove and ingest the
  ///   file again to split it);
  /// - `has_audio` in both rollups' keys, so that requests with audio tokens are summed apart
  ///   from those without: a model with no audio rate leaves only them unpriced, as `searched`
  ///   does for web searches. A key column cannot be added, so the rollups are copied into new
  ///   tables (every existing row with `has_audio` 0).
  private static func migrateToV5(_ db: Database) throws {
    let monthKeys = "month, provider, model, mode, status, tenant, job, batch_id, size_class, searched"
    let dayKeys = "day, provider, model, mode, status, size_class, searched"
    let oldSums =
      "requests, input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, cache_read_tokens, output_tokens, web_searches"
    try db.execute(
      sql: """
        ALTER TABLE request ADD COLUMN audio_input_tokens INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE request ADD COLUMN audio_output_tokens INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE rollup_month_v5 (
          month INTEGER NOT NULL,
          provider TEXT NOT NULL,
          model TEXT NOT NULL,
          mode TEXT NOT NULL,
          status TEXT NOT NULL,
          tenant TEXT NOT NULL,
          job TEXT NOT NULL,
          batch_id TEXT NOT NULL,
          size_class INTEGER NOT NULL,
          searched INTEGER NOT NULL,
          has_audio INTEGER NOT NULL,
          requests INTEGER NOT NULL,
          input_tokens INTEGER NOT NULL,
          cache_write_5m_tokens INTEGER NOT NULL,
          cache_write_1h_tokens INTEGER NOT NULL,
          cache_read_tokens INTEGER NOT NULL,
          output_tokens INTEGER NOT NULL,
          web_searches INTEGER NOT NULL,
          audio_input_tokens INTEGER NOT NULL DEFAULT 0,
          audio_output_tokens INTEGER NOT NULL DEFAULT 0,
          PRIMARY KEY (month, provider, model, mode, status, tenant, job, batch_id, size_class, searched, has_audio)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE rollup_day_v5 (
          day INTEGER NOT NULL,
          provider TEXT NOT NULL,
          model TEXT NOT NULL,
          mode TEXT NOT NULL,
          status TEXT NOT NULL,
          size_class INTEGER NOT NULL,
          searched INTEGER NOT NULL,
          has_audio INTEGER NOT NULL,
          requests INTEGER NOT NULL,
          input_tokens INTEGER NOT NULL,
          cache_write_5m_tokens INTEGER NOT NULL,
          cache_write_1h_tokens INTEGER NOT NULL,
          cache_read_tokens INTEGER NOT NULL,
          output_tokens INTEGER NOT NULL,
          web_searches INTEGER NOT NULL,
          audio_input_tokens INTEGER NOT NULL DEFAULT 0,
          audio_output_tokens INTEGER NOT NULL DEFAULT 0,
          PRIMARY KEY (day, provider, model, mode, status, size_class, searched, has_audio)
        ) STRICT, WITHOUT ROWID;
        INSERT INTO rollup_month_v5 (\(monthKeys), has_audio, \(oldSums))
          SELECT \(monthKeys), 0, \(oldSums) FROM rollup_month;
        INSERT INTO rollup_day_v5 (\(dayKeys), has_audio, \(oldSums))
          SELECT \(dayKeys), 0, \(oldSums) FROM rollup_day;
        DROP TABLE rollup_month;
        DROP TABLE rollup_day;
        ALTER TABLE rollup_month_v5 RENAME TO rollup_month;
        ALTER TABLE rollup_day_v5 RENAME TO rollup_day;
        """)
  }

  /// The rollups' key columns and a SELECT grouping the requests matching `owned` (a WHERE
  /// clause on `request`) by them, with the sums named as `sumColumns`: how the rollups sum
  /// requests, for code that adds or subtracts some of them.
  static func rollupGroups(_ owned: String, _ dialect: SQLDialect) -> [(
    table: String, keys: [String], select: String
  )] {
    let sizeClass = sizeClassSQL(sizeClassBoundaries)
    let monthKeys = [
      "month", "provider", "model", "mode", "status", "tenant", "job", "batch_id", "size_class", "searched",
      "has_audio",
    ]
    let dayKeys = ["day", "provider", "model", "mode", "status", "size_class", "searched", "has_audio"]
    let monthGroups = """
      SELECT \(dialect.monthOfInstant("timestamp")) AS month, provider,
             coalesce(model_id, model, '') AS model, mode, status, coalesce(tenant, '') AS tenant,
             coalesce(job, '') AS job, coalesce(batch_id, '') AS batch_id, \(sizeClass) AS size_class,
             \(searchedSQL) AS searched, \(hasAudioSQL) AS has_audio, \(requestSumsSQL(dialect))
      FROM request WHERE \(owned) GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
      """
    let dayGroups = """
      SELECT timestamp / 86400 - \(SQLDialect.flag("timestamp % 86400 < 0")) AS day, provider,
             coalesce(model_id, model, '') AS model, mode, status, \(sizeClass) AS size_class,
             \(searchedSQL) AS searched, \(hasAudioSQL) AS has_audio, \(requestSumsSQL(dialect))
      FROM request WHERE \(owned) GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
      """
    return [("rollup_month", monthKeys, monthGroups), ("rollup_day", dayKeys, dayGroups)]
  }

  /// Recomputes both rollups from the requests, late requests of closed months aside (tests
  /// compare it with the rollups ingest maintains).
  static func rebuildRollups(_ sql: any SQLConnection) throws {
    for (table, keys, select) in rollupGroups("id NOT IN (SELECT request_id FROM late_request)", sql.dialect)
    {
      try sql.execute("DELETE FROM \(table)")
      try sql.execute(
        "INSERT INTO \(table) (\(keys.joined(separator: ", ")), \(sumColumns.joined(separator: ", "))) \(select)"
      )
    }
  }

  /// `rebuildRollups` on a SQLite ledger's GRDB connection.
  static func rebuildRollups(_ db: Database) throws { try rebuildRollups(SQLiteConnection(db)) }

  /// The rollups as migration "v3" built them (its schema, before audio): kept as it was, since
  /// a migration must do the same on every ledger it meets.
  private static func rebuildRollupsAtV3(_ db: Database) throws {
    let sizeClass = sizeClassSQL(sizeClassBoundaries)
    let sums =
      "count(*), sum(input_tokens), sum(cache_write_5m_tokens), sum(cache_write_1h_tokens), sum(cache_read_tokens), sum(output_tokens), sum(web_searches)"
    try db.execute(
      sql: """
        DELETE FROM rollup_month;
        DELETE FROM rollup_day;
        INSERT INTO rollup_month
        SELECT CAST(julianday(timestamp, 'unixepoch', 'start of month') - 2440587.5 AS INTEGER), provider,
               coalesce(model_id, model, ''), mode, status, coalesce(tenant, ''), coalesce(job, ''),
               coalesce(batch_id, ''), \(sizeClass), web_searches > 0, \(sums)
        FROM request GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;
        INSERT INTO rollup_day
        SELECT timestamp / 86400 - (timestamp % 86400 < 0), provider, coalesce(model_id, model, ''), mode, status,
               \(sizeClass), web_searches > 0, \(sums)
        FROM request GROUP BY 1, 2, 3, 4, 5, 6, 7;
        """)
  }
}
