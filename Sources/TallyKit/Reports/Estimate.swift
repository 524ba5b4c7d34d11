import Foundation

/// One workload priced per month at sync and at batch rates.
public struct EstimateRow: Hashable, Sendable {
  public let workload: String
  /// The canonical model id the workload's model resolved to.
  public let model: String
  /// The context tier of one request, such as `0-200k` or `100k+` (see `PriceBook.contextLabel`).
  public let context: String
  public let requests: Exact
  public let inputTokens: Exact
  public let outputTokens: Exact
  public let syncCost: Money
  /// Nil when the model has no batch rate in force.
  public let batchCost: Money?

  public var savings: Money? { batchCost.map { syncCost - $0 } }
  public var savingsPercent: Exact? { savings.flatMap { $0.percent(of: syncCost) } }
}

/// Gross margin at today's inference cost and at the scenario's, per month.
public struct MarginProjection: Hashable, Sendable {
  public let revenue: Money
  public let otherCOGS: Money
  public let baselineCost: Money
  /// Nil when some scenario usage is unpriced.
  public let scenarioCost: Money?
  /// What-if only: the scenario's worst case of a move to batch (`BatchRisk`), when it differs.
  public var worstScenarioCost: Money? = nil

  /// (revenue - inference cost - other COGS) / revenue, as a percentage.
  public func grossMarginPercent(cost: Money) -> Exact? {
    (revenue - cost - otherCOGS).percent(of: revenue)
  }
  public var baselineGrossMarginPercent: Exact? { grossMarginPercent(cost: baselineCost) }
  public var scenarioGrossMarginPercent: Exact? { scenarioCost.flatMap { grossMarginPercent(cost: $0) } }
  public var worstScenarioGrossMarginPercent: Exact? {
    worstScenarioCost.flatMap { grossMarginPercent(cost: $0) }
  }
}

/// `tally estimate`: declared workloads priced per month at the rates in force on one date.
public struct EstimateReport: Hashable, Sendable {
  public let at: CivilDate
  public let daysPerMonth: Decimal
  public let rows: [EstimateRow]
  /// The margin at sync rates (baseline) and at batch rates (scenario), with `[finance]`.
  public let margin: MarginProjection?
  /// Things the reader must know, such as a model without a batch rate.
  public let warnings: [String]

  public var totalRequests: Exact { rows.reduce(0) { $0 + $1.requests } }
  public var totalInputTokens: Exact { rows.reduce(0) { $0 + $1.inputTokens } }
  public var totalOutputTokens: Exact { rows.reduce(0) { $0 + $1.outputTokens } }
  public var totalSyncCost: Money { rows.map(\.syncCost).sum() }
  /// Nil when any workload has no batch rate: a partial total would understate the cost.
  public var totalBatchCost: Money? {
    rows.allSatisfy { $0.batchCost != nil } ? rows.compactMap(\.batchCost).sum() : nil
  }
  public var totalSavings: Money? { totalBatchCost.map { totalSyncCost - $0 } }
  public var totalSavingsPercent: Exact? { totalSavings.flatMap { $0.percent(of: totalSyncCost) } }

  /// Prices every workload of `file` at the rates in force on `at`.
  ///
  /// An unknown model, or a model with no rate in force on `at`, is an error naming the
  /// workload, model and date; estimates never price anything at zero.
  public static func build(_ file: ScenarioFile, prices: PriceBook, at: CivilDate) throws(SourceProblem)
    -> EstimateReport
  {
    var rows: [EstimateRow] = []
    var warnings: [String] = []
    for workload in file.workloads {
      let tokens = workload.tokensPerRequest
      let card = try file.card(for: workload, at: at, prices: prices)
      let monthlyRequests = Exact(workload.requests) * workload.per.perMonth(daysPerMonth: file.daysPerMonth)
      // A workload declares text tokens only (no audio), which every row prices.
      let batchCost = card.batch.flatMap { $0.price(tokens) }
      if batchCost == nil {
        warnings.append(
          "workload \"\(workload.name)\": \(card.model) has no batch rate in force on \(at); batch totals are left empty"
        )
      }
      rows.append(
        EstimateRow(
          workload: workload.name, model: card.model,
          context: prices.contextLabel(model: card.model, on: at, requestInputTokens: tokens.totalInput),
          requests: monthlyRequests,
          inputTokens: monthlyRequests * Exact(Decimal(tokens.input)),
          outputTokens: monthlyRequests * Exact(Decimal(tokens.output)),
          syncCost: card.sync.price(tokens)! * monthlyRequests,
          batchCost: batchCost.map { $0 * monthlyRequests }))
    }
    let partial = EstimateReport(
      at: at, daysPerMonth: file.daysPerMonth, rows: rows, margin: nil, warnings: warnings)
    let margin = file.finance.map {
      MarginProjection(
        revenue: $0.revenue, otherCOGS: $0.otherCOGS, baselineCost: partial.totalSyncCost,
        scenarioCost: partial.totalBatchCost)
    }
    return EstimateReport(
      at: at, daysPerMonth: file.daysPerMonth, rows: rows, margin: margin, warnings: warnings)
  }
}
