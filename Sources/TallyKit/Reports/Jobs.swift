import Foundation

/// One job's row of `tally report jobs`.
public struct JobRow: Sendable {
  public var job: String
  public var billedRequests = 0
  /// Errored, canceled and expired requests (batch results that were not billed).
  public var failedRequests = 0
  /// Billed requests made through a batch API.
  public var batchRequests = 0
  public var tokens = TokenCounts()
  /// Cost at the rates paid; nil when every billed request is unpriced.
  public var cost: Money?
  public var listCost: Money?
  public var unpricedRequests = 0

  /// Billed plus failed.
  public var requests: Int { billedRequests + failedRequests }

  /// Share of billed requests that went through a batch API, in percent.
  public var batchSharePercent: Exact? {
    billedRequests == 0 ? nil : Exact(Decimal(batchRequests * 100)) / Exact(Decimal(billedRequests))
  }

  /// Average input per billed request, every input category counted.
  public var averageInputTokens: Exact? { average(tokens.totalInput) }
  /// Average output per billed request, audio output counted.
  public var averageOutputTokens: Exact? { average(tokens.output + tokens.audioOutput) }

  /// Cost per priced billed request (failed requests cost nothing and are not counted).
  public var costPerRequest: Money? {
    let priced = billedRequests - unpricedRequests
    return priced == 0 ? nil : cost.map { $0 / Exact(Decimal(priced)) }
  }

  /// Adds another row's counts and costs (a cost stays nil only while every row's is).
  mutating func add(_ row: JobRow) {
    billedRequests += row.billedRequests
    failedRequests += row.failedRequests
    batchRequests += row.batchRequests
    tokens = tokens + row.tokens
    unpricedRequests += row.unpricedRequests
    cost += row.cost
    listCost += row.listCost
  }

  private func average(_ total: Int) -> Exact? {
    billedRequests == 0 ? nil : Exact(Decimal(total)) / Exact(Decimal(billedRequests))
  }
}

/// `tally report jobs`: which jobs drive spend, how much of each already runs on batch, how
/// often its requests fail, and what one request costs.
public struct JobsReport: Sendable {
  public let window: ReportWindow
  /// By cost, largest first; jobs without a known cost last, then by name.
  public let rows: [JobRow]
  public let unpricedModels: [String: Int]

  public var totals: JobRow { rows.reduce(into: JobRow(job: "Total")) { $0.add($1) } }

  public static func build(
    ledger: Ledger, prices: PriceBook, window: ReportWindow, filter: ReportFilter = ReportFilter()
  ) throws -> JobsReport {
    let spend = try SpendReport.build(
      ledger: ledger, prices: prices, by: [.job, .mode], filter: filter, window: window)
    var rows: [String: JobRow] = [:]
    for row in spend.rows {
      let job = spend.value(.job, of: row)
      let batch = spend.value(.mode, of: row) == Mode.batch.rawValue
      rows[job, default: JobRow(job: job)].add(
        JobRow(
          job: job, billedRequests: row.requests, batchRequests: batch ? row.requests : 0, tokens: row.tokens,
          cost: row.cost, listCost: row.listCost, unpricedRequests: row.unpricedRequests))
    }
    for (job, counts) in try ledger.statusCounts(by: .job, window: window, filter: filter, prices: prices) {
      let failed = counts.filter { $0.key != .succeeded }.values.reduce(0, +)
      guard failed > 0 else { continue }
      let name = job.isEmpty ? unattributed : job
      rows[name, default: JobRow(job: name)].failedRequests += failed
    }
    return JobsReport(
      window: window, rows: sortedByCost(Array(rows.values), cost: \.cost, name: \.job),
      unpricedModels: spend.unpricedModels)
  }
}
