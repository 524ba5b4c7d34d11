import Foundation

extension ChargebackReport {
  /// The contract columns. Tables and CSV show cost, share, charge and revenue allocated by
  /// largest remainder, so each rounded column adds up exactly to its rounded total, and the
  /// rounded margin is the rounded revenue minus the allocated cost (`ReportTable.presented`);
  /// JSON carries the exact values.
  public var table: ReportTable {
    var columns = [
      Column("tenant", title: "Tenant"),
      Column("requests", title: "Requests", dropPriority: 3),
      Column("input_tokens", title: "Input", dropPriority: 4),
      Column("output_tokens", title: "Output", dropPriority: 4),
      Column("cache_read_tokens", title: "Cache reads", dropPriority: 5),
      Column("cache_write_tokens", title: "Cache writes", dropPriority: 5),
      Column("cost_usd", title: "Cost", rounding: .allocated),
      Column("share_pct", title: "Share", dropPriority: 1, rounding: .allocated),
      Column("unpriced_requests", title: "Unpriced", dropPriority: 2),
    ]
    if markupPercent != nil { columns.append(Column("charge_usd", title: "Charge", rounding: .allocated)) }
    if hasRevenue {
      columns += [
        Column("revenue_usd", title: "Revenue", rounding: .allocated),
        Column(
          "gross_margin_usd", title: "Gross margin", rounding: .difference("revenue_usd", minus: "cost_usd")),
        Column("gross_margin_pct", title: "Margin %", dropPriority: 1),
      ]
    }

    var body: [[Cell]] = []
    for row in rows {
      var cells: [Cell] = [
        .text(row.tenant), .count(row.requests), .count(row.tokens.input), .count(row.tokens.output),
        .count(row.tokens.cacheRead), .count(row.tokens.cacheWrite5m + row.tokens.cacheWrite1h),
        .money(row.cost), .percent(share(of: row)), .count(row.unpricedRequests),
      ]
      if markupPercent != nil { cells.append(.money(charge(of: row))) }
      if hasRevenue {
        cells += [
          .money(row.revenue), .money(row.grossMargin),
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
    if markupPercent != nil { totals.append(.money(rows.compactMap(charge(of:)).sum())) }
    if hasRevenue {
      let margin = totalRevenue - totalCost
      totals += [.money(totalRevenue), .money(margin), .percent(margin.percent(of: totalRevenue))]
    }

    var header = windowHeader(window)
    if let markupPercent { header.append(("markup_pct", .decimal(markupPercent.displayDecimal))) }
    header.append(unpricedModelsMember(unpricedModels))
    return ReportTable(name: "chargeback", columns: columns, rows: body, totals: totals, header: header)
  }

  /// `table` as tables and CSV show it at `precision` (see `ReportTable.presented`).
  public func table(precision: Int) -> ReportTable { table.presented(precision: precision) }

  /// Lines for stderr: unpriced models, and tenants the revenue file and the ledger disagree on.
  public var warnings: [String] {
    unpricedWarnings(unpricedModels) + providerWarnings
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
