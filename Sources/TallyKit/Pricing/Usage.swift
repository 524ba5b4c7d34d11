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
public typealias TokenCounts = PerCategory<Int, Int>

extension TokenCounts {
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
public typealias TokenQuantities = PerCategory<Exact, Exact>

extension TokenQuantities {
  public init(_ counts: TokenCounts) {
    self = counts.map { Exact(Decimal($0)) }
  }

  /// Input + cache writes + cache reads + audio input.
  public var totalInput: Exact { input + cacheWrite5m + cacheWrite1h + cacheRead + audioInput }

  /// Every category multiplied by `factor`.
  public static func * (lhs: TokenQuantities, factor: Exact) -> TokenQuantities {
    lhs.map { $0 * factor }
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
