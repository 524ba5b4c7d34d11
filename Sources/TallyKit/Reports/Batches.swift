import Foundation

/// One batch's row of `tally report batches`.
public struct BatchRow: Sendable {
  public var batch: String
  /// From the batch object; nil when only result lines were ingested (no `--batch FILE`).
  public var createdAt: Int64?
  public var endedAt: Int64?
  public var counts: [RequestStatus: Int] = [:]
  public var cost: Money?
  public var listCost: Money?
  public var unpricedRequests = 0

  /// Every result line of the batch, whatever its outcome.
  public var requests: Int { counts.values.reduce(0, +) }

  /// Both costs as a pair; nil unless both are known.
  public var costs: Cost? { listCost.flatMap { list in cost.map { Cost(list: list, actual: $0) } } }

  public var batchSavings: Money? { costs?.batchSavings }

  /// Minutes from created to ended; nil unless both are known.
  public var turnaroundMinutes: Exact? {
    guard let createdAt, let endedAt else { return nil }
    return Exact(Decimal(endedAt - createdAt)) / Exact(60)
  }
}

/// `tally report batches`: per batch, how its requests ended, how long it took, what it cost and
/// what the batch discount saved.
public struct BatchesReport: Sendable {
  public let window: ReportWindow
  /// By creation time (batches without a batch object last), then id.
  public let rows: [BatchRow]
  public let unpricedModels: [String: Int]

  public var totals: BatchRow {
    rows.reduce(into: BatchRow(batch: "Total")) { total, row in
      total.counts.merge(row.counts, uniquingKeysWith: +)
      total.unpricedRequests += row.unpricedRequests
      total.cost += row.cost
      total.listCost += row.listCost
    }
  }

  /// Batches with requests in the window (a batch's results are dated by its creation).
  public static func build(
    ledger: Ledger, prices: PriceBook, window: ReportWindow, filter: ReportFilter = ReportFilter()
  ) throws -> BatchesReport {
    let objects = try ledger.batches()
    var rows: [String: BatchRow] = [:]
    let counts = try ledger.statusCounts(by: .batchID, window: window, filter: filter, prices: prices)
    for (batch, counts) in counts where !batch.isEmpty {
      rows[batch] = BatchRow(
        batch: batch, createdAt: objects[batch]?.createdAt, endedAt: objects[batch]?.endedAt, counts: counts)
    }
    let spend = try SpendReport.build(
      ledger: ledger, prices: prices, by: [.batch], filter: filter.and(.mode, [Mode.batch.rawValue]),
      window: window)
    for spendRow in spend.rows {
      guard var row = rows[spend.value(.batch, of: spendRow)] else { continue }
      row.cost = spendRow.cost
      row.listCost = spendRow.listCost
      row.unpricedRequests = spendRow.unpricedRequests
      rows[row.batch] = row
    }
    let sorted = rows.values.sorted { left, right in
      switch (left.createdAt, right.createdAt) {
      case (let l?, let r?) where l != r: l < r
      case (.some, nil): true
      case (nil, .some): false
      default: left.batch < right.batch
      }
    }
    return BatchesReport(window: window, rows: sorted, unpricedModels: spend.unpricedModels)
  }
}
