import Foundation

// The stages of `ReconcileReport.build` that gather both sides: what the provider reports
// cover, the ledger's usage priced per key, and the usage and cost reports in the ledger's
// names. Each stage adds to one `[Key: Side]`; `Reconcile.swift` coarsens it to `--by`.

extension ReconcileReport {
  /// A provider whose usage and cost reports reconcile compares with the ledger.
  enum Provider: String, CaseIterable, Comparable {
    case anthropic, openai

    static func < (lhs: Provider, rhs: Provider) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The usage report as error messages name it.
    var usageReport: String {
      switch self {
      case .anthropic: "usage report"
      case .openai: "OpenAI usage report"
      }
    }

    /// The usage report's field that gives the service tier.
    var tierField: String {
      switch self {
      case .anthropic: "service_tier"
      case .openai: "batch"
      }
    }

    /// The cost report's field that names the model, tier and context.
    var costField: String {
      switch self {
      case .anthropic: "description"
      case .openai: "line_item"
      }
    }

    /// The `tally ingest` formats of its cost reports.
    var costFormats: String {
      switch self {
      case .anthropic: "anthropic-cost-report or anthropic-analytics-cost"
      case .openai: "openai-cost-report"
      }
    }
  }

  /// A service tier as reconcile groups usage: one of Tally's modes, or a tier Tally records as
  /// sync and does not price (`priority`, `flex`).
  enum Tier: Hashable, CustomStringConvertible {
    case mode(Mode)
    case other(String)

    /// A report's service tier (`standard` is sync); nil for "", a report not grouped by it.
    init?(reported tier: String) {
      if tier.isEmpty { return nil }
      if tier == "standard" {
        self = .mode(.sync)
      } else {
        self = Mode(rawValue: tier).map(Tier.mode) ?? .other(tier)
      }
    }

    var description: String {
      switch self {
      case .mode(let mode): mode.rawValue
      case .other(let tier): tier
      }
    }
  }

  /// What a key counts: tokens of one category, web searches, or code execution (billed only).
  enum Category: Hashable, CustomStringConvertible {
    case tokens(TokenCategory)
    case webSearch
    case codeExecution

    /// Every category, in the order rows show them.
    static let ordered: [Category] =
      TokenCategory.allCases.map(Category.tokens) + [.webSearch, .codeExecution]

    var description: String {
      switch self {
      case .tokens(let category): category.rawValue
      case .webSearch: "web_search"
      case .codeExecution: "code_execution"
      }
    }
  }

  /// The finest group both sides are summed in. A nil dimension is every value of it: a report
  /// row that does not split by it (OpenAI's context, a cost row naming no model).
  struct Key: Hashable {
    /// Whose reports the key is compared with (not a `--by` dimension).
    var provider: Provider
    var day: CivilDate
    var model: String?
    var mode: Tier?
    /// The price table's context tier label (`0-200k`, `200k+`).
    var context: String?
    var category: Category?

    /// A key split by day only: web searches, code execution, an unnamed cost line.
    static func daily(_ provider: Provider, _ day: CivilDate, _ category: Category?) -> Key {
      Key(provider: provider, day: day, model: nil, mode: nil, context: nil, category: category)
    }

    /// The key's value of a `--by` dimension, as a row shows it.
    func value(of dimension: ReconcileDimension) -> String {
      switch dimension {
      case .day: day.description
      case .model: model ?? ReconcileReport.all
      case .mode: mode?.description ?? ReconcileReport.all
      case .context: context ?? ReconcileReport.all
      case .category: category?.description ?? ReconcileReport.all
      }
    }
  }

  /// Both sides' sums of one key.
  struct Side {
    var ledgerTokens = 0
    var providerTokens = 0
    var ledgerCost = Money.zero
    var ledgerUnpriced = false
    var providerCost = Money.zero
    var providerListCost = Money.zero
    var providerListed = false
    /// Whether a cost report row names this key (a model the provider did not bill has none).
    var providerBilled = false
    var tableRate: Decimal?

    /// Adds ledger tokens (or searches) and Tally's price of them; nil: they are unpriced.
    mutating func addLedger(_ count: Int, cost: Money?) throws {
      ledgerTokens = try checkedSum(ledgerTokens, count)
      if let cost { ledgerCost += cost } else { ledgerUnpriced = true }
    }

    /// Adds a cost report row's amount, and its list amount when the report has one.
    mutating func addBilled(_ amount: Money, list: Money?) {
      providerCost += amount
      providerBilled = true
      if let list {
        providerListCost += list
        providerListed = true
      }
    }
  }

  /// A report's time buckets.
  typealias Buckets = [(start: Int64, end: Int64, truncated: Bool)]

  /// What the provider reports cover: the window and, per provider, its covered days.
  struct Coverage {
    var window: ReportWindow
    /// The window's first instant and the instant after it.
    var from: Int64
    var to: Int64
    /// Providers with a usage report: the others are left out.
    var providers: Set<Provider>
    /// Local days a provider's usage reports cover whole.
    var usageDays: [Provider: Set<CivilDate>] = [:]
    /// Local days a provider's cost reports cover whole.
    var costDays: [Provider: Set<CivilDate>] = [:]
    /// Days with an Analytics bucket at the API's limit of groups.
    var truncatedDays: [Provider: Set<CivilDate>] = [:]
  }

  /// The ledger's usage compared, and what of it could not be.
  struct LedgerUsage {
    /// Model name → ledger requests that could not be priced.
    var unpricedModels: [String: Int] = [:]
    /// Local days with ledger usage that no usage report of its provider covers.
    var uncovered: [Provider: Set<CivilDate>] = [:]
    /// Ledger tokens before and after the window.
    var outside: (before: Int, after: Int)
  }

  // MARK: Coverage

  /// The window (default: the days the usage reports cover) and the days each provider's reports
  /// cover in it. Throws when there is no usage report or a bucket spans two local days.
  static func coverage(ledger: Ledger, window asked: ReportWindow) throws -> Coverage {
    var usageByProvider: [Provider: Buckets] = [:]
    var costByProvider: [Provider: Buckets] = [:]
    for provider in Provider.allCases {
      let usage = try ledger.providerBuckets(.usage, provider: provider.rawValue)
      if !usage.isEmpty { usageByProvider[provider] = usage }
      costByProvider[provider] = try ledger.providerBuckets(.cost, provider: provider.rawValue)
    }
    let usageBuckets = usageByProvider.values.flatMap { $0 }.sorted { $0.start < $1.start }
    guard let first = usageBuckets.first, let last = usageBuckets.max(by: { $0.end < $1.end }) else {
      throw ReportError(
        "no usage report in the ledger: ingest a usage report first (tally ingest FILE: Anthropic's Admin API or Analytics API usage report, or OpenAI's completions usage report)"
      )
    }
    var window = asked
    if window.from == nil { window.from = window.localDay(first.start) }
    if window.to == nil { window.to = window.localDay(last.end - 1) }
    let (from, to) = window.instants
    guard let from, let to, from < to else { throw ReportError("the window \(window) holds no day") }

    var coverage = Coverage(window: window, from: from, to: to, providers: Set(usageByProvider.keys))
    for (provider, buckets) in usageByProvider {
      let costs = costByProvider[provider] ?? []
      coverage.usageDays[provider] = try coveredDays(buckets, report: "usage report", in: coverage)
      coverage.costDays[provider] = try coveredDays(costs, report: "cost report", in: coverage)
      for bucket in buckets + costs where bucket.truncated && bucket.end > from && bucket.start < to {
        coverage.truncatedDays[provider, default: []].insert(window.localDay(bucket.start))
      }
    }
    return coverage
  }

  /// The local days of the window that `buckets` cover whole. Each bucket must fall inside one
  /// local day: coverage is counted per local day.
  private static func coveredDays(_ buckets: Buckets, report: String, in coverage: Coverage) throws -> Set<
    CivilDate
  > {
    let window = coverage.window
    var seconds: [CivilDate: Int64] = [:]
    for bucket in buckets where bucket.end > coverage.from && bucket.start < coverage.to {
      let day = window.localDay(bucket.start)
      guard window.localDay(bucket.end - 1) == day else {
        throw ReportError(
          "the \(report) has a bucket from \(Timestamp.format(bucket.start)) to \(Timestamp.format(bucket.end)), which spans two days in \(window.zoneName); reconcile with --tz UTC, or download the report with bucket_width 1h"
        )
      }
      seconds[day, default: 0] += bucket.end - bucket.start
    }
    return Set(
      seconds.filter { day, covered in
        covered == window.start(of: day.adding(days: 1)) - window.start(of: day)
      }.keys)
  }

  // MARK: The ledger's side

  /// The ledger's billed usage of the providers with reports, priced by Tally's table per local
  /// day, into `sides`; also the tokens outside the window and the days no report covers.
  static func ledgerSides(
    ledger: Ledger, prices: PriceBook, coverage: Coverage, into sides: inout [Key: Side]
  ) throws -> LedgerUsage {
    let window = coverage.window
    var query = UsageQuery(zone: window)
    query.prices = prices
    query.filters[.provider] = Set(coverage.providers.map(\.rawValue))
    func tokens(from: Int64?, to: Int64?) throws -> Int {
      var outside = query
      (outside.from, outside.to) = (from, to)
      return try ledger.usage(outside).reduce(0) { sum, aggregate in
        let tokens = aggregate.usage.tokens
        return try TokenCategory.allCases.reduce(sum) { try checkedSum($0, tokens[$1]) }
      }
    }
    var result = LedgerUsage(
      outside: (
        before: try tokens(from: nil, to: coverage.from), after: try tokens(from: coverage.to, to: nil)
      ))
    query.grain = .day
    (query.from, query.to) = (coverage.from, coverage.to)
    var pricer = UsagePricer(prices: prices)
    for aggregate in try ledger.usage(query) {
      // The query asks for these providers only.
      guard let provider = Provider(rawValue: aggregate.provider) else { continue }
      let day = window.localDay(aggregate.bucketStart)
      if coverage.usageDays[provider]?.contains(day) != true {
        result.uncovered[provider, default: []].insert(day)
      }
      let priced = try add(aggregate, of: provider, on: day, pricer: &pricer, into: &sides)
      if !priced { result.unpricedModels[aggregate.model, default: 0] += aggregate.requests }
    }
    return result
  }

  /// Adds one ledger aggregate to its keys, each token category at the price `UsagePricer` gives
  /// it. Text tokens, audio tokens and searches are priced apart: a missing web-search or audio
  /// rate leaves the text tokens priced. Returns whether all of it was priced.
  private static func add(
    _ aggregate: UsageAggregate, of provider: Provider, on day: CivilDate, pricer: inout UsagePricer,
    into sides: inout [Key: Side]
  ) throws -> Bool {
    func price(_ usage: Usage) -> PricedUsage? {
      try? pricer.price(
        usage, model: aggregate.model, mode: aggregate.mode, rateDay: aggregate.rateDay,
        sizeClass: aggregate.sizeClass, provider: aggregate.provider
      ).get()
    }
    let tokens = aggregate.usage.tokens
    let text = price(Usage(tokens: tokens.withoutAudio))
    let audio = tokens.hasAudio ? price(Usage(tokens: tokens.audioOnly)) : nil
    let context: String?
    switch provider {
    // OpenAI's reports do not split by context window: its rows compare over all of them.
    case .openai: context = nil
    case .anthropic:
      context =
        text?.context
        ?? pricer.context(
          model: aggregate.model, rateDay: aggregate.rateDay, sizeClass: aggregate.sizeClass,
          provider: aggregate.provider)
    }
    var priced = true
    for (index, category) in TokenCategory.allCases.enumerated() where tokens[category] != 0 {
      let key = Key(
        provider: provider, day: day, model: aggregate.model, mode: .mode(aggregate.mode), context: context,
        category: .tokens(category))
      let cost = (category.isAudio ? audio : text).map { Money(atto: $0.categoryCosts[index]) }
      try sides[key, default: Side()].addLedger(tokens[category], cost: cost)
      priced = priced && cost != nil
    }
    let searches = aggregate.usage.webSearches
    if searches != 0 {
      let cost = price(Usage(tokens: TokenCounts(), webSearches: searches)).map {
        Money(atto: $0.cost.actual)
      }
      try sides[.daily(provider, day, .webSearch), default: Side()].addLedger(searches, cost: cost)
      priced = priced && cost != nil
    }
    return priced
  }

  // MARK: The provider's side

  /// A provider report's names in the ledger's: model aliases resolved to the price table's ids,
  /// service tiers as modes, context windows as the table's tier labels. An empty name is every
  /// value, and an error where `--by` asks for that dimension.
  struct ReportNames {
    let prices: PriceBook
    let by: [ReconcileDimension]

    func required<Value>(
      _ value: Value?, _ dimension: ReconcileDimension, report: String, field: String, day: CivilDate
    ) throws -> Value? {
      if value == nil && by.contains(dimension) {
        throw ReportError(
          "the \(report) for \(day) is not grouped by \(field); download it with \(report.hasPrefix("OpenAI") ? "group_by" : "group_by[]")=\(field), or leave \(dimension.rawValue) out of --by"
        )
      }
      return value
    }

    func model(_ name: String, report: String, field: String, day: CivilDate) throws -> String? {
      let model = name.isEmpty ? nil : (prices.resolve(name)?.id ?? name)
      return try required(model, .model, report: report, field: field, day: day)
    }

    func tier(_ tier: Tier?, report: String, field: String, day: CivilDate) throws -> Tier? {
      try required(tier, .mode, report: report, field: field, day: day)
    }

    func context(_ window: String, report: String, field: String, day: CivilDate) throws -> String? {
      let context = window.isEmpty ? nil : window == "200k-1M" ? "200k+" : window
      return try required(context, .context, report: report, field: field, day: day)
    }
  }

  /// The usage reports' tokens and searches into `sides`.
  static func providerUsageSides(
    ledger: Ledger, coverage: Coverage, names: ReportNames, into sides: inout [Key: Side]
  ) throws {
    for row in try ledger.providerUsage(from: coverage.from, to: coverage.to) {
      guard let provider = Provider(rawValue: row.provider), coverage.providers.contains(provider) else {
        continue
      }
      let day = coverage.window.localDay(row.bucketStart)
      let report = provider.usageReport
      let model = try names.model(row.model, report: report, field: "model", day: day)
      let mode = try names.tier(
        Tier(reported: row.serviceTier), report: report, field: provider.tierField, day: day)
      let context =
        provider == .openai
        ? nil
        : try names.context(row.contextWindow, report: "usage report", field: "context_window", day: day)
      for category in TokenCategory.allCases where row.tokens[category] > 0 {
        let key = Key(
          provider: provider, day: day, model: model, mode: mode, context: context,
          category: .tokens(category))
        sides[key, default: Side()].providerTokens = try checkedSum(
          sides[key, default: Side()].providerTokens, row.tokens[category])
      }
      if row.webSearches > 0 {
        let key = Key.daily(provider, day, .webSearch)
        sides[key, default: Side()].providerTokens = try checkedSum(
          sides[key, default: Side()].providerTokens, row.webSearches)
      }
    }
  }

  /// The cost reports' amounts into `sides`. Returns the dollars of OpenAI line items that name
  /// no model's tokens, per line item: those are compared per day only.
  static func providerCostSides(
    ledger: Ledger, coverage: Coverage, names: ReportNames, into sides: inout [Key: Side]
  ) throws -> [String: Money] {
    // The tiers the usage reports show per key: the Analytics cost report has no service_tier,
    // so its rows take the one tier the usage report shows for them.
    var usageTiers: [Key: Set<Tier?>] = [:]
    for (key, side) in sides where side.providerTokens > 0 {
      var tierless = key
      tierless.mode = nil
      usageTiers[tierless, default: []].insert(key.mode)
    }
    var unnamedLineItems: [String: Money] = [:]
    for row in try ledger.providerCosts(from: coverage.from, to: coverage.to) {
      guard let provider = Provider(rawValue: row.provider), coverage.providers.contains(provider) else {
        continue
      }
      let day = coverage.window.localDay(row.bucketStart)
      let key: Key
      switch row.costType {
      case "web_search": key = .daily(provider, day, .webSearch)
      case "code_execution": key = .daily(provider, day, .codeExecution)
      default:
        guard let category = ProviderReportReader.tokenTypes[row.tokenType] ?? audioTokenTypes[row.tokenType]
        else {
          switch provider {
          case .openai:
            // A line item naming no model's tokens (or no line item at all): compared per day.
            let item =
              row.dimensions.split(separator: "\n").first { $0.hasPrefix("line_item=") }
              .map { String($0.dropFirst("line_item=".count)) } ?? "(no line_item)"
            unnamedLineItems[item] += row.amount
            sides[.daily(provider, day, nil), default: Side()].addBilled(row.amount, list: nil)
          case .anthropic:
            if names.by != [.day] {
              throw ReportError(
                "the cost report for \(day) is not grouped by description (no model or token_type); download it with group_by[]=description, or reconcile with --by day"
              )
            }
            sides[.daily(provider, day, nil), default: Side()].addBilled(row.amount, list: row.listAmount)
          }
          continue
        }
        key = try costKey(
          row, category: category, provider: provider, day: day, names: names, usageTiers: usageTiers)
      }
      sides[key, default: Side()].addBilled(row.amount, list: row.listAmount)
    }
    return unnamedLineItems
  }

  /// The key of a cost report row of one token category.
  private static func costKey(
    _ row: ProviderCostRow, category: TokenCategory, provider: Provider, day: CivilDate, names: ReportNames,
    usageTiers: [Key: Set<Tier?>]
  ) throws -> Key {
    let model = try names.model(row.model, report: "cost report", field: provider.costField, day: day)
    let context =
      provider == .openai
      ? nil : try names.context(row.contextWindow, report: "cost report", field: "description", day: day)
    var tier = Tier(reported: row.serviceTier)
    if tier == nil, row.listAmountCents != nil {
      let tiers =
        usageTiers[
          Key(
            provider: provider, day: day, model: model, mode: nil, context: context,
            category: .tokens(category))
        ] ?? []
      if tiers.count == 1, let only = tiers.first {
        tier = only
      } else if names.by.contains(.mode) {
        let shown = tiers.map { $0?.description ?? all }.sorted()
        throw ReportError(
          "the Analytics cost report for \(day) does not say the service tier of \(model ?? all)'s \(category.rawValue) tokens, and the usage report shows \(shown.isEmpty ? "none of them" : "them in \(shown.joined(separator: " and "))"); leave mode out of --by"
        )
      }
    }
    return Key(
      provider: provider, day: day, model: model,
      mode: try names.tier(tier, report: "cost report", field: provider.costField, day: day),
      context: context,
      category: .tokens(category))
  }

  // MARK: Table rates

  /// Tally's rate for every key of one model, mode and token category, on either side, so a
  /// provider-only row shows it too.
  static func tableRates(prices: PriceBook, window: ReportWindow, into sides: inout [Key: Side]) {
    for key in Array(sides.keys) {
      guard let model = key.model, case .mode(let mode)? = key.mode,
        case .tokens(let category)? = key.category
      else { continue }
      // A tier label's lower end: `0-200k` → 0, `200k+` → 200,001.
      let thousands = key.context.flatMap { Int($0.prefix { $0.isNumber }) } ?? 0
      guard
        let card = try? prices.card(
          model: model, on: Timestamp.utcDay(window.start(of: key.day)),
          requestInputTokens: thousands == 0 ? 0 : thousands * 1000 + 1
        ).get(), let rates = card.rates(for: mode)
      else { continue }
      sides[key]?.tableRate = rates[category]
    }
  }
}
