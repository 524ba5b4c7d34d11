import Foundation

extension ReviewReport {
  /// The review as one self-contained HTML page: headline figures, SVG charts with the same
  /// figures in a table under each, and the commands that print every figure. Every figure is
  /// a presented cell of a section's report, marked `data-figure="SECTION.COLUMN"` with
  /// `data-row` (the row's names joined with `|`) or `data-total`.
  public func html(generator: String) -> String {
    ReviewTemplate.render(ReviewPageBuilder(self).page(generator))
  }
}

/// Lays the review out: which figures go where, and the charts' geometry.
struct ReviewPageBuilder {
  let review: ReviewReport
  let precision: Int
  let change: SectionReader
  let byModel: SectionReader
  let dailyByModel: SectionReader
  let daily: SectionReader
  let previousDaily: SectionReader
  let history: SectionReader
  let chargeback: SectionReader
  let jobs: SectionReader
  let opportunities: SectionReader
  let budget: SectionReader?
  let reconcile: SectionReader?

  init(_ review: ReviewReport) {
    self.review = review
    precision = review.request.precision
    func reader(_ section: ReviewSection, _ keys: [String]) -> SectionReader {
      SectionReader(section: section, keys: keys, precision: review.request.precision)
    }
    change = reader(review.headline, ["month"])
    byModel = reader(review.byModel, ["model"])
    dailyByModel = reader(review.dailyByModel, ["day", "model"])
    daily = reader(review.daily, ["day"])
    previousDaily = reader(review.previousDaily, ["day"])
    history = reader(review.history, ["month"])
    chargeback = reader(review.chargeback, ["tenant"])
    jobs = reader(review.jobs, ["job"])
    opportunities = reader(review.opportunities, ["job"])
    budget = review.budget.map { reader($0, ["scope", "name"]) }
    reconcile = review.reconcile.map { reader($0, ["model"]) }
  }

  var hasRevenue: Bool { chargeback.index("revenue_usd") != nil }

  func page(_ generator: String) -> PageView {
    let window = review.request.window
    let closed = review.closed
    let status =
      closed.map {
        "Closed on \($0.closedAt) by \($0.closedBy): these are the figures as closed; later usage and price changes are prior-period adjustments of the next month."
      }
      ?? "Open month: figures change as more usage is ingested; close the month (tally close \(review.month)) to freeze them."
    var sections = [dailySection(), tenantSection(), jobsSection(), batchSection()]
    if let budget { sections.append(budgetSection(budget)) }
    if let reconcile { sections.append(reconcileSection(reconcile)) }
    var sources = [
      SourceView(
        what: "Headline spend, list cost, batch savings, daily totals", sourceCommand: review.daily.command),
      SourceView(what: "Previous month", sourceCommand: review.previousDaily.command),
      SourceView(what: "Models", sourceCommand: review.byModel.command),
      SourceView(what: "Daily spend by model", sourceCommand: review.dailyByModel.command),
      SourceView(what: "Tenants", sourceCommand: review.chargeback.command),
      SourceView(what: "Jobs", sourceCommand: review.jobs.command),
      SourceView(what: "Batch savings so far", sourceCommand: review.history.command),
      SourceView(what: "Opportunities", sourceCommand: review.opportunities.command),
    ]
    if let budget = review.budget {
      sources.append(SourceView(what: "Budgets", sourceCommand: budget.command))
    }
    if let reconcile = review.reconcile {
      sources.append(SourceView(what: "Reconciliation", sourceCommand: reconcile.command))
    }
    var alerts: [String] = []
    if let summary = review.budgetAlerts { alerts.append("Budgets: " + summary + ".") }
    if let exceeded = review.reconcileExceeded, exceeded > 0 {
      alerts.append(
        "Reconciliation: \(exceeded) row\(exceeded == 1 ? "" : "s") beyond tolerance against the provider's reports (see below)."
      )
    }
    return PageView(
      title: "Spend review \(review.month)", heading: "LLM spend review: \(review.month)",
      subtitle:
        "\(window.from!) to \(window.to!) (\(window.zoneName)), compared with \(review.previousMonth). Every figure is a cell of a Tally report, rounded as its CSV is.",
      status: status, statusClass: closed == nil ? "open" : "closed", cards: cards(), alerts: alerts,
      sections: sections, prices: review.prices.map(priceLine), command: review.request.command,
      sources: sources, warnings: review.warnings, generator: generator)
  }

  func priceLine(_ source: PriceSource) -> String {
    (source.bundled ? "bundled " : "your table ") + "\(source.description) (xxh64 \(source.hash))"
  }

  // MARK: - Headline

  func cards() -> [CardView] {
    let month = change.table.rows[0]
    var cards: [CardView] = []
    let changeFigure = change.figure("change_usd", row: month)
    cards.append(
      CardView(
        label: "Spend in \(review.month)", cardFigure: FigureView(change.figure("cost_usd", row: month)!),
        details: [
          DetailView(
            detailLabel: "\(review.previousMonth):",
            spans: [.figure(change.figure("previous_cost_usd", row: month))]),
          DetailView(
            detailLabel: "Change:",
            spans: [.figure(changeFigure)] + percentSpans(change.figure("change_pct", row: month))),
        ], tone: ""))
    cards.append(
      CardView(
        label: "List cost (all at sync rates)",
        cardFigure: FigureView(change.figure("list_cost_usd", row: month)!),
        details: [], tone: ""))
    cards.append(
      CardView(
        label: "Saved by batch in \(review.month)",
        cardFigure: FigureView(change.figure("batch_savings_usd", row: month)!),
        details: [
          DetailView(
            detailLabel: "Saved so far, up to \(review.month):",
            spans: [.figure(history.figure("batch_savings_usd", row: nil))]),
          DetailView(
            detailLabel: "More to save by moving sync jobs:",
            spans: [.figure(opportunities.figure("monthly_savings_usd", row: nil)), .text(" a month")]),
        ], tone: "good"))
    if hasRevenue, let margin = chargeback.figure("gross_margin_usd", row: nil) {
      cards.append(
        CardView(
          label: "Gross margin", cardFigure: FigureView(margin),
          details: [
            DetailView(
              detailLabel: "Margin:", spans: [.figure(chargeback.figure("gross_margin_pct", row: nil))]),
            DetailView(detailLabel: "Revenue:", spans: [.figure(chargeback.figure("revenue_usd", row: nil))]),
          ], tone: margin.negative ? "bad" : "good"))
    }
    if let row = chargeback.row(unattributed), let cost = chargeback.figure(costKey, row: row) {
      cards.append(
        CardView(
          label: "Unattributed cost", cardFigure: FigureView(cost),
          details: [
            DetailView(
              detailLabel: "Share of the month:", spans: [.figure(chargeback.figure("share_pct", row: row))])
          ], tone: ""))
    }
    return cards
  }

  /// ` (12.50%)`, or nothing for an empty percentage (a change from zero).
  func percentSpans(_ figure: Figure?) -> [SpanView] {
    guard let figure, !figure.text.isEmpty else { return [] }
    return [.text(" ("), .figure(figure), .text(")")]
  }

  /// `total_cost_usd` when the chargeback has components (prior-period adjustments), else `cost_usd`.
  var costKey: String { chargeback.index("total_cost_usd") != nil ? "total_cost_usd" : "cost_usd" }

  // MARK: - Daily spend

  func dailySection() -> SectionView {
    let models = byModel.table.rows.map { byModel.text("model", row: $0) }
    var chartModels = models
    // A chart with the smallest models summed draws them as one series.
    let lumped = dailyByModel.table.rows.map { dailyByModel.text("model", row: $0) }.filter {
      !models.contains($0)
    }
    if let other = lumped.first {
      chartModels = sortedModels(models).prefix(review.request.chartModels - 1) + [other]
    }
    let days = dayList()
    let geometry = ChartGeometry(width: 760, height: 320, left: 58, right: 12, top: 14, bottom: 34)
    // Heights come from the shown figures: the stacks are the model cells, the line the previous
    // month's daily totals.
    var stacks: [[Figure?]] = []
    for day in days {
      stacks.append(
        chartModels.map { model in
          dailyByModel.row("\(day)|\(model)").flatMap { dailyByModel.figure("cost_usd", row: $0) }
        })
    }
    let previousDays = previousDayList()
    let previous = previousDays.map { day in
      previousDaily.row(day.description).flatMap { previousDaily.figure("cost_usd", row: $0) }
    }
    let stackMax = stacks.map { $0.compactMap { $0?.double }.filter { $0 > 0 }.reduce(0, +) }.max() ?? 0
    let lineMax = previous.compactMap { $0?.double }.max() ?? 0
    let scale = AxisScale(maximum: max(stackMax, lineMax))
    var rects: [RectView] = []
    var lines: [LineView] = []
    var texts: [TextView] = []
    for tick in scale.ticks {
      let y = geometry.y(tick, scale: scale)
      lines.append(
        LineView(x1: f(geometry.left), y1: f(y), x2: f(geometry.plotRight), y2: f(y), lineClass: "grid"))
      texts.append(
        TextView(
          x: f(geometry.left - 6), y: f(y + 3.5), anchor: "end", textClass: "axis", axis: true,
          spans: [.text(scale.label(tick))]))
    }
    let slot = geometry.plotWidth / Double(max(days.count, 1))
    let barWidth = slot * 0.72
    for (index, day) in days.enumerated() {
      let x = geometry.left + slot * Double(index) + (slot - barWidth) / 2
      var base = 0.0
      for (series, figure) in stacks[index].enumerated() {
        guard let figure, figure.double > 0 else { continue }
        let top = base + figure.double
        let y0 = geometry.y(base, scale: scale)
        let y1 = geometry.y(top, scale: scale)
        rects.append(
          RectView(
            x: f(x), y: f(y1), w: f(barWidth), h: f(max(y0 - y1, 0.3)), fill: "url(#p\(series % 7))",
            rectClass: "bar",
            tip: TipView(
              tipText: "\(day), \(chartModels[series]): \(figure.text)", tipFigures: figure.figure,
              tipRow: figure.row)))
        base = top
      }
      let dayNumber = index + 1
      if dayNumber == 1 || dayNumber % 5 == 0 || dayNumber == days.count {
        texts.append(
          TextView(
            x: f(x + barWidth / 2), y: f(geometry.plotBottom + 14), anchor: "middle", textClass: "axis",
            axis: true,
            spans: [.text(String(dayNumber))]))
      }
    }
    lines.append(
      LineView(
        x1: f(geometry.left), y1: f(geometry.plotBottom), x2: f(geometry.plotRight),
        y2: f(geometry.plotBottom),
        lineClass: "zero"))
    texts.append(
      TextView(
        x: f(geometry.left + geometry.plotWidth / 2), y: f(geometry.height - 4), anchor: "middle",
        textClass: "axis",
        axis: true, spans: [.text("day of month")]))
    var points: [String] = []
    var circles: [CircleView] = []
    for (index, figure) in previous.enumerated() {
      guard let figure else { continue }
      let x = geometry.left + slot * (Double(index) + 0.5)
      let y = geometry.y(figure.double, scale: scale)
      points.append("\(f(x)),\(f(y))")
      circles.append(
        CircleView(
          cx: f(x), cy: f(y), r: "2.6", circleClass: "prev-dot",
          circleTip: TipView(
            tipText: "\(previousDays[index]) (\(review.previousMonth)): \(figure.text)",
            tipFigures: figure.figure,
            tipRow: figure.row)))
    }
    var legend = chartModels.enumerated().map { index, model in
      LegendView(
        fill: "url(#p\(index % 7))", legendLabel: model,
        legendSpans: byModel.row(model).map { [.figure(byModel.figure("cost_usd", row: $0))] } ?? [],
        isLine: false)
    }
    legend.append(
      LegendView(
        fill: "", legendLabel: "\(review.previousMonth), daily total",
        legendSpans: [.figure(previousDaily.figure("cost_usd", row: nil))], isLine: true))
    let chart = ChartView(
      chartID: "daily-chart",
      chartTitle: "Daily spend in \(review.month) by model, and \(review.previousMonth)",
      chartDescription:
        "Stacked bars: each day's cost per model in \(review.month); dashed line: each day's total in \(review.previousMonth), by day of month. The table below has every figure.",
      width: f(geometry.width), height: f(geometry.height), rects: rects, lines: lines,
      polylines: points.isEmpty
        ? [] : [PolylineView(points: points.joined(separator: " "), polylineClass: "prev-line")],
      circles: circles, texts: texts, legend: legend)
    return SectionView(
      sectionID: "daily", heading: "Daily spend by model",
      intro: [
        .text("Spend in \(review.month): "), .figure(daily.figure("cost_usd", row: nil)), .text(" against "),
        .figure(previousDaily.figure("cost_usd", row: nil)), .text(" in \(review.previousMonth)."),
      ], charts: [chart], tables: [dailyTable(days: days, models: chartModels, previousDays: previousDays)],
      notes: lumped.isEmpty
        ? []
        : [
          "The chart and table draw the \(review.request.chartModels - 1) largest models apart and sum the others per day into \(lumped[0]); report spend --by day,model lists them one by one."
        ])
  }

  func sortedModels(_ models: [String]) -> [String] {
    models.sorted { left, right in
      let (l, r) = (
        byModel.row(left).flatMap { byModel.figure("cost_usd", row: $0)?.value } ?? 0,
        byModel.row(right).flatMap { byModel.figure("cost_usd", row: $0)?.value } ?? 0
      )
      return l != r ? l > r : left < right
    }
  }

  /// Every day of the month.
  func dayList() -> [CivilDate] {
    let window = review.request.window
    return (0..<(window.days ?? 0)).map { window.from!.adding(days: $0) }
  }

  func previousDayList() -> [CivilDate] {
    let first = review.request.window.from!.adding(days: -1).startOfMonth
    let count = review.request.window.from!.adding(days: -1).day
    return (0..<count).map { first.adding(days: $0) }
  }

  func dailyTable(days: [CivilDate], models: [String], previousDays: [CivilDate]) -> TableView {
    var headers = [HeaderView(title: "Day", numericHeader: false)]
    headers += models.map { HeaderView(title: $0, numericHeader: true) }
    headers += [
      HeaderView(title: "Total", numericHeader: true),
      HeaderView(title: "Same day of \(review.previousMonth)", numericHeader: true),
    ]
    func cell(_ figure: Figure?) -> CellView {
      CellView(text: "", cellFigure: figure.map(FigureView.init), rowHeader: false)
    }
    var rows: [RowView] = []
    for (index, day) in days.enumerated() {
      var cells = [CellView(text: day.description, cellFigure: nil, rowHeader: true)]
      cells += models.map { model in
        cell(dailyByModel.row("\(day)|\(model)").flatMap { dailyByModel.figure("cost_usd", row: $0) })
      }
      cells.append(cell(daily.row(day.description).flatMap { daily.figure("cost_usd", row: $0) }))
      let previousDay = index < previousDays.count ? previousDays[index] : nil
      cells.append(
        cell(
          previousDay.flatMap { previousDaily.row($0.description) }.flatMap {
            previousDaily.figure("cost_usd", row: $0)
          }))
      rows.append(RowView(cells: cells, rowClass: nil))
    }
    var totals = [CellView(text: "Total", cellFigure: nil, rowHeader: true)]
    totals += models.map { model in cell(byModel.row(model).flatMap { byModel.figure("cost_usd", row: $0) }) }
    totals += [cell(daily.figure("cost_usd", row: nil)), cell(previousDaily.figure("cost_usd", row: nil))]
    return TableView(
      tableCaption: "Cost per day and model", headers: headers, rows: rows,
      totalsRow: RowView(cells: totals, rowClass: nil), source: review.dailyByModel.command,
      tableNote:
        "The model cells are report spend --by day,model, the totals report spend --by day and --by model; each report allocates its rounding against its own total, so a day's model cells can differ from its total by a cent."
    )
  }

  // MARK: - Tenants

  func tenantSection() -> SectionView {
    let rows = chargeback.table.rows
    let marginIndex = chargeback.index("gross_margin_usd")
    // Money-losing tenants first when there is revenue; else by cost, as the report sorts.
    let ordered: [[Cell]] =
      hasRevenue
      ? rows.enumerated().sorted { left, right in
        let l = chargeback.figure("gross_margin_usd", row: left.element)?.value
        let r = chargeback.figure("gross_margin_usd", row: right.element)?.value
        switch (l, r) {
        case (let a?, let b?) where a != b: return a < b
        case (.some, nil): return true
        case (nil, .some): return false
        default: return left.offset < right.offset
        }
      }.map(\.element) : rows
    let rowHeight = 22.0
    let nameWidth = 170.0
    let costLeft = nameWidth + 8
    let costWidth = hasRevenue ? 220.0 : 470.0
    let marginLeft = costLeft + costWidth + 90
    let marginWidth = 760 - marginLeft - 130
    let top = 30.0
    let height = top + rowHeight * Double(ordered.count) + 10
    let costs = ordered.map { chargeback.figure(costKey, row: $0) }
    let margins = ordered.map { chargeback.figure("gross_margin_usd", row: $0) }
    let costMax = costs.compactMap { $0?.double }.max() ?? 0
    let marginMin = min(0, margins.compactMap { $0?.double }.min() ?? 0)
    let marginMax = max(0, margins.compactMap { $0?.double }.max() ?? 0)
    let span = max(marginMax - marginMin, 1e-9)
    let zeroX = marginLeft + marginWidth * (-marginMin / span)
    var rects: [RectView] = []
    var lines: [LineView] = []
    var texts: [TextView] = [
      TextView(
        x: f(costLeft), y: "16", anchor: "start", textClass: "axis", axis: true,
        spans: [.text(hasRevenue ? "Cost" : "Cost (sorted by cost)")])
    ]
    if hasRevenue {
      texts.append(
        TextView(
          x: f(marginLeft), y: "16", anchor: "start", textClass: "axis", axis: true,
          spans: [.text("Gross margin, money-losing tenants first")]))
      lines.append(
        LineView(x1: f(zeroX), y1: f(top - 6), x2: f(zeroX), y2: f(height - 6), lineClass: "zero"))
    }
    for (index, row) in ordered.enumerated() {
      let name = chargeback.text("tenant", row: row)
      let y = top + rowHeight * Double(index)
      let isUnattributed = name == unattributed
      texts.append(
        TextView(
          x: f(nameWidth), y: f(y + 14), anchor: "end", textClass: "name", axis: false,
          spans: [.text(String(name.prefix(28)))]))
      if let cost = costs[index] {
        let w = costMax > 0 ? costWidth * cost.double / costMax : 0
        rects.append(
          RectView(
            x: f(costLeft), y: f(y + 4), w: f(max(w, cost.double > 0 ? 0.8 : 0)), h: f(rowHeight - 8),
            fill: isUnattributed ? "url(#none)" : "#0072b2", rectClass: "bar",
            tip: TipView(
              tipText: "\(name): cost \(cost.text)", tipFigures: cost.figure, tipRow: cost.row)))
        texts.append(
          TextView(
            x: f(costLeft + w + 4), y: f(y + 14), anchor: "start", textClass: "value", axis: false,
            spans: [.figure(cost)]))
      }
      if hasRevenue, let margin = margins[index], marginIndex != nil {
        let w = marginWidth * abs(margin.double) / span
        let x = margin.negative ? zeroX - w : zeroX
        let percent = chargeback.figure("gross_margin_pct", row: row)
        let tipFigures = [margin.figure] + (percent?.text.isEmpty == false ? [percent!.figure] : [])
        rects.append(
          RectView(
            x: f(x), y: f(y + 4), w: f(max(w, 0.8)), h: f(rowHeight - 8),
            fill: margin.negative ? "url(#loss)" : "#009e73", rectClass: "bar",
            tip: TipView(
              tipText: "\(name): gross margin \(margin.text)"
                + (percent?.text.isEmpty == false ? " (\(percent!.text) of revenue)" : ", no revenue"),
              tipFigures: tipFigures.joined(separator: " "), tipRow: margin.row)))
        var spans: [SpanView] = [.figure(margin)]
        if let percent, !percent.text.isEmpty { spans += [.text(" ("), .figure(percent), .text(")")] }
        texts.append(
          TextView(
            x: f(max(zeroX, x + w) + 4), y: f(y + 14), anchor: "start", textClass: "value", axis: false,
            spans: spans))
      }
    }
    var legend = [
      LegendView(fill: "#0072b2", legendLabel: "cost", legendSpans: [], isLine: false),
      LegendView(fill: "url(#none)", legendLabel: "\(unattributed) cost", legendSpans: [], isLine: false),
    ]
    if hasRevenue {
      legend += [
        LegendView(fill: "#009e73", legendLabel: "positive gross margin", legendSpans: [], isLine: false),
        LegendView(
          fill: "url(#loss)", legendLabel: "negative gross margin (loses money)", legendSpans: [],
          isLine: false),
      ]
    }
    let chart = ChartView(
      chartID: "tenant-chart", chartTitle: "Cost and gross margin per tenant, \(review.month)",
      chartDescription: hasRevenue
        ? "Per tenant: a bar of its cost, and a bar of its gross margin from zero, negative margins to the left, hatched."
        : "Per tenant: a bar of its cost.",
      width: "760", height: f(height), rects: rects, lines: lines, polylines: [], circles: [], texts: texts,
      legend: legend)
    var columns = ["requests", "cost_usd"]
    if chargeback.index("adjustment_usd") != nil { columns += ["adjustment_usd", "total_cost_usd"] }
    columns += ["share_pct"]
    if hasRevenue { columns += ["revenue_usd", "gross_margin_usd", "gross_margin_pct"] }
    columns += ["unpriced_requests"]
    var intro: [SpanView] = []
    if let row = chargeback.row(unattributed) {
      intro = [
        .text("Usage no rule attributed to a tenant, \(unattributed): "),
        .figure(chargeback.figure(costKey, row: row)),
        .text(", "), .figure(chargeback.figure("share_pct", row: row)), .text(" of the month's cost."),
      ]
    }
    return SectionView(
      sectionID: "tenants", heading: hasRevenue ? "Cost and gross margin per tenant" : "Cost per tenant",
      intro: intro,
      charts: [chart],
      tables: [
        table(
          chargeback, name: "tenant", title: "Tenant", columns: columns, command: review.chargeback.command)
      ],
      notes: [])
  }

  // MARK: - Jobs

  func jobsSection() -> SectionView {
    let rows = jobs.table.rows
    let rowHeight = 22.0
    let nameWidth = 170.0
    let barLeft = nameWidth + 8
    let barWidth = 300.0
    let top = 8.0
    let height = top + rowHeight * Double(rows.count) + 6
    let costs = rows.map { jobs.figure("cost_usd", row: $0) }
    let maximum = costs.compactMap { $0?.double }.max() ?? 0
    var rects: [RectView] = []
    var texts: [TextView] = []
    for (index, row) in rows.enumerated() {
      let name = jobs.text("job", row: row)
      let y = top + rowHeight * Double(index)
      texts.append(
        TextView(
          x: f(nameWidth), y: f(y + 14), anchor: "end", textClass: "name", axis: false,
          spans: [.text(String(name.prefix(28)))]))
      guard let cost = costs[index] else { continue }
      let w = maximum > 0 ? barWidth * cost.double / maximum : 0
      let share = jobs.figure("batch_share_pct", row: row)
      let failed = jobs.figure("failed_requests", row: row)
      let batchy = (share?.value ?? 0) >= 50
      rects.append(
        RectView(
          x: f(barLeft), y: f(y + 4), w: f(max(w, cost.double > 0 ? 0.8 : 0)), h: f(rowHeight - 8),
          fill: batchy ? "url(#p2)" : "#0072b2", rectClass: "bar",
          tip: TipView(tipText: "\(name): cost \(cost.text)", tipFigures: cost.figure, tipRow: cost.row)))
      var spans: [SpanView] = [.figure(cost)]
      if let share, !share.text.isEmpty { spans += [.text(", batch "), .figure(share)] }
      if let failed, (failed.value ?? 0) > 0 { spans += [.text(", failed "), .figure(failed)] }
      texts.append(
        TextView(
          x: f(barLeft + w + 4), y: f(y + 14), anchor: "start", textClass: "value", axis: false, spans: spans)
      )
    }
    let chart = ChartView(
      chartID: "jobs-chart", chartTitle: "Cost per job, \(review.month)",
      chartDescription:
        "Per job: a bar of its cost, dotted green when at least half of its billed requests went through a batch API; labels give the batch share and failed requests.",
      width: "760", height: f(height), rects: rects, lines: [], polylines: [], circles: [], texts: texts,
      legend: [
        LegendView(fill: "#0072b2", legendLabel: "mostly sync", legendSpans: [], isLine: false),
        LegendView(
          fill: "url(#p2)", legendLabel: "mostly batch (half or more of billed requests)", legendSpans: [],
          isLine: false),
      ])
    return SectionView(
      sectionID: "jobs", heading: "Jobs: cost, batch share, failures",
      intro: [
        .text("Failed requests (errored, canceled, expired; not billed): "),
        .figure(jobs.figure("failed_requests", row: nil)),
        .text(" of "), .figure(jobs.figure("requests", row: nil)),
        .text(". Batch share of billed requests: "),
        .figure(jobs.figure("batch_share_pct", row: nil)), .text("."),
      ], charts: [chart],
      tables: [
        table(
          jobs, name: "job", title: "Job",
          columns: [
            "requests", "billed_requests", "failed_requests", "batch_share_pct", "cost_usd",
            "cost_per_request_usd",
          ],
          command: review.jobs.command)
      ], notes: [])
  }

  // MARK: - Batch savings and opportunities

  func batchSection() -> SectionView {
    let rows = opportunities.table.rows
    let rowHeight = 30.0
    let nameWidth = 170.0
    let barLeft = nameWidth + 8
    let barWidth = 330.0
    let top = 8.0
    let height = top + rowHeight * Double(rows.count) + 6
    let savings = rows.map { opportunities.figure("monthly_savings_usd", row: $0) }
    let worst = rows.map { opportunities.figure("worst_case_monthly_savings_usd", row: $0) }
    let values = (savings + worst).compactMap { $0?.double }
    let maximum = max(values.max() ?? 0, 0)
    let minimum = min(values.min() ?? 0, 0)
    let span = max(maximum - minimum, 1e-9)
    let zeroX = barLeft + barWidth * (-minimum / span)
    var rects: [RectView] = []
    var texts: [TextView] = []
    var lines: [LineView] = []
    for (index, row) in rows.enumerated() {
      let name = opportunities.text("job", row: row)
      let y = top + rowHeight * Double(index)
      texts.append(
        TextView(
          x: f(nameWidth), y: f(y + 17), anchor: "end", textClass: "name", axis: false,
          spans: [.text(String(name.prefix(28)))]))
      for (offset, figure, fill, label) in [
        (0.0, savings[index], "#009e73", "saves"), (12.0, worst[index], "url(#worst)", "worst case"),
      ] {
        guard let figure else { continue }
        let w = barWidth * abs(figure.double) / span
        let x = figure.negative ? zeroX - w : zeroX
        rects.append(
          RectView(
            x: f(x), y: f(y + 4 + offset), w: f(max(w, 0.8)), h: "10", fill: fill, rectClass: "bar",
            tip: TipView(
              tipText: "\(name): \(label) \(figure.text) a month", tipFigures: figure.figure,
              tipRow: figure.row)))
        texts.append(
          TextView(
            x: f(max(zeroX, x + w) + 4), y: f(y + 13 + offset), anchor: "start", textClass: "value",
            axis: false,
            spans: [.text(label + " "), .figure(figure), .text("/mo")]))
      }
    }
    if !rows.isEmpty {
      lines.append(LineView(x1: f(zeroX), y1: "4", x2: f(zeroX), y2: f(height - 2), lineClass: "zero"))
    }
    let chart = ChartView(
      chartID: "opportunities-chart", chartTitle: "What moving sync traffic to batch would save, per month",
      chartDescription:
        "Per job: the monthly savings at batch rates (solid) and in the worst case, when every cache read misses and is written again (hatched).",
      width: "760", height: f(height), rects: rects, lines: lines, polylines: [], circles: [], texts: texts,
      legend: [
        LegendView(fill: "#009e73", legendLabel: "savings a month", legendSpans: [], isLine: false),
        LegendView(
          fill: "url(#worst)", legendLabel: "worst case a month (batch cache hits miss)", legendSpans: [],
          isLine: false),
      ])
    return SectionView(
      sectionID: "batch", heading: "Batch: saved so far, and what to move next",
      intro: [
        .text("Batch saved "), .figure(change.figure("batch_savings_usd", row: change.table.rows[0])),
        .text(" in \(review.month) and "), .figure(history.figure("batch_savings_usd", row: nil)),
        .text(" in all up to it. Moving the sync jobs below would save "),
        .figure(opportunities.figure("monthly_savings_usd", row: nil)), .text(" a month, "),
        .figure(opportunities.figure("worst_case_monthly_savings_usd", row: nil)),
        .text(" in the worst case."),
      ],
      charts: rows.isEmpty ? [] : [chart],
      tables: [
        table(
          history, name: "month", title: "Month", columns: ["batch_savings_usd"],
          command: review.history.command, caption: "Batch savings month by month",
          note:
            "Months of this table are allocated against the total of all of them, so a month's cell can differ by a cent from the month's own report."
        ),
        table(
          opportunities, name: "job", title: "Job", leading: ["rank"],
          columns: [
            "sync_cost_usd", "savings_usd", "monthly_savings_usd", "worst_case_monthly_savings_usd",
            "share_of_spend_pct", "verdict",
          ],
          command: review.opportunities.command, caption: "Top opportunities (report opportunities)"),
      ], notes: review.assumptions)
  }

  // MARK: - Budgets and reconciliation

  func budgetSection(_ budget: SectionReader) -> SectionView {
    let rows = budget.table.rows
    let rowHeight = 24.0
    let nameWidth = 200.0
    let barLeft = nameWidth + 8
    let barWidth = 330.0
    let top = 8.0
    let height = top + rowHeight * Double(rows.count) + 6
    var rects: [RectView] = []
    var texts: [TextView] = []
    var lines: [LineView] = []
    let ratios = rows.map { row -> (actual: Double, projected: Double) in
      let amount = budget.figure("budget_usd", row: row)?.double ?? 0
      guard amount > 0 else { return (0, 0) }
      return (
        (budget.figure("actual_usd", row: row)?.double ?? 0) / amount,
        (budget.figure("projected_usd", row: row)?.double ?? 0) / amount
      )
    }
    let scaleMax = max(1.25, ratios.map { max($0.actual, $0.projected) }.max() ?? 1)
    for (index, row) in rows.enumerated() {
      let name = [budget.text("scope", row: row), budget.text("name", row: row)].filter { !$0.isEmpty }
        .joined(
          separator: " ")
      let y = top + rowHeight * Double(index)
      let status = budget.text("status", row: row)
      texts.append(
        TextView(
          x: f(nameWidth), y: f(y + 15), anchor: "end", textClass: "name", axis: false,
          spans: [.text(String(name.prefix(32)))]))
      rects.append(
        RectView(
          x: f(barLeft), y: f(y + 4), w: f(barWidth / scaleMax), h: f(rowHeight - 8), fill: "#f2f2f2",
          rectClass: "track",
          tip: nil))
      let actual = budget.figure("actual_usd", row: row)
      let used = budget.figure("used_pct", row: row)
      let w = barWidth * min(ratios[index].actual, scaleMax) / scaleMax
      rects.append(
        RectView(
          x: f(barLeft), y: f(y + 4), w: f(max(w, 0.8)), h: f(rowHeight - 8),
          fill: status == "over" ? "url(#loss)" : status == "ok" ? "#009e73" : "#e69f00", rectClass: "bar",
          tip: actual.map {
            TipView(tipText: "\(name): actual \($0.text)", tipFigures: $0.figure, tipRow: $0.row)
          }))
      let projectedX = barLeft + barWidth * min(ratios[index].projected, scaleMax) / scaleMax
      lines.append(
        LineView(
          x1: f(projectedX), y1: f(y + 2), x2: f(projectedX), y2: f(y + rowHeight - 2), lineClass: "mark"))
      var spans: [SpanView] = [.figure(actual)]
      if let used, !used.text.isEmpty { spans += [.text(" ("), .figure(used), .text(")")] }
      spans += [.text(" of "), .figure(budget.figure("budget_usd", row: row)), .text(", " + status)]
      texts.append(
        TextView(
          x: f(barLeft + barWidth + 8), y: f(y + 15), anchor: "start", textClass: "value", axis: false,
          spans: spans))
    }
    let hundred = barLeft + barWidth / scaleMax
    lines.append(LineView(x1: f(hundred), y1: "2", x2: f(hundred), y2: f(height - 2), lineClass: "zero"))
    let chart = ChartView(
      chartID: "budget-chart", chartTitle: "Budgets: actual against budget",
      chartDescription:
        "Per budget line: the grey track is the budget (the solid vertical line marks the budget itself), the bar the actual so far, the short black mark the projection to month end by days elapsed.",
      width: "760", height: f(height), rects: rects, lines: lines, polylines: [], circles: [], texts: texts,
      legend: [
        LegendView(fill: "#009e73", legendLabel: "ok", legendSpans: [], isLine: false),
        LegendView(fill: "#e69f00", legendLabel: "warning or projected over", legendSpans: [], isLine: false),
        LegendView(fill: "url(#loss)", legendLabel: "over", legendSpans: [], isLine: false),
      ])
    return SectionView(
      sectionID: "budgets", heading: "Budgets", intro: [], charts: [chart],
      tables: [
        table(
          budget, name: "name", title: "Name", leading: ["scope"],
          columns: [
            "budget_usd", "actual_usd", "used_pct", "projected_usd", "projected_7d_usd", "variance_usd",
            "overrun_date", "status",
          ],
          command: budget.section.command)
      ], notes: review.budgetNote.map { [$0] } ?? [])
  }

  func reconcileSection(_ reconcile: SectionReader) -> SectionView {
    let exceeded = review.reconcileExceeded ?? 0
    return SectionView(
      sectionID: "reconcile", heading: "Reconciliation with the provider's reports",
      intro: [
        .text(
          exceeded == 0
            ? "Every model agrees with the provider's usage and cost reports."
            : "Models that differ from the provider's reports are marked in the verdict column.")
      ], charts: [],
      tables: [
        table(
          reconcile, name: "model", title: "Model",
          columns: [
            "match", "ledger_tokens", "provider_tokens", "ledger_cost_usd", "provider_cost_usd", "delta_usd",
            "delta_usd_pct", "verdict",
          ],
          command: reconcile.section.command)
      ], notes: [])
  }

  // MARK: - Tables

  /// A table of `columns` of a section, its name column first (as a row header), with the
  /// section's totals row when it has one.
  func table(
    _ reader: SectionReader, name: String, title: String, leading: [String] = [], columns: [String],
    command: String,
    caption: String? = nil, note: String? = nil
  ) -> TableView {
    let present = columns.filter { reader.index($0) != nil }
    let titles = Dictionary(reader.table.columns.map { ($0.key, $0.title) }, uniquingKeysWith: { a, _ in a })
    var headers = leading.map { HeaderView(title: titles[$0] ?? $0, numericHeader: false) }
    headers.append(HeaderView(title: title, numericHeader: false))
    func cells(_ row: [Cell]?) -> [CellView] {
      let source = row ?? reader.table.totals!
      var cells = leading.map {
        CellView(text: row == nil ? "" : reader.text($0, row: source), cellFigure: nil, rowHeader: false)
      }
      cells.append(
        CellView(
          text: row == nil ? "Total" : reader.text(name, row: source), cellFigure: nil, rowHeader: true))
      for key in present {
        let cell = source[reader.index(key)!]
        if cell.isNumber {
          cells.append(
            CellView(
              text: "", cellFigure: reader.figure(key, row: row).map(FigureView.init), rowHeader: false))
        } else {
          cells.append(
            CellView(text: TableRenderer.text(cell, precision: precision), cellFigure: nil, rowHeader: false))
        }
      }
      return cells
    }
    headers += present.map { key in
      HeaderView(
        title: titles[key] ?? key,
        numericHeader: reader.table.rows.first.map { $0[reader.index(key)!].isNumber } ?? true)
    }
    let rows = reader.table.rows.map { row -> RowView in
      let label = reader.text(name, row: row)
      let rowClass = label == unattributed ? "unattributed" : label.hasSuffix(" others)") ? "others" : nil
      return RowView(cells: cells(row), rowClass: rowClass)
    }
    return TableView(
      tableCaption: caption, headers: headers, rows: rows,
      totalsRow: reader.table.totals.map { _ in RowView(cells: cells(nil), rowClass: nil) }, source: command,
      tableNote: note)
  }

  /// A coordinate with one decimal: geometry, not money.
  func f(_ value: Double) -> String { String(format: "%.1f", value) }
}

extension Cell {
  /// A count, amount, percentage or quantity: a figure on the page.
  var isNumber: Bool {
    switch self {
    case .count, .money, .percent, .quantity: true
    case .presented(_, let shown): shown.isNumber
    default: false
    }
  }
}

/// The plot area of a chart, in SVG user units.
struct ChartGeometry {
  let width: Double
  let height: Double
  let left: Double
  let right: Double
  let top: Double
  let bottom: Double

  var plotWidth: Double { width - left - right }
  var plotHeight: Double { height - top - bottom }
  var plotRight: Double { width - right }
  var plotBottom: Double { height - bottom }

  func y(_ value: Double, scale: AxisScale) -> Double {
    plotBottom - plotHeight * (scale.top > 0 ? value / scale.top : 0)
  }
}

/// A value axis from zero with round gridlines (1, 2, 2.5 or 5 times a power of ten).
struct AxisScale {
  let step: Double
  let top: Double

  init(maximum: Double) {
    let target = max(maximum, 0.01) / 5
    let power = pow(10, floor(log10(target)))
    let step = [1, 2, 2.5, 5, 10].map { $0 * power }.first { $0 >= target } ?? 10 * power
    self.step = step
    top = max(step, ceil(max(maximum, 0.01) / step) * step)
  }

  var ticks: [Double] { stride(from: 0, through: top + step / 2, by: step).map { $0 } }

  /// `$25`, `$2.50`, `$0.05`: a gridline's value.
  func label(_ value: Double) -> String {
    let decimals = step >= 1 ? 0 : step >= 0.1 ? 1 : 2
    return "$" + String(format: "%.\(decimals == 1 ? 2 : decimals)f", value)
  }
}
