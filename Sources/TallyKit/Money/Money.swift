import Foundation

/// An exact amount of US dollars.
///
/// Arithmetic is exact (`Exact`: a decimal over an integer denominator, so even a monthly
/// scaling by 30/7 stays exact); nothing is rounded until an amount is presented with
/// `terminal` or `csv`. `json` is the unrounded value.
public struct Money: Hashable, Comparable, Sendable, CustomStringConvertible {
  /// The exact amount in dollars.
  public var value: Exact

  public init(_ value: Exact) { self.value = value }
  public init(_ amount: Decimal) { self.value = Exact(amount) }

  /// Parses a plain decimal dollar amount such as `1234.56` exactly; nil for anything else.
  public init?(parsing text: some StringProtocol) {
    guard let amount = ExactDecimal.parse(text) else { return nil }
    self.init(amount)
  }

  public static let zero = Money(Exact(0))

  /// The amount as a `Decimal`: exact when it terminates, else 38 significant digits.
  public var amount: Decimal { value.decimal }

  public static func + (lhs: Money, rhs: Money) -> Money { Money(lhs.value + rhs.value) }
  public static func += (lhs: inout Money, rhs: Money) { lhs = lhs + rhs }
  public static func - (lhs: Money, rhs: Money) -> Money { Money(lhs.value - rhs.value) }
  public static prefix func - (money: Money) -> Money { Money(-money.value) }
  public static func * (lhs: Money, rhs: Exact) -> Money { Money(lhs.value * rhs) }
  public static func / (lhs: Money, rhs: Exact) -> Money { Money(lhs.value / rhs) }
  public static func < (lhs: Money, rhs: Money) -> Bool { lhs.value < rhs.value }

  public var isZero: Bool { value.isZero }

  /// `self / whole * 100`, or nil when `whole` is zero.
  public func percent(of whole: Money) -> Exact? {
    whole.isZero ? nil : value * 100 / whole.value
  }

  /// Rounded half-to-even to `precision` decimal places (cents by default).
  public func rounded(precision: Int = 2) -> Money {
    Money(ExactDecimal.rounded(amount, scale: precision))
  }

  /// Terminal rendering: `$1,234.56`, `-$0.50`.
  public func terminal(precision: Int = 2) -> String {
    let text = ExactDecimal.fixed(amount, scale: precision, grouping: true)
    return text.hasPrefix("-") ? "-$" + text.dropFirst() : "$" + text
  }

  /// CSV rendering: `1234.56`, a plain number a spreadsheet reads as such.
  public func csv(precision: Int = 2) -> String {
    ExactDecimal.fixed(amount, scale: precision)
  }

  /// JSON rendering: the unrounded decimal (`1234.5625`), exact when it terminates.
  public var json: String { value.description }

  public var description: String { json }

  /// Rounds each amount to `precision` places so that the rounded amounts sum exactly to the
  /// rounded total (largest-remainder method); see `Exact.allocate`.
  public static func allocate(_ amounts: [Money], precision: Int = 2, names: [String] = []) -> [Money] {
    Exact.allocate(amounts.map(\.value), precision: precision, names: names).map(Money.init)
  }
}

extension Exact {
  /// Rounds each value to `precision` places so that the rounded values sum exactly to their
  /// rounded (half-to-even) exact sum: the largest-remainder method.
  ///
  /// Each value is first rounded down (toward negative infinity, so negative values work the
  /// same way); the units still missing from the rounded sum go one by one to the values with the
  /// largest remainders. Ties go to the larger exact value, then to the smaller `names` entry
  /// (then to the earlier index), so the result does not depend on input order.
  /// `names` must be empty or have one entry per value.
  ///
  /// `total`, when given, is the sum to reach instead (a whole number of units at `precision`):
  /// the parts of an amount whose rounded value is already shown elsewhere, such as the
  /// unattributed cost a chargeback spreads over its tenants. Units beyond one per value go
  /// round the values again in the same order; units to take back come first from the values
  /// with the smallest remainders.
  public static func allocate(
    _ values: [Exact], precision: Int = 2, names: [String] = [], total wanted: Decimal? = nil
  ) -> [Decimal] {
    precondition(names.isEmpty || names.count == values.count, "one name per value")
    let unit = Decimal(sign: .plus, exponent: -precision, significand: 1)
    let total = wanted ?? ExactDecimal.rounded(values.reduce(Exact(0), +).decimal, scale: precision)
    let floors = values.map { ExactDecimal.floor($0.decimal, scale: precision) }
    let floorSum = floors.reduce(Decimal(0), +)
    // Without `total`, the difference is a whole number of units between 0 and values.count.
    let missingUnits = ExactDecimal.wholeNumber((total - floorSum) / unit) ?? 0
    var result = floors
    guard missingUnits != 0, !values.isEmpty else { return result }
    // Remainders are computed once and compared as decimals (exact for terminating values, 38
    // digits otherwise), exactly only where those tie: comparing `Exact` values is not cheap.
    let remainders = values.indices.map { values[$0] - Exact(floors[$0]) }
    let keys = remainders.map(\.decimal)
    let order = values.indices.sorted { left, right in
      if keys[left] != keys[right] { return keys[left] > keys[right] }
      if remainders[left] != remainders[right] { return remainders[left] > remainders[right] }
      if values[left] != values[right] { return values[left] > values[right] }
      if !names.isEmpty, names[left] != names[right] { return names[left] < names[right] }
      return left < right
    }
    let (rounds, rest) = abs(missingUnits).quotientAndRemainder(dividingBy: values.count)
    let step = missingUnits > 0 ? unit : -unit
    for (position, index) in (missingUnits > 0 ? order : order.reversed()).enumerated() {
      let units = rounds + (position < rest ? 1 : 0)
      if units > 0 { result[index] = result[index] + Decimal(units) * step }
    }
    return result
  }
}

extension Sequence where Element == Money {
  /// The exact sum.
  public func sum() -> Money { reduce(.zero, +) }
}

extension Optional where Wrapped == Money {
  /// Adds an amount that may be unknown (unpriced): a nil amount is left out, and the sum stays
  /// nil only while every amount added to it is nil, so unpriced usage never reads as $0.
  public static func += (lhs: inout Money?, rhs: Money?) {
    if let rhs { lhs = (lhs ?? .zero) + rhs }
  }
}
