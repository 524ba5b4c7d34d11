import Foundation

extension EstimateReport {
  /// The per-workload table with a totals row; JSON adds `at`, `days_per_month` and `margin`.
  public var table: ReportTable {
    let columns = [
      Column("workload", title: "Workload"),
      Column("model", title: "Model", dropPriority: 3),
      Column("context", title: "Context", dropPriority: 4),
      Column("requests", title: "Requests/mo", rounding: .allocated),
      Column("input_tokens", title: "Input tok/mo", dropPriority: 2, rounding: .allocated),
      Column("output_tokens", title: "Output tok/mo", dropPriority: 2, rounding: .allocated),
      Column("sync_cost_usd", title: "Sync/mo", rounding: .allocated),
      Column("batch_cost_usd", title: "Batch/mo", rounding: .allocated),
      Column(
        "savings_usd", title: "Savings/mo", rounding: .difference("sync_cost_usd", minus: "batch_cost_usd")),
      Column("savings_pct", title: "Savings %", dropPriority: 1),
    ]
    let rows: [[Cell]] = rows.map { row in
      [
        .text(row.workload), .text(row.model), .text(row.context), .quantity(row.requests),
        .quantity(row.inputTokens),
        .quantity(row.outputTokens), .money(row.syncCost), .money(row.batchCost), .money(row.savings),
        .percent(row.savingsPercent),
      ]
    }
    let totals: [Cell] = [
      .text("Total"), .text(""), .text(""), .quantity(totalRequests), .quantity(totalInputTokens),
      .quantity(totalOutputTokens),
      .money(totalSyncCost), .money(totalBatchCost), .money(totalSavings), .percent(totalSavingsPercent),
    ]
    let trailer = margin.map { [("margin", $0.json)] } ?? []
    return ReportTable(
      name: "estimate", columns: columns, rows: rows, totals: totals,
      header: [("at", .string(at.description)), ("days_per_month", .decimal(daysPerMonth))], trailer: trailer)
  }
}

extension MarginProjection {
  /// The contract's `margin` member.
  var json: JSONValue {
    var members: [(key: String, value: JSONValue)] = [
      ("revenue_usd", Cell.money(revenue).json),
      ("other_cogs_usd", Cell.money(otherCOGS).json),
      ("baseline_cost_usd", Cell.money(baselineCost).json),
      ("scenario_cost_usd", Cell.money(scenarioCost).json),
      ("baseline_gross_margin_pct", Cell.percent(baselineGrossMarginPercent).json),
      ("scenario_gross_margin_pct", Cell.percent(scenarioGrossMarginPercent).json),
    ]
    if let worstScenarioCost {
      members += [
        ("worst_case_scenario_cost_usd", Cell.money(worstScenarioCost).json),
        ("worst_case_scenario_gross_margin_pct", Cell.percent(worstScenarioGrossMarginPercent).json),
      ]
    }
    return .object(members)
  }

  /// Revenue, costs and gross margin side by side, for terminal output.
  ///
  /// With a worst case (what-if), a third column shows it. CSV keys: `line`, `baseline`,
  /// `scenario`, `worst_case_scenario`. With `precision`, the gross margin shown is the shown
  /// revenue minus the shown costs above it (JSON keeps the exact margin), as difference columns
  /// do in `ReportTable.presented`.
  public func table(baselineTitle: String, scenarioTitle: String, precision: Int? = nil) -> ReportTable {
    var columns = [
      Column("line", title: "Gross margin per month"), Column("baseline", title: baselineTitle),
      Column("scenario", title: scenarioTitle),
    ]
    let costs: [Money?] = [baselineCost, scenarioCost] + (worstScenarioCost.map { [$0] } ?? [])
    if worstScenarioCost != nil { columns.append(Column("worst_case_scenario", title: "Worst case")) }
    let revenueCells: [Cell] = costs.map { _ in .money(revenue) }
    let costCells: [Cell] = costs.map { .money($0) }
    let cogsCells: [Cell] = costs.map { _ in .money(otherCOGS) }
    let marginCells: [Cell] = costs.map { grossMargin(cost: $0, precision: precision) }
    let percentCells: [Cell] = costs.map { cost in .percent(cost.flatMap { grossMarginPercent(cost: $0) }) }
    return ReportTable(
      name: "margin", columns: columns,
      rows: [
        [.text("Revenue")] + revenueCells, [.text("Inference cost")] + costCells,
        [.text("Other COGS")] + cogsCells, [.text("Gross margin")] + marginCells,
        [.text("Gross margin %")] + percentCells,
      ])
  }

  private func grossMargin(cost: Money?, precision: Int?) -> Cell {
    guard let cost else { return .money(nil) }
    let exact = Cell.money(revenue - cost - otherCOGS)
    guard let precision else { return exact }
    let shown = [revenue, -cost, -otherCOGS].map { $0.rounded(precision: precision) }.sum()
    return .presented(exact: exact, shown: .money(shown))
  }
}
