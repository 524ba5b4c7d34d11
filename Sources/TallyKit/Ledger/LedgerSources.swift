import Foundation

/// One ingested file as the ledger records it (`tally ledger sources`).
public struct LedgerSource: Sendable, Equatable {
  public let id: Int64
  /// The path as it was given to `tally ingest`.
  public let path: String
  public let format: String
  public let ingestedAt: String
  /// The ingest options that shaped the rows (`batch`, `map`, `id_pattern`, ...); empty for a
  /// source ingested before they were recorded.
  public let options: [String: String]
  public let read: Int
  public let new: Int
  public let duplicates: Int
  public let notBilled: Int
  public let invalid: Int
  /// The batch of its requests; "" when they have none, nil when not recorded (ingested before
  /// Tally recorded it).
  public let batchID: String?
  /// When `tally ledger remove` took it out; nil while its rows are in the ledger.
  public let removedAt: String?

  static let columns =
    "id, path, format, ingested_at, options, records_read, new_records, duplicates, not_billed, invalid, batch_id, removed_at, request_id_from, request_id_to"

  init(row: SQLRow) {
    id = row["id"]
    path = row["path"]
    format = row["format"]
    ingestedAt = row["ingested_at"]
    let text: String? = row["options"]
    var options: [String: String] = [:]
    if let text, let documents = try? JSONDocuments.parse(Data(text.utf8)),
      case .object(let members)? = documents.first?.value
    {
      for (key, value) in members {
        if case .string(let string) = value.value { options[key] = string }
      }
    }
    self.options = options
    read = row["records_read"]
    new = row["new_records"]
    duplicates = row["duplicates"]
    notBilled = row["not_billed"]
    invalid = row["invalid"]
    batchID = row["batch_id"]
    removedAt = row["removed_at"]
  }
}

/// What `tally ledger remove` took out of the ledger (or, in a dry run, would take out).
public struct SourceRemoval: Sendable {
  public var source: LedgerSource
  /// Request rows deleted, and how many of them were billed.
  public var requests = 0
  public var billed = 0
  /// Their token sums.
  public var tokens = RemovedTokens()
  /// The first and last request time (UTC seconds); nil when no request was deleted.
  public var firstTimestamp: Int64?
  public var lastTimestamp: Int64?
  /// Batch rows deleted (no other source has the batch) and batch rows kept (another has).
  public var batchesRemoved: [String] = []
  public var batchesKept: [String] = []
  /// Provider-report rows (usage and cost) and time buckets deleted.
  public var providerRows = 0
  public var providerBuckets = 0
  /// Requests of other keys moved back along their probe chain (see `repairProbeChains`).
  public var rehomed = 0
  /// Sources ingested after this one that found duplicates: requests they share with it go
  /// with it; ingesting them again puts those back.
  public var laterSourcesWithDuplicates: [LedgerSource] = []
}

/// Token sums of removed requests (64-bit, like the rollups).
public struct RemovedTokens: Sendable, Equatable {
  public var input: Int64 = 0
  public var cacheWrite5m: Int64 = 0
  public var cacheWrite1h: Int64 = 0
  public var cacheRead: Int64 = 0
  public var output: Int64 = 0
  public var webSearches: Int64 = 0
  public var audioInput: Int64 = 0
  public var audioOutput: Int64 = 0
}

extension Ledger {
  /// The sources in ingest order; removed ones only with `includeRemoved`.
  public func sources(includeRemoved: Bool = false) throws -> [LedgerSource] {
    try reading { sql in
      try sql.fetchAll(
        "SELECT \(LedgerSource.columns) FROM source \(includeRemoved ? "" : "WHERE removed_at IS NULL") ORDER BY id"
      ).map(LedgerSource.init)
    }
  }

  /// The source `text` names: an id, else a path exactly as `ledger sources` lists it (or the
  /// same file named another way). Errors say what to give instead.
  public func findSource(_ text: String) throws -> LedgerSource {
    let all = try sources(includeRemoved: true)
    if let id = Int64(text) {
      guard let source = all.first(where: { $0.id == id }) else {
        throw LedgerError("there is no source \(id) in \(path); `tally ledger sources` lists them")
      }
      return source
    }
    var matches = all.filter { $0.path == text && $0.removedAt == nil }
    if matches.isEmpty {
      let absolute = URL(fileURLWithPath: text).standardizedFileURL.path
      matches = all.filter {
        $0.removedAt == nil && URL(fileURLWithPath: $0.path).standardizedFileURL.path == absolute
      }
    }
    switch matches.count {
    case 0:
      let removed = all.filter { $0.path == text }.map { String($0.id) }
      throw LedgerError(
        removed.isEmpty
          ? "no source in \(path) has the path \(text); `tally ledger sources` lists them"
          : "the source \(text) was already removed (source \(removed.joined(separator: ", "))); `tally ledger sources --all` lists removals"
      )
    case 1:
      return matches[0]
    default:
      throw LedgerError(
        "\(text) names \(matches.count) sources (ids \(matches.map { String($0.id) }.joined(separator: ", "))); give one id, e.g. `tally ledger remove \(matches[0].id)`"
      )
    }
  }

  /// Takes a source out of the ledger in one transaction (see `LedgerWriter.removeSource`);
  /// with `dryRun`, works out the same and rolls back.
  public func removeSource(_ id: Int64, dryRun: Bool = false, now: String) throws -> SourceRemoval {
    try transaction(commit: !dryRun) { try $0.removeSource(id, now: now) }
  }
}

extension LedgerWriter {
  /// A source still in the ledger with the same content hash, whose batch is recorded and is
  /// not `batchID` ("" for none), and which added requests: the same file ingested under
  /// another batch. (A source that added none owns no request; after the one it duplicated is
  /// removed it holds nothing.)
  func activeSource(contentHash: String, otherThan id: Int64, batchIDNot batchID: String?) throws
    -> LedgerSource?
  {
    try sql.fetchOne(
      """
      SELECT \(LedgerSource.columns) FROM source
      WHERE content_hash = ? AND id <> ? AND removed_at IS NULL AND new_records > 0 AND batch_id IS NOT NULL
        AND batch_id <> ?
      ORDER BY id LIMIT 1
      """, [contentHash, id, batchID ?? ""]
    ).map(LedgerSource.init)
  }

  /// Takes one source out: deletes its requests and subtracts them from both rollups (rollup
  /// rows that reach zero requests are deleted, so every report reads as if the file had never
  /// been ingested), deletes the batch rows no other source has, deletes its provider-report
  /// rows and buckets, and marks the source removed. Run it inside one transaction.
  public func removeSource(_ id: Int64, now: String) throws -> SourceRemoval {
    guard
      let row = try sql.fetchOne("SELECT \(LedgerSource.columns) FROM source WHERE id = ?", [id])
    else { throw LedgerError("there is no source \(id) in the ledger") }
    let source = LedgerSource(row: row)
    var removal = SourceRemoval(source: source)
    if let removedAt = source.removedAt {
      throw LedgerError("source \(id) (\(source.path)) was already removed at \(removedAt)")
    }
    // The source's rows: a rowid range when the ingest recorded it, else the whole table.
    let from: Int64? = row["request_id_from"]
    let to: Int64? = row["request_id_to"]
    let owned =
      if let from, let to { "id BETWEEN \(from) AND \(to) AND source_id = \(id)" } else {
        "source_id = \(id)"
      }

    let sum = sql.dialect.sum
    let sums = try sql.fetchOne(
      """
      SELECT coalesce(\(sum(SQLDialect.flag("part = 0"))), 0) AS requests,
        coalesce(\(sum(SQLDialect.flag("status = 'succeeded' AND part = 0"))), 0) AS billed,
        coalesce(\(sum("input_tokens")), 0) AS input, coalesce(\(sum("cache_write_5m_tokens")), 0) AS w5,
        coalesce(\(sum("cache_write_1h_tokens")), 0) AS w1, coalesce(\(sum("cache_read_tokens")), 0) AS cr,
        coalesce(\(sum("output_tokens")), 0) AS output, coalesce(\(sum("web_searches")), 0) AS searches,
        coalesce(\(sum("audio_input_tokens")), 0) AS ai, coalesce(\(sum("audio_output_tokens")), 0) AS ao,
        min(timestamp) AS first, max(timestamp) AS last
      FROM request WHERE \(owned)
      """)!
    removal.requests = sums["requests"]
    removal.billed = sums["billed"]
    removal.tokens = RemovedTokens(
      input: sums["input"], cacheWrite5m: sums["w5"], cacheWrite1h: sums["w1"], cacheRead: sums["cr"],
      output: sums["output"], webSearches: sums["searches"], audioInput: sums["ai"], audioOutput: sums["ao"])
    removal.firstTimestamp = sums["first"]
    removal.lastTimestamp = sums["last"]
    let months = try sql.values(
      Int.self,
      """
      SELECT DISTINCT \(sql.dialect.monthOfInstant("timestamp"))
      FROM request WHERE \(owned) AND id NOT IN (SELECT request_id FROM late_request)
      """
    ).map { CivilDate(daysSinceEpoch: $0) }
    let batches = try sql.values(
      String.self, "SELECT DISTINCT batch_id FROM request WHERE \(owned) AND batch_id IS NOT NULL")
    try checkRemovable(source, months: months)

    // Late requests of a closed month are not in the rollups (`late_request`).
    try subtractFromRollups("\(owned) AND id NOT IN (SELECT request_id FROM late_request)")
    try sql.execute("DELETE FROM late_request WHERE request_id IN (SELECT id FROM request WHERE \(owned))")
    let hashes = try sql.values(Int64.self, "SELECT key_hash FROM request WHERE \(owned) ORDER BY key_hash")
    try sql.execute("DELETE FROM request WHERE \(owned)")
    removal.rehomed = try repairProbeChains(afterDeleting: hashes)

    // A batch goes when no request and no other source still in the ledger has it.
    for batch in Set(batches + [source.batchID].compactMap { $0 }.filter { !$0.isEmpty }).sorted() {
      let inUse =
        "EXISTS (SELECT 1 FROM rollup_month WHERE batch_id = ?) OR EXISTS (SELECT 1 FROM source WHERE batch_id = ? AND id <> ? AND removed_at IS NULL)"
      let used = try sql.value(Bool.self, "SELECT \(SQLDialect.flag(inUse))", [batch, batch, id]) ?? true
      if used {
        removal.batchesKept.append(batch)
      } else {
        if try sql.execute("DELETE FROM batch WHERE id = ?", [batch]) > 0 {
          removal.batchesRemoved.append(batch)
        }
      }
    }

    for table in ["provider_usage", "provider_cost"] {
      removal.providerRows += try sql.execute("DELETE FROM \(table) WHERE source_id = ?", [id])
    }
    removal.providerBuckets = try sql.execute("DELETE FROM provider_bucket WHERE source_id = ?", [id])

    // A Claude Code log's duplicates are mostly its own streamed repeats, and its keys
    // (`claude-code:...`) are shared with Claude Code logs only: it is named only when the
    // removed source is one too.
    removal.laterSourcesWithDuplicates = try sql.fetchAll(
      "SELECT \(LedgerSource.columns) FROM source WHERE id > ? AND duplicates > 0 AND removed_at IS NULL AND (format <> 'claude-code' OR ? = 'claude-code') ORDER BY id",
      [id, source.format]
    ).map(LedgerSource.init)
    try sql.execute("UPDATE source SET removed_at = ? WHERE id = ?", [now, id])
    return removal
  }

  /// Refuses to remove a source with requests in a closed month (`months` are the first days
  /// of the UTC months its requests, late ones aside, fall in): a closed month's figures,
  /// statements and FOCUS invoice ids must not change. Its late requests may go: they are not
  /// in the closed figures, only in the pending adjustment.
  func checkRemovable(_ source: LedgerSource, months: [CivilDate]) throws {
    let closed = Set(try closedMonths()).intersection(months).sorted()
    guard let last = closed.last else { return }
    let names = closed.map { String($0.description.prefix(7)) }
    throw LedgerError(
      "source \(source.id) (\(source.path)) has requests in closed month\(names.count == 1 ? "" : "s") \(names.joined(separator: ", ")), whose figures are final; to correct \(names.count == 1 ? "it" : "them"), reopen \(String(last.description.prefix(7))) (only the latest closed month can be reopened: tally reopen MONTH --reason TEXT), remove the source, and close again"
    )
  }

  /// Subtracts the requests matching `owned` (a WHERE clause on `request`) from both rollups,
  /// grouped exactly as `Ledger.rebuildRollups` groups them, and deletes the rows that reach
  /// zero requests. A group with no rollup row means the ledger is inconsistent: an error.
  private func subtractFromRollups(_ owned: String) throws {
    let set = Ledger.sumColumns.map { "\($0) = r.\($0) - g.\($0)" }.joined(separator: ", ")
    for (table, keys, groups) in Ledger.rollupGroups(owned, sql.dialect) {
      let expected = try sql.value(Int.self, "SELECT count(*) FROM (\(groups)) AS g") ?? 0
      let changed = try sql.execute(
        """
        UPDATE \(table) AS r SET \(set) FROM (\(groups)) AS g
        WHERE \(keys.map { "r.\($0) = g.\($0)" }.joined(separator: " AND "))
        """)
      guard changed == expected else {
        throw LedgerError(
          "the ledger's \(table) lacks rows for \(expected - changed) groups of these requests (the ledger is inconsistent); nothing was removed"
        )
      }
      // A row of iterations only has no requests but tokens: it goes when every sum is zero.
      try sql.execute(
        "DELETE FROM \(table) WHERE \(Ledger.sumColumns.map { "\($0) = 0" }.joined(separator: " AND "))")
    }
  }

  /// Adds the requests matching `owned` to both rollups (a reopened month's late requests).
  func addToRollups(_ owned: String) throws {
    for (table, keys, groups) in Ledger.rollupGroups(owned, sql.dialect) {
      try sql.execute(
        """
        INSERT INTO \(table) (\(keys.joined(separator: ", ")), \(Ledger.sumColumns.joined(separator: ", ")))
        SELECT * FROM (\(groups)) AS g WHERE true
        \(SQLDialect.addSums(table: table, keys: keys, sums: Ledger.sumColumns))
        """)
    }
  }

  /// Restores the probe chains after requests at `deleted` key hashes were deleted; returns how
  /// many rows moved.
  ///
  /// Requests live at the key hash of their key, or, when another key already had that hash,
  /// at the next free one (linear probing; `insert` walks hash, hash+1, ... until it finds the
  /// key or a free slot). Deleting a row leaves a hole that would end such a walk early: a key
  /// stored past the hole would no longer be found, and ingesting it again would store it a
  /// second time. Rather than making every insert walk past holes (which needs tombstones, and
  /// slows the hot path of ingest for a rare command), remove closes the holes: for each hole,
  /// every row in the run of occupied slots that follows it is moved to the first free slot
  /// on its own walk from its home hash, if that is before where it is. A row outside those runs
  /// cannot have a hole on its walk (the walk was fully occupied before, so a hole on it would
  /// put the row in a run after a hole), and processing the runs in slot order keeps every row
  /// already placed valid (a later move frees only a slot after it). With 64-bit hashes the
  /// runs are almost always empty: the cost is one index lookup per deleted row.
  func repairProbeChains(afterDeleting deleted: [Int64]) throws -> Int {
    var moved = 0
    for hole in deleted {
      var slot = hole &+ 1
      while let row = try sql.fetchOne("SELECT id, key FROM request WHERE key_hash = ?", [slot]) {
        let key: String = row["key"]
        var candidate = keyHash(key)
        while candidate != slot,
          try sql.fetchOne("SELECT 1 FROM request WHERE key_hash = ?", [candidate]) != nil
        {
          candidate = candidate &+ 1
        }
        if candidate != slot {
          try sql.execute("UPDATE request SET key_hash = ? WHERE id = ?", [candidate, row["id"] as Int64])
          moved += 1
        }
        slot = slot &+ 1
      }
    }
    return moved
  }
}
