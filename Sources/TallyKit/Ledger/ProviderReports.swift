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
      ).map(ProviderUsageRow.init(stored:))
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
      ).map(ProviderCostRow.init(stored:))
    }
  }
}

/// A result row of a provider report as the ledger stores it, in `table`: identity and
/// measures, under the bucket's provider and times (which `replaceProviderBucket` takes apart).
///
/// Written against `SQLConnection`, not GRDB, so that both ledger engines store the reports.
protocol ProviderReportRow {
  associatedtype Identity: Hashable
  associatedtype Measures: Hashable
  var identity: Identity { get }
  var measures: Measures { get }
  static var table: String { get }
  /// The identity columns, then the measure columns: what `storedValues` binds.
  static var storedColumns: [(name: String, type: SQLColumnType)] { get }
  var storedValues: [SQLValue] { get }
  /// A row of `SELECT * FROM table`.
  init(stored row: SQLRow)
}

extension ProviderUsageRow: ProviderReportRow {
  /// What tells the row apart from the other rows of its bucket: a report states each identity
  /// once per bucket.
  public struct Identity: Hashable, Sendable {
    public var model: String
    public var serviceTier: String
    public var contextWindow: String
    public var dimensions: String
  }

  /// What the row counts: a newer report of the bucket with other measures revises it.
  public struct Measures: Hashable, Sendable {
    public var tokens: TokenCounts
    public var webSearches: Int
  }

  public var identity: Identity {
    Identity(model: model, serviceTier: serviceTier, contextWindow: contextWindow, dimensions: dimensions)
  }

  public var measures: Measures { Measures(tokens: tokens, webSearches: webSearches) }

  static let table = "provider_usage"
  static let storedColumns: [(name: String, type: SQLColumnType)] =
    ["model", "service_tier", "context_window", "dimensions"].map { (name: $0, type: SQLColumnType.text) }
    + [
      "input_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens", "cache_read_tokens", "output_tokens",
      "audio_input_tokens", "audio_output_tokens", "web_searches",
    ].map { (name: $0, type: SQLColumnType.integer) }

  var storedValues: [SQLValue] {
    [model, serviceTier, contextWindow, dimensions].map(SQLValue.text)
      + [
        tokens.input, tokens.cacheWrite5m, tokens.cacheWrite1h, tokens.cacheRead, tokens.output,
        tokens.audioInput, tokens.audioOutput, webSearches,
      ].map { SQLValue.integer(Int64($0)) }
  }

  init(stored row: SQLRow) {
    self.init(
      bucketStart: row["bucket_start"], bucketEnd: row["bucket_end"], model: row["model"],
      serviceTier: row["service_tier"], contextWindow: row["context_window"], dimensions: row["dimensions"],
      tokens: TokenCounts(
        input: row["input_tokens"], cacheWrite5m: row["cache_write_5m_tokens"],
        cacheWrite1h: row["cache_write_1h_tokens"], cacheRead: row["cache_read_tokens"],
        output: row["output_tokens"], audioInput: row["audio_input_tokens"],
        audioOutput: row["audio_output_tokens"]),
      webSearches: row["web_searches"], provider: row["provider"])
  }
}

extension ProviderCostRow: ProviderReportRow {
  /// What tells the row apart from the other rows of its bucket: a report states each identity
  /// once per bucket.
  public struct Identity: Hashable, Sendable {
    public var model: String
    public var serviceTier: String
    public var contextWindow: String
    public var costType: String
    public var tokenType: String
    public var dimensions: String
  }

  /// What the row bills: a newer report of the bucket with other amounts revises it. Amounts
  /// compare as numbers (`1.50` and `1.5` cents are the same amount).
  public struct Measures: Hashable, Sendable {
    public var amountCents: Decimal
    public var listAmountCents: Decimal?
  }

  public var identity: Identity {
    Identity(
      model: model, serviceTier: serviceTier, contextWindow: contextWindow, costType: costType,
      tokenType: tokenType, dimensions: dimensions)
  }

  public var measures: Measures { Measures(amountCents: amountCents, listAmountCents: listAmountCents) }

  static let table = "provider_cost"
  /// Amounts are exact decimal text; `list_amount_cents` is '' when the report has none.
  static let storedColumns: [(name: String, type: SQLColumnType)] =
    [
      "model", "service_tier", "context_window", "cost_type", "token_type", "dimensions", "amount_cents",
      "list_amount_cents",
    ].map { (name: $0, type: SQLColumnType.text) }

  var storedValues: [SQLValue] {
    [
      model, serviceTier, contextWindow, costType, tokenType, dimensions, ExactDecimal.plain(amountCents),
      listAmountCents.map(ExactDecimal.plain) ?? "",
    ].map(SQLValue.text)
  }

  init(stored row: SQLRow) {
    let list: String = row["list_amount_cents"]
    self.init(
      bucketStart: row["bucket_start"], bucketEnd: row["bucket_end"], model: row["model"],
      serviceTier: row["service_tier"], contextWindow: row["context_window"], costType: row["cost_type"],
      tokenType: row["token_type"], dimensions: row["dimensions"],
      amountCents: ExactDecimal.parse(row["amount_cents"] as String) ?? 0, provider: row["provider"],
      listAmountCents: list.isEmpty ? nil : ExactDecimal.parse(list))
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
    return kind == .usage
      ? try replaceBucket(
        usage, report: report, start: start, end: end, sourceID: sourceID, provider: provider,
        truncated: truncated)
      : try replaceBucket(
        cost, report: report, start: start, end: end, sourceID: sourceID, provider: provider,
        truncated: truncated)
  }

  /// Replaces the bucket's rows in `Row.table` unless the ledger holds the same ones (compared by
  /// identity and measures), and records the bucket.
  private func replaceBucket<Row: ProviderReportRow>(
    _ rows: [Row], report: String, start: Int64, end: Int64, sourceID: Int64, provider: String,
    truncated: Bool
  ) throws -> BucketOutcome {
    let bucket = "provider = ? AND bucket_start = ? AND bucket_end = ?"
    var existing: [Row.Identity: Row.Measures] = [:]
    for stored in try sql.fetchAll("SELECT * FROM \(Row.table) WHERE \(bucket)", [provider, start, end]) {
      let row = Row(stored: stored)
      existing[row.identity] = row.measures
    }
    var (new, duplicates, revised) = (0, 0, 0)
    for row in rows {
      switch existing[row.identity] {
      case nil: new += 1
      case row.measures?: duplicates += 1
      default: revised += 1
      }
    }
    let incoming = Set(rows.map(\.identity))
    revised += existing.keys.filter { !incoming.contains($0) }.count
    let known =
      try sql.value(
        Int.self,
        "SELECT count(*) FROM provider_bucket WHERE report = ? AND bucket_start = ? AND bucket_end = ? AND truncated = ?",
        [report, start, end, truncated]
      ).map { $0 > 0 } ?? false
    if known && new == 0 && revised == 0 { return .stored(new: 0, duplicates: duplicates, revised: 0) }

    try sql.execute("DELETE FROM \(Row.table) WHERE \(bucket)", [provider, start, end])
    let columns: [(name: String, type: SQLColumnType)] =
      [("provider", .text), ("bucket_start", .integer), ("bucket_end", .integer)] + Row.storedColumns
      + [("source_id", .integer)]
    try sql.insertRows(
      into: Row.table, columns: columns,
      rows: rows.map { row -> [SQLValue] in
        [.text(provider), .integer(start), .integer(end)] + row.storedValues + [.integer(sourceID)]
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
