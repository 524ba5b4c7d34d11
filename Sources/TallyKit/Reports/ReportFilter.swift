import Foundation

/// `--where DIM=VALUE`, repeatable, on every ledger report: the values given for one dimension
/// are alternatives (`--where tenant=acme --where tenant=globex` and `--where
/// tenant=acme,globex` keep both), different dimensions must all hold.
public struct ReportFilter: Sendable, CustomStringConvertible {
  public struct Clause: Sendable {
    public let dimension: ReportDimension
    /// The values, each `--where` split at its commas.
    public fileprivate(set) var values: [String]
    /// Each `--where` value as written, commas and all.
    fileprivate var written: [String]
  }

  /// One clause per dimension, in the order first given.
  public private(set) var clauses: [Clause] = []

  public init() {}

  /// Parses `DIM=VALUE[,VALUE…]` clauses; a usage error names the dimensions there are.
  public init(parsing texts: [String]) throws(ReportError) {
    for text in texts {
      let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
      let names = ReportDimension.allCases.map(\.rawValue)
      guard parts.count == 2,
        let dimension = ReportDimension(rawValue: parts[0].trimmingCharacters(in: .whitespaces))
      else {
        let hint = parts.count == 2 ? Suggestions.phrase(for: parts[0], among: names) : ""
        throw ReportError(
          "--where: \"\(text)\" is not DIM=VALUE with DIM one of \(names.joined(separator: ", "))\(hint)")
      }
      let values = parts[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        .filter { !$0.isEmpty }
      guard !values.isEmpty else { throw ReportError("--where: \"\(text)\" gives no value") }
      if let index = clauses.firstIndex(where: { $0.dimension == dimension }) {
        clauses[index].values += values.filter { !clauses[index].values.contains($0) }
        clauses[index].written.append(parts[1])
      } else {
        clauses.append(Clause(dimension: dimension, values: values, written: [parts[1]]))
      }
    }
  }

  public var isEmpty: Bool { clauses.isEmpty }

  public var dimensions: [ReportDimension] { clauses.map(\.dimension) }

  public func values(of dimension: ReportDimension) -> [String]? {
    clauses.first { $0.dimension == dimension }?.values
  }

  /// `tenant = acme or globex, job = support-chat`.
  public var description: String {
    clauses.map { "\($0.dimension.rawValue) = \(Suggestions.orList($0.values))" }.joined(separator: ", ")
  }

  /// `{"tenant": ["acme", "globex"]}`, for the JSON of every report.
  public var json: JSONValue {
    .object(clauses.map { ($0.dimension.rawValue, JSONValue.array($0.values.map(JSONValue.string))) })
  }

  /// Puts the tenant, job, batch, provider, model and mode conditions into the query (SQL
  /// filters) and makes its buckets fine enough for the day, week and month conditions, which
  /// `accepts` checks on each aggregate.
  func apply(to query: inout UsageQuery, prices: PriceBook) {
    for clause in clauses {
      // The ledger stores an absent tenant, job or batch as "".
      func stored(absent label: String) -> Set<String> { Set(clause.values.map { $0 == label ? "" : $0 }) }
      switch clause.dimension {
      case .tenant: query.filters[.tenant] = stored(absent: unattributed)
      case .job: query.filters[.job] = stored(absent: unattributed)
      case .batch: query.filters[.batchID] = stored(absent: "(none)")
      case .provider: query.filters[.provider] = Set(clause.values)
      case .mode: query.filters[.mode] = Set(clause.values)
      case .model: query.filters[.model] = Set(clause.values.map { prices.resolve($0)?.id ?? $0 })
      case .day, .week: query.grain = .day
      case .month: if query.grain == .window { query.grain = .month }
      case .context: break
      }
    }
  }

  /// Whether an aggregate passes the conditions the query cannot check (context, day, week,
  /// month), given its value of each dimension.
  func accepts(_ value: (ReportDimension) -> String) -> Bool {
    clauses.allSatisfy { clause in
      switch clause.dimension {
      case .context, .day, .week, .month: clause.values.contains(value(clause.dimension))
      default: true
      }
    }
  }

  /// Whether any condition needs `accepts` (context, day, week, month).
  var needsAggregateCheck: Bool {
    clauses.contains { [.context, .day, .week, .month].contains($0.dimension) }
  }

  /// `accepts` for one ledger aggregate of a report in `window`.
  func accepts(_ aggregate: UsageAggregate, window: ReportWindow, pricer: inout UsagePricer) -> Bool {
    guard needsAggregateCheck else { return true }
    let day = window.localDay(aggregate.bucketStart)
    let context =
      values(of: .context) == nil
      ? ""
      : pricer.context(
        model: aggregate.model, rateDay: aggregate.rateDay, sizeClass: aggregate.sizeClass,
        provider: aggregate.provider)
    return accepts { dimension in
      switch dimension {
      case .context: context
      case .day: day.description
      case .week: day.weekStart.description
      case .month: String(day.description.prefix(7))
      default: ""
      }
    }
  }

  /// This filter with `dimension` also restricted to `values` (for a report that looks at one
  /// mode only, say): where the filter names the dimension already, only values in both remain.
  func and(_ dimension: ReportDimension, _ values: [String]) -> ReportFilter {
    var filter = self
    if let index = filter.clauses.firstIndex(where: { $0.dimension == dimension }) {
      filter.clauses[index].values.removeAll { !values.contains($0) }
    } else {
      filter.clauses.append(Clause(dimension: dimension, values: values, written: values))
    }
    return filter
  }

  /// Checks every value against what the ledger and the price tables know: a value that never
  /// occurs is an error naming the closest known ones (`FilterError`, bad input), a badly
  /// written date or month a usage error. Also resolves a value that contains commas and is
  /// itself known (a tenant named `a,b`) back to one value.
  public mutating func check(ledger: Ledger, prices: PriceBook) throws {
    for index in clauses.indices {
      let clause = clauses[index]
      let dimension = clause.dimension
      switch dimension {
      case .day, .week:
        for value in clause.values where CivilDate(parsing: value) == nil {
          throw ReportError("--where \(dimension.rawValue)=\(value): expected a date written YYYY-MM-DD")
        }
        if dimension == .week {
          for value in clause.values {
            let day = CivilDate(parsing: value)!
            guard day.weekStart == day else {
              throw ReportError(
                "--where week=\(value): weeks start on Mondays and are named by that day; \(value)'s week is \(day.weekStart)"
              )
            }
          }
        }
      case .month:
        for value in clause.values {
          guard value.count == 7, CivilDate(parsing: value + "-01") != nil else {
            throw ReportError("--where month=\(value): expected a month written YYYY-MM")
          }
        }
      case .context:
        let labels = prices.contextLabels
        for value in clause.values where !labels.contains(value) {
          throw ReportError(
            "--where context=\(value): context is \(Suggestions.orList(labels)), not \"\(value)\"")
        }
      case .mode:
        let modes = Mode.allCases.map(\.rawValue)
        for value in clause.values where !modes.contains(value) {
          throw ReportError("--where mode=\(value): mode is \(Suggestions.orList(modes))")
        }
      case .tenant, .job, .batch, .provider, .model:
        guard let column = dimension.rollupColumn else { continue }
        var known = try ledger.distinctValues(of: column)
        if known.remove("") != nil, [.tenant, .job, .batch].contains(dimension) {
          known.insert(dimension == .batch ? "(none)" : unattributed)
        }
        // A value written with commas that is itself known is one value, not a list.
        for text in clause.written where text.contains(",") && known.contains(text) {
          let parts = Set(text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
          clauses[index].values.removeAll { parts.contains($0) && !known.contains($0) }
          clauses[index].values.append(text)
        }
        for value in clauses[index].values {
          let stored = dimension == .model ? (prices.resolve(value)?.id ?? value) : value
          guard !known.contains(stored) else { continue }
          // A model may be named by any alias the price tables give it.
          let names =
            dimension == .model
            ? known.union(known.flatMap { prices.history(model: $0).flatMap(\.aliases) }) : known
          throw FilterError(dimension: dimension, value: value, known: names)
        }
      }
    }
  }
}

extension ReportFilter {
  /// For a filtered report with no rows: the months the filtered usage does cover, so that an
  /// empty report reads as "not in this window", never as "$0".
  public func coverageNote(ledger: Ledger, prices: PriceBook, window: ReportWindow) throws -> String {
    var query = UsageQuery()
    apply(to: &query, prices: prices)
    let filters = query.filters.filter { Ledger.catalogColumns.contains($0.key) }
    let within = window.from == nil && window.to == nil ? "" : " from \(window.description)"
    guard let months = try ledger.usageMonths(where: filters) else {
      return "the report has no rows where \(description): the ledger has no such usage"
    }
    let first = months.first.description.prefix(7)
    let last = months.last.description.prefix(7)
    let span = first == last ? "in \(first)" : "from \(first) to \(last)"
    return
      "the report has no rows where \(description)\(within); the ledger has usage where \(description) \(span) (UTC months)"
  }
}

/// A `--where` value that occurs nowhere in the ledger: a typo or a name the ledger spells
/// otherwise, never an empty $0 report.
public struct FilterError: Error, Sendable, CustomStringConvertible {
  public let dimension: ReportDimension
  public let value: String
  public let known: Set<String>

  public var description: String {
    let close = Suggestions.closest(to: value, among: known)
    let noun = dimension == .batch ? "batch" : dimension.rawValue
    var text = "--where \(dimension.rawValue)=\(value): no \(noun) \"\(value)\" in the ledger"
    if !close.isEmpty {
      text += "; did you mean \(Suggestions.orList(close))?"
    } else if known.count <= 12 {
      text += "; it has \(Suggestions.orList(known.sorted()))"
    } else {
      text += " (it has \(known.count) \(noun) values; see tally report spend --by \(dimension.rawValue))"
    }
    return text
  }
}

extension Ledger {
  /// Requests per status and value of one column (`job`, `batchID`) in the window, passing
  /// `filter`; absent values are "".
  func statusCounts(
    by column: RollupColumn, window: ReportWindow, filter: ReportFilter, prices: PriceBook
  ) throws -> [String: [RequestStatus: Int]] {
    var query = UsageQuery(zone: window)
    query.groupBy = [column, .status]
    query.statuses = RequestStatus.allCases
    (query.from, query.to) = window.instants
    filter.apply(to: &query, prices: prices)
    var pricer = UsagePricer(prices: prices)
    var counts: [String: [RequestStatus: Int]] = [:]
    for aggregate in try usage(query) where filter.accepts(aggregate, window: window, pricer: &pricer) {
      guard let status = RequestStatus(rawValue: aggregate.keys[.status] ?? "") else { continue }
      counts[aggregate.keys[column] ?? "", default: [:]][status, default: 0] += aggregate.requests
    }
    return counts.mapValues { $0.filter { $0.value != 0 } }
  }
}
