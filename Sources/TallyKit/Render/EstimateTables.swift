import Foundation

extension EstimateReport {
  /// The per-workload table with a totals row; JSON adds `at`, `days_per_month` and `margin`.
  public var table: ReportTable {
    let columns = [
      Column("workload", title: "Workload"),
      Column("model", title: "Model", dropPriority: 3),
      Column("requests", title: "Requests/mo"),
      Column("input_tokens", title: "Input tok/mo", dropPriority: 2),
      Column("output_tokens", title: "Output tok/mo", dropPriority: 2),
      Column("sync_cost_usd", title: "Sync/mo"),
      Column("batch_cost_usd", title: "Batch/mo"),
      Column("savings_usd", title: "Savings/mo"),
      Column("savings_pct", title: "Savings %", dropPriority: 1),
    ]
    let rows: [[Cell]] = rows.map { row in
      [
        .text(row.workload), .text(row.model), .quantity(row.requests), .quantity(row.inputTokens),
        .quantity(row.outputTokens), .money(row.syncCost), .money(row.batchCost), .money(row.savings),
        .percent(row.savingsPercent),
      ]
    }
    let totals: [Cell] = [
      .text("Total"), .text(""), .quantity(totalRequests), .quantity(totalInputTokens),
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
    .object([
      ("revenue_usd", Cell.money(revenue).json),
      ("other_cogs_usd", Cell.money(otherCOGS).json),
      ("baseline_cost_usd", Cell.money(baselineCost).json),
      ("scenario_cost_usd", Cell.money(scenarioCost).json),
      ("baseline_gross_margin_pct", Cell.percent(baselineGrossMarginPercent).json),
      ("scenario_gross_margin_pct", Cell.percent(scenarioGrossMarginPercent).json),
    ])
  }

  /// Revenue, costs and gross margin side by side, for terminal output.
  public func table(baselineTitle: String, scenarioTitle: String) -> ReportTable {
    ReportTable(
      name: "margin",
      columns: [
        Column("line", title: "Gross margin per month"), Column("baseline", title: baselineTitle),
        Column("scenario", title: scenarioTitle),
      ],
      rows: [
        [.text("Revenue"), .money(revenue), .money(revenue)],
        [.text("Inference cost"), .money(baselineCost), .money(scenarioCost)],
        [.text("Other COGS"), .money(otherCOGS), .money(otherCOGS)],
        [
          .text("Gross margin"), .money(revenue - baselineCost - otherCOGS),
          .money(scenarioCost.map { revenue - $0 - otherCOGS }),
        ],
        [
          .text("Gross margin %"), .percent(baselineGrossMarginPercent), .percent(scenarioGrossMarginPercent),
        ],
      ])
  }
}
