import Foundation

/// Exact parsing, rounding and formatting of `Decimal` values.
///
/// Every number Tally reads from a file goes through `parse`, which accepts only plain decimal
/// literals and builds the value from its digits, so `0.30` is exactly 30/100. Foundation's own
/// `Decimal(string:)` is lenient (`"1,50"` reads as 1), which is why it is not used on input.
public enum ExactDecimal {
  /// Parses `123`, `-0.30`, `+1.875` (and `1e3`, `6.5E-2` when `allowExponent`), exactly.
  ///
  /// Returns nil for anything else: grouping separators, commas, spaces inside, `inf`, `nan`,
  /// a bare `.` or a missing integer part. More than 38 significant digits is also nil.
  public static func parse(_ text: some StringProtocol, allowExponent: Bool = false) -> Decimal? {
    var bytes = Array(text.utf8)[...]
    var negative = false
    if let first = bytes.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
      negative = first == UInt8(ascii: "-")
      bytes = bytes.dropFirst()
    }
    var digits: [UInt8] = []
    var scale = 0
    var sawPoint = false
    var integerDigits = 0
    var index = bytes.startIndex
    while index < bytes.endIndex {
      let byte = bytes[index]
      if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
        digits.append(byte - UInt8(ascii: "0"))
        if sawPoint { scale += 1 } else { integerDigits += 1 }
      } else if byte == UInt8(ascii: "."), !sawPoint {
        sawPoint = true
      } else {
        break
      }
      index += 1
    }
    guard integerDigits > 0, !(sawPoint && scale == 0) else { return nil }
    var exponent = 0
    if index < bytes.endIndex {
      guard allowExponent, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E"),
        let parsed = Int(String(decoding: bytes[(index + 1)...], as: UTF8.self)),
        // Decimal's exponent is 8 bits (-128...127), and past it Decimal makes a value NaN or 0
        // without a word. Two digits cover every number real inputs write (`3e-06`) and stay
        // inside that range.
        abs(parsed) < 100
      else { return nil }
      exponent = parsed
    }
    // Leading zeros carry no information and would count against Decimal's 38 digits.
    while digits.count > 1, digits.first == 0 { digits.removeFirst() }
    guard digits.count <= 38 else { return nil }
    var significand = Decimal(0)
    for digit in digits { significand = significand * 10 + Decimal(Int(digit)) }
    if significand == 0 { return 0 }
    // Past Decimal's exponent range (0.000...1 with 128 zeros) the value would become 0
    // without a word: a rate written so must be refused, not read as free.
    guard (-128...127).contains(exponent - scale) else { return nil }
    let value = Decimal(sign: .plus, exponent: exponent - scale, significand: significand)
    return negative ? -value : value
  }

  /// Rounds half-to-even ("banker's rounding") to `scale` decimal places.
  public static func rounded(_ value: Decimal, scale: Int) -> Decimal {
    var input = value
    var result = Decimal()
    NSDecimalRound(&result, &input, scale, .bankers)
    return result
  }

  /// `value` as an `Int` when it is a whole number an `Int` holds, else nil.
  ///
  /// The one Decimal-to-Int conversion: exact and the same on every platform, where
  /// `NSDecimalNumber.intValue` truncates, and wraps out of range, by each Foundation's own path.
  /// For the whole part of a fraction, pass `floor(value, scale: 0)`.
  public static func wholeNumber(_ value: Decimal) -> Int? {
    guard value == rounded(value, scale: 0) else { return nil }
    return Int(plain(value))
  }

  /// Rounds toward negative infinity to `scale` decimal places.
  public static func floor(_ value: Decimal, scale: Int) -> Decimal {
    var input = value
    var result = Decimal()
    NSDecimalRound(&result, &input, scale, .down)
    return result
  }

  /// The exact value as a plain decimal string: `1234.5`, `-0.000125`, `42`. No exponent, no grouping.
  public static func plain(_ value: Decimal) -> String {
    if value.isZero { return "0" }
    return value.description
  }

  /// Rounds half-to-even to `scale` places and prints exactly that many decimals.
  ///
  /// `grouping` inserts thousands separators (`1,234.50`). Zero never prints as `-0.00`.
  public static func fixed(_ value: Decimal, scale: Int, grouping: Bool = false) -> String {
    let roundedValue = rounded(value, scale: scale)
    let negative = roundedValue < 0
    var text = plain(negative ? -roundedValue : roundedValue)
    var integerPart = text
    var fraction = ""
    if let point = text.firstIndex(of: ".") {
      integerPart = String(text[..<point])
      fraction = String(text[text.index(after: point)...])
    }
    if fraction.count < scale { fraction += String(repeating: "0", count: scale - fraction.count) }
    if grouping { integerPart = grouped(integerPart) }
    text = scale > 0 ? integerPart + "." + fraction : integerPart
    return negative ? "-" + text : text
  }

  /// Prints at least `minimumScale` decimals and every further digit the value has, unrounded.
  ///
  /// Used for rates, where `0.0025` must not print as `0.00`.
  public static func atLeast(_ value: Decimal, minimumScale: Int, grouping: Bool = false) -> String {
    let scale = max(minimumScale, -min(value.exponent, 0))
    return fixed(value, scale: scale, grouping: grouping)
  }

  private static func grouped(_ digits: String) -> String {
    var result = ""
    for (offset, character) in digits.enumerated() {
      if offset > 0 && (digits.count - offset) % 3 == 0 { result.append(",") }
      result.append(character)
    }
    return result
  }
}
