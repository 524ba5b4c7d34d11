import Foundation

extension WhatIfReport {
  /// Per group: baseline, scenario, delta and delta %, plus `unpriced_requests`; with revenue,
  /// each tenant's gross margin before and after and a verdict. JSON adds the baseline, the
  /// changes, `monthly`, `annual` and, with `[finance]`, `margin`.
  public var table: ReportTable {
    var columns = by.map { Column($0.rawValue, title: $0.rawValue.capitalized) }
    columns += [
      Column("baseline_cost_usd", title: "Baseline"),
      Column("scenario_cost_usd", title: "Scenario"),
      Column("delta_usd", title: "Delta"),
      Column("delta_pct", title: "Delta %", dropPriority: 1),
      Column("unpriced_requests", title: "Unpriced", dropPriority: 2),
    ]
    if hasRevenue {
      columns += [
        Column("revenue_usd", title: "Revenue"),
        Column("baseline_gross_margin_usd", title: "Margin before", dropPriority: 3),
        Column("scenario_gross_margin_usd", title: "Margin after", dropPriority: 3),
        Column("baseline_gross_margin_pct", title: "Before %"),
        Column("scenario_gross_margin_pct", title: "After %"),
        Column("verdict", title: "Verdict", dropPriority: 4),
      ]
    }
    func cells(_ row: WhatIfRow, label: [Cell]) -> [Cell] {
      // A row of unpriced usage only has unknown costs: empty cells, never $0.
      func money(_ amount: Money) -> Cell { .money(row.priced ? amount : nil) }
      var cells =
        label + [
          money(row.baselineCost), money(row.scenarioCost), money(row.delta),
          .percent(row.priced ? row.deltaPercent : nil), .count(row.unpricedRequests),
        ]
      if hasRevenue {
        cells += [
          .money(row.revenue), money(row.baselineMargin), money(row.scenarioMargin),
          .percent(row.baselineMarginPercent), .percent(row.scenarioMarginPercent),
          .text(label.count == 1 && label[0] == .text("Total") ? "" : row.verdict),
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

    var trailer: [(key: String, value: JSONValue)] = [
      (
        "monthly",
        .object([
          ("baseline_cost_usd", Cell.money(monthlyBaselineCost).json),
          ("scenario_cost_usd", Cell.money(monthlyScenarioCost).json),
          ("savings_usd", Cell.money(monthlySavings).json),
        ])
      ),
      (
        "annual",
        .object([
          ("baseline_cost_usd", Cell.money(monthlyBaselineCost * 12).json),
          ("scenario_cost_usd", Cell.money(monthlyScenarioCost * 12).json),
          ("savings_usd", Cell.money(annualSavings).json),
        ])
      ),
    ]
    if let margin { trailer.append(("margin", margin.json)) }
    return ReportTable(
      name: "whatif", columns: columns,
      rows: rows.map { row in cells(row, label: row.values.map(Cell.text)) },
      totals: cells(totals, label: totalLabel), header: header, trailer: trailer)
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

  /// The monthly and annual projection, for the terminal.
  public var projectionTable: ReportTable {
    let month = "Per month (\(ExactDecimal.plain(daysPerMonth)) days)"
    return ReportTable(
      name: "projection",
      columns: [
        Column("period", title: "Projection"), Column("baseline", title: "Baseline"),
        Column("scenario", title: "Scenario"), Column("savings", title: "Savings"),
        Column("savings_pct", title: "Savings %"),
      ],
      rows: [
        [
          .text(month), .money(monthlyBaselineCost), .money(monthlyScenarioCost), .money(monthlySavings),
          .percent(monthlySavings.percent(of: monthlyBaselineCost)),
        ],
        [
          .text("Per year"), .money(monthlyBaselineCost * 12), .money(monthlyScenarioCost * 12),
          .money(annualSavings), .percent(monthlySavings.percent(of: monthlyBaselineCost)),
        ],
      ])
  }
}
