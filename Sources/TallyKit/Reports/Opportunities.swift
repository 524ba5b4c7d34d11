import Foundation

/// One group's sync traffic, priced as it ran and as if it had gone through a batch API.
public struct OpportunityRow: Sendable {
  /// One value per `--by` dimension.
  public var values: [String]
  /// Billed sync requests, unpriced ones included.
  public var syncRequests = 0
  /// The priced sync traffic at the rates paid.
  public var syncCost: Money = .zero
  /// The same tokens at batch rates (traffic with no batch rate excluded from both).
  public var batchCost: Money = .zero
  /// At batch rates with every cache read missing the cache and re-writing it (5-minute write).
  public var worstBatchCost: Money = .zero
  /// Sync cost of traffic whose model has no batch rate: it cannot move.
  public var stuckCost: Money = .zero
  public var unpricedRequests = 0

  public var savings: Money { syncCost - stuckCost - batchCost }
  public var worstSavings: Money { syncCost - stuckCost - worstBatchCost }
}

/// `tally report opportunities`: the ledger's sync traffic ranked by what moving it to batch
/// would save, with the monthly figure, the share of all spend and a verdict.
public struct OpportunitiesReport: Sendable {
  public let window: ReportWindow
  public let days: Int
  public let daysPerMonth: Decimal
  public let by: [WhatIfDimension]
  /// Largest savings first.
  public let rows: [OpportunityRow]
  /// Everything the window cost, sync and batch.
  public let totalSpend: Money
  public let unpricedModels: [String: Int]
  /// Models with sync traffic and no batch rate → their sync requests.
  public let noBatchRate: [String: Int]

  public var monthFactor: Exact { Exact(daysPerMonth) / Exact(Decimal(days)) }

  public var totals: OpportunityRow {
    var total = OpportunityRow(values: [])
    for row in rows {
      total.syncRequests += row.syncRequests
      total.syncCost = total.syncCost + row.syncCost
      total.batchCost = total.batchCost + row.batchCost
      total.worstBatchCost = total.worstBatchCost + row.worstBatchCost
      total.stuckCost = total.stuckCost + row.stuckCost
      total.unpricedRequests += row.unpricedRequests
    }
    return total
  }

  /// The row's savings scaled from the window to a month of `daysPerMonth` days.
  public func monthlySavings(_ row: OpportunityRow) -> Money { row.savings * monthFactor }

  /// The row's worst-case savings (`worstSavings`) scaled to a month.
  public func monthlyWorstSavings(_ row: OpportunityRow) -> Money { row.worstSavings * monthFactor }

  /// What share of all spend in the window the row's sync traffic is.
  public func shareOfSpend(_ row: OpportunityRow) -> Exact? { row.syncCost.percent(of: totalSpend) }

  /// A one-line answer for the row, ranked `rank` (1 is the largest saving).
  public func verdict(_ row: OpportunityRow, rank: Int) -> String {
    if row.syncCost.isZero && row.unpricedRequests > 0 { return "unpriced: add its rates to compare" }
    if !row.stuckCost.isZero && row.stuckCost == row.syncCost { return "no batch rate: cannot move" }
    if row.worstSavings.value < 0 { return "pilot first: costs more if batch cache hits miss" }
    let savingsShare = row.savings.percent(of: totalSpend) ?? 0
    var verdict =
      if savingsShare >= 5 { rank == 1 ? "move first" : "strong candidate" } else if savingsShare >= 1 {
        "worth moving if it can wait"
      } else if row.savings.value > 0 { "small: under 1% of spend" } else { "nothing to save" }
    if row.worstSavings.value * 2 < row.savings.value { verdict += "; saves less if batch cache hits miss" }
    if !row.stuckCost.isZero { verdict += "; part has no batch rate" }
    return verdict
  }

  /// The assumptions behind the figures, shown under the table and in JSON.
  public var assumptions: [String] {
    BatchRisk.assumptions(rates: "in force on each day", daysPerMonth: daysPerMonth, windowDays: days)
  }

  /// Prices the window's sync traffic at sync and batch rates per group.
  public static func build(
    ledger: Ledger, prices: PriceBook, window: ReportWindow, by: [WhatIfDimension],
    filter: ReportFilter = ReportFilter(), daysPerMonth: Decimal = 30
  ) throws -> OpportunitiesReport {
    if by.contains(.workload) || by.contains(.mode) {
      throw ReportError("opportunities groups by tenant, job, provider, model or context")
    }
    guard let days = window.days else { throw ReportError("opportunities needs a window with both ends") }
    var rows: [[String]: OpportunityRow] = [:]
    var totalSpend = Money.zero
    var unpricedModels: [String: Int] = [:]
    var noBatchRate: [String: Int] = [:]
    for line in try ScenarioLine.ledger(
      ledger, prices: prices, window: window, filter: filter, keeping: Set(by.map(\.rawValue)))
    {
      let requests = ExactDecimal.wholeNumber(ExactDecimal.floor(line.requests.decimal, scale: 0)) ?? 0
      let card: RateCard
      let paid: Cost
      do throws(Unpriced) {
        card = try line.card(prices).get()
        paid = try card.cost(of: line.usage, mode: line.mode, on: line.rateDay)
      } catch {
        unpricedModels[line.model, default: 0] += requests
        if line.mode == .sync {
          let key = by.map { $0.value(of: line, prices: prices) }
          rows[key, default: OpportunityRow(values: key)].syncRequests += requests
          rows[key, default: OpportunityRow(values: key)].unpricedRequests += requests
        }
        continue
      }
      totalSpend = totalSpend + paid.actual
      guard line.mode == .sync else { continue }
      let key = by.map { $0.value(of: line, prices: prices) }
      var row = rows[key] ?? OpportunityRow(values: key)
      row.syncRequests += requests
      row.syncCost = row.syncCost + paid.actual
      let missed = BatchRisk.cacheMisses(line.usage)
      do throws(Unpriced) {
        let batch = try card.cost(of: line.usage, mode: .batch, on: line.rateDay).actual
        let worst = try card.cost(of: missed, mode: .batch, on: line.rateDay).actual
        row.batchCost = row.batchCost + batch
        row.worstBatchCost = row.worstBatchCost + worst
      } catch {
        row.stuckCost = row.stuckCost + paid.actual
        noBatchRate[line.model, default: 0] += requests
      }
      rows[key] = row
    }
    let sorted = rows.values.sorted { left, right in
      if left.savings != right.savings { return left.savings > right.savings }
      return left.values.lexicographicallyPrecedes(right.values)
    }
    return OpportunitiesReport(
      window: window, days: days, daysPerMonth: daysPerMonth, by: by, rows: sorted, totalSpend: totalSpend,
      unpricedModels: unpricedModels, noBatchRate: noBatchRate)
  }

  public var warnings: [String] {
    var lines = unpricedWarnings(unpricedModels)
    if !noBatchRate.isEmpty {
      lines.append(
        "no batch rate, so their sync traffic cannot move: \(unpricedModelList(noBatchRate))")
    }
    return lines
  }
}
