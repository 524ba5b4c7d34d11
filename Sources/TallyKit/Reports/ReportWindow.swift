import Foundation

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

extension ReportWindow {
  /// The calendar month, in this window's zone, that holds `instant`: the default window of the
  /// reports that show the month of the latest usage (chargeback, review).
  public func month(containing instant: Int64) -> ReportWindow {
    let first = localDay(instant).startOfMonth
    var month = self
    (month.from, month.to) = (first, first.startOfNextMonth.adding(days: -1))
    return month
  }
}

extension ReportWindow {
  /// What the window covers, for messages about files that hold monthly amounts:
  /// `2026-10-01 to 2026-10-15 (15 days)`, else `description`.
  var coverage: String {
    guard let from, let to, let days else { return description }
    return "\(from) to \(to) (\(days) days)"
  }
}

extension ReportWindow {
  /// The latest calendar month (in `zone`) with usage in the ledger that ended before `today`:
  /// the default window of what-if runs, which scale a whole month. Nil when there is none.
  public static func lastFullMonth(in ledger: Ledger, zone: String, today: CivilDate) throws -> ReportWindow?
  {
    let zoneOnly = try ReportWindow(zone: zone)
    guard let latest = try ledger.latestRequestInstant() else { return nil }
    var month = zoneOnly.localDay(latest).startOfMonth
    if month.startOfNextMonth > today { month = month.adding(days: -1).startOfMonth }
    let window = try ReportWindow(from: month, to: month.startOfNextMonth.adding(days: -1), zone: zone)
    var query = UsageQuery(zone: window)
    (query.from, query.to) = window.instants
    query.statuses = RequestStatus.allCases
    return try ledger.usage(query).isEmpty ? nil : window
  }

  /// `YYYY-MM` when the window is exactly one calendar month, else nil.
  public var wholeMonth: String? {
    guard let from, let to, from == from.startOfMonth, to == from.startOfNextMonth.adding(days: -1) else {
      return nil
    }
    return String(from.description.prefix(7))
  }

  /// The number of days from `from` to `to`, both included.
  public var days: Int? {
    guard let from, let to else { return nil }
    return to.daysSinceEpoch - from.daysSinceEpoch + 1
  }
}
