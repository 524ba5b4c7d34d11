import Foundation

/// What `Ledger.copy` did.
public struct LedgerCopyOutcome: Sendable {
  /// Rows copied per table (empty when the target already held the same ledger).
  public var rows: [(table: String, count: Int)] = []
  /// True when the target already held exactly this ledger (an earlier copy): nothing written.
  public var alreadyCopied = false
}

/// What a ledger holds, as comparable text: every table's row count, the usage sums per UTC
/// month and every dimension (the books and the late requests apart), the batches, sources,
/// closed months with their figures, statements and postings, and the provider reports. Two
/// ledgers with the same fingerprint print the same reports.
public struct LedgerFingerprint: Sendable, Equatable {
  public let lines: [String]

  /// The first line that differs from `other`'s, for an error message.
  public func firstDifference(from other: LedgerFingerprint) -> String? {
    for (mine, theirs) in zip(lines, other.lines) where mine != theirs { return "\(mine) ≠ \(theirs)" }
    if lines.count != other.lines.count { return "\(lines.count) facts ≠ \(other.lines.count) facts" }
    return nil
  }
}

extension Ledger {
  /// The ledger's tables in the order a copy writes them, with the column that pages a big
  /// table (nil: read whole).
  static let copiedTables: [(name: String, pageBy: String?)] = [
    ("source", "id"), ("batch", nil), ("request", "id"), ("late_request", "request_id"),
    ("rollup_month", nil),
    ("rollup_day", nil), ("provider_bucket", nil), ("provider_usage", nil), ("provider_cost", nil),
    ("period", nil), ("period_event", "id"), ("period_figure", nil), ("period_statement", nil),
    ("price_table_text", nil), ("period_price_table", nil), ("period_adjustment", nil),
  ]
  /// Tables whose `id` the database assigns (after a copy, new rows must get ids past it).
  static let identityTables = ["source", "request", "period_event"]

  /// Copies this ledger into `target` (another engine, say) row for row, ids included, in one
  /// transaction of the target, from one snapshot of this ledger.
  ///
  /// The target must be empty, or hold exactly this ledger already (a copy made before: then
  /// nothing is written, so a second run changes nothing). Anything else is refused: merging
  /// two ledgers would renumber sources and requests. Afterwards the two fingerprints are
  /// compared; a difference is an error (the copy stays, to be inspected).
  public func copy(to target: Ledger) throws -> LedgerCopyOutcome {
    guard !target.isReadOnly else { throw LedgerError("\(target.path): the ledger is open read-only") }
    let mine = try fingerprint()
    let theirs = try target.fingerprint()
    if mine == theirs {
      return LedgerCopyOutcome(alreadyCopied: true)
    }
    if try target.reading({ try $0.value(Int.self, "SELECT count(*) FROM source") ?? 0 }) > 0
      || theirs.lines.contains(where: { $0.hasPrefix("table ") && !$0.hasSuffix(" 0") })
    {
      throw LedgerError(
        "\(target.path) already holds another ledger (\(theirs.firstDifference(from: mine) ?? "it differs")); copy into an empty ledger"
      )
    }
    var outcome = LedgerCopyOutcome()
    try reading { source in
      try target.engine.write { destination in
        for (table, pageBy) in Ledger.copiedTables {
          var copied = 0
          var after: Int64 = .min
          while true {
            let page: [SQLRow]
            if let pageBy {
              page = try source.fetchAll(
                "SELECT * FROM \(table) WHERE \(pageBy) > ? ORDER BY \(pageBy) LIMIT 20000", [after])
            } else {
              page = try source.fetchAll("SELECT * FROM \(table)")
            }
            guard let first = page.first else { break }
            // A column NULL in every row is left out (NULL by default); the others take the
            // type their values have.
            var columns: [(name: String, type: SQLColumnType)] = []
            var indices: [Int] = []
            for (index, name) in first.columns.enumerated() {
              var type: SQLColumnType?
              for row in page {
                switch row.values[index] {
                case .null: continue
                case .integer: type = .integer
                case .text: type = .text
                }
                break
              }
              if let type {
                columns.append((name, type))
                indices.append(index)
              }
            }
            try destination.insertRows(
              into: table, columns: columns, rows: page.map { row in indices.map { row.values[$0] } },
              conflict: "")
            copied += page.count
            guard let pageBy else { break }
            after = page.last![pageBy]
          }
          outcome.rows.append((table, copied))
        }
        for table in Ledger.identityTables {
          try destination.dialect.continueIdentity(of: table, on: destination)
        }
        return ((), true)
      }
    }
    let copied = try target.fingerprint()
    if let difference = copied.firstDifference(from: mine) {
      throw LedgerError(
        "\(target.path): the copy differs from \(path) (\(difference)); it was written, but do not use it")
    }
    return outcome
  }

  /// The ledger's facts as comparable lines (see `LedgerFingerprint`).
  public func fingerprint() throws -> LedgerFingerprint {
    var lines: [String] = []
    try reading { sql in
      for (table, _) in Ledger.copiedTables {
        lines.append("table \(table) \(try sql.value(Int.self, "SELECT count(*) FROM \(table)") ?? 0)")
      }
    }
    for facts in [UsageQuery.Facts.books, .lateOnly] {
      var query = UsageQuery()
      query.groupBy = [.tenant, .job, .provider, .batchID, .status]
      query.statuses = RequestStatus.allCases
      query.grain = .month
      query.facts = facts
      lines += try usage(query).map { aggregate in
        let keys = query.groupBy.map { aggregate.keys[$0] ?? "" }.joined(separator: "|")
        let tokens = aggregate.usage.tokens
        return
          "usage \(facts == .books ? "books" : "late") \(aggregate.bucketStart) \(keys) \(aggregate.model) \(aggregate.mode.rawValue) \(aggregate.sizeClass) \(aggregate.requests) \(tokens.input) \(tokens.cacheWrite5m) \(tokens.cacheWrite1h) \(tokens.cacheRead) \(tokens.output) \(tokens.audioInput) \(tokens.audioOutput) \(aggregate.usage.webSearches)"
      }.sorted()
    }
    lines += try batches().values.map {
      "batch \($0.id) \($0.provider) \($0.createdAt) \($0.endedAt.map(String.init) ?? "-") \($0.status ?? "-")"
    }.sorted()
    lines += try sources(includeRemoved: true).map {
      "source \($0.id) \($0.path) \($0.format) \($0.ingestedAt) \($0.read) \($0.new) \($0.duplicates) \($0.notBilled) \($0.invalid) \($0.batchID ?? "-") \($0.removedAt ?? "-") \($0.options.sorted { $0.key < $1.key })"
    }
    for period in try periods() {
      lines.append("period \(period)")
      lines += try closedFigures(period.month).map { "figure \(period.name) \($0)" }
      lines += try statementNumbers(period.month).sorted { $0.key < $1.key }.map {
        "statement \(period.name) \($0)"
      }
    }
    lines += try postedAdjustments().map { "posted \($0)" }
    lines += try periodEvents().map { "event \($0)" }
    lines += try providerUsage(from: nil, to: nil).map { "provider usage \($0)" }
    lines += try providerCosts(from: nil, to: nil).map { "provider cost \($0)" }
    return LedgerFingerprint(lines: lines)
  }
}

extension SQLDialect {
  /// After rows were inserted with explicit ids: new rows of `table` get ids past them.
  /// (SQLite takes the largest rowid plus one by itself; a PostgreSQL identity column keeps
  /// its own sequence.)
  func continueIdentity(of table: String, on sql: any SQLConnection) throws {
    switch self {
    case .sqlite: return
    case .postgres:
      try sql.execute(
        "SELECT setval(pg_get_serial_sequence(?, 'id'), coalesce((SELECT max(id) FROM \(table)), 0) + 1, false)",
        [table])
    }
  }
}
