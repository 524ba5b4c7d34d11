/// SplitMix64: a seeded generator whose sequence depends on its seed only, never on the
/// platform, the Swift version or the clock. Every draw is integer arithmetic.
///
/// The standard library's `shuffle(using:)` and `random(in:using:)` are deliberately not used:
/// their algorithms are not part of any contract and could change the data set between
/// toolchains.
struct DemoRandom {
  private var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A whole number in `range`, every value (nearly) equally likely.
  mutating func int(_ range: ClosedRange<Int>) -> Int {
    let span = UInt64(range.upperBound - range.lowerBound) + 1
    return range.lowerBound + Int(next().multipliedFullWidth(by: span).high)
  }

  /// The mean of two draws: values near the middle of `range` are the most likely.
  mutating func triangular(_ range: ClosedRange<Int>) -> Int {
    (int(range) + int(range)) / 2
  }

  /// True `perMille` times in a thousand.
  mutating func chance(perMille: Int) -> Bool { int(0...999) < perMille }

  /// An index into `weights`, each chosen in proportion to its weight.
  mutating func index(weights: [Int]) -> Int {
    var draw = int(0...(weights.reduce(0, +) - 1))
    for (index, weight) in weights.enumerated() {
      if draw < weight { return index }
      draw -= weight
    }
    preconditionFailure("weights must have a positive sum")
  }

  mutating func element<T>(of items: [T]) -> T { items[int(0...(items.count - 1))] }

  /// Fisher-Yates.
  mutating func shuffle<T>(_ items: inout [T]) {
    guard items.count > 1 else { return }
    for index in stride(from: items.count - 1, to: 0, by: -1) {
      items.swapAt(index, int(0...index))
    }
  }

  mutating func string(length: Int, alphabet: String) -> String {
    let characters = Array(alphabet)
    var result = ""
    for _ in 0..<length { result.append(element(of: characters)) }
    return result
  }

  static let base58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
  static let alphanumeric = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
  static let hex = "0123456789abcdef"

  /// `req_011C…`, as Anthropic request ids look.
  mutating func anthropicRequestID() -> String { "req_011C" + string(length: 20, alphabet: Self.base58) }
  /// `msg_01…`.
  mutating func messageID() -> String { "msg_01" + string(length: 22, alphabet: Self.base58) }
}

/// Small writers for the hand-built JSON of the data set: keys in a fixed order, so the files are
/// byte-for-byte the same on every run.
enum DemoJSON {
  /// A JSON string literal.
  static func string(_ text: String) -> String { JSONValue.quoted(text) }

  /// `2026-10-05T06:02:17.483920Z`: an RFC 3339 time with microseconds, as Anthropic writes them.
  static func time(_ seconds: Int64, micros: Int) -> String {
    let plain = Timestamp.format(seconds)
    let digits = String(micros)
    return plain.dropLast() + "." + String(repeating: "0", count: 6 - digits.count) + digits + "Z"
  }
}
