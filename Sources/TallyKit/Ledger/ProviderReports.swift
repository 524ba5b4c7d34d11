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

  /// The buckets ingested of one report, sorted by start.
  public func providerBuckets(_ kind: ProviderReportKind) throws -> [(start: Int64, end: Int64)] {
    try read { db in
      try Row.fetchAll(
        db,
        sql: "SELECT bucket_start, bucket_end FROM provider_bucket WHERE report = ? ORDER BY bucket_start",
        arguments: [kind.rawValue]
      ).map { (start: $0["bucket_start"], end: $0["bucket_end"]) }
    }
  }

  /// Usage-report rows whose bucket starts in `[from, to)`.
  public func providerUsage(from: Int64?, to: Int64?) throws -> [ProviderUsageRow] {
    try read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT * FROM provider_usage WHERE bucket_start >= ? AND bucket_start < ?
          ORDER BY bucket_start, model, service_tier, context_window, dimensions
          """, arguments: [from ?? Int64.min, to ?? Int64.max]
      ).map { row in
        ProviderUsageRow(
          bucketStart: row["bucket_start"], bucketEnd: row["bucket_end"], model: row["model"],
          serviceTier: row["service_tier"], contextWindow: row["context_window"],
          dimensions: row["dimensions"],
          tokens: TokenCounts(
            input: row["input_tokens"], cacheWrite5m: row["cache_write_5m_tokens"],
            cacheWrite1h: row["cache_write_1h_tokens"], cacheRead: row["cache_read_tokens"],
            output: row["output_tokens"]),
          webSearches: row["web_searches"])
      }
    }
  }

  /// Cost-report rows whose bucket starts in `[from, to)`.
  public func providerCosts(from: Int64?, to: Int64?) throws -> [ProviderCostRow] {
    try read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT * FROM provider_cost WHERE bucket_start >= ? AND bucket_start < ?
          ORDER BY bucket_start, model, service_tier, context_window, cost_type, token_type, dimensions
          """, arguments: [from ?? Int64.min, to ?? Int64.max]
      ).map { row in
        let text: String = row["amount_cents"]
        return ProviderCostRow(
          bucketStart: row["bucket_start"], bucketEnd: row["bucket_end"], model: row["model"],
          serviceTier: row["service_tier"], contextWindow: row["context_window"], costType: row["cost_type"],
          tokenType: row["token_type"], dimensions: row["dimensions"],
          amountCents: ExactDecimal.parse(text) ?? 0)
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
    sourceID: Int64
  ) throws -> BucketOutcome {
    if let overlap = try Row.fetchOne(
      db,
      sql: """
        SELECT b.bucket_start, b.bucket_end, s.path FROM provider_bucket b JOIN source s ON s.id = b.source_id
        WHERE b.report = ? AND b.bucket_start < ? AND b.bucket_end > ? AND NOT (b.bucket_start = ? AND b.bucket_end = ?)
        LIMIT 1
        """, arguments: [kind.rawValue, end, start, start, end])
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
        "output_tokens",
        "web_searches",
      ] : ["amount_cents"]
    var existing: [[String]: [String]] = [:]
    for row in try Row.fetchAll(
      db, sql: "SELECT * FROM \(table) WHERE bucket_start = ? AND bucket_end = ?", arguments: [start, end])
    {
      existing[keyColumns.map { row[$0] as String }] = valueColumns.map { column in
        column == "amount_cents"
          ? ExactDecimal.plain(ExactDecimal.parse(row[column] as String) ?? 0) : String(row[column] as Int)
      }
    }
    let incoming: [(key: [String], values: [String])] =
      kind == .usage
      ? usage.map { row in
        (
          [row.model, row.serviceTier, row.contextWindow, row.dimensions],
          [
            row.tokens.input, row.tokens.cacheWrite5m, row.tokens.cacheWrite1h, row.tokens.cacheRead,
            row.tokens.output, row.webSearches,
          ].map(String.init)
        )
      }
      : cost.map { row in
        (
          [row.model, row.serviceTier, row.contextWindow, row.costType, row.tokenType, row.dimensions],
          [ExactDecimal.plain(row.amountCents)]
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
      try Bool.fetchOne(
        db,
        sql:
          "SELECT count(*) > 0 FROM provider_bucket WHERE report = ? AND bucket_start = ? AND bucket_end = ?",
        arguments: [kind.rawValue, start, end]) ?? false
    if known && new == 0 && revised == 0 { return .stored(new: 0, duplicates: duplicates, revised: 0) }

    try db.execute(
      sql: "DELETE FROM \(table) WHERE bucket_start = ? AND bucket_end = ?", arguments: [start, end])
    let columns = ["bucket_start", "bucket_end"] + keyColumns + valueColumns + ["source_id"]
    let insert = try db.cachedStatement(
      sql:
        "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
    )
    for (key, values) in incoming {
      let typedValues: [any DatabaseValueConvertible] =
        kind == .usage ? values.map { Int($0)! } : values
      try insert.execute(
        arguments: StatementArguments(
          [start, end] + key.map { $0 as any DatabaseValueConvertible } + typedValues + [sourceID]))
    }
    try db.execute(
      sql: """
        INSERT INTO provider_bucket (report, bucket_start, bucket_end, source_id) VALUES (?, ?, ?, ?)
        ON CONFLICT DO UPDATE SET source_id = excluded.source_id
        """, arguments: [kind.rawValue, start, end, sourceID])
    return .stored(new: new, duplicates: duplicates, revised: revised)
  }
}
