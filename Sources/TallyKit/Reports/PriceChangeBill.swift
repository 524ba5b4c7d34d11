import Foundation

/// One model's bill under two price tables.
public struct PriceChangeBillRow: Sendable {
  public var provider: String
  public var model: String
  /// Billed requests, unpriced ones included.
  public var requests = 0
  /// Nil when every request of the model is unpriced on that side.
  public var oldCost: Money?
  public var newCost: Money?
  public var oldUnpriced = 0
  public var newUnpriced = 0

  /// New minus old; nil unless both sides price every request (a partial cost compares nothing).
  public var delta: Money? {
    guard oldUnpriced == 0, newUnpriced == 0, let oldCost, let newCost else { return nil }
    return newCost - oldCost
  }
}

/// `tally pricing diff OLD NEW --ledger L --month M`: what the month's billed usage costs under
/// NEW versus OLD, per model and in total.
///
/// Each side is `report spend --by provider,model` priced with its own `PriceBook`: the same
/// aggregates and the same `UsagePricer`, so there is no second money formula.
public struct PriceChangeBill: Sendable {
  public let window: ReportWindow
  public let rows: [PriceChangeBillRow]

  public static func build(ledger: Ledger, old: PriceBook, new: PriceBook, window: ReportWindow) throws
    -> PriceChangeBill
  {
    let before = try SpendReport.build(ledger: ledger, prices: old, by: [.provider, .model], window: window)
    let after = try SpendReport.build(ledger: ledger, prices: new, by: [.provider, .model], window: window)
    var rows: [[String]: PriceChangeBillRow] = [:]
    func newRow(_ report: SpendReport, _ row: SpendRow) -> PriceChangeBillRow {
      PriceChangeBillRow(provider: report.value(.provider, of: row), model: report.value(.model, of: row))
    }
    for row in before.rows {
      var bill = newRow(before, row)
      bill.requests = row.requests
      bill.oldCost = row.cost
      bill.oldUnpriced = row.unpricedRequests
      rows[row.values] = bill
    }
    for row in after.rows {
      var bill = rows[row.values] ?? newRow(after, row)
      bill.requests = max(bill.requests, row.requests)
      bill.newCost = row.cost
      bill.newUnpriced = row.unpricedRequests
      rows[row.values] = bill
    }
    return PriceChangeBill(
      window: window, rows: rows.values.sorted { ($0.provider, $0.model) < ($1.provider, $1.model) })
  }

  public var totals: PriceChangeBillRow {
    var total = PriceChangeBillRow(provider: "", model: "")
    for row in rows {
      total.requests += row.requests
      total.oldUnpriced += row.oldUnpriced
      total.newUnpriced += row.newUnpriced
      total.oldCost += row.oldCost
      total.newCost += row.newCost
    }
    return total
  }

  /// New minus old in total; nil when some model has no delta (unpriced on a side).
  public var totalDelta: Money? {
    guard rows.allSatisfy({ $0.delta != nil }), let old = totals.oldCost, let new = totals.newCost else {
      return nil
    }
    return new - old
  }

  /// Unpriced usage on either side: those rows have no delta, and the total delta leaves them out.
  public var warnings: [String] {
    let total = totals
    var lines: [String] = []
    for (side, count, models) in [
      ("OLD", total.oldUnpriced, rows.filter { $0.oldUnpriced > 0 }.map(\.model)),
      ("NEW", total.newUnpriced, rows.filter { $0.newUnpriced > 0 }.map(\.model)),
    ] where count > 0 {
      lines.append(
        "\(count) request\(count == 1 ? " is" : "s are") unpriced under \(side) (\(models.joined(separator: ", "))): those models have no delta, and neither has the total"
      )
    }
    return lines
  }

  public var table: ReportTable {
    func cells(_ row: PriceChangeBillRow, label: [Cell], delta: Money?) -> [Cell] {
      label + [
        .count(row.requests), .money(row.oldCost), .money(row.newCost), .money(delta),
        .percent(delta.flatMap { delta in row.oldCost.flatMap { $0.isZero ? nil : delta.percent(of: $0) } }),
        .count(row.oldUnpriced), .count(row.newUnpriced),
      ]
    }
    let totalCells = cells(totals, label: [.text("Total"), .text("")], delta: totalDelta)
    return ReportTable(
      name: "pricing-diff",
      columns: [
        Column("provider", title: "Provider", dropPriority: 2), Column("model", title: "Model"),
        Column("requests", title: "Requests"),
        // As in whatif: the old cost and the delta are allocated (each adds up to its exactly
        // rounded total), and the new cost is the shown old cost plus the shown delta, so that a
        // model whose rates did not change shows the same cost on both sides and a delta of $0.00.
        Column("old_cost_usd", title: "Old cost", rounding: .allocated),
        Column("new_cost_usd", title: "New cost", rounding: .sum("old_cost_usd", plus: "delta_usd")),
        Column("delta_usd", title: "Delta", rounding: .allocated),
        Column("delta_pct", title: "Delta %"),
        Column("old_unpriced_requests", title: "Old unpriced", dropPriority: 1),
        Column("new_unpriced_requests", title: "New unpriced", dropPriority: 1),
      ],
      rows: rows.map { cells($0, label: [.text($0.provider), .text($0.model)], delta: $0.delta) },
      totals: totalCells)
  }
}
