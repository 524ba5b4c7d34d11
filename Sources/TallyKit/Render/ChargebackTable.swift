import Foundation

extension ChargebackReport {
  /// The contract columns. Tables and CSV show cost, share, charge and revenue allocated by
  /// largest remainder at `precision`, so each rounded column adds up exactly to its rounded
  /// total, and the rounded margin is the rounded revenue minus the allocated cost; JSON carries
  /// the exact values.
  public func table(precision: Int) -> ReportTable {
    var columns = [
      Column("tenant", title: "Tenant"),
      Column("requests", title: "Requests", dropPriority: 3),
      Column("input_tokens", title: "Input", dropPriority: 4),
      Column("output_tokens", title: "Output", dropPriority: 4),
      Column("cache_read_tokens", title: "Cache reads", dropPriority: 5),
      Column("cache_write_tokens", title: "Cache writes", dropPriority: 5),
      Column("cost_usd", title: "Cost"),
      Column("share_pct", title: "Share", dropPriority: 1),
      Column("unpriced_requests", title: "Unpriced", dropPriority: 2),
    ]
    if markupPercent != nil { columns.append(Column("charge_usd", title: "Charge")) }
    if hasRevenue {
      columns += [
        Column("revenue_usd", title: "Revenue"),
        Column("gross_margin_usd", title: "Gross margin"),
        Column("gross_margin_pct", title: "Margin %", dropPriority: 1),
      ]
    }

    let names = rows.map(\.tenant)
    /// Allocates the non-nil amounts; nil stays nil.
    func allocated(_ amounts: [Money?]) -> [Money?] {
      let present = amounts.indices.filter { amounts[$0] != nil }
      let shown = Money.allocate(
        present.map { amounts[$0]! }, precision: precision, names: present.map { names[$0] })
      var result = [Money?](repeating: nil, count: amounts.count)
      for (index, value) in zip(present, shown) { result[index] = value }
      return result
    }
    func presented(_ exact: Money?, _ shown: Money?) -> Cell {
      .presented(exact: .money(exact), shown: .money(shown))
    }
    func presentedPercent(_ exact: Exact?, _ shown: Money?) -> Cell {
      .presented(exact: .percent(exact), shown: .percent(shown?.value))
    }

    let costs = rows.map(\.cost)
    let shownCosts = allocated(costs)
    let shares = rows.map(share(of:))
    let shownShares = allocated(shares.map { $0.map(Money.init) })
    let charges = rows.map(charge(of:))
    let shownCharges = allocated(charges)
    let shownRevenue = allocated(rows.map(\.revenue))

    var body: [[Cell]] = []
    for (index, row) in rows.enumerated() {
      var cells: [Cell] = [
        .text(row.tenant), .count(row.requests), .count(row.tokens.input), .count(row.tokens.output),
        .count(row.tokens.cacheRead), .count(row.tokens.cacheWrite5m + row.tokens.cacheWrite1h),
        presented(costs[index], shownCosts[index]), presentedPercent(shares[index], shownShares[index]),
        .count(row.unpricedRequests),
      ]
      if markupPercent != nil { cells.append(presented(charges[index], shownCharges[index])) }
      if hasRevenue {
        let shownMargin = shownCosts[index].map { (shownRevenue[index] ?? .zero) - $0 }
        cells += [
          presented(row.revenue, shownRevenue[index]), presented(row.grossMargin, shownMargin),
          .percent(row.revenue.flatMap { revenue in row.grossMargin.flatMap { $0.percent(of: revenue) } }),
        ]
      }
      body.append(cells)
    }

    let tokens = rows.reduce(TokenCounts()) { $0 + $1.tokens }
    let hasShare = !totalCost.isZero
    var totals: [Cell] = [
      .text("Total"), .count(rows.map(\.requests).reduce(0, +)), .count(tokens.input), .count(tokens.output),
      .count(tokens.cacheRead), .count(tokens.cacheWrite5m + tokens.cacheWrite1h),
      .money(totalCost), .percent(hasShare ? 100 : nil), .count(rows.map(\.unpricedRequests).reduce(0, +)),
    ]
    if markupPercent != nil { totals.append(.money(charges.compactMap { $0 }.sum())) }
    if hasRevenue {
      let margin = totalRevenue - totalCost
      let shownMargin = totalRevenue.rounded(precision: precision) - totalCost.rounded(precision: precision)
      totals += [
        .money(totalRevenue), presented(margin, shownMargin), .percent(margin.percent(of: totalRevenue)),
      ]
    }

    var header = windowHeader(window)
    if let markupPercent { header.append(("markup_pct", .decimal(markupPercent.displayDecimal))) }
    header.append(unpricedModelsMember(unpricedModels))
    return ReportTable(name: "chargeback", columns: columns, rows: body, totals: totals, header: header)
  }

  /// Lines for stderr: unpriced models, and tenants the revenue file and the ledger disagree on.
  public var warnings: [String] {
    unpricedWarnings(unpricedModels)
      + revenueMismatchWarnings(
        revenueWithoutUsage: revenueWithoutUsage, usageWithoutRevenue: usageWithoutRevenue)
  }
}

/// Warnings for tenants the revenue file and the ledger disagree on (often a misspelt name).
func revenueMismatchWarnings(revenueWithoutUsage: [String], usageWithoutRevenue: [String]) -> [String] {
  var lines: [String] = []
  if !revenueWithoutUsage.isEmpty {
    // A revenue name close to a tenant with usage and no revenue line is most likely a typo.
    let named = revenueWithoutUsage.map { name in
      let close = Suggestions.closest(to: name, among: usageWithoutRevenue)
      return close.isEmpty ? name : "\(name) (did you mean \(Suggestions.orList(close))?)"
    }
    lines.append(
      "revenue but no usage in the period (check the tenant names match the ledger): \(named.joined(separator: ", "))"
    )
  }
  if !usageWithoutRevenue.isEmpty {
    lines.append(
      "usage but no line in the revenue file (their margin is minus their cost): \(usageWithoutRevenue.joined(separator: ", "))"
    )
  }
  return lines
}
