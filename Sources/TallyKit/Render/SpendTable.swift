extension SpendReport {
  /// The contract columns: the `--by` dimensions, token counts, list cost, cost, savings,
  /// unpriced requests; totals cover priced usage only.
  ///
  /// When the rows are split by day, week or month, terminal tables also show each row's cost
  /// as a bar beside it (the table-only `trend` column, a fraction of the largest row cost).
  public var table: ReportTable {
    let dimensionColumns = by.map { Column($0.rawValue, title: $0.rawValue.capitalized) }
    let showsTrend = by.contains { [.day, .week, .month].contains($0) }
    // The bar is what makes a trend readable at a glance: it stays longer than the rarer token
    // categories (searches, cache writes) but goes before the main token counts and costs.
    let trendColumns = showsTrend ? [Column("trend", title: "Trend", dropPriority: 5, tableOnly: true)] : []
    let columns =
      dimensionColumns + [
        Column("requests", title: "Requests"),
        Column("input_tokens", title: "Input", dropPriority: 3),
        Column("cache_write_5m_tokens", title: "5m writes", dropPriority: 6),
        Column("cache_write_1h_tokens", title: "1h writes", dropPriority: 7),
        Column("cache_read_tokens", title: "Cache reads", dropPriority: 4),
        Column("output_tokens", title: "Output", dropPriority: 3),
        // Audio is rare: a table shows its columns only when there is some, and on a narrow
        // terminal they go first.
        Column("audio_input_tokens", title: "Audio in", dropPriority: 9, tableHidesZeros: true),
        Column("audio_output_tokens", title: "Audio out", dropPriority: 9, tableHidesZeros: true),
        Column("web_searches", title: "Searches", dropPriority: 8),
        Column("list_cost_usd", title: "List cost", dropPriority: 2, rounding: .allocated),
        Column("cost_usd", title: "Cost", rounding: .allocated),
      ] + trendColumns + [
        Column(
          "batch_savings_usd", title: "Batch savings", dropPriority: 1,
          rounding: .difference("list_cost_usd", minus: "cost_usd")),
        Column("unpriced_requests", title: "Unpriced", dropPriority: 2),
      ]
    let largestCost = rows.compactMap(\.cost).max()
    func trend(_ cost: Money?) -> Cell {
      guard let cost, let largestCost, cost > .zero, largestCost > .zero else { return .bar(0) }
      return .bar(cost.value / largestCost.value)
    }
    func cells(_ row: SpendRow, trend: Cell) -> [Cell] {
      [
        .count(row.requests), .count(row.tokens.input), .count(row.tokens.cacheWrite5m),
        .count(row.tokens.cacheWrite1h),
        .count(row.tokens.cacheRead), .count(row.tokens.output), .count(row.tokens.audioInput),
        .count(row.tokens.audioOutput), .count(row.webSearches),
        .money(row.listCost),
        .money(row.cost),
      ] + (showsTrend ? [trend] : []) + [.money(row.batchSavings), .count(row.unpricedRequests)]
    }
    let total = totals
    let header =
      [("by", JSONValue.array(by.map { .string($0.rawValue) }))] + windowHeader(window)
      + [unpricedModelsMember(unpricedModels)]
    return ReportTable(
      name: "spend", columns: columns,
      rows: rows.map { $0.values.map(Cell.text) + cells($0, trend: trend($0.cost)) },
      totals: [.text("Total")] + Array(repeating: .text(""), count: max(0, by.count - 1))
        + cells(total, trend: .text("")),
      header: header)
  }

  /// Lines for stderr: which models were left unpriced and that totals exclude them.
  public var warnings: [String] { unpricedWarnings(unpricedModels) + providerWarnings }
}
