import Foundation

extension JobsReport {
  /// The contract columns plus `unpriced_requests`, with a totals row.
  public var table: ReportTable {
    let columns = [
      Column("job", title: "Job"),
      Column("requests", title: "Requests", dropPriority: 2),
      Column("billed_requests", title: "Billed"),
      Column("failed_requests", title: "Failed", dropPriority: 3),
      Column("batch_share_pct", title: "Batch %"),
      Column("avg_input_tokens", title: "Avg input", dropPriority: 4),
      Column("avg_output_tokens", title: "Avg output", dropPriority: 4),
      Column("cost_usd", title: "Cost", rounding: .allocated),
      Column("cost_per_request_usd", title: "Cost/billed req", dropPriority: 1),
      Column("unpriced_requests", title: "Unpriced", dropPriority: 5),
    ]
    func cells(_ row: JobRow) -> [Cell] {
      [
        .count(row.requests), .count(row.billedRequests), .count(row.failedRequests),
        .percent(row.batchSharePercent),
        .quantity(row.averageInputTokens), .quantity(row.averageOutputTokens), .money(row.cost),
        .money(row.costPerRequest), .count(row.unpricedRequests),
      ]
    }
    return ReportTable(
      name: "jobs", columns: columns, rows: rows.map { [.text($0.job)] + cells($0) },
      totals: [.text("Total")] + cells(totals),
      header: windowHeader(window) + [unpricedModelsMember(unpricedModels)])
  }

  public var warnings: [String] { unpricedWarnings(unpricedModels) }
}

extension BatchesReport {
  /// The contract columns plus `unpriced_requests`, with a totals row; times in the report's zone.
  public var table: ReportTable {
    let columns = [
      Column("batch", title: "Batch"),
      Column("created_at", title: "Created", dropPriority: 3),
      Column("ended_at", title: "Ended", dropPriority: 4),
      Column("turnaround_minutes", title: "Minutes"),
      Column("requests", title: "Requests"),
      Column("succeeded", title: "Succeeded", dropPriority: 2),
      Column("errored", title: "Errored", dropPriority: 2),
      Column("canceled", title: "Canceled", dropPriority: 2),
      Column("expired", title: "Expired", dropPriority: 2),
      Column("cost_usd", title: "Cost", rounding: .allocated),
      Column("batch_savings_usd", title: "Savings", dropPriority: 1, rounding: .allocated),
      Column("unpriced_requests", title: "Unpriced", dropPriority: 5),
    ]
    func cells(_ row: BatchRow) -> [Cell] {
      [.count(row.requests)] + RequestStatus.allCases.map { .count(row.counts[$0] ?? 0) } + [
        .money(row.cost), .money(row.batchSavings), .count(row.unpricedRequests),
      ]
    }
    func time(_ instant: Int64?) -> Cell { instant.map { .text(window.format($0)) } ?? .text("") }
    let body = rows.map { row in
      [.text(row.batch), time(row.createdAt), time(row.endedAt), .quantity(row.turnaroundMinutes)]
        + cells(row)
    }
    return ReportTable(
      name: "batches", columns: columns, rows: body,
      totals: [.text("Total"), .text(""), .text(""), .text("")] + cells(totals),
      header: windowHeader(window) + [unpricedModelsMember(unpricedModels)])
  }

  public var warnings: [String] { unpricedWarnings(unpricedModels) }
}
