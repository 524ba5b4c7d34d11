import Foundation

/// How a request was served: synchronously at standard rates, or through a batch API at batch rates.
public enum Mode: String, Sendable, CaseIterable, Hashable {
  case sync
  case batch
}

/// The disjoint token categories every input format is normalised into.
public enum TokenCategory: String, Sendable, CaseIterable, Hashable {
  case input
  case cacheWrite5m = "cache_write_5m"
  case cacheWrite1h = "cache_write_1h"
  case cacheRead = "cache_read"
  case output
  /// Audio input (OpenAI `prompt_tokens_details.audio_tokens`): its own, higher rate.
  case audioInput = "audio_input"
  /// Audio output (OpenAI `completion_tokens_details.audio_tokens`).
  case audioOutput = "audio_output"

  /// The audio categories: priced only where the price table gives an audio rate.
  public var isAudio: Bool { self == .audioInput || self == .audioOutput }
}

/// Token counts in disjoint categories (`input` excludes every cache category and audio,
/// `output` excludes audio).
public struct TokenCounts: Hashable, Sendable {
  public var input: Int
  public var cacheWrite5m: Int
  public var cacheWrite1h: Int
  public var cacheRead: Int
  public var output: Int
  public var audioInput: Int
  public var audioOutput: Int

  public init(
    input: Int = 0, cacheWrite5m: Int = 0, cacheWrite1h: Int = 0, cacheRead: Int = 0, output: Int = 0,
    audioInput: Int = 0, audioOutput: Int = 0
  ) {
    self.input = input
    self.cacheWrite5m = cacheWrite5m
    self.cacheWrite1h = cacheWrite1h
    self.cacheRead = cacheRead
    self.output = output
    self.audioInput = audioInput
    self.audioOutput = audioOutput
  }

  public subscript(category: TokenCategory) -> Int {
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

  /// Input + cache writes + cache reads + audio input: what the long-context threshold looks
  /// at (the prompt's every token, as OpenAI's `prompt_tokens` counts it).
  public var totalInput: Int { input + cacheWrite5m + cacheWrite1h + cacheRead + audioInput }

  /// Whether any audio category is nonzero: such a request needs the row's audio rates.
  public var hasAudio: Bool { audioInput != 0 || audioOutput != 0 }

  /// The text categories only (audio set to zero).
  public var withoutAudio: TokenCounts {
    var text = self
    (text.audioInput, text.audioOutput) = (0, 0)
    return text
  }

  /// The audio categories only.
  public var audioOnly: TokenCounts { TokenCounts(audioInput: audioInput, audioOutput: audioOutput) }

  public static func + (lhs: TokenCounts, rhs: TokenCounts) -> TokenCounts {
    TokenCounts(
      input: lhs.input + rhs.input, cacheWrite5m: lhs.cacheWrite5m + rhs.cacheWrite5m,
      cacheWrite1h: lhs.cacheWrite1h + rhs.cacheWrite1h, cacheRead: lhs.cacheRead + rhs.cacheRead,
      output: lhs.output + rhs.output, audioInput: lhs.audioInput + rhs.audioInput,
      audioOutput: lhs.audioOutput + rhs.audioOutput)
  }
}

/// Billable usage: tokens by category plus web searches (priced per 1,000).
public struct Usage: Hashable, Sendable {
  public var tokens: TokenCounts
  public var webSearches: Int

  /// No tokens and no searches.
  public var isEmpty: Bool { tokens == TokenCounts() && webSearches == 0 }

  public init(tokens: TokenCounts, webSearches: Int = 0) {
    self.tokens = tokens
    self.webSearches = webSearches
  }
}

/// Token counts by category as exact quantities: a what-if can take a fraction of some traffic
/// (a third of it to batch, 60% of its input from cache), so counts need not be whole.
public struct TokenQuantities: Hashable, Sendable {
  public var input: Exact
  public var cacheWrite5m: Exact
  public var cacheWrite1h: Exact
  public var cacheRead: Exact
  public var output: Exact
  public var audioInput: Exact
  public var audioOutput: Exact

  public init(
    input: Exact = 0, cacheWrite5m: Exact = 0, cacheWrite1h: Exact = 0, cacheRead: Exact = 0,
    output: Exact = 0, audioInput: Exact = 0, audioOutput: Exact = 0
  ) {
    self.input = input
    self.cacheWrite5m = cacheWrite5m
    self.cacheWrite1h = cacheWrite1h
    self.cacheRead = cacheRead
    self.output = output
    self.audioInput = audioInput
    self.audioOutput = audioOutput
  }

  public init(_ counts: TokenCounts) {
    self.init(
      input: Exact(Decimal(counts.input)), cacheWrite5m: Exact(Decimal(counts.cacheWrite5m)),
      cacheWrite1h: Exact(Decimal(counts.cacheWrite1h)), cacheRead: Exact(Decimal(counts.cacheRead)),
      output: Exact(Decimal(counts.output)), audioInput: Exact(Decimal(counts.audioInput)),
      audioOutput: Exact(Decimal(counts.audioOutput)))
  }

  public subscript(category: TokenCategory) -> Exact {
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

  /// Input + cache writes + cache reads + audio input.
  public var totalInput: Exact { input + cacheWrite5m + cacheWrite1h + cacheRead + audioInput }

  /// Every category multiplied by `factor`.
  public static func * (lhs: TokenQuantities, factor: Exact) -> TokenQuantities {
    TokenQuantities(
      input: lhs.input * factor, cacheWrite5m: lhs.cacheWrite5m * factor,
      cacheWrite1h: lhs.cacheWrite1h * factor,
      cacheRead: lhs.cacheRead * factor, output: lhs.output * factor, audioInput: lhs.audioInput * factor,
      audioOutput: lhs.audioOutput * factor)
  }
}

/// Billable usage as exact quantities: tokens by category plus web searches.
public struct UsageQuantities: Hashable, Sendable {
  public var tokens: TokenQuantities
  public var webSearches: Exact

  public init(tokens: TokenQuantities, webSearches: Exact = 0) {
    self.tokens = tokens
    self.webSearches = webSearches
  }

  public init(_ usage: Usage) {
    self.init(tokens: TokenQuantities(usage.tokens), webSearches: Exact(Decimal(usage.webSearches)))
  }

  /// Tokens and web searches multiplied by `factor`.
  public static func * (lhs: UsageQuantities, factor: Exact) -> UsageQuantities {
    UsageQuantities(tokens: lhs.tokens * factor, webSearches: lhs.webSearches * factor)
  }
}
