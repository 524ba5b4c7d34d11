import Foundation
import GRDB
import GRDBSQLite

/// What inserting a record did.
public enum InsertOutcome: Equatable, Sendable {
  case new
  /// The key was already in the ledger with the same usage.
  case duplicate
  /// The key was already in the ledger with different usage (model, status or tokens),
  /// written by the source with that id and path (possibly the file being ingested).
  case conflict(sourceID: Int64, path: String)
}

/// A sum in the ledger would no longer fit in 64 bits: the file is refused whole.
public struct LedgerSumOverflow: Error, Sendable, CustomStringConvertible {
  public let column: String
  public var description: String {
    "adding it would take the ledger's sum of \(column) past 9,223,372,036,854,775,807; nothing was written"
  }
}

/// A request to insert: the record and the model id its name resolves to.
public struct LedgerInsert: Sendable {
  public var record: UsageRecord
  public var modelID: String?
  public init(record: UsageRecord, modelID: String?) {
    self.record = record
    self.modelID = modelID
  }
}

/// A chunk of requests `LedgerWriter.send` has started to insert; `finish` gives their outcomes.
public struct SentInserts {
  let inserts: [LedgerInsert]
  let sourceID: Int64
  let summed: RollupBuffer?
  let hashes: [Int64]
  /// Indices of `inserts` by key hash.
  let order: [Int]
  /// On PostgreSQL: the inserts the bulk statement carries, and how they were sent: as a first
  /// try, or (once a try has failed in this transaction) with `ON CONFLICT`.
  var bulk: (first: [Int], statement: Bulk)?

  enum Bulk {
    case tried(PostgresBulkTry)
    case sent(PostgresSentStatement)
  }
}

/// Writes of one ingest transaction.
///
/// Requests are keyed by a 64-bit hash of their key; new requests are summed into the two
/// rollups in memory and written once, when the source is finished.
public struct LedgerWriter {
  let sql: any SQLConnection
  let rollups = RollupBuffer()
  /// The key hash; tests replace it to force collisions.
  var keyHash: (String) -> Int64 = Ledger.keyHash

  init(_ connection: any SQLConnection) { self.sql = connection }

  /// The GRDB connection of a SQLite ledger's transaction (tests read its tables through it).
  var db: Database {
    guard let sqlite = sql as? SQLiteConnection else {
      preconditionFailure("a GRDB connection needs a SQLite ledger")
    }
    return sqlite.db
  }

  /// Starts a source row; its counts are filled by `finishSource`.
  public func addSource(path: String, contentHash: String, format: String, ingestedAt: String) throws -> Int64
  {
    let next = try sql.value(Int64.self, "SELECT coalesce(max(id), 0) + 1 FROM request") ?? 1
    return try sql.insertReturningID(
      """
      INSERT INTO source (path, content_hash, format, ingested_at, records_read, new_records, duplicates, not_billed,
        invalid, request_id_from)
      VALUES (?, ?, ?, ?, 0, 0, 0, 0, 0, ?)
      """, [path, contentHash, format, ingestedAt, next])
  }

  /// Records the file's hash, format, counts, batch and options (a JSON object), and adds its
  /// new requests to the rollups, except those in a closed month: they are set aside as late
  /// (`late_request`). Returns the late billed requests per closed month.
  @discardableResult
  public func finishSource(
    _ id: Int64, contentHash: String, format: String, summary: IngestSummary, batchID: String? = nil,
    options: String? = nil
  ) throws -> [CivilDate: Int] {
    try sql.execute(
      """
      UPDATE source SET content_hash = ?, format = ?, records_read = ?, new_records = ?, duplicates = ?,
        not_billed = ?, invalid = ?, batch_id = ?, options = ?,
        request_id_to = (SELECT coalesce(max(id), 0) FROM request) WHERE id = ?
      """,
      [
        contentHash, format, summary.read, summary.new, summary.duplicates, summary.notBilled,
        summary.invalid, batchID, options, id,
      ])
    let firstRequest = try sql.value(Int64.self, "SELECT request_id_from FROM source WHERE id = ?", [id]) ?? 0
    let late = try setAsideLateRequests(sourceID: id, firstRequestID: firstRequest)
    try rollups.flush(sql)
    return late
  }

  public func upsert(batch: BatchInfo) throws {
    try sql.execute(
      """
      INSERT INTO batch (id, provider, created_at, ended_at, status) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET ended_at = coalesce(excluded.ended_at, batch.ended_at),
        status = coalesce(excluded.status, batch.status)
      """, [batch.id, batch.provider, batch.createdAt, batch.endedAt, batch.status])
  }

  /// Inserts a request unless its key is already there; `modelID` is the resolved model.
  public func insert(_ record: UsageRecord, modelID: String?, sourceID: Int64) throws -> InsertOutcome {
    try insert([LedgerInsert(record: record, modelID: modelID)], sourceID: sourceID)[0]
  }

  /// Inserts requests in key-hash order (which keeps the key index's pages hot); the outcomes
  /// are in the order given. Of two equal keys in `inserts`, the earlier one is inserted.
  /// `summed` is every insert already summed for the rollups (by the parsing thread): used
  /// whole when every insert is new, else the new ones are summed here.
  public func insert(_ inserts: [LedgerInsert], sourceID: Int64, summed: RollupBuffer? = nil) throws
    -> [InsertOutcome]
  {
    try finish(try send(inserts, sourceID: sourceID, summed: summed))
  }

  /// Starts `insert`: on PostgreSQL it sends the chunk's one bulk insert and returns without
  /// waiting, so that the caller can prepare and send the next chunk while the server inserts
  /// this one. `finish` completes it; chunks must be finished in the order they were sent.
  /// Sending chunk 2 before finishing chunk 1 gives the outcomes of inserting them one after the
  /// other: the server runs the statements in order, and a key that does not go in at its own
  /// hash is looked up by its text after its chunk's statement.
  public func send(_ inserts: [LedgerInsert], sourceID: Int64, summed: RollupBuffer? = nil) throws
    -> SentInserts
  {
    let hashes = inserts.map { keyHash($0.record.key) }
    let order = inserts.indices.sorted { (hashes[$0], $0) < (hashes[$1], $1) }
    var sent = SentInserts(inserts: inserts, sourceID: sourceID, summed: summed, hashes: hashes, order: order)
    if let postgres = sql as? PostgresConnectionBox {
      // One statement for the chunk: each first request of a hash at its own hash. What the
      // ledger already has (and later requests of the same hash) go through the walk in `finish`.
      var seen = Set<Int64>()
      let first = order.filter { seen.insert(hashes[$0]).inserted }
      if postgres.bulkTriesFailed {
        sent.bulk = (
          first,
          .sent(
            try LedgerWriter.sendRequests(
              sent, first, to: postgres, conflict: "ON CONFLICT (key_hash) DO NOTHING", returning: true))
        )
      } else {
        sent.bulk = (
          first,
          .tried(
            try postgres.sendTry(bulkInsert: { conflict, returning in
              try LedgerWriter.sendRequests(
                sent, first, to: postgres, conflict: conflict, returning: returning)
            }))
        )
      }
    }
    return sent
  }

  /// Sends the bulk insert of a chunk's first requests.
  private static func sendRequests(
    _ sent: SentInserts, _ first: [Int], to postgres: PostgresConnectionBox, conflict: String, returning: Bool
  ) throws -> PostgresSentStatement {
    try postgres.sendBulkInsert(
      into: "request", columns: LedgerWriter.requestColumns, count: first.count,
      row: { position, value in
        let index = first[position]
        LedgerWriter.forEachRequestValue(
          sent.inserts[index].record, hash: sent.hashes[index], modelID: sent.inserts[index].modelID,
          sourceID: sent.sourceID, value)
      }, conflict: conflict, returning: returning)
  }

  /// Whether `send` leaves work to the server while the caller goes on (PostgreSQL, until a file
  /// repeats the ledger's keys). Otherwise a caller must finish each chunk before it sends the
  /// next (on SQLite `finish` does all the work anyway).
  public var sendsAhead: Bool { (sql as? PostgresConnectionBox).map { !$0.bulkTriesFailed } ?? false }

  /// Completes a `send`: the outcome of every insert, in the order given.
  public func finish(_ sent: SentInserts) throws -> [InsertOutcome] {
    let (inserts, hashes) = (sent.inserts, sent.hashes)
    var outcomes = [InsertOutcome](repeating: .new, count: inserts.count)
    let insertAt = try requestInserter()
    var pending = sent.order
    if let postgres = sql as? PostgresConnectionBox, let (first, bulk) = sent.bulk {
      let inserted: Set<Int64>
      switch bulk {
      case .tried(let attempt) where try postgres.finishTry(attempt):
        inserted = Set(first.map { hashes[$0] })
      case .tried:
        // A key of the chunk was in the ledger already: the chunk again, keys taken skipped.
        inserted = Set(
          try postgres.insertedFirstColumn(
            of: try LedgerWriter.sendRequests(
              sent, first, to: postgres, conflict: "ON CONFLICT (key_hash) DO NOTHING", returning: true)))
      case .sent(let statement):
        inserted = Set(try postgres.insertedFirstColumn(of: statement))
      }
      var placed = Set<Int>()
      for index in first where inserted.contains(hashes[index]) { placed.insert(index) }
      // The rest are mostly duplicates: their stored rows in one read; only a key whose hash
      // another key holds walks on.
      let missing = sent.order.filter { !placed.contains($0) }
      var stored: [Int64: SQLRow] = [:]
      for row in try postgres.requests(
        LedgerWriter.storedRequestSQL + "r.key_hash = ANY(?)", keyHashes: missing.map { hashes[$0] })
      {
        stored[row["key_hash"]] = row
      }
      pending = []
      for index in missing {
        if let row = stored[hashes[index]],
          let outcome = LedgerWriter.outcome(of: inserts[index].record, stored: row)
        {
          outcomes[index] = outcome
        } else {
          pending.append(index)
        }
      }
    }
    for index in pending {
      let record = inserts[index].record
      var hash = hashes[index]
      while true {
        let inserted = try insertAt(record, hash, inserts[index].modelID, sent.sourceID)
        if inserted {
          outcomes[index] = .new
          break
        }
        if let outcome = try existing(at: hash, comparedWith: record) {
          outcomes[index] = outcome
          break
        }
        // Another key owns this hash: the next one is this key's.
        hash = hash &+ 1
      }
    }
    if let summed = sent.summed, !outcomes.contains(where: { $0 != .new }) {
      try rollups.merge(summed)
    } else {
      for (index, outcome) in outcomes.enumerated() where outcome == .new {
        try rollups.add(inserts[index])
      }
    }
    return outcomes
  }

  /// The request table's columns in the order `requestValues` gives them.
  static let requestColumns: [(name: String, type: SQLColumnType)] = [
    ("key_hash", .integer), ("key", .text), ("provider", .text), ("model", .text), ("model_id", .text),
    ("mode", .text), ("timestamp", .integer), ("status", .text), ("tenant", .text), ("job", .text),
    ("custom_id", .text), ("batch_id", .text), ("input_tokens", .integer),
    ("cache_write_5m_tokens", .integer),
    ("cache_write_1h_tokens", .integer), ("cache_read_tokens", .integer), ("output_tokens", .integer),
    ("web_searches", .integer), ("total_input_tokens", .integer), ("service_tier", .text),
    ("inference_geo", .text), ("source_id", .integer), ("audio_input_tokens", .integer),
    ("audio_output_tokens", .integer), ("part", .integer),
  ]

  /// A request row's values, in `requestColumns` order.
  static func requestValues(_ record: UsageRecord, hash: Int64, modelID: String?, sourceID: Int64)
    -> [SQLValue]
  {
    var values: [SQLValue] = []
    values.reserveCapacity(requestColumns.count)
    forEachRequestValue(record, hash: hash, modelID: modelID, sourceID: sourceID) { values.append($0) }
    return values
  }

  /// Hands a request row's values to `value` one by one, in `requestColumns` order (a bulk insert
  /// writes them straight into its column arrays, with no array per row).
  static func forEachRequestValue(
    _ record: borrowing UsageRecord, hash: Int64, modelID: String?, sourceID: Int64,
    _ value: (SQLValue) -> Void
  ) {
    let tokens = record.tokens
    value(.integer(hash))
    value(.text(record.key))
    value(.text(record.provider))
    value(record.model.sqlValue)
    value(modelID.sqlValue)
    value(.text(record.mode.rawValue))
    value(.integer(record.timestamp))
    value(.text(record.status.rawValue))
    value(record.tenant.sqlValue)
    value(record.job.sqlValue)
    value(record.customID.sqlValue)
    value(record.batchID.sqlValue)
    value(.integer(Int64(tokens.input)))
    value(.integer(Int64(tokens.cacheWrite5m)))
    value(.integer(Int64(tokens.cacheWrite1h)))
    value(.integer(Int64(tokens.cacheRead)))
    value(.integer(Int64(tokens.output)))
    value(.integer(Int64(record.webSearches)))
    value(.integer(Int64(tokens.totalInput)))
    value(record.serviceTier.sqlValue)
    value(record.inferenceGeo.sqlValue)
    value(.integer(sourceID))
    value(.integer(Int64(tokens.audioInput)))
    value(.integer(Int64(tokens.audioOutput)))
    value(.integer(Int64(record.part)))
  }

  /// Inserts one request at a hash unless the hash is taken; true when it added the row. On
  /// SQLite through the C API (the statement ingest runs a million times).
  private func requestInserter() throws -> (UsageRecord, Int64, String?, Int64) throws -> Bool {
    let insertSQL = """
      INSERT INTO request (\(LedgerWriter.requestColumns.map(\.name).joined(separator: ", ")))
      VALUES (\(SQLDialect.placeholders(LedgerWriter.requestColumns.count)))
      ON CONFLICT (key_hash) DO NOTHING
      """
    if let sqlite = sql as? SQLiteConnection {
      let db = sqlite.db
      let bind = RequestBinding(try db.cachedStatement(sql: insertSQL).sqliteStatement)
      return { record, hash, modelID, sourceID in
        try bind.insert(record, hash: hash, modelID: modelID, sourceID: sourceID, db: db)
      }
    }
    return { [sql] record, hash, modelID, sourceID in
      try sql.execute(
        insertSQL, LedgerWriter.requestValues(record, hash: hash, modelID: modelID, sourceID: sourceID)) == 1
    }
  }

  /// What the request stored at `hash` means for `record`: nil when it has another key.
  private func existing(at hash: Int64, comparedWith record: UsageRecord) throws -> InsertOutcome? {
    let row = try sql.fetchOne(LedgerWriter.storedRequestSQL + "r.key_hash = ?", [hash])
    guard let row else {
      throw LedgerError("request \(record.key): the ledger refused it and has no row for it")
    }
    return LedgerWriter.outcome(of: record, stored: row)
  }

  /// The stored request a duplicate check compares with, for a condition on `r.key_hash`.
  static let storedRequestSQL = """
    SELECT r.key_hash, r.key, r.model, r.status, r.input_tokens, r.cache_write_5m_tokens, r.cache_write_1h_tokens,
           r.cache_read_tokens, r.output_tokens, r.web_searches, r.audio_input_tokens, r.audio_output_tokens,
           r.source_id, coalesce(s.path, '') AS path
    FROM request r LEFT JOIN source s ON s.id = r.source_id WHERE\u{20}
    """

  /// What a stored request (`storedRequestSQL`) means for `record`: nil when it has another key.
  private static func outcome(of record: UsageRecord, stored row: SQLRow) -> InsertOutcome? {
    guard row["key"] == record.key else { return nil }
    let model: String? = row["model"]
    let status: String = row["status"]
    let existing = TokenCounts(
      input: row["input_tokens"], cacheWrite5m: row["cache_write_5m_tokens"],
      cacheWrite1h: row["cache_write_1h_tokens"], cacheRead: row["cache_read_tokens"],
      output: row["output_tokens"], audioInput: row["audio_input_tokens"],
      audioOutput: row["audio_output_tokens"])
    let searches: Int = row["web_searches"]
    let same =
      model == record.model && status == record.status.rawValue && existing == record.tokens
      && searches == record.webSearches
    return same ? .duplicate : .conflict(sourceID: row["source_id"], path: row["path"])
  }
}

/// Sums of one rollup row, added with overflow checks.
struct RollupSums {
  var requests: Int64 = 0
  var input: Int64 = 0
  var cacheWrite5m: Int64 = 0
  var cacheWrite1h: Int64 = 0
  var cacheRead: Int64 = 0
  var output: Int64 = 0
  var webSearches: Int64 = 0
  var audioInput: Int64 = 0
  var audioOutput: Int64 = 0

  mutating func add(_ record: UsageRecord) throws(LedgerSumOverflow) {
    let tokens = record.tokens
    try add(
      RollupSums(
        requests: record.part == 0 ? 1 : 0, input: Int64(tokens.input),
        cacheWrite5m: Int64(tokens.cacheWrite5m),
        cacheWrite1h: Int64(tokens.cacheWrite1h), cacheRead: Int64(tokens.cacheRead),
        output: Int64(tokens.output),
        webSearches: Int64(record.webSearches), audioInput: Int64(tokens.audioInput),
        audioOutput: Int64(tokens.audioOutput)))
  }

  mutating func add(_ other: RollupSums) throws(LedgerSumOverflow) {
    try Self.add(&requests, other.requests, "requests")
    try Self.add(&input, other.input, "input_tokens")
    try Self.add(&cacheWrite5m, other.cacheWrite5m, "cache_write_5m_tokens")
    try Self.add(&cacheWrite1h, other.cacheWrite1h, "cache_write_1h_tokens")
    try Self.add(&cacheRead, other.cacheRead, "cache_read_tokens")
    try Self.add(&output, other.output, "output_tokens")
    try Self.add(&webSearches, other.webSearches, "web_searches")
    try Self.add(&audioInput, other.audioInput, "audio_input_tokens")
    try Self.add(&audioOutput, other.audioOutput, "audio_output_tokens")
  }

  private static func add(_ sum: inout Int64, _ value: Int64, _ column: String) throws(LedgerSumOverflow) {
    let (result, overflow) = sum.addingReportingOverflow(value)
    if overflow { throw LedgerSumOverflow(column: column) }
    sum = result
  }

  /// In `Ledger.sumColumns` order.
  var values: [Int64] {
    [requests, input, cacheWrite5m, cacheWrite1h, cacheRead, output, webSearches, audioInput, audioOutput]
  }
}

/// Rollup rows summed in memory: a transaction's, written at its end, or a chunk's, summed
/// while parsing.
public final class RollupBuffer {
  struct MonthKey: Hashable {
    var month: Int
    var provider: String
    var model: String
    var mode: Mode
    var status: RequestStatus
    var tenant: String
    var job: String
    var batch: String
    var sizeClass: Int
    var searched: Bool
    var hasAudio: Bool
  }
  struct DayKey: Hashable {
    var day: Int
    var provider: String
    var model: String
    var mode: Mode
    var status: RequestStatus
    var sizeClass: Int
    var searched: Bool
    var hasAudio: Bool
  }
  var months: [MonthKey: RollupSums] = [:]
  var days: [DayKey: RollupSums] = [:]
  /// The last day seen and its month's first day, since records come in runs of one day.
  private var lastDay = (day: Int.min, month: 0)

  public init() {}

  /// Adds a request under its resolved model (else the name it was recorded with).
  public func add(_ insert: LedgerInsert) throws {
    try add(insert.record, model: insert.modelID ?? insert.record.model ?? "")
  }

  /// Adds every row of `other`.
  func merge(_ other: RollupBuffer) throws {
    for (key, sums) in other.months { try months[key, default: RollupSums()].add(sums) }
    for (key, sums) in other.days { try days[key, default: RollupSums()].add(sums) }
  }

  func add(_ record: UsageRecord, model: String) throws {
    let day = Int(record.timestamp >= 0 ? record.timestamp / 86_400 : (record.timestamp + 1) / 86_400 - 1)
    if day != lastDay.day {
      lastDay = (day, CivilDate(daysSinceEpoch: day).startOfMonth.daysSinceEpoch)
    }
    let sizeClass = Ledger.sizeClass(record.tokens.totalInput)
    let monthKey = MonthKey(
      month: lastDay.month, provider: record.provider, model: model, mode: record.mode, status: record.status,
      tenant: record.tenant ?? "", job: record.job ?? "", batch: record.batchID ?? "", sizeClass: sizeClass,
      searched: record.webSearches > 0, hasAudio: record.tokens.hasAudio)
    try months[monthKey, default: RollupSums()].add(record)
    let dayKey = DayKey(
      day: day, provider: record.provider, model: model, mode: record.mode, status: record.status,
      sizeClass: sizeClass, searched: record.webSearches > 0, hasAudio: record.tokens.hasAudio)
    try days[dayKey, default: RollupSums()].add(record)
  }

  func flush(_ sql: any SQLConnection) throws {
    let sums = Ledger.sumColumns.map { (name: $0, type: SQLColumnType.integer) }
    let monthKeys: [(name: String, type: SQLColumnType)] = [
      ("month", .integer), ("provider", .text), ("model", .text), ("mode", .text), ("status", .text),
      ("tenant", .text), ("job", .text), ("batch_id", .text), ("size_class", .integer),
      ("searched", .integer),
      ("has_audio", .integer),
    ]
    let dayKeys: [(name: String, type: SQLColumnType)] = [
      ("day", .integer), ("provider", .text), ("model", .text), ("mode", .text), ("status", .text),
      ("size_class", .integer), ("searched", .integer), ("has_audio", .integer),
    ]
    func values(_ sums: RollupSums) -> [SQLValue] { sums.values.map(SQLValue.integer) }
    do {
      try sql.insertRows(
        into: "rollup_month", columns: monthKeys + sums,
        rows: months.map { key, value in
          [
            .integer(Int64(key.month)), .text(key.provider), .text(key.model), .text(key.mode.rawValue),
            .text(key.status.rawValue), .text(key.tenant), .text(key.job), .text(key.batch),
            .integer(Int64(key.sizeClass)), key.searched.sqlValue, key.hasAudio.sqlValue,
          ] + values(value)
        },
        conflict: SQLDialect.addSums(
          table: "rollup_month", keys: monthKeys.map(\.name), sums: Ledger.sumColumns))
      try sql.insertRows(
        into: "rollup_day", columns: dayKeys + sums,
        rows: days.map { key, value in
          [
            .integer(Int64(key.day)), .text(key.provider), .text(key.model), .text(key.mode.rawValue),
            .text(key.status.rawValue), .integer(Int64(key.sizeClass)), key.searched.sqlValue,
            key.hasAudio.sqlValue,
          ] + values(value)
        },
        conflict: SQLDialect.addSums(table: "rollup_day", keys: dayKeys.map(\.name), sums: Ledger.sumColumns))
    } catch {
      // SQLite's STRICT tables refuse the REAL an overflowing `+` makes; PostgreSQL's BIGINT
      // refuses the sum itself.
      guard let overflow = sql.dialect.integerOverflow(in: error) else { throw error }
      throw LedgerSumOverflow(column: overflow.column ?? "tokens")
    }
    months = [:]
    days = [:]
  }
}

/// Binds a request's 25 values straight through SQLite's C API: GRDB's arguments box every
/// value, which costs more than the insert itself at a million rows.
private struct RequestBinding {
  let statement: OpaquePointer
  /// SQLite copies the text before `bind` returns.
  static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

  init(_ statement: OpaquePointer) { self.statement = statement }

  /// Runs the insert; true when a row was added (false: the hash is taken).
  func insert(_ record: UsageRecord, hash: Int64, modelID: String?, sourceID: Int64, db: Database) throws
    -> Bool
  {
    sqlite3_reset(statement)
    let tokens = record.tokens
    var index: Int32 = 0
    func int(_ value: Int64) {
      index += 1
      sqlite3_bind_int64(statement, index, value)
    }
    func text(_ value: String?) {
      index += 1
      guard var value else {
        sqlite3_bind_null(statement, index)
        return
      }
      value.withUTF8 { bytes in
        _ = sqlite3_bind_text(
          statement, index, UnsafeRawPointer(bytes.baseAddress!).assumingMemoryBound(to: CChar.self),
          Int32(bytes.count), RequestBinding.transient)
      }
    }
    int(hash)
    text(record.key)
    text(record.provider)
    text(record.model)
    text(modelID)
    text(record.mode.rawValue)
    int(record.timestamp)
    text(record.status.rawValue)
    text(record.tenant)
    text(record.job)
    text(record.customID)
    text(record.batchID)
    int(Int64(tokens.input))
    int(Int64(tokens.cacheWrite5m))
    int(Int64(tokens.cacheWrite1h))
    int(Int64(tokens.cacheRead))
    int(Int64(tokens.output))
    int(Int64(record.webSearches))
    int(Int64(tokens.totalInput))
    text(record.serviceTier)
    text(record.inferenceGeo)
    int(sourceID)
    int(Int64(tokens.audioInput))
    int(Int64(tokens.audioOutput))
    int(Int64(record.part))
    let code = sqlite3_step(statement)
    guard code == SQLITE_DONE else {
      throw DatabaseError(
        resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
    }
    return sqlite3_changes(db.sqliteConnection) == 1
  }
}
