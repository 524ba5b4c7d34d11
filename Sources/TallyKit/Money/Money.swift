import Foundation

/// An exact amount of US dollars.
///
/// Arithmetic is exact decimal (Foundation `Decimal`, 38 significant digits); nothing is rounded
/// until an amount is presented with `terminal`, `csv` or one of the rounding helpers. `json`
/// is the unrounded value.
public struct Money: Hashable, Comparable, Sendable, AdditiveArithmetic, CustomStringConvertible {
  /// The exact amount in dollars.
  public var amount: Decimal

  public init(_ amount: Decimal) { self.amount = amount }

  /// Parses a plain decimal dollar amount such as `1234.56` exactly; nil for anything else.
  public init?(parsing text: some StringProtocol) {
    guard let amount = ExactDecimal.parse(text) else { return nil }
    self.amount = amount
  }

  public static let zero = Money(0)

  public static func + (lhs: Money, rhs: Money) -> Money { Money(lhs.amount + rhs.amount) }
  public static func - (lhs: Money, rhs: Money) -> Money { Money(lhs.amount - rhs.amount) }
  public static prefix func - (value: Money) -> Money { Money(-value.amount) }
  public static func * (lhs: Money, rhs: Decimal) -> Money { Money(lhs.amount * rhs) }
  public static func * (lhs: Decimal, rhs: Money) -> Money { Money(lhs * rhs.amount) }
  public static func / (lhs: Money, rhs: Decimal) -> Money { Money(lhs.amount / rhs) }
  public static func < (lhs: Money, rhs: Money) -> Bool { lhs.amount < rhs.amount }

  public var isZero: Bool { amount.isZero }

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

  /// JSON rendering: the exact, unrounded decimal as a string's contents (`1234.5625`).
  public var json: String { ExactDecimal.plain(amount) }

  public var description: String { json }

  /// Rounds each amount to `precision` places so that the rounded amounts sum exactly to the
  /// rounded total (largest-remainder method).
  ///
  /// Each amount is first rounded down; the cents still missing from the rounded total go one
  /// by one to the amounts with the largest remainders. Ties go to the larger exact amount, then
  /// to the smaller `names` entry, so the result does not depend on input order.
  /// `names` must be empty or have one entry per amount.
  public static func allocate(_ amounts: [Money], precision: Int = 2, names: [String] = []) -> [Money] {
    precondition(names.isEmpty || names.count == amounts.count, "one name per amount")
    let unit = Decimal(sign: .plus, exponent: -precision, significand: 1)
    let total = amounts.reduce(Money.zero, +).rounded(precision: precision).amount
    var result = amounts.map { Money(ExactDecimal.floor($0.amount, scale: precision)) }
    let floorSum = result.reduce(Money.zero, +).amount
    // The difference is a whole number of units between 0 and amounts.count.
    let missingUnits = Int(ExactDecimal.plain((total - floorSum) / unit)) ?? 0
    let order = amounts.indices.sorted { left, right in
      let leftRemainder = amounts[left].amount - result[left].amount
      let rightRemainder = amounts[right].amount - result[right].amount
      if leftRemainder != rightRemainder { return leftRemainder > rightRemainder }
      if amounts[left] != amounts[right] { return amounts[left] > amounts[right] }
      if !names.isEmpty, names[left] != names[right] { return names[left] < names[right] }
      return left < right
    }
    for index in order.prefix(missingUnits) { result[index].amount += unit }
    return result
  }
}

extension Sequence where Element == Money {
  /// The exact sum.
  public func sum() -> Money { reduce(.zero, +) }
}
