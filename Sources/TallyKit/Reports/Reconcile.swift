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

  /// What a row shows for a dimension the provider's report does not split by.
  static let all = "(all)"

  /// Compares the ledger with the provider reports in `window` (default: the days the usage
  /// reports cover). Throws `ReportError` when the reports cannot answer the question asked
  /// (not grouped by a dimension of `by`, day buckets under another time zone, no usage report).
  ///
  /// Both sides are summed per provider, local day, model, tier, context and category
  /// (`Reconcile+Sides.swift`), then coarsened to `by`; each group gets its verdict.
  public static func build(
    ledger: Ledger, prices: PriceBook, by: [ReconcileDimension], tolerance: Exact, window asked: ReportWindow
  ) throws -> ReconcileReport {
    let coverage = try Self.coverage(ledger: ledger, window: asked)
    var sides: [Key: Side] = [:]
    let ledgerUsage = try ledgerSides(ledger: ledger, prices: prices, coverage: coverage, into: &sides)
    let names = ReportNames(prices: prices, by: by)
    try providerUsageSides(ledger: ledger, coverage: coverage, names: names, into: &sides)
    let unnamedLineItems = try providerCostSides(
      ledger: ledger, coverage: coverage, names: names, into: &sides)
    tableRates(prices: prices, window: coverage.window, into: &sides)

    let groups = try group(sides, by: by, coverage: coverage, uncovered: ledgerUsage.uncovered)
    var rows = groups.map { row(of: $0, by: by, tolerance: tolerance) }
    for column in [\ReconcileRow.ledgerTokens, \ReconcileRow.providerTokens] {
      _ = try rows.reduce(0) { try checkedSum($0, $1[keyPath: column]) }
    }
    rows = sorted(dayBoundaries(rows, by: by), by: by)
    let notes = Self.notes(
      rows: rows, keys: Array(sides.keys), coverage: coverage, ledgerUsage: ledgerUsage,
      unnamedLineItems: unnamedLineItems)
    return ReconcileReport(
      by: by, window: coverage.window, tolerance: tolerance, rows: rows,
      unpricedModels: ledgerUsage.unpricedModels, notes: notes)
  }

  // MARK: Groups and verdicts

  /// The sides of every key of one `--by` group, and what the keys say about comparing them.
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

  /// Coarsens the keys to `by`. A group's provider cost sums the days a cost report covers.
  private static func group(
    _ sides: [Key: Side], by: [ReconcileDimension], coverage: Coverage,
    uncovered: [Provider: Set<CivilDate>]
  ) throws -> [Group] {
    var groups: [[String]: Group] = [:]
    for (key, side) in sides {
      let values = by.map(key.value(of:))
      var group = groups[values] ?? Group(row: ReconcileRow(values: values))
      group.keys.append(key)
      group.row.ledgerTokens = try checkedSum(group.row.ledgerTokens, side.ledgerTokens)
      group.row.providerTokens = try checkedSum(group.row.providerTokens, side.providerTokens)
      group.row.ledgerCost += side.ledgerCost
      group.unpriced = group.unpriced || side.ledgerUnpriced
      group.providerBilled = group.providerBilled || side.providerBilled || side.providerTokens != 0
      if coverage.costDays[key.provider]?.contains(key.day) == true {
        group.row.providerCost += side.providerCost
        group.row.providerListCost += side.providerListCost
        group.listed = group.listed || side.providerListed
      } else {
        group.costDaysMissing = true
      }
      group.uncovered =
        group.uncovered || (side.ledgerTokens > 0 && uncovered[key.provider]?.contains(key.day) == true)
      group.incomplete = group.incomplete || coverage.truncatedDays[key.provider]?.contains(key.day) == true
      group.rates.insert(side.tableRate)
      groups[values] = group
    }
    return Array(groups.values)
  }

  /// A group's row: what can be compared, the match, the verdict and its explanation.
  private static func row(of group: Group, by: [ReconcileDimension], tolerance: Exact) -> ReconcileRow {
    var row = group.row
    if group.costDaysMissing || !group.providerBilled { row.providerCost = nil }
    if row.providerCost == nil || !group.listed { row.providerListCost = nil }
    if group.unpriced { row.ledgerCost = nil }
    if group.rates.count == 1, let only = group.rates.first, let rate = only { row.tableRate = rate }
    let categories = Set(group.keys.map(\.category))
    if categories.count == 1, case .some(.some(.tokens)) = categories.first, row.providerTokens > 0,
      let cost = row.providerCost
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
    var costOff = false
    if let billed = row.providerCost, let priced = row.ledgerCost {
      let delta = billed - priced
      costOff = exceeds(delta.isZero ? nil : delta.value, of: billed.value, tolerance)
    }
    if group.uncovered {
      row.verdict = .uncovered
    } else if group.incomplete {
      row.verdict = .incomplete
    } else if group.unpriced {
      row.verdict = .unpriced
    } else if tokensOff || costOff {
      row.verdict = .mismatch
    }
    return explain(row, keys: group.keys, tokensOff: tokensOff, costOff: costOff, by: by)
  }

  /// Rows in `by` order; categories in the order of `Category.ordered`, not by name.
  private static func sorted(_ rows: [ReconcileRow], by: [ReconcileDimension]) -> [ReconcileRow] {
    let names = Category.ordered.map(\.description) + [all]
    let categoryRank = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
    func sortKey(_ row: ReconcileRow) -> [String] {
      zip(by, row.values).map { dimension, value in
        dimension == .category ? String(format: "%02d", categoryRank[value] ?? 99) : value
      }
    }
    return rows.sorted { sortKey($0).lexicographicallyPrecedes(sortKey($1)) }
  }

  // MARK: Notes

  /// The report-wide observations: usage outside the window, days without a cost or usage
  /// report, OpenAI line items compared per day, and the Analytics report's discount.
  private static func notes(
    rows: [ReconcileRow], keys: [Key], coverage: Coverage, ledgerUsage: LedgerUsage,
    unnamedLineItems: [String: Money]
  ) -> [String] {
    var notes: [String] = []
    let outside = ledgerUsage.outside
    if outside.before + outside.after > 0 {
      notes.append(
        "the ledger has \(grouped(outside.before + outside.after)) tokens outside the window \(coverage.window) (\(grouped(outside.before)) before, \(grouped(outside.after)) after): usage outside the reported window, not compared"
      )
    }
    let uncosted = keys.filter { coverage.costDays[$0.provider]?.contains($0.day) != true }
    let missingCostDays = Set(uncosted.map(\.day)).sorted()
    if !missingCostDays.isEmpty {
      let formats = Set(uncosted.map(\.provider)).sorted().map(\.costFormats)
      notes.append(
        "no cost report covers \(dayList(missingCostDays)): dollars on those days are not compared; ingest the cost report (tally ingest FILE: \(formats.joined(separator: "; ")))"
      )
    }
    let uncoveredDays = ledgerUsage.uncovered.values.reduce(into: Set<CivilDate>()) { $0.formUnion($1) }
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
    return notes
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
    let models = Set(keys.map { $0.model ?? all }).sorted()
    let modes = Set(keys.map(\.mode))
    let categories = Set(keys.map(\.category))
    let unit = categories == [.webSearch] ? "searches" : "tokens"
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
    if categories == [.codeExecution] {
      row.explanations.append("code execution is billed per container-hour; the ledger does not record it")
      return row
    }
    let unpricedTiers: Set<Tier?> = [
      .other("priority"), .other("flex"), .other("priority_on_demand"), .other("flex_discount"),
    ]
    if !modes.isDisjoint(with: unpricedTiers) {
      let names = modes.map { $0?.description ?? all }.sorted()
      row.explanations.append(
        "service tier \(names.joined(separator: ", ")): Tally records such requests as sync and does not price the tier"
      )
    }
    if tokensOff && row.deltaTokens > 0 {
      let source =
        modes == [.mode(.batch)]
        ? "a batch results file not ingested?"
        : modes == [.mode(.sync)] ? "an API log not ingested?" : "a results file or log not ingested?"
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
        let unit = rows[position].values.contains(Category.webSearch.description) ? "searches" : "tokens"
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
    guard days.count > 3, let first = days.first, let last = days.last else {
      return days.map(\.description).joined(separator: ", ")
    }
    return "\(days.count) days from \(first) to \(last)"
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
