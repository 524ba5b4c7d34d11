import Foundation

/// How often a workload's `requests` happen.
public enum Period: String, Sendable, CaseIterable {
  case day, week, month

  /// Periods per month, exactly (`daysPerMonth / 7` for a week).
  func perMonth(daysPerMonth: Decimal) -> Exact {
    switch self {
    case .day: Exact(daysPerMonth)
    case .week: Exact(daysPerMonth, over: 7)
    case .month: 1
    }
  }
}

/// A declared workload: so many requests per period, each with the same token counts.
public struct Workload: Hashable, Sendable {
  public var name: String
  public var model: String
  public var requests: Decimal
  public var per: Period
  /// Tokens of one request (`cacheWrite5m` from `cache_write_tokens`).
  public var tokensPerRequest: TokenCounts
  public var mode: Mode
  public var tenant: String?
  public var job: String?
  /// The line of the `[[workload]]` header.
  public var line: Int
  /// The line of its `model` key, for pricing errors.
  public var modelLine: Int
}

/// Monthly revenue and other costs of goods sold, for gross-margin projections.
public struct Finance: Hashable, Sendable {
  public var revenue: Money
  public var otherCOGS: Money
}

/// A workloads-and-scenarios TOML file (DESIGN.md): `days_per_month`, `[[workload]]`,
/// `[finance]` and `[[change]]`. Numbers are read exactly.
public struct ScenarioFile: Sendable {
  public let file: String
  public let daysPerMonth: Decimal
  public let workloads: [Workload]
  public let finance: Finance?
  /// The `[[change]]` entries in file order, for `tally whatif`.
  public let changes: [ScenarioChange]

  public static func parse(_ text: String, file: String) throws(SourceProblem) -> ScenarioFile {
    let root: TOMLTable
    do {
      root = try TOML.parse(text)
    } catch {
      throw SourceProblem(file: file, line: error.line, message: error.message)
    }
    let reader = ScenarioFileReader(file: file)
    return try reader.scenarioFile(root)
  }
}

extension ScenarioFile {
  /// The rate card that prices one request of `workload` on `at`; a model the price table does
  /// not know, or with no rate in force then, is an error naming the workload, model and date.
  public func card(for workload: Workload, at: CivilDate, prices: PriceBook) throws(SourceProblem)
    -> RateCard
  {
    switch prices.card(
      model: workload.model, on: at, requestInputTokens: workload.tokensPerRequest.totalInput)
    {
    case .success(let card): return card
    case .failure(let reason):
      throw SourceProblem(
        file: file, line: workload.modelLine, message: "workload \"\(workload.name)\": \(reason)")
    }
  }
}

/// Typed access to TOML values with `file:line` errors that name the entry and key.
struct ScenarioFileReader {
  let file: String

  func fail(_ line: Int, _ message: String) -> SourceProblem {
    SourceProblem(file: file, line: line, message: message)
  }

  func checkKeys(_ table: TOMLTable, allowed: [String], context: String) throws(SourceProblem) {
    for key in table.keys where !allowed.contains(key) {
      throw fail(
        table.line(of: key) ?? table.line,
        "\(context)unknown key \"\(key)\"; expected one of \(allowed.joined(separator: ", "))")
    }
  }

  func number(_ table: TOMLTable, _ key: String, context: String) throws(SourceProblem) -> Decimal? {
    switch table[key] {
    case nil: return nil
    case .integer(let value): return Decimal(value)
    case .decimal(let value): return value
    default: throw fail(table.line(of: key) ?? table.line, "\(context)\(key): expected a number")
    }
  }

  func nonNegative(_ table: TOMLTable, _ key: String, context: String) throws(SourceProblem) -> Decimal? {
    guard let value = try number(table, key, context: context) else { return nil }
    guard value >= 0 else {
      throw fail(table.line(of: key) ?? table.line, "\(context)\(key): \(value) is negative")
    }
    return value
  }

  func tokens(_ table: TOMLTable, _ key: String, context: String) throws(SourceProblem) -> Int? {
    switch table[key] {
    case nil: return nil
    case .integer(let value) where value >= 0: return value
    case .integer(let value):
      throw fail(
        table.line(of: key) ?? table.line,
        "\(context)\(key): \(value) is negative; expected a whole number of tokens")
    case .decimal(let value):
      throw fail(
        table.line(of: key) ?? table.line, "\(context)\(key): \(value) is not a whole number of tokens")
    default:
      throw fail(table.line(of: key) ?? table.line, "\(context)\(key): expected a whole number of tokens")
    }
  }

  func string(_ table: TOMLTable, _ key: String, context: String) throws(SourceProblem) -> String? {
    switch table[key] {
    case nil: return nil
    case .string(let value): return value
    default: throw fail(table.line(of: key) ?? table.line, "\(context)\(key): expected a quoted string")
    }
  }

  func required<T>(_ value: T?, _ table: TOMLTable, _ key: String, context: String) throws(SourceProblem)
    -> T
  {
    guard let value else { throw fail(table.line, "\(context)\(key) is required") }
    return value
  }

  func tables(_ root: TOMLTable, _ key: String) throws(SourceProblem) -> [TOMLTable] {
    switch root[key] {
    case nil: return []
    case .array(let items):
      var tables: [TOMLTable] = []
      for item in items {
        guard case .table(let table) = item else {
          throw fail(root.line(of: key) ?? 1, "\(key) must be written as [[\(key)]] tables")
        }
        tables.append(table)
      }
      return tables
    default: throw fail(root.line(of: key) ?? 1, "\(key) must be written as [[\(key)]] tables")
    }
  }

  func scenarioFile(_ root: TOMLTable) throws(SourceProblem) -> ScenarioFile {
    try checkKeys(root, allowed: ["days_per_month", "workload", "finance", "change"], context: "")
    let daysPerMonth = try number(root, "days_per_month", context: "") ?? 30
    guard daysPerMonth > 0 else {
      throw fail(root.line(of: "days_per_month") ?? 1, "days_per_month: expected a number of days above zero")
    }
    var workloads: [Workload] = []
    for table in try tables(root, "workload") {
      let workload = try self.workload(table)
      if let earlier = workloads.first(where: { $0.name == workload.name }) {
        throw fail(
          table.line,
          "workload \"\(workload.name)\" is declared twice (also at line \(earlier.line)); names must be unique"
        )
      }
      workloads.append(workload)
    }
    var finance: Finance?
    if let value = root["finance"] {
      guard case .table(let table) = value else {
        throw fail(root.line(of: "finance") ?? 1, "finance must be a [finance] table")
      }
      try checkKeys(table, allowed: ["revenue", "other_cogs"], context: "finance: ")
      let revenue = try required(
        try nonNegative(table, "revenue", context: "finance: "), table, "revenue", context: "finance: ")
      guard revenue > 0 else {
        throw fail(
          table.line(of: "revenue") ?? table.line, "finance: revenue must be above zero for a gross margin")
      }
      let otherCOGS = try nonNegative(table, "other_cogs", context: "finance: ") ?? 0
      finance = Finance(revenue: Money(revenue), otherCOGS: Money(otherCOGS))
    }
    return ScenarioFile(
      file: file, daysPerMonth: daysPerMonth, workloads: workloads, finance: finance,
      changes: try tables(root, "change").enumerated().map { (index, table) throws(SourceProblem) in
        try change(table, position: index + 1)
      })
  }

  func workload(_ table: TOMLTable) throws(SourceProblem) -> Workload {
    let keys = [
      "name", "model", "requests", "per", "input_tokens", "output_tokens", "cache_read_tokens",
      "cache_write_tokens", "mode", "tenant", "job",
    ]
    try checkKeys(table, allowed: keys, context: "workload: ")
    let name = try required(
      try string(table, "name", context: "workload: "), table, "name", context: "workload: ")
    let context = "workload \"\(name)\": "
    let model = try required(try string(table, "model", context: context), table, "model", context: context)
    let requests = try required(
      try nonNegative(table, "requests", context: context), table, "requests", context: context)
    let perText = try required(try string(table, "per", context: context), table, "per", context: context)
    guard let per = Period(rawValue: perText) else {
      throw fail(
        table.line(of: "per") ?? table.line,
        "\(context)per: \"\(perText)\" is not a period; expected day, week or month")
    }
    let modeText = try string(table, "mode", context: context) ?? "sync"
    guard let mode = Mode(rawValue: modeText) else {
      throw fail(
        table.line(of: "mode") ?? table.line,
        "\(context)mode: \"\(modeText)\" is not a mode; expected sync or batch")
    }
    let tokens = TokenCounts(
      input: try required(
        try self.tokens(table, "input_tokens", context: context), table, "input_tokens", context: context),
      cacheWrite5m: try self.tokens(table, "cache_write_tokens", context: context) ?? 0,
      cacheRead: try self.tokens(table, "cache_read_tokens", context: context) ?? 0,
      output: try required(
        try self.tokens(table, "output_tokens", context: context), table, "output_tokens", context: context))
    return Workload(
      name: name, model: model, requests: requests, per: per, tokensPerRequest: tokens, mode: mode,
      tenant: try string(table, "tenant", context: context), job: try string(table, "job", context: context),
      line: table.line, modelLine: table.line(of: "model") ?? table.line)
  }
}
