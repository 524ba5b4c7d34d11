import Foundation

/// What a report covers, printed with it in every format: a title line over the table, and in
/// JSON the schema version, the days covered, the zone, the filters and the warnings. A number
/// pasted from a report thus always carries its period.
public struct ReportContext: Sendable {
  /// The JSON layout's version: bumped when a key changes meaning or goes away.
  public static let schemaVersion = 2

  /// What the report is, such as "Spend by month and model".
  public var title: String
  /// Nil for a report not read from the ledger (an estimate of declared workloads).
  public var window: ReportWindow?
  /// The days the report covers: the window's, its open ends closed at the ledger's first and
  /// last day of usage. Nil for an empty ledger or a report not read from the ledger.
  public var covered: (from: CivilDate, to: CivilDate)?
  public var filter: ReportFilter
  public var warnings: [String]
  /// The price tables that priced the report.
  public var prices: [PriceSource]
  /// Closed months the report covers: their figures are as closed.
  public var closedMonths: [ClosedPeriod] = []

  public init(
    title: String, window: ReportWindow?, covered: (from: CivilDate, to: CivilDate)? = nil,
    filter: ReportFilter = ReportFilter(), warnings: [String] = [], prices: [PriceSource] = []
  ) {
    self.title = title
    self.window = window
    self.covered = covered
    self.filter = filter
    self.warnings = warnings
    self.prices = prices
  }

  /// The window with its open ends closed at the ledger's first and last day with usage.
  public static func covered(_ window: ReportWindow, ledger: Ledger) throws -> (
    from: CivilDate, to: CivilDate
  )? {
    if let from = window.from, let to = window.to { return (from, to) }
    guard let span = try ledger.requestSpan() else { return nil }
    return (window.from ?? window.localDay(span.first), window.to ?? window.localDay(span.last))
  }

  /// `Spend by month and model, 2026-09-01 to 2026-10-31 (UTC), where tenant = acme:`, with
  /// `all usage in the ledger` when no window was given.
  public var heading: String { titleLine + pricesLine + closedLine }

  /// `Closed: 2026-10 (by finance at 2026-11-03T09:00:00Z): its figures are as closed; …`, or ""
  /// when the report covers no closed month.
  public var closedLine: String {
    guard let last = closedMonths.last else { return "" }
    let months = closedMonths.map { "\($0.name) (by \($0.closedBy) at \($0.closedAt))" }
    let next = String(last.month.startOfNextMonth.description.prefix(7))
    let plural = closedMonths.count > 1
    return
      "Closed: \(Suggestions.andList(months)): \(plural ? "their" : "its") figures are as closed; later usage and price changes are prior-period adjustments in \(next) (tally periods).\n"
  }

  /// The closed months among `periods` that a window of local days touches.
  public static func closedMonths(
    _ periods: [ClosedPeriod], in window: ReportWindow, covered: (from: CivilDate, to: CivilDate)?
  )
    -> [ClosedPeriod]
  {
    // Closed months are UTC months; the window's days are local days.
    let from = (covered?.from ?? window.from).map { window.start(of: $0) }
    let to = (covered?.to ?? window.to).map { window.start(of: $0.adding(days: 1)) }
    return periods.filter { period in
      period.isClosed && (from.map { Timestamp.startOf(period.month.startOfNextMonth) > $0 } ?? true)
        && (to.map { Timestamp.startOf(period.month) < $0 } ?? true)
    }
  }

  /// `Prices: the bundled tables pricing/anthropic.csv of 2026-04-01 and …, overridden by
  /// contract.csv.`, or "" when the report names none.
  public var pricesLine: String {
    let bundled = prices.filter(\.bundled).map(\.description)
    let overrides = prices.filter { !$0.bundled }.map(\.file)
    guard !bundled.isEmpty || !overrides.isEmpty else { return "" }
    var text = "Prices: " + (bundled.isEmpty ? "" : "the bundled tables \(Suggestions.andList(bundled))")
    if !overrides.isEmpty {
      text += (bundled.isEmpty ? "" : ", overridden by ") + Suggestions.andList(overrides)
    }
    return text + ".\n"
  }

  private var titleLine: String {
    guard let window else { return title + ":\n" }
    var text = title + ", "
    if let covered {
      text += "\(covered.from) to \(covered.to) (\(window.zoneName))"
      if window.from == nil && window.to == nil { text += ", all usage in the ledger" }
    } else {
      text += window.from == nil && window.to == nil ? "no usage in the ledger" : window.description
    }
    if !filter.isEmpty { text += ", where \(filter)" }
    return text + ":\n"
  }

  /// The members every report's JSON starts with; `from`/`to`/`tz` replace the table's own.
  var jsonMembers: [(key: String, value: JSONValue)] {
    var members: [(key: String, value: JSONValue)] = [
      ("schema_version", .integer(Self.schemaVersion)), ("title", .string(title)),
    ]
    if let window {
      members += [
        ("from", covered.map { .string($0.from.description) } ?? .null),
        ("to", covered.map { .string($0.to.description) } ?? .null),
        ("tz", .string(window.zoneName)),
        ("where", filter.json),
      ]
    }
    let tables = prices.map { source -> JSONValue in
      .object([
        ("file", .string(source.file)), ("bundled", .bool(source.bundled)),
        ("newest_date", source.newest.map { .string($0.description) } ?? .null),
        ("xxh64", .string(source.hash)),
      ])
    }
    let closed: [(key: String, value: JSONValue)] =
      closedMonths.isEmpty
      ? []
      : [
        (
          "closed_months",
          .array(
            closedMonths.map {
              .object([
                ("month", .string($0.name)), ("closed_at", .string($0.closedAt)),
                ("closed_by", .string($0.closedBy)),
              ])
            })
        )
      ]
    return members + [("prices", .array(tables))] + closed + [
      ("warnings", .array(warnings.map(JSONValue.string)))
    ]
  }
}

extension ReportTable {
  /// The JSON with the context's members after `report`: schema version and title first, then
  /// the table's own header, where the context's `from`/`to`/`tz` take the place of the
  /// table's, then the context's other members.
  public func renderJSON(context: ReportContext) -> String {
    var members = context.jsonMembers
    let tableHeader = header.map { member in
      members.firstIndex { $0.key == member.key }.map { members.remove(at: $0) } ?? member
    }
    let leading = members.filter { ["schema_version", "title"].contains($0.key) }
    let rest = members.filter { !["schema_version", "title"].contains($0.key) }
    return ReportTable(
      name: name, columns: columns, rows: rows, totals: totals, header: leading + tableHeader + rest,
      trailer: trailer
    ).renderJSON()
  }
}
