import Foundation

/// A report dimension (`--by`, `--where`).
public enum ReportDimension: String, Sendable, CaseIterable {
  case tenant, job, provider, model, mode, day, week, month, context, batch

  /// The ledger column holding this dimension's values; nil for time and context, which the
  /// ledger does not store as columns.
  var rollupColumn: RollupColumn? {
    switch self {
    case .tenant: .tenant
    case .job: .job
    case .provider: .provider
    case .model: .model
    case .mode: .mode
    case .batch: .batchID
    case .day, .week, .month, .context: nil
    }
  }

  /// The column a query groups by for this dimension, if it must ask (every aggregate is
  /// grouped by model and mode already).
  var groupColumn: RollupColumn? { self == .model || self == .mode ? nil : rollupColumn }

  /// Parses `--by tenant,month`.
  public static func list(_ text: String) throws(ReportError) -> [ReportDimension] { try dimensionList(text) }
}

/// Parses a comma-separated list of dimensions, each once.
func dimensionList<Dimension: RawRepresentable<String> & CaseIterable & Equatable>(_ text: String)
  throws(ReportError) -> [Dimension]
{
  var dimensions: [Dimension] = []
  for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
    guard let dimension = Dimension(rawValue: part) else {
      throw ReportError(
        "unknown dimension \"\(part)\"; expected one of \(Dimension.allCases.map(\.rawValue).joined(separator: ", "))"
      )
    }
    guard !dimensions.contains(dimension) else { throw ReportError("dimension \"\(part)\" is given twice") }
    dimensions.append(dimension)
  }
  guard !dimensions.isEmpty else { throw ReportError("no dimension given") }
  return dimensions
}

/// A report that cannot be made as asked (a usage error).
public struct ReportError: Error, Sendable, CustomStringConvertible {
  public let description: String
  public init(_ description: String) { self.description = description }
}

/// The label of usage with no tenant, job or batch.
public let unattributed = "(unattributed)"

/// `model (N requests), …` in name order, for warnings about unpriced usage.
func unpricedModelList(_ unpricedModels: [String: Int]) -> String {
  unpricedModels.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value) requests)" }.joined(separator: ", ")
}

/// The stderr warning of every report with unpriced usage: which models, and that totals exclude them.
func unpricedWarnings(_ unpricedModels: [String: Int]) -> [String] {
  guard !unpricedModels.isEmpty else { return [] }
  return [
    "unpriced usage, excluded from every cost and from the totals: \(unpricedModelList(unpricedModels)); add their rates with --pricing FILE"
  ]
}

/// The line under a table whose totals leave unpriced requests out.
public func unpricedNote(_ unpricedRequests: Int) -> [String] {
  unpricedRequests == 0
    ? []
    : [
      "Totals exclude the cost of \(unpricedRequests) unpriced request\(unpricedRequests == 1 ? "" : "s").\n"
    ]
}

/// Report time settings: the reporting window and the zone days and months are read in.
public struct ReportWindow: Sendable, CustomStringConvertible {
  public var from: CivilDate?
  /// Inclusive.
  public var to: CivilDate?
  public var timeZone: TimeZone
  /// The zone as the user named it (Foundation calls UTC "GMT").
  public var zoneName: String

  public init(from: CivilDate? = nil, to: CivilDate? = nil, zone: String = "UTC") throws(ReportError) {
    guard let timeZone = TimeZone(identifier: zone) else {
      throw ReportError("unknown time zone \"\(zone)\"")
    }
    self.from = from
    self.to = to
    self.timeZone = timeZone
    self.zoneName = zone
    self.isUTC = ["UTC", "GMT", "Etc/UTC", "Etc/GMT", "Z"].contains(timeZone.identifier)
  }

  /// Whether the zone is UTC (days and months need no offset).
  private(set) var isUTC: Bool

  func offset(at instant: Int64) -> Int64 {
    if isUTC { return 0 }
    return Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant))))
  }

  /// An instant as RFC 3339 in this zone: `2026-10-05T14:00:00Z` in UTC, else with its offset.
  public func format(_ instant: Int64) -> String {
    Timestamp.format(instant, offset: isUTC ? 0 : offset(at: instant))
  }

  /// The local calendar day of an instant.
  func localDay(_ instant: Int64) -> CivilDate { Timestamp.utcDay(instant + offset(at: instant)) }

  /// The instant local midnight starts `day`.
  func start(of day: CivilDate) -> Int64 {
    let utcMidnight = Timestamp.startOf(day)
    let guess = utcMidnight - offset(at: utcMidnight)
    return utcMidnight - offset(at: guess)
  }

  /// The whole calendar month `YYYY-MM`.
  public init(month: String, zone: String = "UTC") throws(ReportError) {
    let parts = month.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count == 2, parts[0].count == 4, parts[1].count == 2,
      let first = CivilDate(parsing: month + "-01")
    else { throw ReportError("--month: expected a month written YYYY-MM, not \"\(month)\"") }
    try self.init(from: first, to: first.startOfNextMonth.adding(days: -1), zone: zone)
  }

  /// For headings: `2026-10-01 to 2026-10-31`, `from 2026-10-01`, `all usage in the ledger`,
  /// with the zone when it is not UTC.
  public var description: String {
    let days =
      switch (from, to) {
      case (let from?, let to?): "\(from) to \(to)"
      case (let from?, nil): "from \(from)"
      case (nil, let to?): "up to \(to)"
      case (nil, nil): "all usage in the ledger"
      }
    return isUTC ? days : "\(days), \(zoneName) time"
  }

  /// UTC, every bucket and edge on UTC midnights.
  public static let utc = try! ReportWindow()

  var instants: (from: Int64?, to: Int64?) {
    (from.map(start(of:)), to.map { start(of: $0.adding(days: 1)) })
  }
}

/// One row of `tally report spend`.
public struct SpendRow: Sendable {
  /// One value per `--by` dimension.
  public var values: [String]
  /// Billed requests, unpriced ones included.
  public var requests = 0
  public var tokens = TokenCounts()
  public var webSearches = 0
  /// Nil when every request of the row is unpriced.
  public var listCost: Money?
  public var cost: Money?
  public var unpricedRequests = 0

  /// Both costs as a pair; nil unless both are known. Setting it sets both.
  public var costs: Cost? {
    get { listCost.flatMap { list in cost.map { Cost(list: list, actual: $0) } } }
    set { (listCost, cost) = (newValue?.list, newValue?.actual) }
  }

  public var batchSavings: Money? { costs?.batchSavings }

  /// Adds another row's counts and costs (a cost stays nil only while every row's is).
  mutating func add(_ row: SpendRow) {
    requests += row.requests
    tokens = tokens + row.tokens
    webSearches += row.webSearches
    unpricedRequests += row.unpricedRequests
    listCost += row.listCost
    cost += row.cost
  }
}

/// `tally report spend`: billed usage and its cost per group, at list and paid rates.
public struct SpendReport: Sendable {
  public let by: [ReportDimension]
  public let window: ReportWindow
  public let rows: [SpendRow]
  /// Model name → billed requests that could not be priced (excluded from every cost).
  public let unpricedModels: [String: Int]
  /// Unpriced usage of a provider without rows for its model, one line each, such as `bedrock
  /// has no price rows for claude-sonnet-4-5: add them with --pricing FILE`.
  public var providerWarnings: [String] = []

  public var totals: SpendRow {
    rows.reduce(into: SpendRow(values: [])) { $0.add($1) }
  }

  /// Aggregates the ledger per `by` and prices each ledger aggregate once: a sum per group,
  /// model, mode, time bucket, rate day and size class (`UsageAggregate`), never a request.
  public static func build(
    ledger: Ledger, prices: PriceBook, by: [ReportDimension], filter: ReportFilter = ReportFilter(),
    window: ReportWindow, facts: UsageQuery.Facts = .books
  ) throws -> SpendReport {
    var query = UsageQuery(zone: window)
    query.prices = prices
    query.facts = facts
    query.groupBy = Array(Set((by + filter.dimensions).compactMap(\.groupColumn))).sorted()
    (query.from, query.to) = window.instants
    let times = Set(by)
    query.grain =
      !times.isDisjoint(with: [.day, .week]) ? .day : times.contains(.month) ? .month : .window
    filter.apply(to: &query, prices: prices)

    struct Sums {
      var row: SpendRow
      var cost = AttoCost()
      var priced = false
    }
    var pricer = UsagePricer(prices: prices)
    var rows: [[String]: Sums] = [:]
    var unpricedModels: [String: Int] = [:]
    var providerWarnings: Set<String> = []
    for aggregate in try ledger.usage(query) {
      let priced = pricer.price(aggregate)
      let context: String
      switch priced {
      case .success(let usage): context = usage.context
      case .failure:
        context = pricer.context(
          model: aggregate.model, rateDay: aggregate.rateDay, sizeClass: aggregate.sizeClass,
          provider: aggregate.provider)
      }
      let localDay = window.localDay(aggregate.bucketStart)
      func value(_ dimension: ReportDimension) -> String {
        switch dimension {
        case .tenant: return aggregate.label(of: .tenant)
        case .job: return aggregate.label(of: .job)
        case .batch: return aggregate.label(of: .batchID)
        case .provider: return aggregate.provider
        case .model: return aggregate.model
        case .mode: return aggregate.mode.rawValue
        case .context: return context
        case .day: return localDay.description
        case .week: return localDay.weekStart.description
        case .month: return String(localDay.description.prefix(7))
        }
      }
      guard filter.accepts(value) else { continue }
      let values = by.map(value)
      var sums = rows[values] ?? Sums(row: SpendRow(values: values))
      sums.row.requests += aggregate.requests
      sums.row.tokens = sums.row.tokens + aggregate.usage.tokens
      sums.row.webSearches += aggregate.usage.webSearches
      switch priced {
      case .success(let usage):
        sums.cost += usage.cost
        sums.priced = true
      case .failure(let unpriced):
        sums.row.unpricedRequests += aggregate.requests
        unpricedModels[aggregate.model, default: 0] += aggregate.requests
        if case .noProviderRows = unpriced { providerWarnings.insert(unpriced.description) }
      }
      rows[values] = sums
    }
    let sorted = rows.values.map { sums in
      var row = sums.row
      if sums.priced { row.costs = sums.cost.cost }
      return row
    }.filter { $0.requests != 0 || !Usage(tokens: $0.tokens, webSearches: $0.webSearches).isEmpty }
      .sorted { $0.values.lexicographicallyPrecedes($1.values) }
    var report = SpendReport(
      by: by, window: window, rows: sorted, unpricedModels: unpricedModels.filter { $0.value != 0 })
    report.providerWarnings = providerWarnings.sorted()
    return report
  }
}

extension SpendReport {
  /// A row's value of `dimension`, which must be one of `by`. The accessor is the report's, not
  /// the row's: a row holds its values in the order of `by` and does not know that order.
  public func value(_ dimension: ReportDimension, of row: SpendRow) -> String {
    guard let index = by.firstIndex(of: dimension) else {
      preconditionFailure("a report by \(by.map(\.rawValue)) has no \(dimension.rawValue) values")
    }
    return row.values[index]
  }

  /// `Spend by month and model`: the title of the report grouped by `by`.
  public static func title(by: [ReportDimension]) -> String {
    "Spend by " + Suggestions.andList(by.map(\.rawValue))
  }
}
