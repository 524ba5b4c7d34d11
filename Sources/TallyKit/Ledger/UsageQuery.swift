import GRDB

/// Billed usage summed per group, as read from the rollup: the input of every report.
public struct UsageAggregate: Sendable {
  /// Values of the grouping columns asked for (`tenant`, `job`, `provider`, `batch`, `status`),
  /// absent values as "".
  public var keys: [String: String]
  public var model: String
  public var mode: Mode
  /// Start of the time bucket (seconds since the epoch): a UTC day, or a 15-minute slot.
  public var bucketStart: Int64
  public var longContext: Bool
  public var requests: Int
  public var usage: Usage
}

/// Which rows to sum, and how finely to bucket time.
public struct UsageQuery: Sendable {
  /// Rollup columns to group by besides model, mode, time and context: any of `tenant`, `job`,
  /// `provider`, `batch_id`, `status`.
  public var groupBy: [String] = []
  /// Equality filters on rollup columns (`tenant`, `job`, `provider`, `model`, `mode`,
  /// `batch_id`, `status`, `long_context`).
  public var filters: [String: String] = [:]
  public var statuses: [RequestStatus] = [.succeeded]
  /// Half-open interval of instants.
  public var from: Int64?
  public var to: Int64?
  /// True: 15-minute slots (for time zones that are not UTC); false: UTC days.
  public var fineBuckets = false

  public init() {}

  static let groupable: Set<String> = ["tenant", "job", "provider", "batch_id", "status"]
  static let filterable: Set<String> = [
    "tenant", "job", "provider", "model", "mode", "batch_id", "status", "long_context",
  ]
}

extension Ledger {
  /// Sums the rollup per group. Slots are 15 minutes, so `from`/`to` are honoured exactly when
  /// they fall on a 15-minute boundary (all day boundaries do, in every time zone in use).
  public func usage(_ query: UsageQuery) throws -> [UsageAggregate] {
    precondition(
      Set(query.groupBy).isSubset(of: UsageQuery.groupable)
        && Set(query.filters.keys).isSubset(of: UsageQuery.filterable))
    let bucket = query.fineBuckets ? "slot" : "slot / 96"
    var conditions = ["status IN (\(query.statuses.map { "'\($0.rawValue)'" }.joined(separator: ", ")))"]
    var arguments: [(any DatabaseValueConvertible)?] = []
    if let from = query.from {
      conditions.append("slot >= ?")
      arguments.append((from + 899) / 900)
    }
    if let to = query.to {
      conditions.append("slot < ?")
      arguments.append((to + 899) / 900)
    }
    for (column, value) in query.filters.sorted(by: { $0.key < $1.key }) {
      conditions.append("\(column) = ?")
      arguments.append(value)
    }
    let groups = query.groupBy.joined(separator: ", ")
    let sql = """
      SELECT \(groups.isEmpty ? "" : groups + ", ")model, mode, \(bucket) AS bucket, long_context,
             sum(requests) AS requests, sum(input_tokens) AS input, sum(cache_write_5m_tokens) AS write5m,
             sum(cache_write_1h_tokens) AS write1h, sum(cache_read_tokens) AS read, sum(output_tokens) AS output,
             sum(web_searches) AS searches
      FROM usage_rollup WHERE \(conditions.joined(separator: " AND "))
      GROUP BY \(groups.isEmpty ? "" : groups + ", ")model, mode, bucket, long_context
      """
    return try read { db in
      try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
        var keys: [String: String] = [:]
        for column in query.groupBy { keys[column] = row[column] }
        let bucketValue: Int64 = row["bucket"]
        return UsageAggregate(
          keys: keys, model: row["model"], mode: Mode(rawValue: row["mode"]) ?? .sync,
          bucketStart: bucketValue * (query.fineBuckets ? 900 : 86_400), longContext: row["long_context"],
          requests: row["requests"],
          usage: Usage(
            tokens: TokenCounts(
              input: row["input"], cacheWrite5m: row["write5m"], cacheWrite1h: row["write1h"],
              cacheRead: row["read"],
              output: row["output"]),
            webSearches: row["searches"]))
      }
    }
  }
}

extension Ledger {
  /// Requests per status and value of one rollup column (`job`, `batch_id`, …) in the half-open
  /// interval of instants; absent values are "".
  public func statusCounts(by column: String, from: Int64?, to: Int64?) throws -> [String: [RequestStatus:
    Int]]
  {
    var query = UsageQuery()
    query.groupBy = [column, "status"]
    query.statuses = RequestStatus.allCases
    (query.from, query.to) = (from, to)
    var counts: [String: [RequestStatus: Int]] = [:]
    for aggregate in try usage(query) {
      guard let status = RequestStatus(rawValue: aggregate.keys["status"] ?? "") else { continue }
      counts[aggregate.keys[column] ?? "", default: [:]][status, default: 0] += aggregate.requests
    }
    return counts
  }

  /// Every batch object ingested, by id.
  public func batches() throws -> [String: BatchInfo] {
    try read { db in
      var batches: [String: BatchInfo] = [:]
      for row in try Row.fetchAll(db, sql: "SELECT id, provider, created_at, ended_at, status FROM batch") {
        let batch = BatchInfo(
          id: row["id"], provider: row["provider"], createdAt: row["created_at"], endedAt: row["ended_at"],
          status: row["status"])
        batches[batch.id] = batch
      }
      return batches
    }
  }

  /// The instant of the latest request in the ledger (any status), nil when it is empty.
  public func latestRequestInstant() throws -> Int64? {
    try read { db in try Int64.fetchOne(db, sql: "SELECT max(slot) * 900 FROM usage_rollup") }
  }
}
