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
  /// Exact USD for `tokens` at these per-million rates.
  public func price(_ tokens: TokenCounts) -> Money { price(TokenQuantities(tokens)) }

  /// Exact USD for token quantities at these per-million rates.
  public func price(_ tokens: TokenQuantities) -> Money {
    let perMillionTotal = TokenCategory.allCases.reduce(Exact(0)) { sum, category in
      sum + tokens[category] * Exact(self[category])
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
    var list = sync.price(usage.tokens)
    var actual = rates.price(usage.tokens)
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
