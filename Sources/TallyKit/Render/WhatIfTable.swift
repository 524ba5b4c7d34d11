import Foundation

extension WhatIfReport {
  /// Per group: baseline, scenario, delta and delta %, plus `unpriced_requests`; with revenue,
  /// each tenant's gross margin before and after and a verdict. JSON adds the baseline, the
  /// changes, `monthly`, `annual` and, with `[finance]`, `margin`.
  public var table: ReportTable {
    var columns = by.map { Column($0.rawValue, title: $0.rawValue.capitalized) }
    columns += [
      Column("baseline_cost_usd", title: "Baseline", rounding: .allocated),
      Column("scenario_cost_usd", title: "Scenario", rounding: .sum("baseline_cost_usd", plus: "delta_usd")),
      Column("delta_usd", title: "Delta", rounding: .allocated),
      Column("delta_pct", title: "Delta %", dropPriority: 1),
    ]
    if hasWorstCase {
      columns += [
        Column(
          "worst_case_scenario_cost_usd", title: "Worst case", dropPriority: 3,
          rounding: .sum("baseline_cost_usd", plus: "worst_case_delta_usd")),
        Column("worst_case_delta_usd", title: "Worst delta", dropPriority: 3, rounding: .allocated),
      ]
    }
    columns.append(Column("unpriced_requests", title: "Unpriced", dropPriority: 2))
    if hasRevenue {
      columns += [
        Column("revenue_usd", title: "Revenue", rounding: .allocated),
        Column(
          "baseline_gross_margin_usd", title: "Margin before", dropPriority: 3,
          rounding: .difference("revenue_usd", minus: "baseline_cost_usd")),
        Column(
          "scenario_gross_margin_usd", title: "Margin after", dropPriority: 3,
          rounding: .difference("revenue_usd", minus: "scenario_cost_usd")),
        Column("baseline_gross_margin_pct", title: "Before %"),
        Column("scenario_gross_margin_pct", title: "After %"),
        Column("verdict", title: "Verdict", dropPriority: 4),
      ]
    }
    func cells(_ row: WhatIfRow, label: [Cell], isTotal: Bool = false) -> [Cell] {
      // A row of unpriced usage only has unknown costs: empty cells, never $0.
      func money(_ amount: Money) -> Cell { .money(row.priced ? amount : nil) }
      var cells =
        label + [
          money(row.baselineCost), money(row.scenarioCost), money(row.delta),
          .percent(row.priced ? row.deltaPercent : nil),
        ]
      if hasWorstCase { cells += [money(row.worstScenarioCost), money(row.worstDelta)] }
      cells.append(.count(row.unpricedRequests))
      if hasRevenue {
        cells += [
          .money(row.revenue), money(row.baselineMargin), money(row.scenarioMargin),
          .percent(row.baselineMarginPercent), .percent(row.scenarioMarginPercent),
          .text(isTotal ? "" : row.verdict),
        ]
      }
      return cells
    }
    let totalLabel: [Cell] = [.text("Total")] + Array(repeating: .text(""), count: by.count - 1)

    var header: [(key: String, value: JSONValue)] = [("file", .string(file))]
    switch baseline {
    case .ledger(let window, let days, let at):
      header += [("baseline", .string("ledger"))] + windowHeader(window)
      header += [("days", .integer(days)), ("at", at.map { .string($0.description) } ?? .null)]
    case .workloads(let at):
      header += [("baseline", .string("workloads")), ("at", .string(at.description))]
    }
    header.append(("days_per_month", .decimal(daysPerMonth)))
    header.append(
      (
        "changes",
        .array(
          changes.map { change in
            .object([
              ("number", .integer(change.number)), ("kind", .string(change.kind.name)),
              ("where", .string(change.selector.description)), ("description", .string(change.description)),
            ])
          })
      ))
    header.append(unpricedModelsMember(unpricedModels))
    header.append(("assumptions", .array(assumptions.map(JSONValue.string))))

    // `savings_usd` is the contract's name (baseline minus scenario); `delta_usd` has the sign of
    // every other delta in the report (scenario minus baseline).
    func projection(_ figures: WhatIfProjection) -> JSONValue {
      var members: [(key: String, value: JSONValue)] = [
        ("baseline_cost_usd", Cell.money(figures.baselineCost).json),
        ("scenario_cost_usd", Cell.money(figures.scenarioCost).json),
        ("savings_usd", Cell.money(figures.savings).json),
        ("delta_usd", Cell.money(figures.delta).json),
        ("delta_pct", Cell.percent(figures.deltaPercent).json),
      ]
      if hasWorstCase {
        members += [
          ("worst_case_scenario_cost_usd", Cell.money(figures.worstScenarioCost).json),
          ("worst_case_delta_usd", Cell.money(figures.worstDelta).json),
          ("worst_case_delta_pct", Cell.percent(figures.worstDeltaPercent).json),
        ]
      }
      return .object(members)
    }
    var trailer: [(key: String, value: JSONValue)] = [
      ("monthly", projection(monthly)), ("annual", projection(annual)),
    ]
    if let margin { trailer.append(("margin", margin.json)) }
    return ReportTable(
      name: "whatif", columns: columns,
      rows: rows.map { row in cells(row, label: row.values.map(Cell.text)) },
      totals: cells(totals, label: totalLabel, isTotal: true), header: header, trailer: trailer)
  }

  /// For the terminal: what the baseline is and the changes, one per line.
  public var heading: String {
    var text: String
    switch baseline {
    case .ledger(let window, let days, let at):
      text =
        "What-if \(file) on ledger usage \(window.description) (\(days) day\(days == 1 ? "" : "s")), "
        + (at.map { "at the rates in force on \($0)" } ?? "at each day's rates") + ":\n"
    case .workloads(let at):
      text = "What-if \(file) on its declared workloads, per month at the rates in force on \(at):\n"
    }
    for change in changes { text += "  \(change.number). \(change.description)\n" }
    if changes.isEmpty { text += "  (no [[change]] entries: the scenario is the baseline)\n" }
    return text
  }

  /// The monthly and annual projection: the same columns and sign as the rows (delta = scenario
  /// minus baseline, negative when cheaper); each delta rounded on its own and each scenario the
  /// shown baseline plus the shown delta, as in the rows.
  public var projectionTable: ReportTable {
    var columns = [
      Column("period", title: "Projection"), Column("baseline_cost_usd", title: "Baseline"),
      Column("scenario_cost_usd", title: "Scenario", rounding: .sum("baseline_cost_usd", plus: "delta_usd")),
      Column("delta_usd", title: "Delta"),
      Column("delta_pct", title: "Delta %"),
    ]
    if hasWorstCase {
      columns += [
        Column(
          "worst_case_scenario_cost_usd", title: "Worst case",
          rounding: .sum("baseline_cost_usd", plus: "worst_case_delta_usd")),
        Column("worst_case_delta_usd", title: "Worst delta"),
      ]
    }
    func row(_ label: String, _ figures: WhatIfProjection) -> [Cell] {
      var cells: [Cell] = [
        .text(label), .money(figures.baselineCost), .money(figures.scenarioCost), .money(figures.delta),
        .percent(figures.deltaPercent),
      ]
      if hasWorstCase { cells += [.money(figures.worstScenarioCost), .money(figures.worstDelta)] }
      return cells
    }
    return ReportTable(
      name: "projection", columns: columns,
      rows: [row("Per month (\(ExactDecimal.plain(daysPerMonth)) days)", monthly), row("Per year", annual)])
  }
}
