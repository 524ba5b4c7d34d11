import Foundation
import GRDB

extension Ledger {
  /// Migration "v2": the provider's own usage and cost reports, kept apart from the requests.
  ///
  /// `provider_bucket` records every time bucket a report covered, even an empty one, so that
  /// reconcile can tell "the provider reports nothing" from "no report covers this time".
  /// Absent dimensions are '' (NULLs would defeat the primary keys). Amounts stay in cents as
  /// the exact decimal text of the report.
  static func registerProviderReportTables(in migrator: inout DatabaseMigrator) {
    migrator.registerMigration("v2") { db in
      try db.execute(
        sql: """
          CREATE TABLE provider_bucket (
            report TEXT NOT NULL,
            bucket_start INTEGER NOT NULL,
            bucket_end INTEGER NOT NULL,
            source_id INTEGER NOT NULL REFERENCES source(id),
            PRIMARY KEY (report, bucket_start, bucket_end)
          ) WITHOUT ROWID;
          CREATE TABLE provider_usage (
            bucket_start INTEGER NOT NULL,
            bucket_end INTEGER NOT NULL,
            model TEXT NOT NULL,
            service_tier TEXT NOT NULL,
            context_window TEXT NOT NULL,
            dimensions TEXT NOT NULL,
            input_tokens INTEGER NOT NULL,
            cache_write_5m_tokens INTEGER NOT NULL,
            cache_write_1h_tokens INTEGER NOT NULL,
            cache_read_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL,
            web_searches INTEGER NOT NULL,
            source_id INTEGER NOT NULL REFERENCES source(id),
            PRIMARY KEY (bucket_start, bucket_end, model, service_tier, context_window, dimensions)
          ) WITHOUT ROWID;
          CREATE TABLE provider_cost (
            bucket_start INTEGER NOT NULL,
            bucket_end INTEGER NOT NULL,
            model TEXT NOT NULL,
            service_tier TEXT NOT NULL,
            context_window TEXT NOT NULL,
            cost_type TEXT NOT NULL,
            token_type TEXT NOT NULL,
            dimensions TEXT NOT NULL,
            amount_cents TEXT NOT NULL,
            source_id INTEGER NOT NULL REFERENCES source(id),
            PRIMARY KEY (bucket_start, bucket_end, model, service_tier, context_window, cost_type, token_type, dimensions)
          ) WITHOUT ROWID;
          """)
    }
  }

  /// Migration "v7": reports of more than one provider (OpenAI's usage and costs reports, the
  /// Anthropic Analytics API) in the same tables.
  /// - `provider` joins the keys of `provider_usage` and `provider_cost` (the tables are
  ///   rebuilt: a primary key cannot be altered); existing rows are Anthropic's.
  /// - `provider_usage` gains the audio categories (OpenAI `input_audio_tokens`,
  ///   `output_audio_tokens`); `provider_cost` gains `list_amount_cents`, the Analytics API's
  ///   pre-discount amount ('' when the report has none).
  /// - `provider_bucket.truncated` is 1 for an Analytics bucket holding 100 groups, the most the
  ///   API returns: the groups beyond may be missing.
  /// `provider_bucket.report` stays `usage`/`cost` for Anthropic and is `openai-usage`/`openai-cost`
  /// for OpenAI (`ProviderReportFormat.report`).
  static func migrateProviderReportsToV7(_ db: Database) throws {
    try db.execute(
      sql: """
        ALTER TABLE provider_bucket ADD COLUMN truncated INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE provider_usage_v7 (
          provider TEXT NOT NULL,
          bucket_start INTEGER NOT NULL,
          bucket_end INTEGER NOT NULL,
          model TEXT NOT NULL,
          service_tier TEXT NOT NULL,
          context_window TEXT NOT NULL,
          dimensions TEXT NOT NULL,
          input_tokens INTEGER NOT NULL,
          cache_write_5m_tokens INTEGER NOT NULL,
          cache_write_1h_tokens INTEGER NOT NULL,
          cache_read_tokens INTEGER NOT NULL,
          output_tokens INTEGER NOT NULL,
          audio_input_tokens INTEGER NOT NULL,
          audio_output_tokens INTEGER NOT NULL,
          web_searches INTEGER NOT NULL,
          source_id INTEGER NOT NULL REFERENCES source(id),
          PRIMARY KEY (provider, bucket_start, bucket_end, model, service_tier, context_window, dimensions)
        ) WITHOUT ROWID;
        INSERT INTO provider_usage_v7
          SELECT 'anthropic', bucket_start, bucket_end, model, service_tier, context_window, dimensions,
            input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, cache_read_tokens, output_tokens, 0, 0,
            web_searches, source_id
          FROM provider_usage;
        DROP TABLE provider_usage;
        ALTER TABLE provider_usage_v7 RENAME TO provider_usage;
        CREATE TABLE provider_cost_v7 (
          provider TEXT NOT NULL,
          bucket_start INTEGER NOT NULL,
          bucket_end INTEGER NOT NULL,
          model TEXT NOT NULL,
          service_tier TEXT NOT NULL,
          context_window TEXT NOT NULL,
          cost_type TEXT NOT NULL,
          token_type TEXT NOT NULL,
          dimensions TEXT NOT NULL,
          amount_cents TEXT NOT NULL,
          list_amount_cents TEXT NOT NULL,
          source_id INTEGER NOT NULL REFERENCES source(id),
          PRIMARY KEY (provider, bucket_start, bucket_end, model, service_tier, context_window, cost_type, token_type, dimensions)
        ) WITHOUT ROWID;
        INSERT INTO provider_cost_v7
          SELECT 'anthropic', bucket_start, bucket_end, model, service_tier, context_window, cost_type, token_type,
            dimensions, amount_cents, '', source_id
          FROM provider_cost;
        DROP TABLE provider_cost;
        ALTER TABLE provider_cost_v7 RENAME TO provider_cost;
        """)
  }

  /// The buckets ingested of one report of one provider, sorted by start; `truncated` when an
  /// Analytics bucket held the API's maximum of 100 groups.
  public func providerBuckets(_ kind: ProviderReportKind, provider: String = "anthropic") throws
    -> [(start: Int64, end: Int64, truncated: Bool)]
  {
    try reading { sql in
      try sql.fetchAll(
        "SELECT bucket_start, bucket_end, truncated FROM provider_bucket WHERE report = ? ORDER BY bucket_start",
        [ProviderReportFormat.report(kind, provider: provider)]
      ).map { (start: $0["bucket_start"], end: $0["bucket_end"], truncated: $0["truncated"] as Bool) }
    }
  }

  /// Usage-report rows whose bucket starts in `[from, to)`.
  public func providerUsage(from: Int64?, to: Int64?) throws -> [ProviderUsageRow] {
    try reading { sql in
      try sql.fetchAll(
        """
        SELECT * FROM provider_usage WHERE bucket_start >= ? AND bucket_start < ?
        ORDER BY provider, bucket_start, model, service_tier, context_window, dimensions
        """, [from ?? Int64.min, to ?? Int64.max]
      ).map { row in
        ProviderUsageRow(
          bucketStart: row["bucket_start"], bucketEnd: row["bucket_end"], model: row["model"],
          serviceTier: row["service_tier"], contextWindow: row["context_window"],
          dimensions: row["dimensions"],
          tokens: TokenCounts(
            input: row["input_tokens"], cacheWrite5m: row["cache_write_5m_tokens"],
            cacheWrite1h: row["cache_write_1h_tokens"], cacheRead: row["cache_read_tokens"],
            output: row["output_tokens"], audioInput: row["audio_input_tokens"],
            audioOutput: row["audio_output_tokens"]),
          webSearches: row["web_searches"], provider: row["provider"])
      }
    }
  }

  /// Cost-report rows whose bucket starts in `[from, to)`.
  public func providerCosts(from: Int64?, to: Int64?) throws -> [ProviderCostRow] {
    try reading { sql in
      try sql.fetchAll(
        """
        SELECT * FROM provider_cost WHERE bucket_start >= ? AND bucket_start < ?
        ORDER BY provider, bucket_start, model, service_tier, context_window, cost_type, token_type, dimensions
        """, [from ?? Int64.min, to ?? Int64.max]
      ).map { row in
        let text: String = row["amount_cents"]
        let list: String = row["list_amount_cents"]
        return ProviderCostRow(
          bucketStart: row["bucket_start"], bucketEnd: row["bucket_end"], model: row["model"],
          serviceTier: row["service_tier"], contextWindow: row["context_window"], costType: row["cost_type"],
          tokenType: row["token_type"], dimensions: row["dimensions"],
          amountCents: ExactDecimal.parse(text) ?? 0, provider: row["provider"],
          listAmountCents: list.isEmpty ? nil : ExactDecimal.parse(list))
      }
    }
  }
}

/// What storing one bucket of a provider report did.
public enum BucketOutcome: Equatable, Sendable {
  /// Row counts: rows new to the ledger, rows already there unchanged, and rows revised (a
  /// changed value, or a row the newer report no longer has).
  case stored(new: Int, duplicates: Int, revised: Int)
  /// The bucket overlaps a bucket of another width already in the ledger (from `path`).
  case overlaps(start: Int64, end: Int64, path: String)
}

extension LedgerWriter {
  /// Stores one time bucket of a provider report. A newer ingest of the same bucket replaces
  /// the bucket whole (a re-downloaded report is the provider's revised statement of it);
  /// the same numbers again change nothing.
  public func replaceProviderBucket(
    _ kind: ProviderReportKind, start: Int64, end: Int64, usage: [ProviderUsageRow], cost: [ProviderCostRow],
    sourceID: Int64, provider: String = "anthropic", truncated: Bool = false
  ) throws -> BucketOutcome {
    let report = ProviderReportFormat.report(kind, provider: provider)
    if let overlap = try sql.fetchOne(
      """
      SELECT b.bucket_start, b.bucket_end, s.path FROM provider_bucket b JOIN source s ON s.id = b.source_id
      WHERE b.report = ? AND b.bucket_start < ? AND b.bucket_end > ? AND NOT (b.bucket_start = ? AND b.bucket_end = ?)
      LIMIT 1
      """, [report, end, start, start, end])
    {
      return .overlaps(start: overlap["bucket_start"], end: overlap["bucket_end"], path: overlap["path"])
    }
    let table = kind == .usage ? "provider_usage" : "provider_cost"
    let keyColumns =
      kind == .usage
      ? ["model", "service_tier", "context_window", "dimensions"]
      : ["model", "service_tier", "context_window", "cost_type", "token_type", "dimensions"]
    let valueColumns =
      kind == .usage
      ? [
        "input_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens", "cache_read_tokens",
        "output_tokens", "audio_input_tokens", "audio_output_tokens",
        "web_searches",
      ] : ["amount_cents", "list_amount_cents"]
    func plain(_ text: String) -> String {
      text.isEmpty ? "" : ExactDecimal.plain(ExactDecimal.parse(text) ?? 0)
    }
    var existing: [[String]: [String]] = [:]
    for row in try sql.fetchAll(
      "SELECT * FROM \(table) WHERE provider = ? AND bucket_start = ? AND bucket_end = ?",
      [provider, start, end])
    {
      existing[keyColumns.map { row[$0] as String }] = valueColumns.map { column in
        kind == .cost ? plain(row[column] as String) : String(row[column] as Int)
      }
    }
    let incoming: [(key: [String], values: [String])] =
      kind == .usage
      ? usage.map { row in
        (
          [row.model, row.serviceTier, row.contextWindow, row.dimensions],
          [
            row.tokens.input, row.tokens.cacheWrite5m, row.tokens.cacheWrite1h, row.tokens.cacheRead,
            row.tokens.output, row.tokens.audioInput, row.tokens.audioOutput, row.webSearches,
          ].map(String.init)
        )
      }
      : cost.map { row in
        (
          [row.model, row.serviceTier, row.contextWindow, row.costType, row.tokenType, row.dimensions],
          [ExactDecimal.plain(row.amountCents), row.listAmountCents.map(ExactDecimal.plain) ?? ""]
        )
      }
    var (new, duplicates, revised) = (0, 0, 0)
    for (key, values) in incoming {
      switch existing[key] {
      case nil: new += 1
      case values?: duplicates += 1
      default: revised += 1
      }
    }
    let incomingKeys = Set(incoming.map(\.key))
    revised += existing.keys.filter { !incomingKeys.contains($0) }.count
    let known =
      try sql.value(
        Int.self,
        "SELECT count(*) FROM provider_bucket WHERE report = ? AND bucket_start = ? AND bucket_end = ? AND truncated = ?",
        [report, start, end, truncated]
      ).map { $0 > 0 } ?? false
    if known && new == 0 && revised == 0 { return .stored(new: 0, duplicates: duplicates, revised: 0) }

    try sql.execute(
      "DELETE FROM \(table) WHERE provider = ? AND bucket_start = ? AND bucket_end = ?",
      [provider, start, end])
    let valueType: SQLColumnType = kind == .usage ? .integer : .text
    let columns: [(name: String, type: SQLColumnType)] =
      [("provider", .text), ("bucket_start", .integer), ("bucket_end", .integer)]
      + keyColumns.map { ($0, .text) } + valueColumns.map { ($0, valueType) } + [("source_id", .integer)]
    try sql.insertRows(
      into: table, columns: columns,
      rows: incoming.map { key, values in
        let typedValues = values.map { kind == .usage ? SQLValue.integer(Int64($0)!) : SQLValue.text($0) }
        return [.text(provider), .integer(start), .integer(end)] + key.map(SQLValue.text) + typedValues
          + [.integer(sourceID)]
      }, conflict: "")
    try sql.execute(
      """
      INSERT INTO provider_bucket (report, bucket_start, bucket_end, source_id, truncated) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (report, bucket_start, bucket_end) DO UPDATE SET source_id = excluded.source_id,
        truncated = excluded.truncated
      """, [report, start, end, sourceID, truncated])
    return .stored(new: new, duplicates: duplicates, revised: revised)
  }
}
