import Foundation

/// A revenue file (`tenant,revenue_usd`) that cannot be read, with every problem found.
public struct RevenueFileError: Error, Sendable, CustomStringConvertible {
  public let problems: [String]
  public var description: String { problems.joined(separator: "\n") }
}

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
  public static func parse(_ text: String, file: String) throws(RevenueFileError) -> RevenueFile {
    let records: [CSVRecord]
    do {
      records = try CSVReader.records(text)
    } catch {
      throw RevenueFileError(problems: ["\(file):\(error.line): \(error.message)"])
    }
    guard let header = records.first else {
      throw RevenueFileError(problems: [
        "\(file):1: the file is empty; expected the header tenant,revenue_usd"
      ])
    }
    let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
    guard let tenantColumn = names.firstIndex(of: "tenant"),
      let revenueColumn = names.firstIndex(of: "revenue_usd")
    else {
      throw RevenueFileError(problems: [
        "\(file):\(header.line): expected a header with the columns tenant and revenue_usd, found \(names.joined(separator: ","))"
      ])
    }
    var problems: [String] = []
    var revenue: [(tenant: String, amount: Money)] = []
    var lines: [String: Int] = [:]
    for record in records.dropFirst() {
      let location = "\(file):\(record.line)"
      guard record.fields.count == names.count else {
        problems.append("\(location): expected \(names.count) fields, found \(record.fields.count)")
        continue
      }
      let tenant = record.fields[tenantColumn].trimmingCharacters(in: .whitespaces)
      let text = record.fields[revenueColumn].trimmingCharacters(in: .whitespaces)
      guard !tenant.isEmpty else {
        problems.append("\(location): column tenant: empty; every line names a tenant")
        continue
      }
      guard let amount = Money(parsing: text) else {
        problems.append(
          "\(location): column revenue_usd: \"\(text)\" is not a decimal number; write dollars like 1234.56, without $ or thousands separators"
        )
        continue
      }
      guard !(amount < .zero) else {
        problems.append("\(location): column revenue_usd: \(text) is negative; revenue is zero or more")
        continue
      }
      if let first = lines[tenant] {
        problems.append("\(location): column tenant: \"\(tenant)\" already has revenue on line \(first)")
        continue
      }
      lines[tenant] = record.line
      revenue.append((tenant, amount))
    }
    guard problems.isEmpty else { throw RevenueFileError(problems: problems) }
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
    let covers =
      window.from.flatMap { from in window.to.map { "\(from) to \($0) (\(window.days!) days)" } }
      ?? window.description
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
        windowMonth == nil
        ? "give --month \(month)" : "give --month \(month), or the revenue file for \(windowMonth!)"
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
  /// Nil when every request of the tenant is unpriced; zero for a tenant with revenue and no usage.
  public var cost: Money?
  public var unpricedRequests = 0
  /// Nil when the revenue file has no line for the tenant (or no revenue file was given).
  public var revenue: Money?

  /// Revenue minus cost; a tenant with no revenue line earns nothing, so its margin is minus
  /// its cost. Nil when the cost is unknown.
  public var grossMargin: Money? { cost.map { (revenue ?? .zero) - $0 } }
}

/// `tally report chargeback`: what each tenant cost, its share, the charge with a markup, and
/// its gross margin against revenue.
public struct ChargebackReport: Sendable {
  public let window: ReportWindow
  /// Rows by cost, largest first; unpriced tenants last.
  public let rows: [ChargebackRow]
  /// `--markup PCT`: the charge is cost x (1 + PCT/100).
  public let markupPercent: Exact?
  /// Whether a revenue file was given (adds the revenue and margin columns).
  public let hasRevenue: Bool
  public let unpricedModels: [String: Int]
  /// See `SpendReport.providerWarnings`.
  public let providerWarnings: [String]

  /// The sum of every priced cost.
  public let totalCost: Money
  public let totalRevenue: Money

  /// `cost / total cost x 100`; nil when the cost is unknown or the total is zero.
  public func share(of row: ChargebackRow) -> Exact? { row.cost.flatMap { $0.percent(of: totalCost) } }

  public func charge(of row: ChargebackRow) -> Money? {
    guard let markupPercent else { return nil }
    return row.cost.map { $0 * (1 + markupPercent / 100) }
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
    precondition(spend.by == [.tenant], "chargeback is built from spend by tenant")
    var rows: [String: ChargebackRow] = [:]
    for row in spend.rows {
      rows[row.values[0]] = ChargebackRow(
        tenant: row.values[0], requests: row.requests, tokens: row.tokens, cost: row.cost,
        unpricedRequests: row.unpricedRequests)
    }
    for (tenant, amount) in revenue?.revenue ?? [] {
      rows[tenant, default: ChargebackRow(tenant: tenant, cost: .zero)].revenue = amount
    }
    self.rows = sortedByCost(Array(rows.values), cost: \.cost, name: \.tenant)
    self.totalCost = self.rows.compactMap(\.cost).sum()
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
    revenue: RevenueFile?, markupPercent: Exact?
  ) throws -> ChargebackReport {
    let spend = try SpendReport.build(
      ledger: ledger, prices: prices, by: [.tenant], filter: filter, window: window)
    return ChargebackReport(spend: spend, revenue: revenue, markupPercent: markupPercent)
  }
}
