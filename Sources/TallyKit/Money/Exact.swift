import Foundation

/// An exact rational number: a decimal numerator over a positive integer denominator.
///
/// Most values Tally computes are terminating decimals (denominator 1): token sums times
/// decimal rates. Scaling to a month (`30 / 7` for a weekly workload, `30 / 31` for a ledger
/// window) and percentages are not; keeping them as fractions makes totals and ratios exact
/// (`49.99…98%` would otherwise appear where 50% is meant). The value is reduced so that the
/// denominator shares no factor with 10 nor with the numerator's digits: equal values have
/// equal representations.
public struct Exact: Hashable, Comparable, Sendable, ExpressibleByIntegerLiteral, CustomStringConvertible {
  /// A terminating decimal.
  public private(set) var numerator: Decimal
  /// 1 when the value terminates.
  public private(set) var denominator: UInt64

  public init(_ value: Decimal) {
    numerator = value
    denominator = 1
  }

  public init(integerLiteral value: Int) { self.init(Decimal(value)) }

  /// `numerator / denominator`, reduced.
  public init(_ numerator: Decimal, over denominator: UInt64) {
    precondition(denominator > 0, "denominator must be positive")
    self.numerator = numerator
    self.denominator = denominator
    normalize()
  }

  /// The value as a `Decimal`: exact when it terminates, else 38 significant digits.
  public var decimal: Decimal { denominator == 1 ? numerator : numerator / Decimal(denominator) }

  /// Whether the value is a terminating decimal (so `decimal` is exact).
  public var terminates: Bool { denominator == 1 }

  public var isZero: Bool { numerator.isZero }

  /// Whether the value is a whole number.
  public var isWhole: Bool { terminates && numerator == ExactDecimal.rounded(numerator, scale: 0) }

  /// For output: the exact value when it terminates, else rounded half-to-even to 20 decimal
  /// places (at least 12, as the JSON contract asks, for any amount below 10^18).
  public var displayDecimal: Decimal { terminates ? numerator : ExactDecimal.rounded(decimal, scale: 20) }

  public var description: String { ExactDecimal.plain(displayDecimal) }

  public static func + (lhs: Exact, rhs: Exact) -> Exact {
    if lhs.denominator == rhs.denominator {
      return Exact(lhs.numerator + rhs.numerator, over: lhs.denominator)
    }
    // Over the least common multiple, so that shares of one whole (all with denominators that
    // divide the whole's) add up without the denominator growing with every term.
    let divisor = Exact.gcd(lhs.denominator, rhs.denominator)
    let (left, right) = (rhs.denominator / divisor, lhs.denominator / divisor)
    guard case (let common, false) = lhs.denominator.multipliedReportingOverflow(by: left) else {
      return Exact(lhs.decimal + rhs.decimal)
    }
    return Exact(lhs.numerator * Decimal(left) + rhs.numerator * Decimal(right), over: common)
  }

  public static prefix func - (value: Exact) -> Exact {
    var negated = value
    negated.numerator = -value.numerator
    return negated
  }

  public static func - (lhs: Exact, rhs: Exact) -> Exact { lhs + -rhs }

  public static func * (lhs: Exact, rhs: Exact) -> Exact {
    guard case (let product, false) = lhs.denominator.multipliedReportingOverflow(by: rhs.denominator) else {
      return Exact(lhs.decimal * rhs.decimal)
    }
    return Exact(lhs.numerator * rhs.numerator, over: product)
  }

  /// Exact division; dividing by zero is a programming error.
  public static func / (lhs: Exact, rhs: Exact) -> Exact {
    precondition(!rhs.isZero, "division by zero")
    // rhs = m * 10^e / d, so lhs / rhs = lhs * d * 10^-e / m, with m a whole number.
    let (digits, exponent) = Exact.integerDigits(rhs.numerator)
    guard let magnitude = UInt64(digits) else { return Exact(lhs.decimal / rhs.decimal) }
    let scaled =
      lhs.numerator * Decimal(rhs.denominator) * Decimal(sign: .plus, exponent: -exponent, significand: 1)
    let signed = rhs.numerator < 0 ? -scaled : scaled
    guard case (let denominator, false) = lhs.denominator.multipliedReportingOverflow(by: magnitude) else {
      return Exact(lhs.decimal / rhs.decimal)
    }
    return Exact(signed, over: denominator)
  }

  public static func < (lhs: Exact, rhs: Exact) -> Bool {
    if lhs.denominator == rhs.denominator { return lhs.numerator < rhs.numerator }
    return lhs.numerator * Decimal(rhs.denominator) < rhs.numerator * Decimal(lhs.denominator)
  }

  /// Moves factors 2 and 5 of the denominator into the numerator, then divides both by their
  /// greatest common divisor.
  private mutating func normalize() {
    guard denominator != 1 else { return }
    // x / 10 moves the decimal point; x / 2 is x * 5 / 10 and x / 5 is x * 2 / 10. Foundation's
    // `Decimal` division is slow, and every price is a division by a million.
    func tenth(_ value: Decimal) -> Decimal { Decimal(sign: .plus, exponent: -1, significand: value) }
    while denominator % 10 == 0 {
      denominator /= 10
      numerator = tenth(numerator)
    }
    for (factor, cofactor): (UInt64, Decimal) in [(2, 5), (5, 2)] {
      while denominator % factor == 0 {
        denominator /= factor
        numerator = tenth(numerator * cofactor)
      }
    }
    guard denominator != 1, !numerator.isZero else {
      denominator = 1
      return
    }
    guard denominator <= UInt64.max / 10 else { return }
    let (digits, _) = Exact.integerDigits(numerator)
    var remainder: UInt64 = 0
    for digit in digits.utf8 {
      remainder = (remainder * 10 + UInt64(digit - UInt8(ascii: "0"))) % denominator
    }
    let divisor = Exact.gcd(denominator, remainder)
    if divisor > 1 {
      denominator /= divisor
      numerator = numerator / Decimal(divisor)
    }
  }

  /// `|value| = digits * 10^exponent`, with `digits` a whole number in decimal.
  private static func integerDigits(_ value: Decimal) -> (digits: String, exponent: Int) {
    let text = ExactDecimal.plain(value < 0 ? -value : value)
    guard let point = text.firstIndex(of: ".") else { return (text, 0) }
    let fraction = text[text.index(after: point)...]
    var digits = String(text[..<point]) + fraction
    while digits.count > 1, digits.first == "0" { digits.removeFirst() }
    return (digits, -fraction.count)
  }

  private static func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 {
    var (a, b) = (a, b)
    while b != 0 { (a, b) = (b, a % b) }
    return a
  }
}
