import Foundation

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
