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
