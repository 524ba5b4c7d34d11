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
  private let nameIndex: [String: ResolvedModel]
  private let cardsByModel: [String: (bundled: [RateCard], overrides: [RateCard])]

  public init(bundled: [RateCard], overrides: [RateCard] = []) {
    var index: [String: ResolvedModel] = [:]
    func register(_ cards: [RateCard]) {
      for card in cards where index[card.model] == nil {
        index[card.model] = ResolvedModel(id: card.model, provider: card.provider, match: .id)
      }
      for card in cards {
        for alias in card.aliases where index[alias] == nil {
          index[alias] = ResolvedModel(id: card.model, provider: card.provider, match: .alias)
        }
      }
    }
    register(bundled)
    // An override row may name the model by alias or dated id; it then overrides that model.
    let canonicalOverrides = overrides.map { card -> RateCard in
      var card = card
      if let known = PriceBook.lookUp(card.model, in: index) { card.model = known.id }
      return card
    }
    register(canonicalOverrides)
    var byModel: [String: (bundled: [RateCard], overrides: [RateCard])] = [:]
    for card in bundled { byModel[card.model, default: ([], [])].bundled.append(card) }
    for card in canonicalOverrides { byModel[card.model, default: ([], [])].overrides.append(card) }
    self.bundled = bundled
    self.overrides = canonicalOverrides
    self.nameIndex = index
    self.cardsByModel = byModel
  }

  /// Resolves a name by id, then alias, then (only for a name ending in a date) the name without
  /// the date. Nothing else is guessed: `gpt-4o-mini` never resolves to `gpt-4o`.
  public func resolve(_ name: String) -> ResolvedModel? {
    PriceBook.lookUp(name, in: nameIndex)
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

  /// The rows in force on `day` for a canonical model id, one per tier, user rows winning.
  public func cardsInForce(model: String, on day: CivilDate) -> [RateCard] {
    guard let cards = cardsByModel[model] else { return [] }
    let tiers = Set((cards.bundled + cards.overrides).map(\.minInputTokens)).sorted()
    return tiers.compactMap { tier in
      cards.overrides.last { $0.minInputTokens == tier && $0.covers(day) }
        ?? cards.bundled.first { $0.minInputTokens == tier && $0.covers(day) }
    }
  }

  /// Every row in force on `day`, one per model and tier, sorted by provider, model and tier.
  public func cardsInForce(on day: CivilDate, provider: String? = nil) -> [RateCard] {
    cardsByModel.keys.sorted()
      .flatMap { cardsInForce(model: $0, on: day) }
      .filter { provider == nil || $0.provider == provider }
      .sorted { ($0.provider, $0.model, $0.minInputTokens) < ($1.provider, $1.model, $1.minInputTokens) }
  }

  /// Every row of a canonical model id, bundled and user, ordered by tier and start date.
  public func history(model: String) -> [RateCard] {
    guard let cards = cardsByModel[model] else { return [] }
    return (cards.bundled + cards.overrides).sorted {
      ($0.minInputTokens, $0.effectiveFrom.daysSinceEpoch) < (
        $1.minInputTokens, $1.effectiveFrom.daysSinceEpoch
      )
    }
  }

  /// The row that prices a request of `model` on `day` whose total input is `requestInputTokens`:
  /// the highest tier whose threshold the request reaches (long context is a cliff).
  public func card(model name: String, on day: CivilDate, requestInputTokens: Int) -> Result<
    RateCard, Unpriced
  > {
    guard let model = resolve(name) else { return .failure(.unknownModel(name)) }
    let card = cardsInForce(model: model.id, on: day).last { $0.minInputTokens <= requestInputTokens }
    return card.map { .success($0) } ?? .failure(.noRateInForce(model: model.id, on: day))
  }

  /// Every context-tier threshold any row of the model has (0 for the base tier).
  public func tierThresholds(model name: String) -> Set<Int> {
    guard let model = resolve(name), let cards = cardsByModel[model.id] else { return [] }
    return Set((cards.bundled + cards.overrides).map(\.minInputTokens))
  }

  /// The UTC days (since the epoch) on which some rate of the model starts or stops.
  public func rateChangeDays(model name: String) -> [Int] {
    guard let model = resolve(name), let cards = cardsByModel[model.id] else { return [] }
    let days = (cards.bundled + cards.overrides).flatMap { card in
      [card.effectiveFrom.daysSinceEpoch] + (card.effectiveTo.map { [$0.daysSinceEpoch] } ?? [])
    }
    return Array(Set(days)).sorted()
  }

  /// The label of the context tier a request of `requestInputTokens` falls in on `day`: its
  /// range in thousands of tokens of total input, `0-200k` / `200k+`, `0-128k` / `128k-272k` /
  /// `272k+`. A model with one tier (or none known) is labelled by the 200,000 cut.
  public func contextLabel(model name: String, on day: CivilDate, requestInputTokens: Int) -> String {
    let thresholds =
      resolve(name).map { model in
        Array(Set(cardsInForce(model: model.id, on: day).map(\.minInputTokens))).sorted()
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
    of usage: Usage, model: String, mode: Mode, on day: CivilDate, requestInputTokens: Int
  ) -> Result<Cost, Unpriced> {
    card(model: model, on: day, requestInputTokens: requestInputTokens).flatMap { card in
      Result { () throws(Unpriced) in try card.cost(of: usage, mode: mode, on: day) }
    }
  }
}

/// Price tables that failed validation; every problem, in file and line order.
public struct PriceTableErrors: Error, Sendable, CustomStringConvertible {
  public let problems: [PricingProblem]
  public var description: String { problems.map(\.description).joined(separator: "\n") }
}

extension PriceBook {
  /// The bundled tables plus user tables (`--pricing FILE`, given as file name and text), later
  /// files overriding earlier ones. Throws every problem if any table does not validate.
  public static func load(overrides sources: [(file: String, text: String)] = []) throws(PriceTableErrors)
    -> PriceBook
  {
    let bundled = bundledTableSources.map { PriceTable.parse($0.text, file: $0.file) }
    let user = sources.map { PriceTable.parse($0.text, file: $0.file) }
    let problems = (bundled + user).flatMap(\.problems)
    guard problems.isEmpty else { throw PriceTableErrors(problems: problems) }
    return PriceBook(bundled: bundled.flatMap(\.table.cards), overrides: user.flatMap(\.table.cards))
  }
}

extension PriceBook {
  /// Each bundled table with the newest date on which any of its rates took or takes effect
  /// (an `effective_from` or `effective_to`): how recent the compiled-in prices are.
  public static var bundledTableDates: [(file: String, newest: CivilDate)] {
    bundledTableSources.compactMap { source in
      let cards = PriceTable.parse(source.text, file: source.file).table.cards
      let dates = cards.flatMap { [$0.effectiveFrom] + ($0.effectiveTo.map { [$0] } ?? []) }
      return dates.max().map { (source.file, $0) }
    }
  }
}
