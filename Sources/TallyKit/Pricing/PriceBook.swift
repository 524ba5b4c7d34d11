import Foundation

/// A model name resolved to a row of the price tables.
public struct ResolvedModel: Hashable, Sendable {
  /// How the name matched.
  public enum Match: Hashable, Sendable {
    case id
    case alias
    /// The name was `base` plus a date suffix (`gpt-4o-mini-2024-07-18`), and `base` matched.
    case datedSuffix(base: String)
  }

  public let id: String
  public let provider: String
  public let match: Match
}

/// Why usage could not be priced. Never treated as zero.
public enum Unpriced: Error, Hashable, Sendable, CustomStringConvertible {
  /// No row's id or alias matches the name, not even without a date suffix.
  case unknownModel(String)
  /// The model is known but no row is in force on that day.
  case noRateInForce(model: String, on: CivilDate)
  /// The row in force has no batch rates.
  case noBatchRate(model: String, on: CivilDate)
  /// The usage has web searches and the row in force has no web-search rate.
  case noWebSearchRate(model: String, on: CivilDate)
  /// The request was served by a provider (Bedrock, Vertex, Groq, ...) whose price rows do not
  /// have the model: it is never priced at another provider's rates.
  case noProviderRows(provider: String, model: String)
  /// The usage has audio tokens and the row in force has no audio rate for them (in the mode
  /// used, or at sync rates for the list cost).
  case noAudioRate(model: String, on: CivilDate)

  public var description: String {
    switch self {
    case .unknownModel(let name):
      "unknown model \"\(name)\": no price table row has that id or alias; add it with --pricing FILE"
    case .noRateInForce(let model, let day):
      "no rate for \(model) is in force on \(day)"
    case .noBatchRate(let model, let day):
      "\(model) has no batch rate in force on \(day)"
    case .noWebSearchRate(let model, let day):
      "\(model) has no web-search rate in force on \(day)"
    case .noProviderRows(let provider, let model):
      "\(provider) has no price rows for \(model): add them with --pricing FILE"
    case .noAudioRate(let model, let day):
      "\(model) has no audio rate in force on \(day)"
    }
  }
}

/// Effective-dated rate cards: the bundled tables, overridden by user (contracted) tables.
///
/// Pure: built from parsed tables; resolving and pricing need no clock and no I/O.
public struct PriceBook: Sendable {
  /// The bundled rows, in file order.
  public let bundled: [RateCard]
  /// Rows from `--pricing` files, with `model` rewritten to the canonical id they override.
  /// A later file's row wins over an earlier file's on the instants both cover.
  public let overrides: [RateCard]
  /// The tables the rows come from, bundled first: what every report names as its prices.
  public var sources: [PriceSource] = []
  /// Names (ids, aliases) → the model they resolve to, across providers: a name several
  /// providers have resolves to the bundled row's provider first.
  private let nameIndex: [String: ResolvedModel]
  /// The same, per provider: a request served by a provider is priced from its rows only.
  private let providerIndex: [String: [String: ResolvedModel]]
  private let cardsByModel: [ModelKey: (bundled: [RateCard], overrides: [RateCard])]
  /// Providers with a bundled table.
  private let bundledProviders: Set<String>

  /// A canonical model id of one provider.
  private struct ModelKey: Hashable, Comparable {
    let provider: String
    let model: String
    static func < (lhs: ModelKey, rhs: ModelKey) -> Bool {
      (lhs.provider, lhs.model) < (rhs.provider, rhs.model)
    }
  }

  public init(bundled: [RateCard], overrides: [RateCard] = []) {
    var index: [String: ResolvedModel] = [:]
    var byProvider: [String: [String: ResolvedModel]] = [:]
    func register(_ cards: [RateCard]) {
      for card in cards {
        let resolved = ResolvedModel(id: card.model, provider: card.provider, match: .id)
        if index[card.model] == nil { index[card.model] = resolved }
        if byProvider[card.provider, default: [:]][card.model] == nil {
          byProvider[card.provider, default: [:]][card.model] = resolved
        }
      }
      for card in cards {
        for alias in card.aliases {
          let resolved = ResolvedModel(id: card.model, provider: card.provider, match: .alias)
          if index[alias] == nil { index[alias] = resolved }
          if byProvider[card.provider, default: [:]][alias] == nil {
            byProvider[card.provider, default: [:]][alias] = resolved
          }
        }
      }
    }
    register(bundled)
    // An override row may name the model by alias or dated id; it then overrides that model of
    // its own provider.
    let canonicalOverrides = overrides.map { card -> RateCard in
      var card = card
      if let known = PriceBook.lookUp(card.model, in: byProvider[card.provider] ?? [:]) {
        card.model = known.id
      }
      return card
    }
    register(canonicalOverrides)
    var byModel: [ModelKey: (bundled: [RateCard], overrides: [RateCard])] = [:]
    for card in bundled {
      byModel[ModelKey(provider: card.provider, model: card.model), default: ([], [])].bundled.append(card)
    }
    for card in canonicalOverrides {
      byModel[ModelKey(provider: card.provider, model: card.model), default: ([], [])].overrides.append(card)
    }
    self.bundled = bundled
    self.overrides = canonicalOverrides
    self.nameIndex = index
    self.providerIndex = byProvider
    self.cardsByModel = byModel
    self.bundledProviders = Set(bundled.map(\.provider))
  }

  /// Resolves a name by id, then alias, then (only for a name ending in a date) the name without
  /// the date. Nothing else is guessed: `gpt-4o-mini` never resolves to `gpt-4o`. With
  /// `provider`, only that provider's rows are looked at (a Bedrock request is never priced at
  /// Anthropic's rates).
  public func resolve(_ name: String, provider: String? = nil) -> ResolvedModel? {
    guard let provider else { return PriceBook.lookUp(name, in: nameIndex) }
    return PriceBook.lookUp(name, in: providerIndex[provider] ?? [:])
  }

  /// Why `name` of `provider` does not resolve: a model other providers have, or any model of a
  /// provider without a bundled table, is missing from that provider's rows.
  private func unresolved(_ name: String, provider: String?) -> Unpriced {
    if let provider, !bundledProviders.contains(provider) || resolve(name) != nil {
      return .noProviderRows(provider: provider, model: name)
    }
    return .unknownModel(name)
  }

  /// The key of a canonical id: of `provider`, else of the provider the id resolves to.
  private func key(_ model: String, provider: String?) -> ModelKey {
    ModelKey(provider: provider ?? nameIndex[model]?.provider ?? "", model: model)
  }

  /// Every (provider, canonical id) a name resolves to: one provider's when given, else all.
  private func keys(resolving name: String, provider: String?) -> [ModelKey] {
    if let provider {
      return resolve(name, provider: provider).map { [ModelKey(provider: provider, model: $0.id)] } ?? []
    }
    return providerIndex.keys.sorted().compactMap { provider in
      resolve(name, provider: provider).map { ModelKey(provider: provider, model: $0.id) }
    }
  }

  private static func lookUp(_ name: String, in index: [String: ResolvedModel]) -> ResolvedModel? {
    if let hit = index[name] { return hit }
    guard let base = withoutDateSuffix(name), let hit = index[base] else { return nil }
    return ResolvedModel(id: hit.id, provider: hit.provider, match: .datedSuffix(base: base))
  }

  /// `name` without a trailing `-YYYY-MM-DD` or `-YYYYMMDD`, or nil when it has neither.
  static func withoutDateSuffix(_ name: String) -> String? {
    for (length, dashed) in [(11, true), (9, false)] {
      guard name.count > length else { continue }
      let suffix = name.suffix(length)
      guard suffix.first == "-" else { continue }
      let datePart = suffix.dropFirst()
      let valid =
        dashed
        ? CivilDate(parsing: datePart) != nil
        : datePart.allSatisfy(\.isASCII) && datePart.allSatisfy(\.isNumber)
          && CivilDate(
            parsing: "\(datePart.prefix(4))-\(datePart.dropFirst(4).prefix(2))-\(datePart.suffix(2))") != nil
      if valid { return String(name.dropLast(length)) }
    }
    return nil
  }

  /// The rows in force on `day` for a canonical model id (of `provider`, else of the provider
  /// the id resolves to), one per tier, user rows winning.
  public func cardsInForce(model: String, on day: CivilDate, provider: String? = nil) -> [RateCard] {
    cardsInForce(key(model, provider: provider), on: day)
  }

  private func cardsInForce(_ key: ModelKey, on day: CivilDate) -> [RateCard] {
    guard let cards = cardsByModel[key] else { return [] }
    let tiers = Set((cards.bundled + cards.overrides).map(\.minInputTokens)).sorted()
    return tiers.compactMap { tier in
      cards.overrides.last { $0.minInputTokens == tier && $0.covers(day) }
        ?? cards.bundled.first { $0.minInputTokens == tier && $0.covers(day) }
    }
  }

  /// Every row in force on `day`, one per model and tier, sorted by provider, model and tier.
  public func cardsInForce(on day: CivilDate, provider: String? = nil) -> [RateCard] {
    cardsByModel.keys.sorted()
      .filter { provider == nil || $0.provider == provider }
      .flatMap { cardsInForce($0, on: day) }
      .sorted { ($0.provider, $0.model, $0.minInputTokens) < ($1.provider, $1.model, $1.minInputTokens) }
  }

  /// Every row of a canonical model id, bundled and user, ordered by tier and start date.
  public func history(model: String, provider: String? = nil) -> [RateCard] {
    guard let cards = cardsByModel[key(model, provider: provider)] else { return [] }
    return (cards.bundled + cards.overrides).sorted {
      ($0.minInputTokens, $0.effectiveFrom.daysSinceEpoch) < (
        $1.minInputTokens, $1.effectiveFrom.daysSinceEpoch
      )
    }
  }

  /// The row that prices a request of `model` on `day` whose total input is `requestInputTokens`:
  /// the highest tier whose threshold the request reaches (long context is a cliff). With
  /// `provider`, only that provider's rows price it.
  public func card(model name: String, on day: CivilDate, requestInputTokens: Int, provider: String? = nil)
    -> Result<RateCard, Unpriced>
  {
    guard let model = resolve(name, provider: provider) else {
      return .failure(unresolved(name, provider: provider))
    }
    let card = cardsInForce(ModelKey(provider: model.provider, model: model.id), on: day).last {
      $0.minInputTokens <= requestInputTokens
    }
    return card.map { .success($0) } ?? .failure(.noRateInForce(model: model.id, on: day))
  }

  /// Every context-tier threshold any row of the model has (0 for the base tier): of
  /// `provider`'s rows, else of every provider's rows for that name.
  public func tierThresholds(model name: String, provider: String? = nil) -> Set<Int> {
    Set(
      keys(resolving: name, provider: provider).flatMap { key in
        cardsByModel[key].map { ($0.bundled + $0.overrides).map(\.minInputTokens) } ?? []
      })
  }

  /// The UTC days (since the epoch) on which some rate of the model starts or stops: of
  /// `provider`'s rows, else of every provider's rows for that name.
  public func rateChangeDays(model name: String, provider: String? = nil) -> [Int] {
    let cards = keys(resolving: name, provider: provider).flatMap { key in
      cardsByModel[key].map { $0.bundled + $0.overrides } ?? []
    }
    let days = cards.flatMap { card in
      [card.effectiveFrom.daysSinceEpoch] + (card.effectiveTo.map { [$0.daysSinceEpoch] } ?? [])
    }
    return Array(Set(days)).sorted()
  }

  /// The label of the context tier a request of `requestInputTokens` falls in on `day`: its
  /// range in thousands of tokens of total input, `0-200k` / `200k+`, `0-128k` / `128k-272k` /
  /// `272k+`. A model with one tier (or none known) is labelled by the 200,000 cut.
  public func contextLabel(
    model name: String, on day: CivilDate, requestInputTokens: Int, provider: String? = nil
  ) -> String {
    let thresholds =
      resolve(name, provider: provider).map { model in
        Array(
          Set(
            cardsInForce(ModelKey(provider: model.provider, model: model.id), on: day).map(\.minInputTokens))
        ).sorted()
      } ?? []
    guard thresholds.count > 1 else {
      return requestInputTokens >= RateCard.longContextMinInputTokens ? "200k+" : "0-200k"
    }
    return PriceBook.tierLabel(thresholds, at: thresholds.lastIndex { $0 <= requestInputTokens } ?? 0)
  }

  /// Every context label a report can show with these tables, lowest tier first: `0-200k`,
  /// `200k+`, and the labels of every model's own tiers.
  public var contextLabels: [String] {
    var labels: Set<String> = ["0-200k", "200k+"]
    for cards in cardsByModel.values {
      let thresholds = Array(Set((cards.bundled + cards.overrides).map(\.minInputTokens))).sorted()
      guard thresholds.count > 1 else { continue }
      for index in thresholds.indices { labels.insert(PriceBook.tierLabel(thresholds, at: index)) }
    }
    return labels.sorted {
      (Int($0.prefix { $0.isNumber }) ?? 0, $0) < (Int($1.prefix { $0.isNumber }) ?? 0, $1)
    }
  }

  /// The label of tier `index` of a model whose tiers start at `thresholds` (sorted, from 0).
  static func tierLabel(_ thresholds: [Int], at index: Int) -> String {
    func thousands(_ threshold: Int) -> String {
      if (threshold - 1) % 1000 == 0 { return "\((threshold - 1) / 1000)k" }
      if threshold % 1000 == 0 { return "\(threshold / 1000)k" }
      return "\(threshold)"
    }
    if index == thresholds.count - 1 { return thousands(thresholds[index]) + "+" }
    let lower = index == 0 ? "0" : thousands(thresholds[index])
    return lower + "-" + thousands(thresholds[index + 1])
  }

  /// Prices usage whose requests all fall in one tier, each with `requestInputTokens` of input.
  public func cost(
    of usage: Usage, model: String, mode: Mode, on day: CivilDate, requestInputTokens: Int,
    provider: String? = nil
  ) -> Result<Cost, Unpriced> {
    card(model: model, on: day, requestInputTokens: requestInputTokens, provider: provider).flatMap { card in
      Result { () throws(Unpriced) in try card.cost(of: usage, mode: mode, on: day) }
    }
  }
}

extension PriceBook {
  /// The bundled tables plus user tables (`--pricing FILE`, given as file name and text), later
  /// files overriding earlier ones. Throws every problem, in file and line order, if any table
  /// does not validate.
  public static func load(overrides sources: [(file: String, text: String)] = []) throws(SourceProblems)
    -> PriceBook
  {
    let bundled = bundledTableSources.map { PriceTable.parse($0.text, file: $0.file) }
    let user = sources.map { PriceTable.parse($0.text, file: $0.file) }
    let problems = (bundled + user).flatMap(\.problems)
    guard problems.isEmpty else { throw SourceProblems(problems) }
    var book = PriceBook(bundled: bundled.flatMap(\.table.cards), overrides: user.flatMap(\.table.cards))
    book.sources =
      zip(bundledTableSources, bundled).map { PriceSource($0.0, table: $0.1.table, bundled: true) }
      + zip(sources, user).map { PriceSource($0.0, table: $0.1.table, bundled: false) }
    return book
  }
}

extension PriceBook {
  /// A book from tables given as text, bundled ones marked: the tables a month was closed with.
  public static func load(tables: [(file: String, bundled: Bool, text: String)]) throws(SourceProblems)
    -> PriceBook
  {
    let parsed = tables.map { PriceTable.parse($0.text, file: $0.file) }
    let problems = parsed.flatMap(\.problems)
    guard problems.isEmpty else { throw SourceProblems(problems) }
    var book = PriceBook(
      bundled: zip(tables, parsed).filter(\.0.bundled).flatMap(\.1.table.cards),
      overrides: zip(tables, parsed).filter { !$0.0.bundled }.flatMap(\.1.table.cards))
    book.sources = zip(tables, parsed).map {
      PriceSource(($0.0.file, $0.0.text), table: $0.1.table, bundled: $0.0.bundled)
    }
    return book
  }

  /// This book, except on the UTC months given, which are priced by their own books alone
  /// (closed months, by the tables they were closed with): every row of this book is cut out of
  /// those months, and each month's book's rows are cut to the month. A model its month's book
  /// did not price stays unpriced there.
  public func splicing(months: [(month: CivilDate, book: PriceBook)]) -> PriceBook {
    guard !months.isEmpty else { return self }
    let ranges = months.map { ($0.month, $0.month.startOfNextMonth) }.sorted { $0.0 < $1.0 }
    func outside(_ card: RateCard) -> [RateCard] {
      var pieces: [RateCard] = []
      var start = card.effectiveFrom
      for (from, to) in ranges {
        if let end = card.effectiveTo, end <= from { break }
        if to <= start { continue }
        if start < from { pieces.append(card.clipped(from: start, to: from)) }
        start = max(start, to)
      }
      if card.effectiveTo.map({ start < $0 }) ?? true {
        pieces.append(card.clipped(from: start, to: card.effectiveTo))
      }
      return pieces
    }
    func inside(_ card: RateCard, _ from: CivilDate, _ to: CivilDate) -> RateCard? {
      let start = max(card.effectiveFrom, from)
      let end = card.effectiveTo.map { min($0, to) } ?? to
      return start < end ? card.clipped(from: start, to: end) : nil
    }
    var bundled = self.bundled.flatMap(outside)
    var overrides = self.overrides.flatMap(outside)
    for (month, book) in months {
      let end = month.startOfNextMonth
      bundled += book.bundled.compactMap { inside($0, month, end) }
      overrides += book.overrides.compactMap { inside($0, month, end) }
    }
    var spliced = PriceBook(bundled: bundled, overrides: overrides)
    spliced.sources = sources
    return spliced
  }
}

extension RateCard {
  /// The row with its period replaced.
  func clipped(from: CivilDate, to: CivilDate?) -> RateCard {
    var card = self
    card.effectiveFrom = from
    card.effectiveTo = to
    return card
  }
}

/// One price table a `PriceBook` was loaded from: named, dated and hashed in every report, so a
/// reviewer can tell which prices made a number.
public struct PriceSource: Hashable, Sendable {
  /// The path as given (`pricing/anthropic.csv` for the bundled tables).
  public let file: String
  /// Compiled into the binary, rather than a `--pricing` file.
  public let bundled: Bool
  /// The newest date on which any of the table's rates takes effect or ends: how recent it is.
  public let newest: CivilDate?
  /// XXH64 of the table's text, 16 hex digits.
  public let hash: String

  init(_ source: (file: String, text: String), table: PriceTable, bundled: Bool) {
    file = source.file
    self.bundled = bundled
    newest = table.cards.flatMap { [$0.effectiveFrom] + ($0.effectiveTo.map { [$0] } ?? []) }.max()
    hash = PriceSource.hash(source.text)
  }

  /// XXH64 of a table's text, 16 hex digits.
  public static func hash(_ text: String) -> String {
    var hasher = ContentHash()
    var text = text
    text.withUTF8 { hasher.update(UnsafeRawBufferPointer($0)) }
    return hasher.hex
  }

  /// What tells two sets of tables apart: each table's file, whether it is bundled, its hash.
  public var signature: String { "\(file)\u{1F}\(bundled)\u{1F}\(hash)" }

  /// `pricing/anthropic.csv of 2026-04-01`.
  public var description: String { newest.map { "\(file) of \($0)" } ?? file }
}
