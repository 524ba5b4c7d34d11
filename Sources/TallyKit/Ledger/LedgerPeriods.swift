import Foundation
import GRDB

/// A closed month as the ledger records it: when and by whom it was closed, what had been
/// ingested, its figures and the price tables that priced them.
public struct ClosedPeriod: Sendable, Equatable {
  /// The first day of the UTC month.
  public let month: CivilDate
  /// `closed`, or `open` after a reopen (the last close's record is kept).
  public let status: String
  public let closedAt: String
  public let closedBy: String
  public let note: String?
  /// How many times the month has been closed.
  public let closeCount: Int
  /// The ledger's last request row and last source at the close: later rows are not in it.
  public let requestIDMax: Int64
  public let sourceIDMax: Int64
  /// Sources with requests in the month, billed requests, and the cost as closed.
  public let sources: Int
  public let requests: Int
  public let cost: Money
  public let listCost: Money
  public let unpricedRequests: Int

  public var isClosed: Bool { status == "closed" }
  /// `2026-10`.
  public var name: String { String(month.description.prefix(7)) }
}

/// One line of a closed month's figures: a tenant x job x model, as closed.
public struct ClosedFigure: Sendable, Equatable {
  public var tenant: String
  public var job: String
  public var model: String
  public var requests: Int
  /// Nil when all of it was unpriced.
  public var cost: Money?
  public var listCost: Money?
  public var unpricedRequests: Int

  public init(
    tenant: String, job: String, model: String, requests: Int, cost: Money?, listCost: Money?,
    unpricedRequests: Int
  ) {
    self.tenant = tenant
    self.job = job
    self.model = model
    self.requests = requests
    self.cost = cost
    self.listCost = listCost
    self.unpricedRequests = unpricedRequests
  }
}

/// An adjustment of a closed month posted to a later month when that month was closed.
public struct PostedAdjustment: Sendable, Equatable {
  public var month: CivilDate
  public var postedTo: CivilDate
  public var tenant: String
  public var lateRequests: Int
  public var lateUsage: Money
  public var repricing: Money

  public init(
    month: CivilDate, postedTo: CivilDate, tenant: String, lateRequests: Int, lateUsage: Money,
    repricing: Money
  ) {
    self.month = month
    self.postedTo = postedTo
    self.tenant = tenant
    self.lateRequests = lateRequests
    self.lateUsage = lateUsage
    self.repricing = repricing
  }
}

/// One event of a month's close history.
public struct PeriodEvent: Sendable, Equatable {
  public var month: CivilDate
  /// `close` or `reopen`.
  public var action: String
  public var at: String
  public var by: String
  /// The close note or the reopen reason.
  public var text: String?
}

/// The chargeback policy a month was closed with: reports on the month apply it unless told
/// otherwise, so its statements can be made again as they were invoiced.
public struct ClosePolicy: Sendable, Equatable {
  /// `even` or `proportional`.
  public var allocateUnattributed: String?
  /// The shared-costs file as it was named, and its text.
  public var sharedCostsFile: String?
  public var sharedCostsText: String?
  /// `--markup`, as given.
  public var markupPercent: String?

  public init(
    allocateUnattributed: String? = nil, sharedCostsFile: String? = nil, sharedCostsText: String? = nil,
    markupPercent: String? = nil
  ) {
    self.allocateUnattributed = allocateUnattributed
    self.sharedCostsFile = sharedCostsFile
    self.sharedCostsText = sharedCostsText
    self.markupPercent = markupPercent
  }

  public var isEmpty: Bool { allocateUnattributed == nil && sharedCostsFile == nil && markupPercent == nil }

  /// The options that give the policy: `--allocate-unattributed proportional --shared-costs
  /// shared-costs-2026-10.csv --markup 10`.
  public var description: String {
    var options: [String] = []
    if let allocateUnattributed { options.append("--allocate-unattributed \(allocateUnattributed)") }
    if let sharedCostsFile { options.append("--shared-costs \(sharedCostsFile)") }
    if let markupPercent { options.append("--markup \(markupPercent)") }
    return options.joined(separator: " ")
  }
}

/// What `Ledger.close` stores.
public struct PeriodClose: Sendable {
  public var month: CivilDate
  public var closedAt: String
  public var closedBy: String
  public var note: String?
  public var figures: [ClosedFigure]
  /// The price tables as (file, bundled, text), in the order they were loaded.
  public var priceTables: [(file: String, bundled: Bool, text: String)]
  /// Adjustments of earlier closed months posted to this one.
  public var postings: [PostedAdjustment]
  /// The chargeback policy of the close.
  public var policy = ClosePolicy()

  public init(
    month: CivilDate, closedAt: String, closedBy: String, note: String?, figures: [ClosedFigure],
    priceTables: [(file: String, bundled: Bool, text: String)], postings: [PostedAdjustment]
  ) {
    self.month = month
    self.closedAt = closedAt
    self.closedBy = closedBy
    self.note = note
    self.figures = figures
    self.priceTables = priceTables
    self.postings = postings
  }
}

extension Ledger {
  /// Migration "v8", period close:
  /// - `period`: one row per month ever closed, with its latest close;
  /// - `period_event`: every close and reopen, with who, when and why;
  /// - `period_figure`: the closed figures per tenant, job and model (exact decimal text);
  /// - `period_statement`: the statement (invoice) number of each tenant of a closed month;
  /// - `period_price_table`: every price table that priced the close, by its XXH64, and
  ///   `price_table_text` the text of each (stored once however many months it priced);
  /// - `period_adjustment`: corrections of a closed month posted to a later month's close;
  /// - `period_policy`: the chargeback policy the month was closed with (allocation of the
  ///   unattributed row, the shared-costs file's text, the markup);
  /// - `late_request`: requests ingested after their month was closed. They are in `request`
  ///   (so a re-ingest is a duplicate) but not in the rollups, so every report on the closed
  ///   month reads the facts as closed; they are the month's prior-period adjustment.
  static func migrateToV8(_ db: Database) throws {
    try db.execute(
      sql: """
        CREATE TABLE period (
          month INTEGER PRIMARY KEY,
          status TEXT NOT NULL,
          closed_at TEXT NOT NULL,
          closed_by TEXT NOT NULL,
          note TEXT,
          close_count INTEGER NOT NULL,
          request_id_max INTEGER NOT NULL,
          source_id_max INTEGER NOT NULL,
          sources INTEGER NOT NULL,
          requests INTEGER NOT NULL,
          cost TEXT NOT NULL,
          list_cost TEXT NOT NULL,
          unpriced_requests INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE period_event (
          id INTEGER PRIMARY KEY,
          month INTEGER NOT NULL,
          action TEXT NOT NULL,
          at TEXT NOT NULL,
          by TEXT NOT NULL,
          text TEXT
        ) STRICT;
        CREATE TABLE period_figure (
          month INTEGER NOT NULL,
          tenant TEXT NOT NULL,
          job TEXT NOT NULL,
          model TEXT NOT NULL,
          requests INTEGER NOT NULL,
          cost TEXT,
          list_cost TEXT,
          unpriced_requests INTEGER NOT NULL,
          PRIMARY KEY (month, tenant, job, model)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE period_statement (
          month INTEGER NOT NULL,
          tenant TEXT NOT NULL,
          invoice_id TEXT NOT NULL,
          PRIMARY KEY (month, tenant)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE period_price_table (
          month INTEGER NOT NULL,
          position INTEGER NOT NULL,
          file TEXT NOT NULL,
          bundled INTEGER NOT NULL,
          hash TEXT NOT NULL,
          PRIMARY KEY (month, position)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE price_table_text (
          hash TEXT PRIMARY KEY,
          text TEXT NOT NULL
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE period_adjustment (
          month INTEGER NOT NULL,
          posted_to INTEGER NOT NULL,
          tenant TEXT NOT NULL,
          late_requests INTEGER NOT NULL,
          late_usage TEXT NOT NULL,
          repricing TEXT NOT NULL,
          PRIMARY KEY (month, posted_to, tenant)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE period_policy (
          month INTEGER PRIMARY KEY,
          allocate_unattributed TEXT,
          shared_costs_file TEXT,
          shared_costs_text TEXT,
          markup_pct TEXT
        ) STRICT;
        CREATE TABLE late_request (
          request_id INTEGER PRIMARY KEY,
          month INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX late_request_on_month ON late_request(month);
        """)
  }

  /// Every month ever closed, oldest first.
  public func periods() throws -> [ClosedPeriod] {
    try reading { sql in try Ledger.periods(sql) }
  }

  static func periods(_ sql: any SQLConnection) throws -> [ClosedPeriod] {
    try sql.fetchAll("SELECT * FROM period ORDER BY month").map { row in
      ClosedPeriod(
        month: CivilDate(daysSinceEpoch: row["month"]), status: row["status"], closedAt: row["closed_at"],
        closedBy: row["closed_by"], note: row["note"], closeCount: row["close_count"],
        requestIDMax: row["request_id_max"], sourceIDMax: row["source_id_max"], sources: row["sources"],
        requests: row["requests"], cost: Money(parsing: row["cost"] as String) ?? .zero,
        listCost: Money(parsing: row["list_cost"] as String) ?? .zero,
        unpricedRequests: row["unpriced_requests"])
    }
  }

  /// The first days of the months that are closed now.
  static func closedMonths(_ sql: any SQLConnection) throws -> [CivilDate] {
    try sql.values(Int.self, "SELECT month FROM period WHERE status = 'closed' ORDER BY month")
      .map(CivilDate.init(daysSinceEpoch:))
  }

  /// The close and reopen history, oldest first.
  public func periodEvents() throws -> [PeriodEvent] {
    try reading { sql in
      try sql.fetchAll("SELECT month, action, at, \"by\", text FROM period_event ORDER BY id").map {
        row in
        PeriodEvent(
          month: CivilDate(daysSinceEpoch: row["month"]), action: row["action"], at: row["at"], by: row["by"],
          text: row["text"])
      }
    }
  }

  /// A closed month's figures per tenant, job and model.
  public func closedFigures(_ month: CivilDate) throws -> [ClosedFigure] {
    try reading { sql in
      try sql.fetchAll(
        "SELECT * FROM period_figure WHERE month = ? ORDER BY tenant, job, model", [month.daysSinceEpoch]
      ).map { row in
        ClosedFigure(
          tenant: row["tenant"], job: row["job"], model: row["model"], requests: row["requests"],
          cost: (row["cost"] as String?).flatMap(Money.init(parsing:)),
          listCost: (row["list_cost"] as String?).flatMap(Money.init(parsing:)),
          unpricedRequests: row["unpriced_requests"])
      }
    }
  }

  /// The chargeback policy a closed month was closed with; nil when it had none.
  public func closedPolicy(_ month: CivilDate) throws -> ClosePolicy? {
    try reading { sql in
      try sql.fetchOne("SELECT * FROM period_policy WHERE month = ?", [month.daysSinceEpoch]).map {
        ClosePolicy(
          allocateUnattributed: $0["allocate_unattributed"], sharedCostsFile: $0["shared_costs_file"],
          sharedCostsText: $0["shared_costs_text"], markupPercent: $0["markup_pct"])
      }
    }
  }

  /// The statement number of each tenant of a closed month.
  public func statementNumbers(_ month: CivilDate) throws -> [String: String] {
    try reading { sql in
      var numbers: [String: String] = [:]
      for row in try sql.fetchAll(
        "SELECT tenant, invoice_id FROM period_statement WHERE month = ?", [month.daysSinceEpoch])
      {
        numbers[row["tenant"]] = row["invoice_id"]
      }
      return numbers
    }
  }

  /// The price tables a closed month was priced with, in load order.
  public func closedPriceTables(_ month: CivilDate) throws -> [(file: String, bundled: Bool, text: String)] {
    try reading { sql in
      try sql.fetchAll(
        """
        SELECT p.file, p.bundled, t.text FROM period_price_table p JOIN price_table_text t ON t.hash = p.hash
        WHERE p.month = ? ORDER BY p.position
        """, [month.daysSinceEpoch]
      ).map { (file: $0["file"], bundled: $0["bundled"], text: $0["text"]) }
    }
  }

  /// Each closed month's tables as `PriceSource.signature`s, in load order: compared with the
  /// current tables without reading or parsing the texts.
  public func closedPriceSignatures() throws -> [CivilDate: [String]] {
    try reading { sql in
      var signatures: [CivilDate: [String]] = [:]
      for row in try sql.fetchAll(
        "SELECT month, file, bundled, hash FROM period_price_table ORDER BY month, position")
      {
        let bundled: Bool = row["bundled"]
        signatures[CivilDate(daysSinceEpoch: row["month"]), default: []].append(
          "\(row["file"] as String)\u{1F}\(bundled)\u{1F}\(row["hash"] as String)")
      }
      return signatures
    }
  }

  /// Adjustments posted so far: of `month` (to later closes), or all when nil.
  public func postedAdjustments(of month: CivilDate? = nil) throws -> [PostedAdjustment] {
    try reading { sql in
      let condition = month == nil ? "" : " WHERE month = ?"
      return try sql.fetchAll(
        "SELECT * FROM period_adjustment\(condition) ORDER BY month, posted_to, tenant",
        month.map { [$0.daysSinceEpoch] } ?? []
      ).map { row in
        PostedAdjustment(
          month: CivilDate(daysSinceEpoch: row["month"]),
          postedTo: CivilDate(daysSinceEpoch: row["posted_to"]),
          tenant: row["tenant"], lateRequests: row["late_requests"],
          lateUsage: Money(parsing: row["late_usage"] as String) ?? .zero,
          repricing: Money(parsing: row["repricing"] as String) ?? .zero)
      }
    }
  }

  /// Requests ingested after their month closed, per closed month.
  public func lateRequestCounts() throws -> [CivilDate: Int] {
    try reading { sql in
      var counts: [CivilDate: Int] = [:]
      for row in try sql.fetchAll(
        """
        SELECT l.month, \(sql.dialect.sum(SQLDialect.flag("r.part = 0 AND r.status = 'succeeded'"))) FROM late_request l
        JOIN request r ON r.id = l.request_id GROUP BY 1
        """)
      {
        counts[CivilDate(daysSinceEpoch: row[0])] = row[1]
      }
      return counts
    }
  }
}

extension LedgerWriter {
  /// Closes a month: records the figures, statement numbers, price tables and postings, and
  /// the event. The caller has checked that the month may be closed (`PeriodBooks.close`).
  public func close(_ close: PeriodClose) throws {
    let month = close.month.daysSinceEpoch
    let (start, end) = (Timestamp.startOf(close.month), Timestamp.startOf(close.month.startOfNextMonth))
    let highWater = try highWaterMark()
    let sources =
      try sql.value(
        Int.self,
        """
        SELECT count(DISTINCT source_id) FROM request
        WHERE timestamp >= ? AND timestamp < ? AND id NOT IN (SELECT request_id FROM late_request)
        """, [start, end]) ?? 0
    let priced = close.figures.compactMap(\.cost)
    let previous = try sql.value(Int.self, "SELECT close_count FROM period WHERE month = ?", [month])
    let periodColumns = [
      "status", "closed_at", "closed_by", "note", "close_count", "request_id_max", "source_id_max", "sources",
      "requests", "cost", "list_cost", "unpriced_requests",
    ]
    try sql.execute(
      """
      INSERT INTO period (month, \(periodColumns.joined(separator: ", ")))
      VALUES (?, 'closed', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (month) DO UPDATE SET \(periodColumns.map { "\($0) = excluded.\($0)" }.joined(separator: ", "))
      """,
      [
        month, close.closedAt, close.closedBy, close.note, (previous ?? 0) + 1, highWater.request,
        highWater.source, sources, close.figures.map(\.requests).reduce(0, +), priced.sum().json,
        close.figures.compactMap(\.listCost).sum().json, close.figures.map(\.unpricedRequests).reduce(0, +),
      ])
    for table in ["period_figure", "period_statement", "period_price_table", "period_policy"] {
      try sql.execute("DELETE FROM \(table) WHERE month = ?", [month])
    }
    for line in close.figures {
      try sql.execute(
        """
        INSERT INTO period_figure (month, tenant, job, model, requests, cost, list_cost, unpriced_requests)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
          month, line.tenant, line.job, line.model, line.requests, line.cost?.json, line.listCost?.json,
          line.unpricedRequests,
        ])
    }
    // Statement numbers follow the tenants' names, so they do not depend on the database.
    let tenants = Set(close.figures.map(\.tenant) + close.postings.map(\.tenant)).sorted {
      $0.utf8.lexicographicallyPrecedes($1.utf8)
    }
    for (index, tenant) in tenants.enumerated() {
      try sql.execute(
        "INSERT INTO period_statement (month, tenant, invoice_id) VALUES (?, ?, ?)",
        [month, tenant, PeriodBooks.statementNumber(month: close.month, index: index + 1)])
    }
    for (position, table) in close.priceTables.enumerated() {
      let hash = PriceSource.hash(table.text)
      try sql.execute(
        "INSERT INTO price_table_text (hash, text) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING",
        [hash, table.text])
      try sql.execute(
        "INSERT INTO period_price_table (month, position, file, bundled, hash) VALUES (?, ?, ?, ?, ?)",
        [month, position, table.file, table.bundled, hash])
    }
    if !close.policy.isEmpty {
      try sql.execute(
        """
        INSERT INTO period_policy (month, allocate_unattributed, shared_costs_file, shared_costs_text, markup_pct)
        VALUES (?, ?, ?, ?, ?)
        """,
        [
          month, close.policy.allocateUnattributed, close.policy.sharedCostsFile,
          close.policy.sharedCostsText, close.policy.markupPercent,
        ])
    }
    for posting in close.postings {
      try sql.execute(
        """
        INSERT INTO period_adjustment (month, posted_to, tenant, late_requests, late_usage, repricing)
        VALUES (?, ?, ?, ?, ?, ?)
        """,
        [
          posting.month.daysSinceEpoch, month, posting.tenant, posting.lateRequests, posting.lateUsage.json,
          posting.repricing.json,
        ])
    }
    try sql.execute(
      "INSERT INTO period_event (month, action, at, \"by\", text) VALUES (?, 'close', ?, ?, ?)",
      [month, close.closedAt, close.closedBy, close.note])
  }

  /// Reopens a closed month: its late requests join the rollups (the month's reports show
  /// everything again), adjustments posted to it are pending again, and the event is recorded.
  public func reopen(_ month: CivilDate, at: String, by: String, reason: String) throws {
    let day = month.daysSinceEpoch
    try addToRollups("id IN (SELECT request_id FROM late_request WHERE month = \(day))")
    try sql.execute("DELETE FROM late_request WHERE month = ?", [day])
    try sql.execute("DELETE FROM period_adjustment WHERE posted_to = ?", [day])
    try sql.execute("UPDATE period SET status = 'open' WHERE month = ?", [day])
    try sql.execute(
      "INSERT INTO period_event (month, action, at, \"by\", text) VALUES (?, 'reopen', ?, ?, ?)",
      [day, at, by, reason])
  }

  /// The months closed now (first days), for ingest to keep their late requests apart.
  func closedMonths() throws -> [CivilDate] { try Ledger.closedMonths(sql) }

  /// Keeps the rollup rows of closed months out of the buffer and records the source's
  /// requests in those months as late (`late_request`). Returns the late requests per month.
  func setAsideLateRequests(sourceID: Int64, firstRequestID: Int64) throws -> [CivilDate: Int] {
    let closed = try closedMonths()
    guard !closed.isEmpty else { return [:] }
    let closedDays = Set(closed.map(\.daysSinceEpoch))
    let lateMonths = Set(rollups.months.keys.map(\.month)).intersection(closedDays)
    guard !lateMonths.isEmpty else { return [:] }
    rollups.months = rollups.months.filter { !closedDays.contains($0.key.month) }
    rollups.days = rollups.days.filter {
      !closedDays.contains(CivilDate(daysSinceEpoch: $0.key.day).startOfMonth.daysSinceEpoch)
    }
    var counts: [CivilDate: Int] = [:]
    for day in lateMonths.sorted() {
      let month = CivilDate(daysSinceEpoch: day)
      try sql.execute(
        """
        INSERT INTO late_request (request_id, month)
        SELECT id, ? FROM request WHERE id >= ? AND source_id = ? AND timestamp >= ? AND timestamp < ?
        """,
        [day, firstRequestID, sourceID, Timestamp.startOf(month), Timestamp.startOf(month.startOfNextMonth)])
      let billed = SQLDialect.flag("r.part = 0 AND r.status = 'succeeded'")
      counts[month] =
        try sql.value(
          Int.self,
          """
          SELECT coalesce(\(sql.dialect.sum(billed)), 0) FROM late_request l
          JOIN request r ON r.id = l.request_id WHERE l.month = ? AND r.source_id = ?
          """, [day, sourceID]) ?? 0
    }
    return counts
  }
}

extension Ledger {
  /// The last request row and the last source: any write moves one of them.
  public func highWaterMark() throws -> HighWaterMark { try reading { sql in try Ledger.highWaterMark(sql) } }

  static func highWaterMark(_ sql: any SQLConnection) throws -> HighWaterMark {
    let row = try sql.fetchOne(
      "SELECT (SELECT coalesce(max(id), 0) FROM request), (SELECT coalesce(max(id), 0) FROM source)")!
    return HighWaterMark(request: row[0], source: row[1])
  }
}

/// How far the ledger has been written: its last request row and last source.
public struct HighWaterMark: Sendable, Equatable {
  public var request: Int64
  public var source: Int64
}

extension LedgerWriter {
  public func highWaterMark() throws -> HighWaterMark { try Ledger.highWaterMark(sql) }
}
