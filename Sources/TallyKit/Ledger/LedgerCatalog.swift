import Foundation

/// What the ledger holds, read from `rollup_month` (a few rows per month and group, never the
/// requests): the names a `--where` value is checked against and the months a group covers.
extension Ledger {
  /// The columns of `rollup_month` a catalog question can name (all but `status`).
  static let catalogColumns: Set<RollupColumn> = [.tenant, .job, .batchID, .provider, .model, .mode]

  /// Every value `column` takes in the ledger, "" for absent tenants, jobs and batches.
  public func distinctValues(of column: RollupColumn) throws -> Set<String> {
    precondition(Ledger.catalogColumns.contains(column))
    return try reading { sql in
      Set(try sql.values(String.self, "SELECT DISTINCT \(column.rawValue) FROM rollup_month"))
    }
  }

  /// The first days of the first and the last UTC month with usage (of any status) passing
  /// `filters` (column → accepted values, "" for absent); nil when there is none.
  public func usageMonths(where filters: [RollupColumn: Set<String>]) throws -> (
    first: CivilDate, last: CivilDate
  )? {
    precondition(Set(filters.keys).isSubset(of: Ledger.catalogColumns))
    var conditions: [String] = []
    var arguments: [String] = []
    for (column, values) in filters.sorted(by: { $0.key < $1.key }) {
      conditions.append(
        "\(column.rawValue) IN (\(Array(repeating: "?", count: values.count).joined(separator: ",")))")
      arguments += values.sorted()
    }
    let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
    return try reading { sql in
      guard
        let row = try sql.fetchOne(
          "SELECT min(month) AS first, max(month) AS last FROM rollup_month" + whereClause, arguments),
        let first = row["first"] as Int?, let last = row["last"] as Int?
      else { return nil }
      return (CivilDate(daysSinceEpoch: first), CivilDate(daysSinceEpoch: last))
    }
  }

  /// The instants of the first and the last request (any status); nil for an empty ledger.
  public func requestSpan() throws -> (first: Int64, last: Int64)? {
    try reading { sql in
      // Two subqueries: SQLite answers a lone min() or max() from the timestamp index in one
      // step, but scans every request for both in one select.
      let row = try sql.fetchOne(
        "SELECT (SELECT min(timestamp) FROM request), (SELECT max(timestamp) FROM request)")
      guard let first: Int64 = row?[0], let last: Int64 = row?[1] else { return nil }
      return (first, last)
    }
  }
}
