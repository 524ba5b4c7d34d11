/// A non-negative decimal number as written (`3e-06`, `0.000003`, `1.5e-07`, `22.5`), kept as
/// its digits and a power of ten, so that a per-token price becomes a per-million one by moving
/// the decimal point: no binary floating point anywhere.
struct DecimalText: Hashable, Sendable, CustomStringConvertible {
  /// Decimal digits without leading or trailing zeros (`[]` for zero).
  private(set) var digits: [UInt8]
  /// The value is `digits × 10^exponent`.
  private(set) var exponent: Int

  /// Parses a JSON number literal (or a plain decimal); nil for a negative or malformed one.
  init?(_ text: some StringProtocol) {
    var bytes = Array(text.utf8)[...]
    if bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
    var digits: [UInt8] = []
    var fractionDigits = 0
    var integerDigits = 0
    var sawPoint = false
    var index = bytes.startIndex
    while index < bytes.endIndex {
      let byte = bytes[index]
      if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
        digits.append(byte - UInt8(ascii: "0"))
        if sawPoint { fractionDigits += 1 } else { integerDigits += 1 }
      } else if byte == UInt8(ascii: "."), !sawPoint {
        sawPoint = true
      } else {
        break
      }
      index += 1
    }
    guard integerDigits > 0, !(sawPoint && fractionDigits == 0) else { return nil }
    var exponent = 0
    if index < bytes.endIndex {
      guard bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E"),
        let written = Int(String(decoding: bytes[(index + 1)...], as: UTF8.self)), abs(written) < 1000
      else { return nil }
      exponent = written
    }
    self.digits = digits
    self.exponent = exponent - fractionDigits
    normalize()
  }

  private init(digits: [UInt8], exponent: Int) {
    self.digits = digits
    self.exponent = exponent
    normalize()
  }

  private mutating func normalize() {
    while digits.first == 0 { digits.removeFirst() }
    while digits.last == 0 {
      digits.removeLast()
      exponent += 1
    }
    if digits.isEmpty { exponent = 0 }
  }

  /// The value times 10^`places`.
  func shifted(by places: Int) -> DecimalText {
    DecimalText(digits: digits, exponent: exponent + places)
  }

  /// Half the value, exactly (x / 2 = 5x / 10).
  var half: DecimalText {
    var product: [UInt8] = []
    var carry: UInt8 = 0
    for digit in digits.reversed() {
      let value = digit * 5 + carry
      product.append(value % 10)
      carry = value / 10
    }
    if carry > 0 { product.append(carry) }
    return DecimalText(digits: product.reversed(), exponent: exponent - 1)
  }

  /// Digits after the decimal point.
  var decimalPlaces: Int { max(0, -exponent) }

  /// Plain decimal text, no exponent, no superfluous zeros: `3`, `0.15`, `2.1875`, `0`.
  var description: String {
    guard !digits.isEmpty else { return "0" }
    let text = String(decoding: digits.map { $0 + UInt8(ascii: "0") }, as: UTF8.self)
    if exponent >= 0 { return text + String(repeating: "0", count: exponent) }
    let places = -exponent
    if text.count > places {
      let point = text.index(text.endIndex, offsetBy: -places)
      return text[..<point] + "." + text[point...]
    }
    return "0." + String(repeating: "0", count: places - text.count) + text
  }
}
