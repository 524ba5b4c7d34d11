import Foundation

/// A dimension `tally whatif --by` groups by.
public enum WhatIfDimension: String, Sendable, CaseIterable {
  case tenant, job, provider, model, mode, context, workload

  /// Parses `--by tenant,model`.
  public static func list(_ text: String) throws(ReportError) -> [WhatIfDimension] {
    try dimensionList(text)
  }

  func value(of line: ScenarioLine, prices: PriceBook) -> String {
    switch self {
    case .tenant: line.tenant
    case .job: line.job
    case .provider: line.provider
    case .model: line.model
    case .mode: line.mode.rawValue
    case .context: line.contextTier(prices)
    case .workload: line.workload ?? ""
    }
  }
}

/// What the scenario is applied to.
public enum WhatIfBaseline: Sendable {
  /// The ledger's billed usage in a window of whole days, priced at each day's rates or, with
  /// `at`, at that day's rates.
  case ledger(window: ReportWindow, days: Int, at: CivilDate?)
  /// A month of the file's declared workloads at the rates in force on `at`.
  case workloads(at: CivilDate)
}

/// One group of `tally whatif`: its cost before and after the changes, over the baseline.
public struct WhatIfRow: Sendable {
  /// One value per `--by` dimension (for a switched model, the row of the new model gets the
  /// scenario cost and the old model's row the baseline cost).
  public var values: [String]
  public var baselineCost: Money = .zero
  public var scenarioCost: Money = .zero
  /// The scenario if every cache read of the traffic it moves to batch misses (`BatchRisk`);
  /// the scenario cost where nothing moved.
  public var worstScenarioCost: Money = .zero
  /// Baseline requests that could not be priced: left out of both costs.
  public var unpricedRequests = 0
  /// Whether any priced usage fell in the row (else its costs are unknown, not zero).
  public var priced = false
  /// With `--revenue`: the tenant's revenue for the baseline's period; nil when it has no line.
  public var revenue: Money?

  /// Scenario minus baseline: negative when the scenario is cheaper.
  public var delta: Money { scenarioCost - baselineCost }
  /// Nil when the baseline cost is zero.
  public var deltaPercent: Exact? { delta.percent(of: baselineCost) }
  /// Worst-case scenario minus baseline.
  public var worstDelta: Money { worstScenarioCost - baselineCost }
  public var baselineMargin: Money { (revenue ?? .zero) - baselineCost }
  public var scenarioMargin: Money { (revenue ?? .zero) - scenarioCost }
  public var baselineMarginPercent: Exact? { revenue.flatMap { baselineMargin.percent(of: $0) } }
  public var scenarioMarginPercent: Exact? { revenue.flatMap { scenarioMargin.percent(of: $0) } }

  /// For `--revenue` rows: whether the tenant is profitable before and after.
  public var verdict: String {
    guard revenue != nil else { return "no revenue line" }
    switch (baselineMargin.value > 0, scenarioMargin.value > 0) {
    case (false, true): return "becomes profitable"
    case (true, false): return "becomes unprofitable"
    case (true, true):
      return scenarioMargin < baselineMargin ? "stays profitable, less so" : "stays profitable"
    case (false, false): return "stays unprofitable"
    }
  }
}

/// A what-if's totals scaled to a month or a year.
public struct WhatIfProjection: Sendable {
  public var baselineCost: Money
  public var scenarioCost: Money
  /// The scenario if every cache read of the traffic moved to batch misses (`BatchRisk`).
  public var worstScenarioCost: Money
  /// Scenario minus baseline: negative when the scenario is cheaper, the sign of every delta in
  /// the report.
  public var delta: Money
  /// The worst-case scenario minus baseline.
  public var worstDelta: Money
  /// Baseline minus scenario (`-delta`): the contract's `savings_usd`.
  public var savings: Money
  /// The delta in percent of the baseline; nil when the baseline is zero.
  public var deltaPercent: Exact?
  public var worstDeltaPercent: Exact?
}

/// `tally whatif`: a scenario's changes applied to a baseline, per group, with the monthly and
/// annual projection and the gross margin before and after.
public struct WhatIfReport: Sendable {
  public let file: String
  public let baseline: WhatIfBaseline
  public let daysPerMonth: Decimal
  public let changes: [ScenarioChange]
  public let by: [WhatIfDimension]
  /// Largest baseline cost first.
  public let rows: [WhatIfRow]
  /// Whether per-tenant revenue was given (adds the margin columns).
  public let hasRevenue: Bool
  public let finance: Finance?
  /// Model name → baseline requests that could not be priced.
  public let unpricedModels: [String: Int]
  public let warnings: [String]

  public var totals: WhatIfRow {
    var total = WhatIfRow(values: [])
    for row in rows {
      total.baselineCost = total.baselineCost + row.baselineCost
      total.scenarioCost = total.scenarioCost + row.scenarioCost
      total.worstScenarioCost = total.worstScenarioCost + row.worstScenarioCost
      total.unpricedRequests += row.unpricedRequests
      total.priced = total.priced || row.priced
      total.revenue += row.revenue
    }
    if hasRevenue, total.revenue == nil { total.revenue = .zero }
    return total
  }

  /// Baseline days per month: `days_per_month / D` for a ledger window of D days, 1 for workloads.
  public var monthFactor: Exact {
    switch baseline {
    case .ledger(_, let days, _): Exact(daysPerMonth) / Exact(Decimal(days))
    case .workloads: 1
    }
  }

  public var monthlyBaselineCost: Money { totals.baselineCost * monthFactor }
  public var monthlyScenarioCost: Money { totals.scenarioCost * monthFactor }
  public var monthlyWorstScenarioCost: Money { totals.worstScenarioCost * monthFactor }
  /// Scenario minus baseline per month: negative when the scenario is cheaper, the sign of every
  /// delta in the report.
  public var monthlyDelta: Money { monthlyScenarioCost - monthlyBaselineCost }
  /// The worst-case scenario minus baseline per month.
  public var monthlyWorstDelta: Money { monthlyWorstScenarioCost - monthlyBaselineCost }
  /// Baseline minus scenario (`-monthlyDelta`): the contract's `monthly.savings_usd`.
  public var monthlySavings: Money { -monthlyDelta }
  public var annualSavings: Money { annual.savings }

  /// The totals per month (`days_per_month` days): the contract's `monthly`.
  public var monthly: WhatIfProjection { projection(1) }
  /// The totals per year, twelve months: the contract's `annual`.
  public var annual: WhatIfProjection { projection(12) }

  /// The monthly figures times `months`; the percentages are the monthly ones, so every period
  /// shows the same.
  private func projection(_ months: Exact) -> WhatIfProjection {
    WhatIfProjection(
      baselineCost: monthlyBaselineCost * months, scenarioCost: monthlyScenarioCost * months,
      worstScenarioCost: monthlyWorstScenarioCost * months, delta: monthlyDelta * months,
      worstDelta: monthlyWorstDelta * months, savings: monthlySavings * months,
      deltaPercent: monthlyDelta.percent(of: monthlyBaselineCost),
      worstDeltaPercent: monthlyWorstDelta.percent(of: monthlyBaselineCost))
  }

  /// Whether some traffic moved to batch has cache reads, so that the worst case differs from the
  /// scenario (then every block shows it).
  public let hasWorstCase: Bool
  /// Whether some traffic moved to batch: then the batch assumptions are printed.
  public let movesToBatch: Bool

  /// The assumptions behind the batch figures and their worst case (`BatchRisk`); empty when the
  /// scenario moves nothing to batch.
  public var assumptions: [String] {
    guard movesToBatch else { return [] }
    switch baseline {
    case .ledger(_, let days, let at):
      return BatchRisk.assumptions(
        rates: at.map { "in force on \($0)" } ?? "in force on each day", daysPerMonth: daysPerMonth,
        windowDays: days)
    case .workloads(let at):
      return BatchRisk.assumptions(rates: "in force on \(at)", daysPerMonth: daysPerMonth, windowDays: nil)
    }
  }

  /// The `[finance]` gross margin per month before and after.
  public var margin: MarginProjection? {
    finance.map {
      MarginProjection(
        revenue: $0.revenue, otherCOGS: $0.otherCOGS, baselineCost: monthlyBaselineCost,
        scenarioCost: monthlyScenarioCost, worstScenarioCost: hasWorstCase ? monthlyWorstScenarioCost : nil)
    }
  }

  /// Applies `file`'s changes to `lines` and prices both sides per group.
  ///
  /// Throws `ReportError` for groupings the baseline cannot give (a usage error) and
  /// `SourceProblem` for a change that cannot be applied or priced (bad input).
  public static func build(
    file: ScenarioFile, lines: [ScenarioLine], baseline: WhatIfBaseline, by: [WhatIfDimension],
    prices: PriceBook, revenue: RevenueFile? = nil, filter: ReportFilter = ReportFilter()
  ) throws -> WhatIfReport {
    if case .ledger = baseline, by.contains(.workload) {
      throw ReportError(
        "--by workload needs a file with [[workload]] entries; the baseline here is the ledger")
    }
    if revenue != nil, by != [.tenant] {
      throw ReportError(
        "--revenue gives each tenant's margin: use it with --by tenant (the default with --revenue)")
    }
    let scenario = Scenario(
      file: file.file, changes: file.changes, narrowedBy: filter.isEmpty ? nil : filter.description)
    let (outcomes, warnings) = try scenario.apply(to: lines, prices: prices)

    var rows: [[String]: WhatIfRow] = [:]
    var unpricedModels: [String: Int] = [:]
    var movesToBatch = false
    var hasWorstCase = false
    func key(_ line: ScenarioLine) -> [String] { by.map { $0.value(of: line, prices: prices) } }
    for outcome in outcomes {
      let baselineKey = key(outcome.baseline)
      let baselineCost = try? outcome.baseline.cost(prices).get()
      var scenarioCosts: [([String], Money, worst: Money)] = []
      for part in outcome.parts where baselineCost != nil {
        switch part.line.cost(prices) {
        case .success(let cost):
          // The worst case changes only cache reads into cache writes, priced on the same card.
          let worst = (try? part.worstCaseCost(prices).get()) ?? cost
          if part.movedToBatchBy != nil {
            movesToBatch = true
            if worst != cost { hasWorstCase = true }
          }
          scenarioCosts.append((key(part.line), cost, worst))
        case .failure(let reason):
          // Left out: a part that cannot be priced makes the whole line unpriced (below).
          guard let number = part.switchedBy else { continue }
          // The switch's target has no rate that day, no batch rate for batch traffic, or no
          // web-search rate: the scenario cannot be priced as written.
          let change = file.changes[number - 1]
          var message = "\(change.label): \(reason)"
          if case .noRateInForce = reason {
            message += "; give --at DATE to price the whole baseline at a date when it has rates"
          }
          throw SourceProblem(file: file.file, line: change.line(of: "to"), message: message)
        }
      }
      guard let baselineCost, scenarioCosts.count == outcome.parts.count else {
        let requests =
          ExactDecimal.wholeNumber(ExactDecimal.floor(outcome.baseline.requests.decimal, scale: 0)) ?? 0
        rows[baselineKey, default: WhatIfRow(values: baselineKey)].unpricedRequests += requests
        unpricedModels[outcome.baseline.model, default: 0] += requests
        continue
      }
      var row = rows[baselineKey] ?? WhatIfRow(values: baselineKey)
      row.baselineCost = row.baselineCost + baselineCost
      row.priced = true
      rows[baselineKey] = row
      for (partKey, cost, worst) in scenarioCosts {
        var row = rows[partKey] ?? WhatIfRow(values: partKey)
        row.scenarioCost = row.scenarioCost + cost
        row.worstScenarioCost = row.worstScenarioCost + worst
        row.priced = true
        rows[partKey] = row
      }
    }
    for (tenant, amount) in revenue?.revenue ?? [] {
      rows[[tenant], default: WhatIfRow(values: [tenant], priced: true)].revenue = amount
    }
    var allWarnings = warnings + unpricedWarnings(unpricedModels)
    if revenue != nil {
      allWarnings += revenueMismatchWarnings(
        revenueWithoutUsage: rows.values.filter {
          $0.revenue != nil && $0.baselineCost.isZero && $0.unpricedRequests == 0
        }
        .map { $0.values[0] }.sorted(),
        usageWithoutRevenue: rows.values.filter { $0.revenue == nil }.map { $0.values[0] }.sorted())
    }
    let sorted = rows.values.sorted { left, right in
      if left.baselineCost != right.baselineCost { return left.baselineCost > right.baselineCost }
      if left.scenarioCost != right.scenarioCost { return left.scenarioCost > right.scenarioCost }
      return left.values.lexicographicallyPrecedes(right.values)
    }
    return WhatIfReport(
      file: file.file, baseline: baseline, daysPerMonth: file.daysPerMonth, changes: file.changes, by: by,
      rows: sorted, hasRevenue: revenue != nil, finance: file.finance, unpricedModels: unpricedModels,
      warnings: allWarnings, hasWorstCase: hasWorstCase, movesToBatch: movesToBatch)
  }
}

extension ScenarioLine {
  /// The ledger's billed usage in `window`, one line per tenant, job, model, mode, size class
  /// and rate day (whole months where rates do not change), priced at those days' rates or,
  /// with `at`, at that day's. `changes` split the rate days where a model they switch to
  /// changes rates. Only the `keeping` columns (of `tenant`, `job`) are told apart: lines
  /// differ in nothing else a report shows, so each is priced once (the others are "").
  public static func ledger(
    _ ledger: Ledger, prices: PriceBook, window: ReportWindow, filter: ReportFilter = ReportFilter(),
    at: CivilDate? = nil, changes: [ScenarioChange] = [], keeping: Set<String> = ["tenant", "job"]
  ) throws -> [ScenarioLine] {
    var query = UsageQuery(zone: window)
    query.prices = prices
    for change in changes {
      if case .switchModel(let target, _) = change.kind {
        query.splitDays.formUnion(prices.rateChangeDays(model: target))
      }
    }
    query.groupBy = [.provider] + [RollupColumn.tenant, .job].filter { keeping.contains($0.rawValue) }
    (query.from, query.to) = window.instants
    filter.apply(to: &query, prices: prices)
    var pricer = UsagePricer(prices: prices)
    var sums: [ScenarioLine: (requests: Int, usage: Usage)] = [:]
    for aggregate in try ledger.usage(query) where filter.accepts(aggregate, window: window, pricer: &pricer)
    {
      // A column not kept is "" on every line.
      func label(_ column: RollupColumn) -> String {
        aggregate.keys[column] == nil ? "" : aggregate.label(of: column)
      }
      // Keyed without quantities: with `at`, usage of every rate day prices alike and sums.
      let line = ScenarioLine(
        tenant: label(.tenant), job: label(.job), provider: aggregate.provider,
        model: aggregate.model, mode: aggregate.mode, rateDay: at ?? aggregate.rateDay,
        sizeClass: aggregate.sizeClass, requests: 0, usage: UsageQuantities(tokens: TokenQuantities()))
      let sum = sums[line] ?? (0, Usage(tokens: TokenCounts()))
      sums[line] = (
        sum.requests + aggregate.requests,
        Usage(
          tokens: sum.usage.tokens + aggregate.usage.tokens,
          webSearches: sum.usage.webSearches + aggregate.usage.webSearches)
      )
    }
    return sums.compactMap { line, sum in
      // A model billed only through another request's iterations has usage and no requests.
      guard sum.requests != 0 || !sum.usage.isEmpty else { return nil }
      var line = line
      line.requests = Exact(Decimal(sum.requests))
      line.usage = UsageQuantities(sum.usage)
      return line
    }
  }
}
