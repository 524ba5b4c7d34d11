import Foundation

/// A dimension of `tally reconcile --by`.
public enum ReconcileDimension: String, Sendable, CaseIterable {
  case day, model, mode, context, category

  /// Parses `--by day,model`; the dimensions keep the canonical order.
  public static func list(_ text: String) throws(ReportError) -> [ReconcileDimension] {
    var dimensions: Set<ReconcileDimension> = []
    for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
      guard let dimension = ReconcileDimension(rawValue: part) else {
        throw ReportError(
          "unknown dimension \"\(part)\"; expected one of \(allCases.map(\.rawValue).joined(separator: ", "))"
        )
      }
      guard dimensions.insert(dimension).inserted else {
        throw ReportError("dimension \"\(part)\" is given twice")
      }
    }
    guard !dimensions.isEmpty else { throw ReportError("no dimension given") }
    return allCases.filter(dimensions.contains)
  }
}

/// Whether a row's usage is on both sides.
public enum ReconcileMatch: String, Sendable {
  case matched
  case ledgerOnly = "ledger-only"
  case providerOnly = "provider-only"
}

/// What a row's deltas mean.
public enum ReconcileVerdict: String, Sendable {
  /// Every delta within the tolerance.
  case ok
  /// A delta in tokens or dollars beyond the tolerance.
  case mismatch
  /// Ledger usage no price in Tally's table covers: its dollars cannot be compared.
  case unpriced
  /// No usage report covers the row's day: the ledger's usage cannot be compared.
  case uncovered
  /// An Analytics report bucket of the row's day holds 100 groups, the most the API returns:
  /// groups beyond them may be missing, so the row is never taken as a match.
  case incomplete
}

/// One row of `tally reconcile`: the ledger and the provider on one group.
///
/// Deltas are provider minus ledger (positive: the provider reports or bills more than the
/// ledger holds); percentages are of the provider's figure, the one the invoice follows.
/// For the `web_search` category, tokens are searches (summed over models: the cost report
/// does not split web searches by model).
public struct ReconcileRow: Sendable {
  /// One value per `--by` dimension.
  public var values: [String]
  public var match: ReconcileMatch = .matched
  public var ledgerTokens = 0
  public var providerTokens = 0
  /// Tally's price of the ledger's tokens; nil when some of them are unpriced.
  public var ledgerCost: Money? = .zero
  /// The cost report's amount; nil when no cost report covers the row's days.
  public var providerCost: Money?
  /// The Analytics cost report's `list_amount` (before the contracted discount); nil when the
  /// cost report has no list amounts.
  public var providerListCost: Money?
  /// The rate Tally's table charges for the row, USD per million tokens; nil when the row mixes
  /// rates or has none (web searches, unpriced models).
  public var tableRate: Decimal?
  /// The rate the provider billed: cost-report amount / usage-report tokens per million; nil
  /// unless the row is one token category the provider reports usage of.
  public var impliedRate: Exact?
  public var verdict: ReconcileVerdict = .ok
  /// Known causes of the deltas, in plain words.
  public var explanations: [String] = []

  public var deltaTokens: Int { providerTokens - ledgerTokens }
  /// Nil when the provider reports no tokens.
  public var deltaTokensPercent: Exact? {
    providerTokens == 0 ? nil : Exact(Decimal(deltaTokens)) * 100 / Exact(Decimal(providerTokens))
  }
  public var deltaCost: Money? { providerCost.flatMap { provider in ledgerCost.map { provider - $0 } } }
  /// List minus billed: the contracted discount; nil without list amounts.
  public var discount: Money? { providerListCost.flatMap { list in providerCost.map { list - $0 } } }
  /// The discount in percent of the list amount.
  public var discountPercent: Exact? {
    discount.flatMap { discount in providerListCost.flatMap { discount.percent(of: $0) } }
  }
  public var deltaCostPercent: Exact? {
    deltaCost.flatMap { delta in providerCost.flatMap { delta.percent(of: $0) } }
  }
}

/// `tally reconcile`: the ledger's tokens and Tally-priced cost against the provider's usage and
/// cost reports, per day, model, service tier, context window and token category.
public struct ReconcileReport: Sendable {
  public let by: [ReconcileDimension]
  public let window: ReportWindow
  /// Percent: a delta whose size exceeds this share of the provider's figure is a mismatch.
  public let tolerance: Exact
  public let rows: [ReconcileRow]
  /// Model name → ledger requests that could not be priced.
  public let unpricedModels: [String: Int]
  /// Report-wide observations (usage outside the reports' window, days without a cost report).
  public let notes: [String]

  /// Rows whose verdict is not `ok`: the exit status is 1 when there is any.
  public var exceeded: Int { rows.filter { $0.verdict != .ok }.count }

  /// Sums of every column; costs sum the rows that have one (unpriced rows and days without a
  /// cost report are left out, as in every report).
  public var totals: ReconcileRow {
    var total = ReconcileRow(values: [])
    for row in rows {
      // `build` checked that these sums fit.
      total.ledgerTokens += row.ledgerTokens
      total.providerTokens += row.providerTokens
      total.ledgerCost += row.ledgerCost
      total.providerCost += row.providerCost
      total.providerListCost += row.providerListCost
    }
    return total
  }

  /// The category names, in the order rows show them.
  static let categories = TokenCategory.allCases.map(\.rawValue) + ["web_search", "code_execution"]
  static let all = "(all)"

  private struct Key: Hashable {
    /// `anthropic` or `openai`: whose reports the key is compared with (not a `--by` dimension).
    var provider: String
    var day: CivilDate
    var model: String
    var mode: String
    var context: String
    var category: String
  }

  private struct Side {
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
  }

  /// Compares the ledger with the provider reports in `window` (default: the days the usage
  /// reports cover). Throws `ReportError` when the reports cannot answer the question asked
  /// (not grouped by a dimension of `by`, day buckets under another time zone, no usage report).
  public static func build(
    ledger: Ledger, prices: PriceBook, by: [ReconcileDimension], tolerance: Exact, window asked: ReportWindow
  ) throws -> ReconcileReport {
    // Each provider's reports are compared with that provider's ledger usage only; a provider
    // without a usage report is left out.
    var usageByProvider: [String: [(start: Int64, end: Int64, truncated: Bool)]] = [:]
    var costByProvider: [String: [(start: Int64, end: Int64, truncated: Bool)]] = [:]
    for provider in ["anthropic", "openai"] {
      let usage = try ledger.providerBuckets(.usage, provider: provider)
      if !usage.isEmpty { usageByProvider[provider] = usage }
      costByProvider[provider] = try ledger.providerBuckets(.cost, provider: provider)
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

    // Each bucket must fall inside one local day, and coverage is counted per local day.
    func coverage(_ buckets: [(start: Int64, end: Int64, truncated: Bool)], name: String) throws -> Set<
      CivilDate
    > {
      var seconds: [CivilDate: Int64] = [:]
      for bucket in buckets where bucket.end > from && bucket.start < to {
        let day = window.localDay(bucket.start)
        guard window.localDay(bucket.end - 1) == day else {
          throw ReportError(
            "the \(name) has a bucket from \(Timestamp.format(bucket.start)) to \(Timestamp.format(bucket.end)), which spans two days in \(window.zoneName); reconcile with --tz UTC, or download the report with bucket_width 1h"
          )
        }
        seconds[day, default: 0] += bucket.end - bucket.start
      }
      return Set(
        seconds.filter { day, covered in
          covered == window.start(of: day.adding(days: 1)) - window.start(of: day)
        }.keys)
    }
    var usageDays: [String: Set<CivilDate>] = [:]
    var costDays: [String: Set<CivilDate>] = [:]
    // Days with an Analytics bucket at the API's limit of groups, per provider.
    var truncatedDays: [String: Set<CivilDate>] = [:]
    for (provider, buckets) in usageByProvider {
      usageDays[provider] = try coverage(buckets, name: "usage report")
      costDays[provider] = try coverage(costByProvider[provider] ?? [], name: "cost report")
      for bucket in buckets + (costByProvider[provider] ?? [])
      where bucket.truncated && bucket.end > from && bucket.start < to {
        truncatedDays[provider, default: []].insert(window.localDay(bucket.start))
      }
    }

    var sides: [Key: Side] = [:]
    var unpricedModels: [String: Int] = [:]
    var notes: [String] = []

    // The ledger: billed Anthropic usage, priced by Tally's table per UTC day.
    var query = UsageQuery(zone: window)
    query.prices = prices
    query.filters[.provider] = Set(usageByProvider.keys)
    func tokens(from: Int64?, to: Int64?) throws -> Int {
      var outside = query
      (outside.from, outside.to) = (from, to)
      return try ledger.usage(outside).reduce(0) { sum, aggregate in
        let tokens = aggregate.usage.tokens
        return try TokenCategory.allCases.reduce(sum) { try checkedSum($0, tokens[$1]) }
      }
    }
    let outside = (before: try tokens(from: nil, to: from), after: try tokens(from: to, to: nil))
    query.grain = .day
    (query.from, query.to) = (from, to)
    var uncoveredDays: Set<CivilDate> = []
    var uncoveredKeys: Set<[String]> = []
    var pricer = UsagePricer(prices: prices)
    for aggregate in try ledger.usage(query) {
      let day = window.localDay(aggregate.bucketStart)
      if usageDays[aggregate.provider]?.contains(day) != true {
        uncoveredDays.insert(day)
        uncoveredKeys.insert([aggregate.provider, day.description])
      }
      // Text tokens, audio tokens and searches are priced apart: a missing web-search or audio
      // rate leaves the text tokens priced.
      func price(_ usage: Usage) -> PricedUsage? {
        try? pricer.price(
          usage, model: aggregate.model, mode: aggregate.mode, rateDay: aggregate.rateDay,
          sizeClass: aggregate.sizeClass, provider: aggregate.provider
        ).get()
      }
      let text = price(Usage(tokens: aggregate.usage.tokens.withoutAudio))
      let audio =
        aggregate.usage.tokens.hasAudio ? price(Usage(tokens: aggregate.usage.tokens.audioOnly)) : nil
      // OpenAI's reports do not split by context window: its rows compare over all of them.
      let context =
        aggregate.provider == "openai"
        ? all
        : text?.context
          ?? pricer.context(
            model: aggregate.model, rateDay: aggregate.rateDay, sizeClass: aggregate.sizeClass,
            provider: aggregate.provider)
      var anyUnpriced = false
      for (index, category) in TokenCategory.allCases.enumerated() where aggregate.usage.tokens[category] != 0
      {
        let key = Key(
          provider: aggregate.provider, day: day, model: aggregate.model, mode: aggregate.mode.rawValue,
          context: context, category: category.rawValue)
        var side = sides[key] ?? Side()
        side.ledgerTokens = try checkedSum(side.ledgerTokens, aggregate.usage.tokens[category])
        if let tokens = category.isAudio ? audio : text {
          side.ledgerCost = side.ledgerCost + Money(atto: tokens.categoryCosts[index])
        } else {
          side.ledgerUnpriced = true
          anyUnpriced = true
        }
        sides[key] = side
      }
      if aggregate.usage.webSearches != 0 {
        let key = Key(
          provider: aggregate.provider, day: day, model: all, mode: all, context: all, category: "web_search")
        var side = sides[key] ?? Side()
        side.ledgerTokens = try checkedSum(side.ledgerTokens, aggregate.usage.webSearches)
        if let searches = price(Usage(tokens: TokenCounts(), webSearches: aggregate.usage.webSearches)) {
          side.ledgerCost = side.ledgerCost + Money(atto: searches.cost.actual)
        } else {
          side.ledgerUnpriced = true
          anyUnpriced = true
        }
        sides[key] = side
      }
      if anyUnpriced { unpricedModels[aggregate.model, default: 0] += aggregate.requests }
    }

    // The provider's reports, in the report's own names mapped onto the ledger's.
    func required(
      _ value: String, _ dimension: ReconcileDimension, report: String, field: String, day: CivilDate
    ) throws -> String {
      if value.isEmpty && by.contains(dimension) {
        throw ReportError(
          "the \(report) for \(day) is not grouped by \(field); download it with \(report.hasPrefix("OpenAI") ? "group_by" : "group_by[]")=\(field), or leave \(dimension.rawValue) out of --by"
        )
      }
      return value.isEmpty ? all : value
    }
    func modelName(_ name: String) -> String { name.isEmpty ? name : (prices.resolve(name)?.id ?? name) }
    func mode(_ tier: String) -> String {
      switch tier {
      case "standard": "sync"
      case "batch": "batch"
      default: tier
      }
    }
    func context(_ window: String) -> String { window == "200k-1M" ? "200k+" : window }

    for row in try ledger.providerUsage(from: from, to: to) where usageByProvider[row.provider] != nil {
      let day = window.localDay(row.bucketStart)
      let openAI = row.provider == "openai"
      let report = openAI ? "OpenAI usage report" : "usage report"
      let model = try required(modelName(row.model), .model, report: report, field: "model", day: day)
      let rowMode = try required(
        mode(row.serviceTier), .mode, report: report, field: openAI ? "batch" : "service_tier", day: day)
      let rowContext =
        openAI
        ? all
        : try required(
          context(row.contextWindow), .context, report: "usage report", field: "context_window", day: day)
      for category in TokenCategory.allCases where row.tokens[category] > 0 {
        let key = Key(
          provider: row.provider, day: day, model: model, mode: rowMode, context: rowContext,
          category: category.rawValue)
        sides[key, default: Side()].providerTokens = try checkedSum(
          sides[key, default: Side()].providerTokens, row.tokens[category])
      }
      if row.webSearches > 0 {
        let key = Key(
          provider: row.provider, day: day, model: all, mode: all, context: all, category: "web_search")
        sides[key, default: Side()].providerTokens = try checkedSum(
          sides[key, default: Side()].providerTokens, row.webSearches)
      }
    }
    var unnamedLineItems: [String: Money] = [:]
    // The modes the usage reports show per provider, day, model, context and category: the
    // Analytics cost report has no service_tier, so its rows take the one mode the usage report
    // shows for them.
    struct ModeKey: Hashable {
      var provider: String
      var day: CivilDate
      var model: String
      var context: String
      var category: String
    }
    var usageModes: [ModeKey: Set<String>] = [:]
    for (key, side) in sides where side.providerTokens > 0 {
      usageModes[
        ModeKey(
          provider: key.provider, day: key.day, model: key.model, context: key.context, category: key.category
        ),
        default: []
      ].insert(key.mode)
    }
    for row in try ledger.providerCosts(from: from, to: to) where usageByProvider[row.provider] != nil {
      let day = window.localDay(row.bucketStart)
      let openAI = row.provider == "openai"
      let key: Key
      switch row.costType {
      case "web_search", "code_execution":
        key = Key(
          provider: row.provider, day: day, model: all, mode: all, context: all, category: row.costType)
      default:
        guard let category = ProviderReportReader.tokenTypes[row.tokenType] ?? audioTokenTypes[row.tokenType]
        else {
          if openAI {
            // A line item naming no model's tokens (or no line item at all): compared per day.
            let item =
              row.dimensions.split(separator: "\n").first { $0.hasPrefix("line_item=") }
              .map { String($0.dropFirst("line_item=".count)) } ?? "(no line_item)"
            unnamedLineItems[item, default: .zero] = unnamedLineItems[item, default: .zero] + row.amount
            key = Key(provider: row.provider, day: day, model: all, mode: all, context: all, category: all)
            sides[key, default: Side()].providerCost = sides[key, default: Side()].providerCost + row.amount
            sides[key]!.providerBilled = true
            continue
          }
          if by != [.day] {
            throw ReportError(
              "the cost report for \(day) is not grouped by description (no model or token_type); download it with group_by[]=description, or reconcile with --by day"
            )
          }
          key = Key(provider: row.provider, day: day, model: all, mode: all, context: all, category: all)
          sides[key, default: Side()].providerCost = sides[key, default: Side()].providerCost + row.amount
          sides[key]!.providerBilled = true
          if let list = row.listAmount {
            sides[key]!.providerListCost = sides[key]!.providerListCost + list
            sides[key]!.providerListed = true
          }
          continue
        }
        let rowModel = try required(
          modelName(row.model), .model, report: "cost report", field: openAI ? "line_item" : "description",
          day: day)
        let rowContext =
          openAI
          ? all
          : try required(
            context(row.contextWindow), .context, report: "cost report", field: "description", day: day)
        var tier = row.serviceTier
        if tier.isEmpty, row.listAmountCents != nil {
          let modes =
            usageModes[
              ModeKey(
                provider: row.provider, day: day, model: rowModel, context: rowContext,
                category: category.rawValue)
            ] ?? []
          if modes.count == 1, let only = modes.first {
            tier = only == "sync" ? "standard" : only
          } else if by.contains(.mode) {
            throw ReportError(
              "the Analytics cost report for \(day) does not say the service tier of \(rowModel)'s \(category.rawValue) tokens, and the usage report shows \(modes.isEmpty ? "none of them" : "them in \(modes.sorted().joined(separator: " and "))"); leave mode out of --by"
            )
          }
        }
        key = Key(
          provider: row.provider, day: day, model: rowModel,
          mode: try required(
            mode(tier), .mode, report: "cost report", field: openAI ? "line_item" : "description", day: day),
          context: rowContext, category: category.rawValue)
      }
      sides[key, default: Side()].providerCost = sides[key, default: Side()].providerCost + row.amount
      sides[key]!.providerBilled = true
      if let list = row.listAmount {
        sides[key]!.providerListCost = sides[key]!.providerListCost + list
        sides[key]!.providerListed = true
      }
    }

    // Tally's rate for every group, on either side, so a provider-only row shows it too.
    for key in Array(sides.keys) where key.model != all {
      // A tier label's lower end: `0-200k` → 0, `200k+` → 200,001.
      let thousands = Int(key.context.prefix { $0.isNumber }) ?? 0
      guard let mode = Mode(rawValue: key.mode),
        let card = try? prices.card(
          model: key.model, on: Timestamp.utcDay(window.start(of: key.day)),
          requestInputTokens: thousands == 0 ? 0 : thousands * 1000 + 1
        ).get(), let rates = card.rates(for: mode),
        let category = TokenCategory(rawValue: key.category)
      else { continue }
      sides[key]!.tableRate = rates[category]
    }

    // Coarsen to --by.
    struct Group {
      var row: ReconcileRow
      var keys: [Key] = []
      var rates: Set<Decimal?> = []
      var unpriced = false
      var costDaysMissing = false
      var uncovered = false
      var incomplete = false
      var listed = false
      var providerBilled = false
    }
    var groups: [[String]: Group] = [:]
    for (key, side) in sides {
      let values = by.map { dimension -> String in
        switch dimension {
        case .day: key.day.description
        case .model: key.model
        case .mode: key.mode
        case .context: key.context
        case .category: key.category
        }
      }
      var group = groups[values] ?? Group(row: ReconcileRow(values: values))
      group.keys.append(key)
      group.row.ledgerTokens = try checkedSum(group.row.ledgerTokens, side.ledgerTokens)
      group.row.providerTokens = try checkedSum(group.row.providerTokens, side.providerTokens)
      group.row.ledgerCost = group.row.ledgerCost! + side.ledgerCost
      group.unpriced = group.unpriced || side.ledgerUnpriced
      group.providerBilled = group.providerBilled || side.providerBilled || side.providerTokens != 0
      if costDays[key.provider]?.contains(key.day) == true {
        group.row.providerCost = (group.row.providerCost ?? .zero) + side.providerCost
        group.row.providerListCost = (group.row.providerListCost ?? .zero) + side.providerListCost
        group.listed = group.listed || side.providerListed
      } else {
        group.costDaysMissing = true
      }
      group.uncovered =
        group.uncovered
        || (side.ledgerTokens > 0 && uncoveredKeys.contains([key.provider, key.day.description]))
      group.incomplete = group.incomplete || truncatedDays[key.provider]?.contains(key.day) == true
      group.rates.insert(side.tableRate)
      groups[values] = group
    }

    var rows: [ReconcileRow] = []
    for group in groups.values {
      var row = group.row
      if group.costDaysMissing || !group.providerBilled { row.providerCost = nil }
      if row.providerCost == nil || !group.listed { row.providerListCost = nil }
      if group.unpriced { row.ledgerCost = nil }
      let categories = Set(group.keys.map(\.category))
      if group.rates.count == 1, let rate = group.rates.first! { row.tableRate = rate }
      if categories.count == 1, let category = categories.first, TokenCategory(rawValue: category) != nil,
        row.providerTokens > 0, let cost = row.providerCost
      {
        row.impliedRate = cost.value * 1_000_000 / Exact(Decimal(row.providerTokens))
      }
      row.match =
        row.ledgerTokens == 0 && row.ledgerCost?.isZero != false
        ? .providerOnly
        : row.providerTokens == 0 && (row.providerCost?.isZero ?? true) ? .ledgerOnly : .matched
      let tokensOff = exceeds(
        row.deltaTokens == 0 ? nil : Exact(Decimal(row.deltaTokens)), of: Exact(Decimal(row.providerTokens)),
        tolerance)
      let costOff =
        row.deltaCost.map { exceeds($0.isZero ? nil : $0.value, of: row.providerCost!.value, tolerance) }
        ?? false
      if group.uncovered {
        row.verdict = .uncovered
      } else if group.incomplete {
        row.verdict = .incomplete
      } else if group.unpriced {
        row.verdict = .unpriced
      } else if tokensOff || costOff {
        row.verdict = .mismatch
      }
      rows.append(explain(row, keys: group.keys, tokensOff: tokensOff, costOff: costOff, by: by))
    }
    for column in [\ReconcileRow.ledgerTokens, \ReconcileRow.providerTokens] {
      _ = try rows.reduce(0) { try checkedSum($0, $1[keyPath: column]) }
    }
    rows = dayBoundaries(rows, by: by)
    let categoryRank = Dictionary(uniqueKeysWithValues: (categories + [all]).enumerated().map { ($1, $0) })
    func sortKey(_ row: ReconcileRow) -> [String] {
      zip(by, row.values).map { dimension, value in
        dimension == .category ? String(format: "%02d", categoryRank[value] ?? 99) : value
      }
    }
    rows.sort { sortKey($0).lexicographicallyPrecedes(sortKey($1)) }

    if outside.before + outside.after > 0 {
      notes.append(
        "the ledger has \(grouped(outside.before + outside.after)) tokens outside the window \(window) (\(grouped(outside.before)) before, \(grouped(outside.after)) after): usage outside the reported window, not compared"
      )
    }
    let uncosted = sides.keys.filter { costDays[$0.provider]?.contains($0.day) != true }
    let missingCostDays = Set(uncosted.map(\.day)).sorted()
    if !missingCostDays.isEmpty {
      let formats = Set(uncosted.map(\.provider)).sorted().map {
        $0 == "openai" ? "openai-cost-report" : "anthropic-cost-report or anthropic-analytics-cost"
      }
      notes.append(
        "no cost report covers \(dayList(missingCostDays)): dollars on those days are not compared; ingest the cost report (tally ingest FILE: \(formats.joined(separator: "; ")))"
      )
    }
    if !uncoveredDays.isEmpty {
      notes.append(
        "no usage report covers \(dayList(uncoveredDays.sorted())): the ledger's usage on those days cannot be compared; ingest the report pages for those days"
      )
    }
    if !unnamedLineItems.isEmpty {
      let items = unnamedLineItems.keys.sorted().map { JSONValue.quoted($0) }.joined(separator: ", ")
      notes.append(
        "the OpenAI cost report's line item\(unnamedLineItems.count == 1 ? "" : "s") \(items) \(unnamedLineItems.count == 1 ? "names" : "name") no model's tokens: \(unnamedLineItems.count == 1 ? "its" : "their") dollars are compared per day only (reconcile --by day)"
      )
    }
    let listed = rows.compactMap { row in
      row.providerListCost.flatMap { list in row.providerCost.map { (list, $0) } }
    }
    if !listed.isEmpty {
      let list = listed.reduce(Money.zero) { $0 + $1.0 }
      let billed = listed.reduce(Money.zero) { $0 + $1.1 }
      let discount = list - billed
      let percent =
        discount.percent(of: list).map {
          " (\(ExactDecimal.fixed(ExactDecimal.rounded($0.decimal, scale: 2), scale: 2))% of list)"
        } ?? ""
      notes.append(
        "the Analytics cost report lists \(list.terminal()) before discounts and bills \(billed.terminal()): a contracted discount of \(discount.terminal())\(percent)"
      )
    }
    return ReconcileReport(
      by: by, window: window, tolerance: tolerance, rows: rows, unpricedModels: unpricedModels, notes: notes)
  }

  /// Cost token types only OpenAI's line items name.
  static let audioTokenTypes: [String: TokenCategory] = [
    "audio_input_tokens": .audioInput, "audio_output_tokens": .audioOutput,
  ]

  /// Whether `delta` is beyond `tolerance` percent of `base` (any delta is, when `base` is zero).
  private static func exceeds(_ delta: Exact?, of base: Exact, _ tolerance: Exact) -> Bool {
    guard let delta else { return false }
    guard !base.isZero else { return true }
    let size = delta < 0 ? -delta : delta
    let whole = base < 0 ? -base : base
    return size * 100 > tolerance * whole
  }

  private static func explain(
    _ row: ReconcileRow, keys: [Key], tokensOff: Bool, costOff: Bool, by: [ReconcileDimension]
  ) -> ReconcileRow {
    var row = row
    let models = Set(keys.map(\.model)).sorted()
    let modes = Set(keys.map(\.mode))
    let categories = Set(keys.map(\.category))
    let searches = categories == ["web_search"]
    let unit = searches ? "searches" : "tokens"
    let days = Set(keys.map(\.day)).sorted()
    switch row.verdict {
    case .ok: return row
    case .incomplete:
      row.explanations.append(
        "incomplete: the API returns at most \(ProviderReportReader.analyticsGroupLimit) groups per bucket, and a bucket of \(dayList(days)) holds \(ProviderReportReader.analyticsGroupLimit): groups beyond them may be missing (download with fewer group_by dimensions, or filter by model or workspace)"
      )
      return row
    case .uncovered:
      row.explanations.append(
        "no usage report covers \(dayList(days)): a page of the report not ingested? The ledger's \(grouped(row.ledgerTokens)) \(unit) are not compared"
      )
      return row
    case .unpriced:
      row.explanations.append(
        "unpriced model\(models.count == 1 ? "" : "s") \(models.joined(separator: ", ")): Tally's table has no price in force; add one with --pricing FILE to compare dollars"
      )
    case .mismatch: break
    }
    if categories == ["code_execution"] {
      row.explanations.append("code execution is billed per container-hour; the ledger does not record it")
      return row
    }
    if !modes.isDisjoint(with: ["priority", "flex", "priority_on_demand", "flex_discount"]) {
      row.explanations.append(
        "service tier \(modes.sorted().joined(separator: ", ")): Tally records such requests as sync and does not price the tier"
      )
    }
    if tokensOff && row.deltaTokens > 0 {
      let source =
        modes == ["batch"]
        ? "a batch results file not ingested?"
        : modes == ["sync"] ? "an API log not ingested?" : "a results file or log not ingested?"
      row.explanations.append(
        "requests missing from the ledger: the provider reports \(grouped(row.deltaTokens)) more \(unit) than the ledger holds (\(source))"
      )
    } else if tokensOff && row.deltaTokens < 0 {
      row.explanations.append(
        "the ledger holds \(grouped(-row.deltaTokens)) more \(unit) than the provider reports: usage the report leaves out (a workspace or API key filter on the download?) or a request ingested twice under two keys"
      )
    } else if costOff, let list = row.providerListCost, let ledger = row.ledgerCost, list == ledger,
      let percent = row.discountPercent
    {
      let share = ExactDecimal.fixed(ExactDecimal.rounded(percent.decimal, scale: 2), scale: 2)
      row.explanations.append(
        "Tally's table agrees with the list price and the bill is \(share)% below it: a contracted discount (give the contracted rates with --pricing FILE)"
      )
    } else if costOff, let implied = row.impliedRate {
      let table = row.tableRate.map { "$" + ExactDecimal.atLeast($0, minimumScale: 2) } ?? "no single rate"
      row.explanations.append(
        "billed at \(dollarRate(implied)) per million tokens, Tally's table has \(table): a price in the table differs from what was billed (correct it with --pricing FILE)"
      )
    } else if costOff {
      row.explanations.append(
        "the dollars differ while the \(unit) agree: a price in the table differs from what was billed (reconcile --by \(by.map(\.rawValue).joined(separator: ",")),category shows the implied rate)"
      )
    }
    return row
  }

  /// Marks equal and opposite token deltas on adjacent days (same other dimensions) as usage
  /// dated on different sides of midnight by the ledger and the provider.
  private static func dayBoundaries(_ rows: [ReconcileRow], by: [ReconcileDimension]) -> [ReconcileRow] {
    guard let dayIndex = by.firstIndex(of: .day) else { return rows }
    var rows = rows
    var index: [[String]: Int] = [:]
    for (position, row) in rows.enumerated() { index[row.values] = position }
    for position in rows.indices where rows[position].verdict == .mismatch && rows[position].deltaTokens < 0 {
      guard let day = CivilDate(parsing: rows[position].values[dayIndex]) else { continue }
      for neighbour in [day.adding(days: 1), day.adding(days: -1)] {
        var values = rows[position].values
        values[dayIndex] = neighbour.description
        guard let other = index[values], rows[other].deltaTokens == -rows[position].deltaTokens else {
          continue
        }
        let tokens = grouped(-rows[position].deltaTokens)
        let unit = rows[position].values.contains("web_search") ? "searches" : "tokens"
        let text =
          "usage across a day boundary: the ledger dates \(tokens) \(unit) on \(day) that the provider reports on \(neighbour) (the log's clock or time zone, or a batch's created_at against when it ran)"
        rows[position].explanations = [text]
        rows[other].explanations = [text]
        break
      }
    }
    return rows
  }

  private static func dollarRate(_ rate: Exact) -> String {
    let decimal = rate.terminates ? rate.decimal : ExactDecimal.rounded(rate.decimal, scale: 6)
    return "$" + ExactDecimal.atLeast(decimal, minimumScale: 2)
  }

  private static func dayList(_ days: [CivilDate]) -> String {
    days.count <= 3
      ? days.map(\.description).joined(separator: ", ")
      : "\(days.count) days from \(days.first!) to \(days.last!)"
  }
}

/// A count with thousands separators: `4,859`.
public func grouped(_ count: Int) -> String { ExactDecimal.fixed(Decimal(count), scale: 0, grouping: true) }

/// A count with thousands separators: `4,859`.
public func grouped(_ count: Int64) -> String { ExactDecimal.fixed(Decimal(count), scale: 0, grouping: true) }

/// `a + b`, or an error instead of a trap when the sum does not fit.
func checkedSum(_ a: Int, _ b: Int) throws(ReportError) -> Int {
  let (sum, overflow) = a.addingReportingOverflow(b)
  guard !overflow else {
    throw ReportError("a token sum in this report is larger than 9,223,372,036,854,775,807")
  }
  return sum
}
