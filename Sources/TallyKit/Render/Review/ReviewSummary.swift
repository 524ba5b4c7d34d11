import Foundation

extension ReviewReport {
  /// The review on one terminal screen: the headline figures, then the top rows of each section
  /// with the cost bars the spend report draws, every figure as the page shows it.
  public func terminalSummary(_ options: RenderOptions) -> String {
    let page = ReviewPageBuilder(self)
    var out =
      "Review of \(month), \(request.window.from!) to \(request.window.to!) (\(request.window.zoneName)):\n"
    var context = ReportContext(title: "", window: nil, prices: prices)
    context.closedMonths = closed.map { [$0] } ?? []
    out += context.pricesLine + context.closedLine
    if closed == nil { out += "Open month: figures change as more usage is ingested.\n" }
    out += "\n"

    let month = page.change.table.rows[0]
    func text(_ figure: Figure?) -> String { figure?.text ?? "" }
    /// An empty cell (no usage at all up to the month) as a plain zero.
    func or(_ text: String, _ zero: String) -> String { text.isEmpty ? zero : text }
    let changePercent = text(page.change.figure("change_pct", row: month))
    var headline: [(String, String)] = [
      (
        "Spend",
        "\(text(page.change.figure("cost_usd", row: month)))  (\(previousMonth): \(text(page.change.figure("previous_cost_usd", row: month))), change \(text(page.change.figure("change_usd", row: month)))\(changePercent.isEmpty ? "" : ", " + changePercent))"
      ),
      ("List cost", text(page.change.figure("list_cost_usd", row: month))),
      (
        "Batch saved",
        "\(text(page.change.figure("batch_savings_usd", row: month)))  (so far \(or(text(page.history.figure("batch_savings_usd", row: nil)), "$0")); \(or(text(page.opportunities.figure("monthly_savings_usd", row: nil)), "$0")) a month more by moving sync jobs)"
      ),
    ]
    if page.hasRevenue {
      headline.append(
        (
          "Gross margin",
          "\(text(page.chargeback.figure("gross_margin_usd", row: nil)))  (\(text(page.chargeback.figure("gross_margin_pct", row: nil))) of revenue \(text(page.chargeback.figure("revenue_usd", row: nil))))"
        ))
    }
    if let row = page.chargeback.row(unattributed) {
      headline.append(
        (
          "Unattributed",
          "\(text(page.chargeback.figure(page.costKey, row: row)))  (\(text(page.chargeback.figure("share_pct", row: row))) of cost)"
        ))
    }
    let labelWidth = headline.map(\.0.count).max() ?? 0
    for (label, value) in headline {
      out += label + String(repeating: " ", count: labelWidth - label.count + 2) + value + "\n"
    }
    if let budgetAlerts {
      out += "Budgets".padding(toLength: labelWidth + 2, withPad: " ", startingAt: 0) + budgetAlerts + "\n"
    }
    if let reconcileExceeded {
      out +=
        "Reconcile".padding(toLength: labelWidth + 2, withPad: " ", startingAt: 0)
        + (reconcileExceeded == 0
          ? "every model agrees with the provider's reports"
          : "\(reconcileExceeded) row\(reconcileExceeded == 1 ? "" : "s") beyond tolerance (tally reconcile --by model)")
        + "\n"
    }

    var tenantColumns = ["requests", page.costKey, "share_pct"]
    if page.hasRevenue { tenantColumns += ["gross_margin_usd", "gross_margin_pct"] }
    out += "\nTenants, by cost:\n"
    out += summaryTable(page.chargeback, columns: tenantColumns, bar: page.costKey, top: 6).renderTable(
      options)
    out += "\nJobs, by cost:\n"
    out +=
      summaryTable(
        page.jobs, columns: ["requests", "failed_requests", "batch_share_pct", "cost_usd"], bar: "cost_usd",
        top: 6
      )
      .renderTable(options)
    out += "\nWhat moving sync jobs to batch would save:\n"
    out +=
      summaryTable(
        page.opportunities, columns: ["monthly_savings_usd", "worst_case_monthly_savings_usd", "verdict"],
        bar: "monthly_savings_usd", top: 3, totals: false
      ).renderTable(options)
    out +=
      "\nThe page, with the daily chart and every table: tally review --month \(self.month) --format html\n"
    return out
  }

  /// The first `top` rows of a section (the rest summed into one row), its name column and
  /// `columns`, each cell as presented, and a bar of `bar` beside it.
  func summaryTable(_ reader: SectionReader, columns: [String], bar: String, top: Int, totals: Bool = true)
    -> ReportTable
  {
    var table = reader.table
    if let cut = try? table.reshaped(sort: nil, top: top) { table = cut }
    let keys = reader.keys.filter { reader.index($0) != nil }
    let present = columns.filter { reader.index($0) != nil }
    let barIndex = reader.index(bar)
    let largest = table.rows.filter { !reader.key(of: $0).hasSuffix(" others)") }.compactMap { row in
      barIndex.flatMap { row[$0].shownNumber(precision: reader.precision) }
    }.max()
    func shown(_ cell: Cell) -> Cell {
      if case .presented(_, let value) = cell { return shown(value) }
      return cell
    }
    func cells(_ row: [Cell], isTotal: Bool) -> [Cell] {
      var cells = keys.map { shown(row[reader.index($0)!]) }
      for key in present {
        cells.append(shown(row[reader.index(key)!]))
        if key == bar {
          guard !isTotal, !reader.key(of: row).hasSuffix(" others)"),
            let value = row[barIndex!].shownNumber(precision: reader.precision), let largest, largest > 0
          else {
            cells.append(.text(""))
            continue
          }
          cells.append(.bar(max(0, min(1, value / largest))))
        }
      }
      return cells
    }
    var summaryColumns = keys.map { key in reader.table.columns.first { $0.key == key }! }.map {
      Column($0.key, title: $0.title)
    }
    for key in present {
      let column = reader.table.columns.first { $0.key == key }!
      summaryColumns.append(Column(key, title: column.title, dropPriority: column.dropPriority))
      if key == bar { summaryColumns.append(Column("bar", title: "", dropPriority: 5, tableOnly: true)) }
    }
    return ReportTable(
      name: reader.table.name, columns: summaryColumns, rows: table.rows.map { cells($0, isTotal: false) },
      totals: totals ? table.totals.map { cells($0, isTotal: true) } : nil)
  }
}
