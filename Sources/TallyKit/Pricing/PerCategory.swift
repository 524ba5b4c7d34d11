import Foundation

/// One value for each token category: the shape shared by token counts (`TokenCounts`), exact
/// quantities (`TokenQuantities`) and rates (`CategoryRates`).
///
/// The audio categories have a type of their own, `AudioValue`, because a price table may give
/// no audio rate where it always gives the text rates: rates are
/// `PerCategory<Decimal, Decimal?>`, counts and quantities use one type for every category.
///
/// A plain struct of stored properties, with no array or dictionary inside: token counts are
/// built and summed for every request on ingest's hot path. Code that goes through every
/// category iterates `TokenCategory.allCases` and uses `subscript(category:)`, so a new category
/// is a new case, a new property here, and the compiler's list of switches to complete.
public struct PerCategory<Value, AudioValue> {
  public var input: Value
  public var cacheWrite5m: Value
  public var cacheWrite1h: Value
  public var cacheRead: Value
  public var output: Value
  public var audioInput: AudioValue
  public var audioOutput: AudioValue

  /// Every category in `TokenCategory.allCases` order (the labelled initializers below are the
  /// public ones: they give counts zero and audio rates nil by default).
  init(
    _ input: Value, _ cacheWrite5m: Value, _ cacheWrite1h: Value, _ cacheRead: Value, _ output: Value,
    _ audioInput: AudioValue, _ audioOutput: AudioValue
  ) {
    self.input = input
    self.cacheWrite5m = cacheWrite5m
    self.cacheWrite1h = cacheWrite1h
    self.cacheRead = cacheRead
    self.output = output
    self.audioInput = audioInput
    self.audioOutput = audioOutput
  }
}

extension PerCategory: Equatable where Value: Equatable, AudioValue: Equatable {}
extension PerCategory: Hashable where Value: Hashable, AudioValue: Hashable {}
extension PerCategory: Sendable where Value: Sendable, AudioValue: Sendable {}

extension PerCategory: CustomStringConvertible {
  /// `TokenCounts(input: 10, cacheWrite5m: 0, …)`: printed under the name the code uses, as
  /// these types printed before they were one.
  public var description: String {
    let name =
      switch self {
      case is TokenCounts: "TokenCounts"
      case is TokenQuantities: "TokenQuantities"
      case is CategoryRates: "CategoryRates"
      default: "PerCategory<\(Value.self), \(AudioValue.self)>"
      }
    let values = [
      ("input", String(reflecting: input)), ("cacheWrite5m", String(reflecting: cacheWrite5m)),
      ("cacheWrite1h", String(reflecting: cacheWrite1h)), ("cacheRead", String(reflecting: cacheRead)),
      ("output", String(reflecting: output)), ("audioInput", String(reflecting: audioInput)),
      ("audioOutput", String(reflecting: audioOutput)),
    ]
    return name + "(" + values.map { "\($0): \($1)" }.joined(separator: ", ") + ")"
  }
}

extension PerCategory where AudioValue == Value {
  /// Every category's value from `value(category)`, called in `TokenCategory.allCases` order.
  public init<E: Error>(_ value: (TokenCategory) throws(E) -> Value) throws(E) {
    self.init(
      try value(.input), try value(.cacheWrite5m), try value(.cacheWrite1h), try value(.cacheRead),
      try value(.output), try value(.audioInput), try value(.audioOutput))
  }

  /// The value of one category.
  public subscript(category: TokenCategory) -> Value {
    get {
      switch category {
      case .input: input
      case .cacheWrite5m: cacheWrite5m
      case .cacheWrite1h: cacheWrite1h
      case .cacheRead: cacheRead
      case .output: output
      case .audioInput: audioInput
      case .audioOutput: audioOutput
      }
    }
    set {
      switch category {
      case .input: input = newValue
      case .cacheWrite5m: cacheWrite5m = newValue
      case .cacheWrite1h: cacheWrite1h = newValue
      case .cacheRead: cacheRead = newValue
      case .output: output = newValue
      case .audioInput: audioInput = newValue
      case .audioOutput: audioOutput = newValue
      }
    }
  }

  /// Each category's value transformed, category by category.
  public func map<T, E: Error>(_ transform: (Value) throws(E) -> T) throws(E) -> PerCategory<T, T> {
    PerCategory<T, T>(
      try transform(input), try transform(cacheWrite5m), try transform(cacheWrite1h),
      try transform(cacheRead), try transform(output), try transform(audioInput),
      try transform(audioOutput))
  }
}

extension PerCategory where AudioValue == Value, Value: ExpressibleByIntegerLiteral {
  /// Categories not given are zero.
  public init(
    input: Value = 0, cacheWrite5m: Value = 0, cacheWrite1h: Value = 0, cacheRead: Value = 0,
    output: Value = 0, audioInput: Value = 0, audioOutput: Value = 0
  ) {
    self.init(input, cacheWrite5m, cacheWrite1h, cacheRead, output, audioInput, audioOutput)
  }
}

extension PerCategory where AudioValue == Value, Value: AdditiveArithmetic {
  /// Category by category.
  public static func + (lhs: Self, rhs: Self) -> Self {
    Self(
      lhs.input + rhs.input, lhs.cacheWrite5m + rhs.cacheWrite5m, lhs.cacheWrite1h + rhs.cacheWrite1h,
      lhs.cacheRead + rhs.cacheRead, lhs.output + rhs.output, lhs.audioInput + rhs.audioInput,
      lhs.audioOutput + rhs.audioOutput)
  }

  /// Input + cache writes + cache reads + audio input: what the long-context threshold looks
  /// at (the prompt's every token, as OpenAI's `prompt_tokens` counts it).
  public var totalInput: Value { input + cacheWrite5m + cacheWrite1h + cacheRead + audioInput }
}

extension PerCategory where AudioValue == Value? {
  /// Audio values not given are nil; the text categories always have one.
  public init(
    input: Value, cacheWrite5m: Value, cacheWrite1h: Value, cacheRead: Value, output: Value,
    audioInput: Value? = nil, audioOutput: Value? = nil
  ) {
    self.init(input, cacheWrite5m, cacheWrite1h, cacheRead, output, audioInput, audioOutput)
  }

  /// The text categories of `values`, with their audio ones; nil when a text category has none.
  public init?(_ values: PerCategory<Value?, Value?>) {
    guard let input = values.input, let cacheWrite5m = values.cacheWrite5m,
      let cacheWrite1h = values.cacheWrite1h, let cacheRead = values.cacheRead, let output = values.output
    else { return nil }
    self.init(
      input, cacheWrite5m, cacheWrite1h, cacheRead, output, values.audioInput, values.audioOutput)
  }

  /// The value of one category; nil only for an audio category without one.
  public subscript(category: TokenCategory) -> Value? {
    switch category {
    case .input: input
    case .cacheWrite5m: cacheWrite5m
    case .cacheWrite1h: cacheWrite1h
    case .cacheRead: cacheRead
    case .output: output
    case .audioInput: audioInput
    case .audioOutput: audioOutput
    }
  }
}

extension TokenCategory {
  /// The text categories, in `allCases` order.
  public static let text = allCases.filter { !$0.isAudio }

  /// The audio categories, in `allCases` order.
  public static let audio = allCases.filter(\.isAudio)
}
