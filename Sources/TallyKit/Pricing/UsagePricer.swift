import Foundation

/// An exact cost pair in units of 10^-18 dollars, summed with overflow checks.
///
/// A price table rate is a decimal of at most 12 places per million tokens (`pricing check`
/// enforces it), so a token count times a rate is a whole number of 10^-18 dollars: integer
/// arithmetic is exact here, and fast. `Money` (a rational) is made once per printed cell.
public struct AttoCost: Hashable, Sendable {
  /// At sync (list) rates.
  public var list: Int128 = 0
  /// At the rates of the mode used.
  public var actual: Int128 = 0

  public init(list: Int128 = 0, actual: Int128 = 0) {
    self.list = list
    self.actual = actual
  }

  public static let zero = AttoCost()

  public static func + (lhs: AttoCost, rhs: AttoCost) -> AttoCost {
    let (list, listOverflow) = lhs.list.addingReportingOverflow(rhs.list)
    let (actual, actualOverflow) = lhs.actual.addingReportingOverflow(rhs.actual)
    // 2^127 atto-dollars is 1.7 * 10^20 dollars: no ledger comes near it.
    precondition(!listOverflow && !actualOverflow, "cost beyond 10^20 dollars")
    return AttoCost(list: list, actual: actual)
  }

  public static func += (lhs: inout AttoCost, rhs: AttoCost) { lhs = lhs + rhs }

  /// The pair as exact money.
  public var cost: Cost { Cost(list: Money(atto: list), actual: Money(atto: actual)) }
}

extension Money {
  /// `value` * 10^-18 dollars, exactly.
  public init(atto value: Int128) {
    let magnitude = value.magnitude
    let significand: Decimal
    if magnitude <= UInt128(UInt64.max) {
      significand = Decimal(UInt64(magnitude))
    } else {
      let high = Decimal(UInt64(magnitude >> 64))
      let twoTo64 = Decimal(UInt64.max) + 1
      significand = high * twoTo64 + Decimal(UInt64(magnitude & UInt128(UInt64.max)))
    }
    let amount = Decimal(sign: value < 0 ? .minus : .plus, exponent: -18, significand: significand)
    self.init(amount)
  }
}

/// A rate card's rates as whole numbers of 10^-18 dollars per token (per search); nil for an
/// audio category the row has no rate for.
struct AttoRates: Sendable {
  var sync: [Int128?]
  var batch: [Int128?]?
  var syncWebSearch: Int128?
  var batchWebSearch: Int128?

  init(_ card: RateCard) {
    func perToken(_ rates: CategoryRates) -> [Int128?] {
      TokenCategory.allCases.map { category in rates[category].map { AttoRates.scaled($0, by: 12) } }
    }
    sync = perToken(card.sync)
    batch = card.batch.map(perToken)
    syncWebSearch = card.webSearchRate(for: .sync).map { AttoRates.scaled($0, by: 15) }
    batchWebSearch = card.webSearchRate(for: .batch).map { AttoRates.scaled($0, by: 15) }
  }

  /// `rate` * 10^`digits` as an integer; the price table guarantees it is whole.
  static func scaled(_ rate: Decimal, by digits: Int) -> Int128 {
    let text = ExactDecimal.plain(
      ExactDecimal.rounded(rate * Decimal(sign: .plus, exponent: digits, significand: 1), scale: 0))
    return Int128(text)!
  }
}

/// What one aggregate costs, with the row that priced it.
public struct PricedUsage: Sendable {
  public var card: RateCard
  public var cost: AttoCost
  /// Each token category at the rates paid, in `TokenCategory.allCases` order.
  public var categoryCosts: [Int128]
  /// The context tier's label, such as `0-200k` or `272k+`.
  public var context: String
}

/// Prices ledger aggregates: the one place where token sums meet rates.
///
/// Each (model, mode, rate day, size class) finds its rate card once; every aggregate then
/// costs an integer multiplication per nonzero category.
public struct UsagePricer {
  public let prices: PriceBook
  private struct Key: Hashable {
    var provider: String?
    var model: String
    var day: Int
    var sizeClass: Int
  }
  private struct Found {
    var card: RateCard
    var rates: AttoRates
    var context: String
  }
  private var cards: [Key: Result<Found, Unpriced>] = [:]
  /// Each price-table row's integer rates, made once (a day-by-day report meets a row often).
  private var rates: [FileLocation: AttoRates] = [:]

  public init(prices: PriceBook) { self.prices = prices }

  /// The cost of usage of `model` in `mode` dated `rateDay`, whose requests each had at least
  /// `sizeClass` tokens of input (see `UsageAggregate.sizeClass`); with `provider`, from that
  /// provider's rows only.
  public mutating func price(
    _ usage: Usage, model: String, mode: Mode, rateDay: CivilDate, sizeClass: Int, provider: String? = nil
  ) -> Result<PricedUsage, Unpriced> {
    let found: Found
    switch lookUp(model: model, rateDay: rateDay, sizeClass: sizeClass, provider: provider) {
    case .failure(let unpriced): return .failure(unpriced)
    case .success(let value): found = value
    }
    let paid: [Int128?]
    if mode == .sync {
      paid = found.rates.sync
    } else if let batch = found.rates.batch {
      paid = batch
    } else {
      return .failure(.noBatchRate(model: found.card.model, on: rateDay))
    }
    var cost = AttoCost()
    var categoryCosts: [Int128] = []
    categoryCosts.reserveCapacity(TokenCategory.allCases.count)
    for (index, category) in TokenCategory.allCases.enumerated() {
      let count = usage.tokens[category]
      guard count != 0 else {
        categoryCosts.append(0)
        continue
      }
      // Only an audio category can lack a rate: its tokens are then unpriced, never text.
      guard let list = found.rates.sync[index], let rate = paid[index] else {
        return .failure(.noAudioRate(model: found.card.model, on: rateDay))
      }
      let tokens = Int128(count)
      cost.list += tokens * list
      let actual = tokens * rate
      cost.actual += actual
      categoryCosts.append(actual)
    }
    if usage.webSearches != 0 {
      guard let list = found.rates.syncWebSearch,
        let actual = mode == .sync ? found.rates.syncWebSearch : found.rates.batchWebSearch
      else { return .failure(.noWebSearchRate(model: found.card.model, on: rateDay)) }
      cost.list += Int128(usage.webSearches) * list
      cost.actual += Int128(usage.webSearches) * actual
    }
    return .success(
      PricedUsage(card: found.card, cost: cost, categoryCosts: categoryCosts, context: found.context))
  }

  /// Prices an aggregate of the ledger.
  public mutating func price(_ aggregate: UsageAggregate) -> Result<PricedUsage, Unpriced> {
    price(
      aggregate.usage, model: aggregate.model, mode: aggregate.mode, rateDay: aggregate.rateDay,
      sizeClass: aggregate.sizeClass, provider: aggregate.provider)
  }

  /// The context tier label of usage that cannot be priced (or whose tier is all that is asked).
  public mutating func context(
    model: String, rateDay: CivilDate, sizeClass: Int, provider: String? = nil
  ) -> String {
    if case .success(let found) = lookUp(
      model: model, rateDay: rateDay, sizeClass: sizeClass, provider: provider)
    {
      return found.context
    }
    return prices.contextLabel(model: model, on: rateDay, requestInputTokens: sizeClass, provider: provider)
  }

  private mutating func lookUp(
    model: String, rateDay: CivilDate, sizeClass: Int, provider: String?
  ) -> Result<Found, Unpriced> {
    let key = Key(provider: provider, model: model, day: rateDay.daysSinceEpoch, sizeClass: sizeClass)
    if let cached = cards[key] { return cached }
    let result: Result<Found, Unpriced>
    switch prices.card(model: model, on: rateDay, requestInputTokens: sizeClass, provider: provider) {
    case .failure(let unpriced): result = .failure(unpriced)
    case .success(let card):
      let cardRates = rates[card.origin] ?? AttoRates(card)
      rates[card.origin] = cardRates
      result = .success(
        Found(
          card: card, rates: cardRates,
          context: prices.contextLabel(
            model: model, on: rateDay, requestInputTokens: sizeClass, provider: provider)))
    }
    cards[key] = result
    return result
  }
}
