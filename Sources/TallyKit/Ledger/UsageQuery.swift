import Foundation

/// A column of the ledger's requests and rollups that a `UsageQuery` groups or filters by.
public enum RollupColumn: String, Sendable, CaseIterable, Comparable {
  case tenant, job, provider
  case batchID = "batch_id"
  case status, model, mode

  /// By column name: the order the SQL names them in, whatever order a caller gives.
  public static func < (lhs: RollupColumn, rhs: RollupColumn) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Billed usage summed per group: the input of every report.
public struct UsageAggregate: Sendable {
  /// Values of the grouping columns asked for (`UsageQuery.groupBy`), absent values as "".
  public var keys: [RollupColumn: String]
  /// The resolved model id (the name as recorded when no price table knew it at ingest).
  public var model: String
  /// The provider that served the requests: their rates are that provider's.
  public var provider: String = ""
  public var mode: Mode
  /// The first instant of the report's time bucket the usage belongs to: a local day
  /// (`grain` day), the start of a local month or of the window where it starts later
  /// (`grain` month), else the start of the window.
  public var bucketStart: Int64
  /// The UTC day whose rates price the usage: every request summed here is priced alike.
  public var rateDay: CivilDate
  /// Every request summed here has at least this much total input, and no context-tier
  /// threshold of the price table lies between this and any of the requests' total input.
  public var sizeClass: Int
  /// Requests summed here. A window that cuts a month is read as the month minus the part cut
  /// off; both sides share this key, so no sum is negative.
  public var requests: Int
  public var usage: Usage
}

extension UsageAggregate {
  /// The value of a grouping column as reports show it: absent tenants and jobs are
  /// `(unattributed)`, usage outside any batch `(none)`.
  func label(of column: RollupColumn) -> String {
    let value = keys[column] ?? ""
    guard value.isEmpty else { return value }
    return column == .batchID ? "(none)" : unattributed
  }
}

/// How finely a report buckets time (in its zone).
public enum TimeGrain: Sendable {
  /// One bucket for the whole window.
  case window
  /// Local calendar days (weeks are made of days).
  case day
  /// Local calendar months.
  case month
}

/// Which usage to sum, grouped how.
public struct UsageQuery: Sendable {
  /// Columns to group by besides model, mode, size class and time: any but `model` and `mode`,
  /// which every aggregate is grouped by already.
  public var groupBy: [RollupColumn] = []
  /// A row passes when its value of each column is one of the set ("" for absent tenant, job or
  /// batch).
  public var filters: [RollupColumn: Set<String>] = [:]
  public var statuses: [RequestStatus] = [.succeeded]
  /// Half-open interval of instants; nil ends are the start of the ledger's first UTC month
  /// and the end of its last.
  public var from: Int64?
  public var to: Int64?
  public var grain: TimeGrain = .window
  /// The zone of days and months (UTC unless a report says otherwise).
  public var zone: ReportWindow
  /// The price tables the usage will be priced with: where their rates change and which
  /// context tiers they define decide how usage can be summed. Nil: any sum will do.
  public var prices: PriceBook?
  /// UTC days (since the epoch) on which usage of every model must be priced apart, such as
  /// the days a what-if's target model changes rates.
  public var splitDays: Set<Int> = []
  /// Which facts: the books (closed months as closed: their late requests left out), or only
  /// the late requests of closed months (their prior-period adjustment).
  public var facts: Facts = .books

  public enum Facts: Sendable {
    case books
    case lateOnly
  }

  public init(zone: ReportWindow = .utc) { self.zone = zone }

  /// The columns of `rollup_day` besides model and mode.
  static let dayRollupColumns: Set<RollupColumn> = [.provider, .status]
}

extension Ledger {
  /// Sums usage per group and time bucket, reading as little as the query allows: whole UTC
  /// months from `rollup_month`, days from `rollup_day` when no tenant, job or batch is
  /// asked for, and only what remains from the requests themselves. A report's cost thus
  /// follows the rows it prints and the months it cuts, not the requests stored.
  public func usage(_ query: UsageQuery) throws -> [UsageAggregate] {
    precondition(!query.groupBy.contains(.model) && !query.groupBy.contains(.mode), "always grouped by")
    return try reading { sql in
      var plan = UsagePlan(sql: sql, query: query)
      return try plan.run()
    }
  }

  /// Every batch object ingested, by id.
  public func batches() throws -> [String: BatchInfo] {
    try reading { sql in
      var batches: [String: BatchInfo] = [:]
      for row in try sql.fetchAll("SELECT id, provider, created_at, ended_at, status FROM batch") {
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
    try reading { sql in try sql.value(Int64.self, "SELECT max(timestamp) FROM request") }
  }
}

/// One query's plan: which pieces of which table sum to the answer, then the sums.
private struct UsagePlan {
  let sql: any SQLConnection
  let query: UsageQuery
  /// Whether the query needs a column only `rollup_month` and the requests have.
  let needsAllColumns: Bool
  /// The grouping columns read: the query's, and `provider` (usage is priced by its provider).
  let groupColumns: [RollupColumn]
  /// Where `provider` is in `groupColumns`.
  let providerColumn: Int
  /// Size-class boundaries for sums read from the requests: the rollups' own, plus the
  /// thresholds of models the rollups cannot price exactly.
  var requestBoundaries = Ledger.sizeClassBoundaries
  /// Models whose context tiers the rollups' size classes do not separate.
  var exactModels: Set<String> = []
  /// Every model the ledger holds.
  var models: [String] = []
  /// The UTC days on which each model's rates change (`PriceBook.rateChangeDays`).
  var rateChangeDays: [String: [Int]] = [:]
  /// The first and last UTC day with usage of a model in a UTC month (its first day).
  var usageDays: [MonthOfModel: (first: Int, last: Int)] = [:]

  struct MonthOfModel: Hashable {
    var model: String
    var month: Int
  }

  struct Key: Hashable {
    var values: [String]
    var model: String
    var mode: String
    var sizeClass: Int
    var searched: Bool
    var hasAudio: Bool
    var bucket: Int64
    var rateDay: Int
  }
  var sums: [Key: [Int64]] = [:]
  /// A condition every read of the requests adds: leave out the late requests of closed
  /// months (which the rollups leave out too), or read only them.
  var requestCondition: String?

  init(sql: any SQLConnection, query: UsageQuery) {
    self.sql = sql
    self.query = query
    let columns = Set(query.groupBy).union(query.filters.keys).subtracting([.model, .mode])
    needsAllColumns = !columns.isSubset(of: UsageQuery.dayRollupColumns)
    if let index = query.groupBy.firstIndex(of: .provider) {
      (groupColumns, providerColumn) = (query.groupBy, index)
    } else {
      (groupColumns, providerColumn) = (query.groupBy + [.provider], query.groupBy.count)
    }
  }

  mutating func run() throws -> [UsageAggregate] {
    let late = "SELECT request_id FROM late_request"
    if case .lateOnly = query.facts {
      requestCondition = "id IN (\(late))"
      models = try sql.values(
        String.self, "SELECT DISTINCT coalesce(model_id, model, '') FROM request WHERE id IN (\(late))")
      guard !models.isEmpty else { return [] }
      classModels()
      try planLate(from: query.from ?? Int64.min / 2, to: query.to ?? Int64.max / 2)
      return aggregates()
    }
    if try sql.value(Bool.self, "SELECT \(SQLDialect.flag("EXISTS (\(late))"))") == true {
      requestCondition = "id NOT IN (\(late))"
    }
    let span = try sql.fetchOne("SELECT min(day), max(day) FROM rollup_day")
    guard let first: Int = span?[0], let last: Int = span?[1] else { return [] }
    // Open ends stop at whole UTC months, which the month rollup answers on its own.
    let from = query.from ?? Timestamp.startOf(CivilDate(daysSinceEpoch: first).startOfMonth)
    let to = query.to ?? Timestamp.startOf(CivilDate(daysSinceEpoch: last).startOfNextMonth)
    guard from < to else { return [] }
    models = try sql.values(String.self, "SELECT DISTINCT model FROM rollup_day")
    // Looked up once per model: the planner asks for every month and bucket it plans.
    if let prices = query.prices {
      rateChangeDays = Dictionary(uniqueKeysWithValues: models.map { ($0, prices.rateChangeDays(model: $0)) })
      // The first and last UTC day of each model's usage in each UTC month (any status): a rate
      // change inside a month matters only between them.
      for row in try sql.fetchAll(
        "SELECT model, \(sql.dialect.monthOfDay("day")), min(day), max(day) FROM rollup_day GROUP BY 1, 2")
      {
        usageDays[MonthOfModel(model: row[0], month: row[1])] = (row[2], row[3])
      }
    }
    classModels()
    switch query.grain {
    case .day: try planDays(from: from, to: to)
    case .window: try planMonths(buckets: [(from, to)])
    case .month:
      var buckets: [(Int64, Int64)] = []
      var month = query.zone.localDay(from).startOfMonth
      while query.zone.start(of: month) < to {
        let next = month.startOfNextMonth
        buckets.append((max(from, query.zone.start(of: month)), min(to, query.zone.start(of: next))))
        month = next
      }
      try planMonths(buckets: buckets)
    }
    return aggregates()
  }

  /// Finds the models whose context tiers the rollups' size classes do not separate, and the
  /// boundaries their requests are classed on.
  private mutating func classModels() {
    guard let prices = query.prices else { return }
    let known = Set(Ledger.sizeClassBoundaries)
    for model in models {
      let thresholds = prices.tierThresholds(model: model).subtracting([0])
      if !thresholds.isSubset(of: known) {
        exactModels.insert(model)
        requestBoundaries += thresholds
      }
    }
    requestBoundaries = Array(Set(requestBoundaries)).sorted()
  }

  private func aggregates() -> [UsageAggregate] {
    sums.compactMap { key, values in
      guard values.contains(where: { $0 != 0 }) else { return nil }
      var keys: [RollupColumn: String] = [:]
      for (column, value) in zip(query.groupBy, key.values) { keys[column] = value }
      return UsageAggregate(
        keys: keys, model: key.model, provider: key.values[providerColumn],
        mode: Mode(rawValue: key.mode) ?? .sync, bucketStart: key.bucket,
        rateDay: CivilDate(daysSinceEpoch: key.rateDay), sizeClass: key.sizeClass, requests: Int(values[0]),
        usage: Usage(
          tokens: TokenCounts(
            input: Int(values[1]), cacheWrite5m: Int(values[2]), cacheWrite1h: Int(values[3]),
            cacheRead: Int(values[4]), output: Int(values[5]), audioInput: Int(values[7]),
            audioOutput: Int(values[8])),
          webSearches: Int(values[6])))
    }
  }

  // MARK: Plans

  /// Late requests only: few, read per 15-minute slot and bucketed as the grain asks, each
  /// priced on its own UTC day.
  private mutating func planLate(from: Int64, to: Int64) throws {
    let zone = query.zone
    let grain = query.grain
    try readRequests(from: from, to: to, models: nil, perSlot: true) { plan, row in
      let instant = row.time * 900
      let day = zone.localDay(instant)
      let bucket =
        switch grain {
        case .window: from
        case .day: zone.start(of: day)
        case .month: max(from, zone.start(of: day.startOfMonth))
        }
      try plan.add(row, bucket: bucket, rateDay: Timestamp.utcDay(instant).daysSinceEpoch, sign: 1)
    }
  }

  /// Local days: UTC days come from `rollup_day` (or the requests, per day); days of another
  /// zone from the requests, per 15-minute slot.
  private mutating func planDays(from: Int64, to: Int64) throws {
    let zone = query.zone
    guard zone.isUTC else {
      try readRequests(from: from, to: to, models: nil, perSlot: true) { plan, row in
        let instant = row.time * 900
        try plan.add(
          row, bucket: zone.start(of: zone.localDay(instant)), rateDay: Int(instant / 86_400), sign: 1)
      }
      return
    }
    try readDays(from: from, to: to, models: nil) { plan, row in
      try plan.add(row, bucket: row.time * 86_400, rateDay: Int(row.time), sign: 1)
    }
  }

  /// Buckets of whole local months or one window: each UTC month a bucket covers whole is
  /// read from `rollup_month`; one it covers mostly, from `rollup_month` minus the requests
  /// of the part it does not cover; one it covers less than half of, from the requests (or
  /// `rollup_day`). A model whose rates change inside a month, or whose context tiers the
  /// size classes do not separate, is read per day from the requests in that month.
  private mutating func planMonths(buckets: [(Int64, Int64)]) throws {
    struct Piece {
      var from: Int64
      var to: Int64
      var bucket: Int64
      var month: Int
    }
    var wholeMonths: [Int: (bucket: Int64, covered: Piece)] = [:]
    var subtracted: [Piece] = []
    var partial: [Piece] = []
    for (from, to) in buckets {
      var month = Timestamp.utcDay(from).startOfMonth
      while Timestamp.startOf(month) < to {
        let next = month.startOfNextMonth
        let (start, end) = (Timestamp.startOf(month), Timestamp.startOf(next))
        let covered = Piece(
          from: max(from, start), to: min(to, end), bucket: from, month: month.daysSinceEpoch)
        if covered.from == start && covered.to == end {
          wholeMonths[month.daysSinceEpoch] = (from, covered)
        } else if (covered.to - covered.from) * 2 > end - start {
          wholeMonths[month.daysSinceEpoch] = (from, covered)
          if start < covered.from {
            subtracted.append(Piece(from: start, to: covered.from, bucket: from, month: month.daysSinceEpoch))
          }
          if covered.to < end {
            subtracted.append(Piece(from: covered.to, to: end, bucket: from, month: month.daysSinceEpoch))
          }
        } else {
          partial.append(covered)
        }
        month = next
      }
    }

    // Models a month's rollup cannot price: read from the requests of what the bucket covers.
    // With one bucket, a model whose rates stay the same over all its whole months is summed
    // over them at once (time -1): its rate day is the first of them.
    var perDay: [Int: Set<String>] = [:]
    if let first = wholeMonths.keys.min(), let last = wholeMonths.keys.max() {
      let end = CivilDate(daysSinceEpoch: last).startOfNextMonth.daysSinceEpoch
      var uniform: Set<String> = []
      if buckets.count == 1 {
        uniform = Set(models.filter { !needsPerDay(model: $0, from: first, to: end) })
      }
      try readMonths(from: first, to: end, collapsing: uniform) { plan, row in
        if row.time == -1 {
          try plan.add(row, bucket: buckets[0].0, rateDay: first, sign: 1)
          return
        }
        let month = Int(row.time)
        guard let (bucket, _) = wholeMonths[month] else { return }
        if plan.needsPerDay(model: row.model, month: month) {
          perDay[month, default: []].insert(row.model)
          return
        }
        try plan.add(row, bucket: bucket, rateDay: plan.monthRateDay(model: row.model, month: month), sign: 1)
      }
    }
    for piece in subtracted {
      try readDays(from: piece.from, to: piece.to, models: nil) { plan, row in
        guard !plan.needsPerDay(model: row.model, month: piece.month) else { return }
        try plan.add(
          row, bucket: piece.bucket, rateDay: plan.monthRateDay(model: row.model, month: piece.month),
          sign: -1)
      }
    }
    for piece in partial {
      try readDays(from: piece.from, to: piece.to, models: nil) { plan, row in
        let perDay = plan.needsPerDay(model: row.model, month: piece.month)
        let rateDay = perDay ? Int(row.time) : plan.monthRateDay(model: row.model, month: piece.month)
        try plan.add(row, bucket: piece.bucket, rateDay: rateDay, sign: 1)
      }
    }
    for (month, models) in perDay.sorted(by: { $0.key < $1.key }) {
      let piece = wholeMonths[month]!.covered
      try readRequests(from: piece.from, to: piece.to, models: models, perSlot: false) { plan, row in
        try plan.add(row, bucket: piece.bucket, rateDay: Int(row.time), sign: 1)
      }
    }
  }

  /// Whether a model's usage in the UTC month starting on `month` must be priced per day.
  /// Whether a model's usage in a UTC month must be read per day: its rates (or the query's
  /// split days) change between its first and last day of usage there, or its tiers need the
  /// requests themselves. A change before its first day of usage (a model released mid-month)
  /// does not: the month is priced on that first day (`monthRateDay`).
  private func needsPerDay(model: String, month: Int) -> Bool {
    guard let days = usageDays[MonthOfModel(model: model, month: month)] else {
      return needsPerDay(
        model: model, from: month, to: CivilDate(daysSinceEpoch: month).startOfNextMonth.daysSinceEpoch)
    }
    return needsPerDay(model: model, from: days.first, to: days.last + 1)
  }

  /// The UTC day whose rates price a model's usage of a whole UTC month read at once: its first
  /// day of usage there (the month's first day when the rollup has none).
  private func monthRateDay(model: String, month: Int) -> Int {
    usageDays[MonthOfModel(model: model, month: month)]?.first ?? month
  }

  /// Whether a model's rates (or the query's split days) change between the UTC days `from`
  /// and `to`, or its tiers need the requests themselves.
  private func needsPerDay(model: String, from: Int, to: Int) -> Bool {
    if exactModels.contains(model) { return true }
    if query.splitDays.contains(where: { $0 > from && $0 < to }) { return true }
    guard let prices = query.prices else { return false }
    return (rateChangeDays[model] ?? prices.rateChangeDays(model: model)).contains { $0 > from && $0 < to }
  }

  // MARK: Reading

  /// One row of sums as read: the grouping values, model, mode, size class, the time unit
  /// (month's first day, day, or 15-minute slot) and the sums of `Ledger.sumColumns`.
  struct SumRow {
    var values: [String]
    var model: String
    var mode: String
    var sizeClass: Int
    var searched: Bool
    var hasAudio: Bool
    var time: Int64
    var sums: [Int64]
  }

  private mutating func add(_ row: SumRow, bucket: Int64, rateDay: Int, sign: Int64) throws {
    // Requests of other models were classed on finer boundaries too: back to the rollups'
    // classes, so that their sums meet the rollup rows they add to or subtract from.
    let sizeClass = exactModels.contains(row.model) ? row.sizeClass : Ledger.sizeClass(row.sizeClass)
    let key = Key(
      values: row.values, model: row.model, mode: row.mode, sizeClass: sizeClass, searched: row.searched,
      hasAudio: row.hasAudio, bucket: bucket, rateDay: rateDay)
    var current = sums[key] ?? Array(repeating: 0, count: Ledger.sumColumns.count)
    for index in current.indices {
      let (sum, overflow) = current[index].addingReportingOverflow(sign * row.sums[index])
      guard !overflow else {
        throw LedgerError(
          "a sum of \(Ledger.sumColumns[index]) in this report is larger than 9,223,372,036,854,775,807")
      }
      current[index] = sum
    }
    sums[key] = current
  }

  /// Whole UTC months from `rollup_month`, `from` and `to` as the epoch days of month starts;
  /// the months of `collapsing` models summed into one row (time -1).
  private mutating func readMonths(
    from: Int, to: Int, collapsing: Set<String>, _ handle: (inout UsagePlan, SumRow) throws -> Void
  ) throws {
    // Model names are the ledger's text: parameters, never SQL.
    let names = collapsing.sorted()
    let time: (sql: String, arguments: [any SQLBindable]) =
      names.isEmpty
      ? ("month", [])
      : ("CASE WHEN model IN (\(SQLDialect.placeholders(names.count))) THEN -1 ELSE month END", names)
    try select(
      table: "rollup_month", columns: \.rawValue, model: "model", sizeClass: "size_class",
      searched: "searched",
      hasAudio: "has_audio", time: time, range: ("month >= ? AND month < ?", [from, to]), models: nil, handle)
  }

  /// UTC days from `rollup_day` when the query's columns allow, else from the requests; the
  /// parts of days at either end from the requests.
  private mutating func readDays(
    from: Int64, to: Int64, models: Set<String>?, _ handle: (inout UsagePlan, SumRow) throws -> Void
  ) throws {
    let firstWholeDay = (from + 86_399) / 86_400
    let endWholeDay = to / 86_400
    guard !needsAllColumns, firstWholeDay < endWholeDay else {
      try readRequests(from: from, to: to, models: models, perSlot: false, handle)
      return
    }
    if from < firstWholeDay * 86_400 {
      try readRequests(from: from, to: firstWholeDay * 86_400, models: models, perSlot: false, handle)
    }
    // rollup_day cannot separate the tiers of exact models: those come from the requests.
    try select(
      table: "rollup_day", columns: \.rawValue, model: "model", sizeClass: "size_class", searched: "searched",
      hasAudio: "has_audio", time: ("day", []),
      range: ("day >= ? AND day < ?", [firstWholeDay, endWholeDay]), models: models
    ) { plan, row in
      guard !plan.exactModels.contains(row.model) else { return }
      try handle(&plan, row)
    }
    if !exactModels.isEmpty {
      let exact = models.map { $0.intersection(exactModels) } ?? exactModels
      if !exact.isEmpty {
        try readRequests(
          from: firstWholeDay * 86_400, to: endWholeDay * 86_400, models: exact, perSlot: false, handle)
      }
    }
    if endWholeDay * 86_400 < to {
      try readRequests(from: endWholeDay * 86_400, to: to, models: models, perSlot: false, handle)
    }
  }

  /// Sums of the requests themselves, per UTC day or per 15-minute slot.
  private mutating func readRequests(
    from: Int64, to: Int64, models: Set<String>?, perSlot: Bool,
    _ handle: (inout UsagePlan, SumRow) throws -> Void
  ) throws {
    guard from < to else { return }
    try select(
      table: "request",
      columns: { column in
        column == .provider || column == .status ? column.rawValue : "coalesce(\(column.rawValue), '')"
      },
      model: "coalesce(model_id, model, '')", sizeClass: Ledger.sizeClassSQL(requestBoundaries),
      searched: Ledger.searchedSQL, hasAudio: Ledger.hasAudioSQL,
      time: (perSlot ? "timestamp / 900" : "timestamp / 86400", []),
      range: ("timestamp >= ? AND timestamp < ?", [from, to]), models: models, handle)
  }

  private mutating func select(
    table: String, columns: (RollupColumn) -> String, model: String, sizeClass: String, searched: String,
    hasAudio: String, time: (sql: String, arguments: [any SQLBindable]),
    range: (sql: String, arguments: [any SQLBindable]), models: Set<String>?,
    _ handle: (inout UsagePlan, SumRow) throws -> Void
  ) throws {
    var conditions = [range.sql]
    if table == "request", let requestCondition { conditions.append(requestCondition) }
    // The time expression's parameters come first: it is in the select list.
    var arguments = time.arguments + range.arguments
    conditions.append(
      "\(columns(.status)) IN (\(query.statuses.map { "'\($0.rawValue)'" }.joined(separator: ", ")))")
    var filters = query.filters
    if let models { filters[.model] = filters[.model].map { $0.intersection(models) } ?? models }
    for (column, values) in filters.sorted(by: { $0.key < $1.key }) {
      let expression = column == .model ? model : columns(column)
      conditions.append(
        "\(expression) IN (\(Array(repeating: "?", count: values.count).joined(separator: ", ")))")
      arguments += values.sorted() as [any SQLBindable]
    }
    if filters.values.contains(where: \.isEmpty) { return }
    let groups = groupColumns.map(columns)
    let selected =
      (groups + [
        "\(model) AS m", "mode", "\(sizeClass) AS c", "\(searched) AS w", "\(hasAudio) AS a",
        "\(time.sql) AS t",
      ]).joined(separator: ", ")
    let sums =
      table == "request"
      ? Ledger.requestSumsSQL(sql.dialect)
      : Ledger.sumColumns.map { sql.dialect.sum($0) }.joined(separator: ", ")
    let groupCount = groups.count + 6
    let query = """
      SELECT \(selected), \(sums) FROM \(table) WHERE \(conditions.joined(separator: " AND "))
      GROUP BY \((1...groupCount).map(String.init).joined(separator: ", "))
      """
    let connection = self.sql
    let count = groups.count
    try connection.forEachRow(query, arguments) { row in
      var values: [String] = []
      values.reserveCapacity(count)
      for index in 0..<count { values.append(row[index]) }
      let sumRow = SumRow(
        values: values, model: row[count], mode: row[count + 1], sizeClass: row[count + 2],
        searched: row[count + 3], hasAudio: row[count + 4], time: row[count + 5],
        sums: Ledger.sumColumns.indices.map { row[count + 6 + $0] })
      try handle(&self, sumRow)
    }
  }
}
