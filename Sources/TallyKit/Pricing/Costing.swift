import Foundation

/// The cost of some usage: at list (sync) rates and at the rates of the mode actually used.
public struct Cost: Hashable, Sendable {
  /// The same usage at sync rates.
  public var list: Money
  /// At the rates actually paid (batch rates for batch usage).
  public var actual: Money

  public init(list: Money, actual: Money) {
    self.list = list
    self.actual = actual
  }

  public static let zero = Cost(list: .zero, actual: .zero)

  /// List minus actual: what the batch discount saved.
  public var batchSavings: Money { list - actual }

  public static func + (lhs: Cost, rhs: Cost) -> Cost {
    Cost(list: lhs.list + rhs.list, actual: lhs.actual + rhs.actual)
  }
}

private let perMillion = Exact(1_000_000)
private let perThousand = Exact(1_000)

extension CategoryRates {
  /// Exact USD for `tokens` at these per-million rates; nil when there are audio tokens and
  /// no audio rate for them.
  public func price(_ tokens: TokenCounts) -> Money? { price(TokenQuantities(tokens)) }

  /// Exact USD for token quantities at these per-million rates; nil when a nonzero category
  /// has no rate (audio without an audio rate: never priced as text, never as $0).
  public func price(_ tokens: TokenQuantities) -> Money? {
    var perMillionTotal = Exact(0)
    for category in TokenCategory.allCases {
      let quantity = tokens[category]
      if quantity.isZero { continue }
      guard let rate = self[category] else { return nil }
      perMillionTotal = perMillionTotal + quantity * Exact(rate)
    }
    return Money(perMillionTotal / perMillion)
  }
}

extension RateCard {
  /// Prices usage at this row: list at sync rates, actual at the mode's rates. `day` only names
  /// the day in an `Unpriced` error.
  public func cost(of usage: Usage, mode: Mode, on day: CivilDate) throws(Unpriced) -> Cost {
    try cost(of: UsageQuantities(usage), mode: mode, on: day)
  }

  /// Prices exact usage quantities (a what-if's fractions of traffic) the same way.
  public func cost(of usage: UsageQuantities, mode: Mode, on day: CivilDate) throws(Unpriced) -> Cost {
    guard let rates = rates(for: mode) else { throw .noBatchRate(model: model, on: day) }
    guard var list = sync.price(usage.tokens), var actual = rates.price(usage.tokens) else {
      throw .noAudioRate(model: model, on: day)
    }
    if !usage.webSearches.isZero {
      guard let listRate = webSearchRate(for: .sync), let actualRate = webSearchRate(for: mode) else {
        throw .noWebSearchRate(model: model, on: day)
      }
      list = list + Money(usage.webSearches * Exact(listRate) / perThousand)
      actual = actual + Money(usage.webSearches * Exact(actualRate) / perThousand)
    }
    return Cost(list: list, actual: actual)
  }
}
