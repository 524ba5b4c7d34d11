import Foundation

extension ChargebackReport {
  /// The contract columns. Tables and CSV show cost, share, charge and revenue allocated by
  /// largest remainder, so each rounded column adds up exactly to its rounded total, and the
  /// rounded margin is the rounded revenue minus the allocated cost (`ReportTable.presented`);
  /// JSON carries the exact values.
  ///
  /// With components (allocations), `cost_usd` is the direct cost, each component has its own
  /// CSV and JSON column (allocated by largest remainder; the unattributed one spreads the
  /// `(unattributed)` row's shown cost), `allocated_usd` sums the allocation columns and
  /// `total_cost_usd` the direct cost and every component, both from the shown cells; share,
  /// charge and margin are of the total.
  public var table: ReportTable {
    let hasComponents = !components.isEmpty
    let allocationColumns = components.filter(\.isAllocation).map(\.column)
    var columns = [
      Column("tenant", title: "Tenant"),
      Column("requests", title: "Requests", dropPriority: 3),
      Column("input_tokens", title: "Input", dropPriority: 4),
      Column("output_tokens", title: "Output", dropPriority: 4),
      Column("cache_read_tokens", title: "Cache reads", dropPriority: 5),
      Column("cache_write_tokens", title: "Cache writes", dropPriority: 5),
      Column("cost_usd", title: hasComponents ? "Direct" : "Cost", rounding: .allocated),
    ]
    if hasComponents {
      for component in components {
        columns.append(
          Column(
            component.column, title: component.isAllocation ? component.column : "Adjustment",
            exportOnly: component.isAllocation,
            rounding: component.column == AllocationPolicy.unattributedColumn
              ? .spread(from: "cost_usd") : .allocated))
      }
      if !allocationColumns.isEmpty {
        columns.append(Column("allocated_usd", title: "Allocated", rounding: .sumOf(allocationColumns)))
      }
      let others = components.filter { !$0.isAllocation }.map(\.column)
      let parts = ["cost_usd"] + (allocationColumns.isEmpty ? [] : ["allocated_usd"]) + others
      columns.append(Column("total_cost_usd", title: "Total", rounding: .sumOf(parts)))
    }
    let costKey = hasComponents ? "total_cost_usd" : "cost_usd"
    columns += [
      Column("share_pct", title: "Share", dropPriority: 1, rounding: .allocated),
      Column("unpriced_requests", title: "Unpriced", dropPriority: 2),
    ]
    if markupPercent != nil { columns.append(Column("charge_usd", title: "Charge", rounding: .allocated)) }
    if hasRevenue {
      columns += [
        Column("revenue_usd", title: "Revenue", rounding: .allocated),
        Column(
          "gross_margin_usd", title: "Gross margin", rounding: .difference("revenue_usd", minus: costKey)),
        Column("gross_margin_pct", title: "Margin %", dropPriority: 1),
      ]
    }

    /// The component cells of a row: each component, `allocated_usd`, `total_cost_usd`.
    func componentCells(_ amounts: [Money], total: Money?) -> [Cell] {
      guard hasComponents else { return [] }
      var cells = amounts.map { Cell.money($0) }
      if !allocationColumns.isEmpty {
        cells.append(.money(zip(components, amounts).filter { $0.0.isAllocation }.map(\.1).sum()))
      }
      cells.append(.money(total))
      return cells
    }

    var body: [[Cell]] = []
    for row in rows {
      var cells: [Cell] = [
        .text(row.tenant), .count(row.requests), .count(row.tokens.input), .count(row.tokens.output),
        .count(row.tokens.cacheRead), .count(row.tokens.cacheWrite5m + row.tokens.cacheWrite1h),
        .money(row.cost),
      ]
      cells += componentCells(row.components, total: row.total)
      cells += [.percent(share(of: row)), .count(row.unpricedRequests)]
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
    let hasShare = !grandTotal.isZero
    var totals: [Cell] = [
      .text("Total"), .count(rows.map(\.requests).reduce(0, +)), .count(tokens.input), .count(tokens.output),
      .count(tokens.cacheRead), .count(tokens.cacheWrite5m + tokens.cacheWrite1h),
      .money(totalCost),
    ]
    totals += componentCells(components.map(\.total), total: grandTotal)
    totals += [.percent(hasShare ? 100 : nil), .count(rows.map(\.unpricedRequests).reduce(0, +))]
    if markupPercent != nil { totals.append(.money(rows.compactMap(charge(of:)).sum())) }
    if hasRevenue {
      let margin = totalRevenue - grandTotal
      totals += [.money(totalRevenue), .money(margin), .percent(margin.percent(of: totalRevenue))]
    }

    var header = windowHeader(window)
    if let markupPercent { header.append(("markup_pct", .decimal(markupPercent.displayDecimal))) }
    header.append(unpricedModelsMember(unpricedModels))
    var trailer: [(key: String, value: JSONValue)] = []
    if !allocations.isEmpty { trailer.append(("allocations", .array(allocations.map(\.json)))) }
    if !adjustments.isEmpty { trailer.append(("adjustments", .array(adjustments.map(\.json)))) }
    return ReportTable(
      name: "chargeback", columns: columns, rows: body, totals: totals, header: header, trailer: trailer)
  }

  /// The allocation policy as printed under the terminal table, one line per allocation; nil
  /// without allocations.
  public var allocationNotes: String? {
    guard !allocations.isEmpty else { return nil }
    return "Allocations (allocated_usd):\n" + allocations.map { "- \(Allocation.describe($0))\n" }.joined()
  }

  /// The prior-period adjustments as printed under the terminal table; nil without any.
  public var adjustmentNotes: String? {
    guard !adjustments.isEmpty else { return nil }
    let lines = adjustments.map { adjustment -> String in
      var parts: [String] = []
      if !adjustment.lateUsage.isZero || adjustment.lateRequests > 0 {
        parts.append(
          "late usage \(adjustment.lateUsage.terminal()) (\(grouped(adjustment.lateRequests)) request\(adjustment.lateRequests == 1 ? "" : "s"))"
        )
      }
      if !adjustment.repricing.isZero { parts.append("repricing \(adjustment.repricing.terminal())") }
      return
        "- \(adjustment.monthName) \(adjustment.tenant): \(adjustment.amount.terminal()) (\(parts.joined(separator: ", ")))\n"
    }
    return "Prior-period adjustments (adjustment_usd), corrections of closed months:\n" + lines.joined()
  }

  /// `table` as tables and CSV show it at `precision` (see `ReportTable.presented`).
  public func table(precision: Int) -> ReportTable { table.presented(precision: precision) }

  /// Lines for stderr: unpriced models, and tenants the revenue file and the ledger disagree on.
  public var warnings: [String] {
    unpricedWarnings(unpricedModels) + providerWarnings + allocationWarnings
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

extension TenantAdjustment {
  /// `{month, tenant, late_requests, late_usage_usd, repricing_usd, amount_usd}`, exact.
  public var json: JSONValue {
    .object([
      ("month", .string(monthName)), ("tenant", .string(tenant)), ("late_requests", .integer(lateRequests)),
      ("late_usage_usd", .decimal(lateUsage.value.displayDecimal)),
      ("repricing_usd", .decimal(repricing.value.displayDecimal)),
      ("amount_usd", .decimal(amount.value.displayDecimal)),
    ])
  }
}

extension AllocationResult {
  /// `{name, column, amount_usd, method, weights, ratios}`: the policy and its outcome, exact,
  /// for finance to file with the invoice. `ratios` are `printedRatios` (they sum to exactly 1).
  public var json: JSONValue {
    .object([
      ("name", .string(policy.name)), ("column", .string(policy.column)),
      ("amount_usd", .decimal(policy.amount.value.displayDecimal)),
      ("method", .string(policy.method.rawValue)),
      ("weights", .object(policy.weights.map { ($0.tenant, .decimal($0.value.displayDecimal)) })),
      ("ratios", .object(printedRatios.map { ($0.tenant, .decimal($0.ratio)) })),
    ])
  }
}
