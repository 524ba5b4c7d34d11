import Foundation

/// Revenue per tenant for one calendar month, read from `tenant,revenue_usd` CSV.
public struct RevenueFile: Sendable {
  /// Tenant → revenue, in file order.
  public let revenue: [(tenant: String, amount: Money)]
  /// The file as named on the command line.
  public var file = ""
  /// The calendar month (`YYYY-MM`) the revenue is for: `--revenue-month`, else the last
  /// `YYYY-MM` in the file's name (`revenue-2026-10.csv`); nil when neither says.
  public var month: String?

  public var total: Money { revenue.map(\.amount).sum() }

  /// Parses the file strictly: a header naming `tenant` and `revenue_usd` (other columns are
  /// ignored), one line per tenant, plain non-negative decimals, no tenant twice.
  public static func parse(_ text: String, file: String) throws(SourceProblems) -> RevenueFile {
    let records: [CSVRecord]
    do {
      records = try CSVReader.records(text, file: file)
    } catch {
      throw SourceProblems(error)
    }
    guard let header = records.first else {
      throw SourceProblems(
        SourceProblem(
          file: file, line: 1, message: "the file is empty; expected the header tenant,revenue_usd"))
    }
    let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
    guard let tenantColumn = names.firstIndex(of: "tenant"),
      let revenueColumn = names.firstIndex(of: "revenue_usd")
    else {
      throw SourceProblems(
        SourceProblem(
          file: file, line: header.line,
          message:
            "expected a header with the columns tenant and revenue_usd, found \(names.joined(separator: ","))"
        ))
    }
    var problems: [SourceProblem] = []
    var revenue: [(tenant: String, amount: Money)] = []
    var lines: [String: Int] = [:]
    for record in records.dropFirst() {
      func problem(_ column: String?, _ message: String) {
        problems.append(SourceProblem(file: file, line: record.line, column: column, message: message))
      }
      guard record.fields.count == names.count else {
        problem(nil, "expected \(names.count) fields, found \(record.fields.count)")
        continue
      }
      let tenant = record.fields[tenantColumn].trimmingCharacters(in: .whitespaces)
      let text = record.fields[revenueColumn].trimmingCharacters(in: .whitespaces)
      guard !tenant.isEmpty else {
        problem("tenant", "empty; every line names a tenant")
        continue
      }
      guard let amount = Money(parsing: text) else {
        problem(
          "revenue_usd",
          "\"\(text)\" is not a decimal number; write dollars like 1234.56, without $ or thousands separators"
        )
        continue
      }
      guard !(amount < .zero) else {
        problem("revenue_usd", "\(text) is negative; revenue is zero or more")
        continue
      }
      if let first = lines[tenant] {
        problem("tenant", "\"\(tenant)\" already has revenue on line \(first)")
        continue
      }
      lines[tenant] = record.line
      revenue.append((tenant, amount))
    }
    guard problems.isEmpty else { throw SourceProblems(problems) }
    return RevenueFile(revenue: revenue, file: file, month: monthInName(file))
  }

  /// The last `YYYY-MM` (a real month, not part of a longer number) in the file's name.
  static func monthInName(_ path: String) -> String? {
    let name = Array((path as NSString).lastPathComponent.utf8)
    func digit(_ index: Int) -> Bool {
      name.indices.contains(index) && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(name[index])
    }
    for start in stride(from: name.count - 7, through: 0, by: -1)
    where (0..<4).allSatisfy({ digit(start + $0) }) && name[start + 4] == UInt8(ascii: "-")
      && digit(start + 5)
      && digit(start + 6) && !digit(start - 1) && !digit(start + 7)
    {
      let text = String(decoding: name[start..<start + 7], as: UTF8.self)
      if CivilDate(parsing: text + "-01") != nil { return text }
    }
    return nil
  }

  /// Checks that the revenue is for the report's period: margins compare a month of revenue
  /// with the same month of cost. The window must be that whole calendar month; a file that
  /// names no month is taken for the window's month, with a warning. Returns the warnings.
  public func checkPeriod(_ window: ReportWindow, report: String) throws(ReportError) -> [String] {
    let windowMonth = window.wholeMonth
    let covers = window.coverage
    guard let month else {
      guard let windowMonth else {
        throw ReportError(
          "--revenue: \(file) is a month's revenue, and \(report) covers \(covers): give --month YYYY-MM (and name the revenue file's month, as in revenue-2026-10.csv, or give --revenue-month)"
        )
      }
      return [
        "\(file) does not say which month it is for (no YYYY-MM in its name, no --revenue-month): read as revenue for \(windowMonth)"
      ]
    }
    guard windowMonth == month else {
      let fix =
        windowMonth.map { "give --month \(month), or the revenue file for \($0)" } ?? "give --month \(month)"
      throw ReportError(
        "--revenue: \(file) is revenue for \(month), and \(report) covers \(covers); margins compare the same month of revenue and cost: \(fix)"
      )
    }
    return []
  }
}

/// One tenant's row of `tally report chargeback`.
public struct ChargebackRow: Sendable {
  public var tenant: String
  /// Billed requests, unpriced ones included.
  public var requests = 0
  public var tokens = TokenCounts()
  /// The direct cost: the tenant's own usage. Nil when every request of the tenant is
  /// unpriced; zero for a tenant with revenue or an allocation and no usage.
  public var cost: Money?
  public var unpricedRequests = 0
  /// Nil when the revenue file has no line for the tenant (or no revenue file was given).
  public var revenue: Money?
  /// The amounts of `ChargebackReport.components`, in their order (allocations and any other
  /// amount between the direct cost and the total).
  public var components: [Money] = []

  /// What the tenant is charged for: the direct cost plus every component. Without components
  /// it is the direct cost; nil when the direct cost is unknown and nothing is added to it.
  public var total: Money? {
    guard !components.isEmpty else { return cost }
    if cost == nil && components.allSatisfy(\.isZero) { return nil }
    return (cost ?? .zero) + components.sum()
  }

  /// Revenue minus the total cost; a tenant with no revenue line earns nothing, so its margin
  /// is minus its cost. Nil when the cost is unknown.
  public var grossMargin: Money? { total.map { (revenue ?? .zero) - $0 } }
}

/// An amount added to each tenant's direct cost on the way to its total (`total_cost_usd`): a
/// CSV and JSON column between `cost_usd` and `total_cost_usd`.
public struct ChargebackComponent: Sendable {
  /// The CSV and JSON column, such as `shared_platform_overhead_usd`.
  public let column: String
  /// Whether the amount is part of `allocated_usd` (an allocation of shared or unattributed cost).
  public let isAllocation: Bool
  /// The sum over every row (exact).
  public let total: Money
}

/// What `--allocate-unattributed` and `--shared-costs` ask of a chargeback.
public struct ChargebackAllocationOptions: Sendable {
  /// `even` or `proportional`: spread the `(unattributed)` row over the tenants.
  public var unattributed: AllocationMethod?
  /// The shared-costs file's policies, in file order.
  public var sharedCosts: [AllocationPolicy]

  public init(unattributed: AllocationMethod? = nil, sharedCosts: [AllocationPolicy] = []) {
    self.unattributed = unattributed
    self.sharedCosts = sharedCosts
  }

  public var isEmpty: Bool { unattributed == nil && sharedCosts.isEmpty }
}

/// `tally report chargeback`: what each tenant cost, its share, the charge with a markup, and
/// its gross margin against revenue; with allocations, its direct cost, its allocated share of
/// shared and unattributed cost, and the total both sum to.
public struct ChargebackReport: Sendable {
  public let window: ReportWindow
  /// Rows by total cost, largest first; unpriced tenants last.
  public let rows: [ChargebackRow]
  /// `--markup PCT`: the charge is the total cost x (1 + PCT/100).
  public let markupPercent: Exact?
  /// Whether a revenue file was given (adds the revenue and margin columns).
  public let hasRevenue: Bool
  public let unpricedModels: [String: Int]
  /// See `SpendReport.providerWarnings`.
  public let providerWarnings: [String]
  /// The amounts between the direct cost and the total, in column order: the unattributed
  /// allocation, then one per shared cost in file order.
  public let components: [ChargebackComponent]
  /// The allocations made, in the order of `components`.
  public let allocations: [AllocationResult]
  /// Tenants a policy names that have no usage (with a close known name), and tenants whose
  /// usage is all unpriced, which get no share by direct cost.
  public let allocationWarnings: [String]
  /// Prior-period adjustments of closed months in this month (pending in the first open month,
  /// posted in a closed one): the `adjustment_usd` component, after the allocations.
  public let adjustments: [TenantAdjustment]

  /// The sum of every priced direct cost.
  public let totalCost: Money
  /// The sum of every total: the direct costs plus every component.
  public let grandTotal: Money
  public let totalRevenue: Money

  /// `total / grand total x 100`; nil when the total is unknown or the grand total is zero.
  public func share(of row: ChargebackRow) -> Exact? { row.total.flatMap { $0.percent(of: grandTotal) } }

  public func charge(of row: ChargebackRow) -> Money? {
    guard let markupPercent else { return nil }
    return row.total.map { $0 * (1 + markupPercent / 100) }
  }

  /// Tenants in the revenue file with no usage in the period.
  public var revenueWithoutUsage: [String] {
    rows.filter { $0.revenue != nil && $0.requests == 0 }.map(\.tenant)
  }

  /// Tenants with usage and no line in the revenue file.
  public var usageWithoutRevenue: [String] {
    hasRevenue ? rows.filter { $0.revenue == nil }.map(\.tenant) : []
  }

  /// Builds the chargeback from the tenant spend of the same window and the revenue file.
  public init(spend: SpendReport, revenue: RevenueFile?, markupPercent: Exact?) {
    // Without allocations nothing can fail.
    try! self.init(
      spend: spend, revenue: revenue, markupPercent: markupPercent, allocation: ChargebackAllocationOptions())
  }

  /// Builds the chargeback, allocating the unattributed cost and the shared costs as asked.
  /// Throws when a shared cost has nobody to be spread over.
  public init(
    spend: SpendReport, revenue: RevenueFile?, markupPercent: Exact?, allocation: ChargebackAllocationOptions,
    adjustments: [TenantAdjustment] = []
  ) throws(AllocationError) {
    precondition(spend.by == [.tenant], "chargeback is built from spend by tenant")
    var rows: [String: ChargebackRow] = [:]
    for row in spend.rows {
      let tenant = spend.value(.tenant, of: row)
      rows[tenant] = ChargebackRow(
        tenant: tenant, requests: row.requests, tokens: row.tokens, cost: row.cost,
        unpricedRequests: row.unpricedRequests)
    }
    for (tenant, amount) in revenue?.revenue ?? [] {
      rows[tenant, default: ChargebackRow(tenant: tenant, cost: .zero)].revenue = amount
    }

    // Allocations spread by direct cost, so they see the rows before any is added for them.
    let direct = rows.values.map { (tenant: $0.tenant, cost: $0.cost) }
    var policies: [AllocationPolicy] = []
    if let method = allocation.unattributed {
      policies.append(.unattributed(rows[unattributed]?.cost ?? .zero, method: method))
    }
    policies += allocation.sharedCosts
    var results: [AllocationResult] = []
    for policy in policies { results.append(try Allocation.allocate(policy, directCosts: direct)) }
    var warnings: [String] = []
    let known = rows.values.filter { $0.requests > 0 }.map(\.tenant)
    var named: Set<String> = []
    for result in results {
      for (tenant, _) in result.policy.weights where rows[tenant] == nil && named.insert(tenant).inserted {
        let close = Suggestions.closest(to: tenant, among: known)
        if !close.isEmpty {
          warnings.append(
            "shared costs: \(result.policy.name) (line \(result.policy.line ?? 0)) names \(tenant), which has no usage in the period (did you mean \(Suggestions.orList(close))?)"
          )
        }
      }
      for (tenant, _) in result.amounts where rows[tenant] == nil {
        rows[tenant] = ChargebackRow(tenant: tenant, cost: .zero)
      }
    }
    if results.contains(where: { $0.policy.method.spreadsOverDirectCost }) {
      let unpriced = rows.values.filter { $0.cost == nil && $0.tenant != unattributed }.map(\.tenant).sorted()
      if !unpriced.isEmpty {
        warnings.append(
          "only unpriced usage, so no share of even or proportional allocations (add their rates with --pricing FILE): \(unpriced.joined(separator: ", "))"
        )
      }
    }
    var adjusted: [String: Money] = [:]
    for adjustment in adjustments {
      adjusted[adjustment.tenant] += adjustment.amount
      if rows[adjustment.tenant] == nil {
        rows[adjustment.tenant] = ChargebackRow(tenant: adjustment.tenant, cost: .zero)
      }
    }
    for tenant in Array(rows.keys) {
      rows[tenant]!.components = results.map { result in
        if result.policy.isUnattributed, tenant == unattributed { return -result.policy.amount }
        return result.amount(for: tenant)
      }
      if !adjustments.isEmpty { rows[tenant]!.components.append(adjusted[tenant] ?? .zero) }
    }

    self.rows = sortedByCost(Array(rows.values), cost: \.total, name: \.tenant)
    self.totalCost = self.rows.compactMap(\.cost).sum()
    self.components =
      results.map { result in
        ChargebackComponent(
          column: result.policy.column, isAllocation: true,
          total: result.policy.isUnattributed ? .zero : result.policy.amount)
      }
      + (adjustments.isEmpty
        ? []
        : [
          ChargebackComponent(
            column: "adjustment_usd", isAllocation: false, total: adjustments.map(\.amount).sum())
        ])
    self.adjustments = adjustments
    self.allocations = results
    self.allocationWarnings = warnings
    self.grandTotal = totalCost + components.map(\.total).sum()
    self.totalRevenue = self.rows.compactMap(\.revenue).sum()
    self.window = spend.window
    self.markupPercent = markupPercent
    self.hasRevenue = revenue != nil
    self.unpricedModels = spend.unpricedModels
    self.providerWarnings = spend.providerWarnings
  }

  /// Builds the report straight from the ledger.
  public static func build(
    ledger: Ledger, prices: PriceBook, window: ReportWindow, filter: ReportFilter = ReportFilter(),
    revenue: RevenueFile?, markupPercent: Exact?,
    allocation: ChargebackAllocationOptions = ChargebackAllocationOptions(),
    adjustments: [TenantAdjustment] = []
  ) throws -> ChargebackReport {
    let spend = try SpendReport.build(
      ledger: ledger, prices: prices, by: [.tenant], filter: filter, window: window)
    return try ChargebackReport(
      spend: spend, revenue: revenue, markupPercent: markupPercent, allocation: allocation,
      adjustments: adjustments)
  }
}
