import Foundation

extension OpportunitiesReport {
  /// Ranked rows with a totals row; JSON adds the window, the total spend and the assumptions.
  public var table: ReportTable {
    var columns = [Column("rank", title: "#")]
    columns += by.map { Column($0.rawValue, title: $0.rawValue.capitalized) }
    // The savings are what the report ranks by: allocated on their own, so that they add up to
    // their exactly rounded total. Where every row can move, the cost at batch is the shown sync
    // cost minus the shown savings (the row reads right); traffic with no batch rate is in the
    // sync cost and in neither of the others, so then both are allocated.
    let canAllMove = rows.allSatisfy { $0.stuckCost.isZero }
    columns += [
      Column("sync_requests", title: "Sync requests", dropPriority: 3),
      Column("sync_cost_usd", title: "Sync cost", rounding: .allocated),
      Column(
        "batch_cost_usd", title: "At batch", dropPriority: 2,
        rounding: canAllMove ? .difference("sync_cost_usd", minus: "savings_usd") : .allocated),
      Column("savings_usd", title: "Savings", rounding: .allocated),
      Column("monthly_savings_usd", title: "Savings/mo", rounding: .allocated),
      Column("worst_case_monthly_savings_usd", title: "Worst case/mo", dropPriority: 4, rounding: .allocated),
      Column("share_of_spend_pct", title: "Of spend", dropPriority: 1, rounding: .allocated),
      Column("unpriced_requests", title: "Unpriced", dropPriority: 5),
      Column("verdict", title: "Verdict"),
    ]
    let body: [[Cell]] = rows.enumerated().map { index, row in
      // A group of unpriced traffic only has unknown costs: empty cells, never $0.
      let priced = row.syncRequests > row.unpricedRequests
      func money(_ amount: Money) -> Cell { .money(priced ? amount : nil) }
      return [.count(index + 1)] + row.values.map(Cell.text) + [
        .count(row.syncRequests), money(row.syncCost), money(row.batchCost), money(row.savings),
        money(monthlySavings(row)), money(monthlyWorstSavings(row)),
        .percent(priced ? shareOfSpend(row) : nil), .count(row.unpricedRequests),
        .text(verdict(row, rank: index + 1)),
      ]
    }
    let total = totals
    let totalsRow: [Cell] =
      [.text("Total")] + Array(repeating: .text(""), count: by.count) + [
        .count(total.syncRequests), .money(total.syncCost), .money(total.batchCost), .money(total.savings),
        .money(monthlySavings(total)), .money(monthlyWorstSavings(total)),
        .percent(shareOfSpend(total)), .count(total.unpricedRequests), .text(""),
      ]
    var header = windowHeader(window)
    header += [
      ("days", .integer(days)), ("days_per_month", .decimal(daysPerMonth)),
      ("total_spend_usd", Cell.money(totalSpend).json), unpricedModelsMember(unpricedModels),
      ("assumptions", .array(assumptions.map(JSONValue.string))),
    ]
    return ReportTable(name: "opportunities", columns: columns, rows: body, totals: totalsRow, header: header)
  }
}
