import Foundation

/// USD per million tokens for each token category, for one mode.
///
/// The audio rates are optional: nil means the table gives none, and usage with audio tokens
/// is then unpriced (never priced as text).
public typealias CategoryRates = PerCategory<Decimal, Decimal?>

/// Where a row came from, for messages such as `pricing/anthropic.csv:14`.
public struct FileLocation: Hashable, Sendable, CustomStringConvertible {
  public let file: String
  public let line: Int
  public var description: String { "\(file):\(line)" }
}

/// One row of a price table: a model's rates in one effective period and context tier.
public struct RateCard: Hashable, Sendable {
  public var provider: String
  public var model: String
  public var aliases: [String]
  /// First UTC day the rates apply (inclusive).
  public var effectiveFrom: CivilDate
  /// First UTC day the rates no longer apply (exclusive); nil while they still do.
  public var effectiveTo: CivilDate?
  /// The most common long-context threshold (total input above 200,000 tokens): the `context`
  /// label of a model whose table has one tier only is cut here (`0-200k` / `200k+`).
  public static let longContextMinInputTokens = 200_001

  /// The row applies to requests whose total input is at least this many tokens.
  public var minInputTokens: Int
  public var sync: CategoryRates
  /// Nil when the model has no batch price: batch usage of it is unpriced.
  public var batch: CategoryRates?
  /// USD per 1,000 web searches; nil when not priced.
  public var webSearchPer1K: Decimal?
  /// USD per 1,000 web searches in batches; nil means the same as `webSearchPer1K`.
  public var batchWebSearchPer1K: Decimal?
  public var notes: String
  public var origin: FileLocation

  /// Whether the rates are in force on `day`.
  public func covers(_ day: CivilDate) -> Bool {
    effectiveFrom <= day && (effectiveTo.map { day < $0 } ?? true)
  }

  /// Whether this row's period shares at least one day with `other`'s.
  func overlaps(_ other: RateCard) -> Bool {
    let endsAfterOtherStarts = effectiveTo.map { other.effectiveFrom < $0 } ?? true
    let otherEndsAfterThisStarts = other.effectiveTo.map { effectiveFrom < $0 } ?? true
    return endsAfterOtherStarts && otherEndsAfterThisStarts
  }

  /// The token rates for a mode; nil when the model has no rate for it.
  public func rates(for mode: Mode) -> CategoryRates? {
    mode == .sync ? sync : batch
  }

  /// Whether the row gives any audio rate, sync or batch.
  public var hasAudioRate: Bool {
    sync.audioInput != nil || sync.audioOutput != nil || batch?.audioInput != nil || batch?.audioOutput != nil
  }

  /// The web-search rate for a mode (no batch discount unless the row gives a batch rate).
  public func webSearchRate(for mode: Mode) -> Decimal? {
    mode == .batch ? (batchWebSearchPer1K ?? webSearchPer1K) : webSearchPer1K
  }

  /// `base`, or the long-context threshold such as `>=200,001`.
  public var tierLabel: String {
    minInputTokens == 0
      ? "base" : ">=" + ExactDecimal.fixed(Decimal(minInputTokens), scale: 0, grouping: true)
  }
}
