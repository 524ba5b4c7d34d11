import Foundation
import Testing

@testable import TallyKit

private func day(_ text: String) -> CivilDate { CivilDate(parsing: text)! }
private func dollars(_ text: String) -> Money { Money(parsing: text)! }
private let bundled = try! PriceBook.load()

private func cost(
  _ model: String, _ tokens: TokenCounts, mode: Mode = .sync, on date: String = "2026-11-21",
  webSearches: Int = 0
) -> Result<Cost, Unpriced> {
  bundled.cost(
    of: Usage(tokens: tokens, webSearches: webSearches), model: model, mode: mode, on: day(date),
    requestInputTokens: tokens.totalInput)
}

/// Issue 12 part 1: the bundled rates brought up to date from the 2026-11-27 cross-check.
@Suite struct PriceDataTests {
  /// OpenAI web search: 10 per 1,000 searches where both aggregators agree, in both modes.
  @Test func openAIWebSearchCosts10Per1000() throws {
    let tokens = TokenCounts(input: 1_000, output: 100)
    // gpt-5: 1,000 x 1.25 = 0.00125; 100 x 10 = 0.001; 3 searches x 10 / 1,000 = 0.03; 0.03225.
    #expect(try cost("gpt-5", tokens, webSearches: 3).get().actual == dollars("0.03225"))
    // Batch halves the tokens, not the searches: 0.000625 + 0.0005 + 0.03 = 0.031125.
    #expect(try cost("gpt-5", tokens, mode: .batch, webSearches: 3).get().actual == dollars("0.031125"))
    // o3: 1,000 x 2 = 0.002; 100 x 8 = 0.0008; 1,500 searches = 15; 15.0028.
    #expect(try cost("o3", tokens, webSearches: 1_500).get().actual == dollars("15.0028"))
    // The sources disagree (10 vs 25) for gpt-4.1, gpt-4.1-mini and gpt-4o-mini: unpriced, not guessed.
    for model in ["gpt-4.1", "gpt-4.1-mini", "gpt-4o-mini"] {
      #expect(
        cost(model, tokens, webSearches: 1) == .failure(.noWebSearchRate(model: model, on: day("2026-11-21")))
      )
    }
  }

  /// Where O's Batch tab lists no cached-input price, a cached batch token costs the sync cached
  /// rate, min(batch input, sync cached), never more than in sync.
  @Test func openAIBatchCachedInputIsTheSyncCachedRate() throws {
    for (model, rate) in [
      ("gpt-4o", "1.25"), ("gpt-4o-mini", "0.075"), ("gpt-4.1", "0.50"), ("gpt-4.1-mini", "0.10"),
      ("gpt-4.1-nano", "0.025"), ("o3", "0.50"), ("o4-mini", "0.275"), ("o1", "7.50"), ("o3-mini", "0.55"),
    ] {
      let card = try bundled.card(model: model, on: day("2026-11-21"), requestInputTokens: 0).get()
      #expect(card.batch?.cacheRead == Decimal(string: rate), "\(model)")
      #expect(card.batch!.cacheRead == min(card.batch!.input, card.sync.cacheRead), "\(model)")
    }
    // The OpenAI batch fixture's gpt-4.1 lines: 3,186 input x 1 = 0.003186; 6,144 cached x 0.50
    // = 0.003072; 1,730 output x 4 = 0.00692; 0.013178 (0.016250 under the old rule, cached at 1).
    let tokens = TokenCounts(input: 3_186, cacheRead: 6_144, output: 1_730)
    #expect(try cost("gpt-4.1", tokens, mode: .batch).get().actual == dollars("0.013178"))
  }

  /// Aliases added from the aggregators' match rules resolve to the row whose prices they share.
  @Test func codexAndChatLatestIdsAreAliases() {
    let aliases = [
      "gpt-5-chat-latest": "gpt-5", "gpt-5-codex": "gpt-5", "gpt-5.1-codex": "gpt-5.1",
      "gpt-5.1-codex-max": "gpt-5.1", "gpt-5.1-chat-latest": "gpt-5.1", "gpt-5.2-codex": "gpt-5.2",
      "gpt-5.2-chat-latest": "gpt-5.2", "gpt-5.3-chat-latest": "gpt-5.3-codex",
    ]
    for (alias, id) in aliases {
      #expect(bundled.resolve(alias) == ResolvedModel(id: id, provider: "openai", match: .alias), "\(alias)")
    }
    #expect(bundled.resolve("gpt-5.1-codex-mini")?.match == .id)
  }

  /// The context labels of the new tiers, as reports and estimates print them.
  @Test func contextLabelsOf100KAnd272KTiers() {
    let on = day("2026-11-21")
    #expect(bundled.contextLabel(model: "claude-haiku-5-5", on: on, requestInputTokens: 100_000) == "0-100k")
    #expect(bundled.contextLabel(model: "claude-haiku-5-5", on: on, requestInputTokens: 100_001) == "100k+")
    #expect(bundled.contextLabel(model: "gpt-5.4", on: on, requestInputTokens: 272_000) == "0-272k")
    #expect(bundled.contextLabel(model: "gpt-5.4", on: on, requestInputTokens: 272_001) == "272k+")
    #expect(bundled.contextLabels.contains("100k+") && bundled.contextLabels.contains("0-272k"))
  }

  /// Every newly priced model of the cross-check resolves and has a rate on 2026-11-21.
  @Test func everyAddedModelIsPriced() {
    let models = [
      "claude-sonnet-5-5", "claude-haiku-5-5", "claude-mythos-5", "claude-mythos-5-1", "claude-fable-5-2",
      "claude-mythos-5-2", "claude-3-sonnet-20240229", "gpt-5.4", "gpt-5.4-mini", "gpt-5.4-nano", "gpt-5.5",
      "gpt-5.6-sol", "gpt-5.6-terra", "gpt-5.6-luna", "gpt-6-sol", "gpt-6-luna", "gpt-6-astra", "gpt-6.1-sol",
      "gpt-6.1-terra", "gpt-5-pro", "gpt-5.2-pro", "gpt-5.4-pro", "gpt-5.5-pro", "o1", "o3-mini", "o3-pro",
      "o1-pro", "gpt-5.1-codex-mini", "gpt-5.3-codex",
    ]
    for model in models {
      #expect(bundled.resolve(model)?.match == .id, "\(model)")
      #expect(
        (try? bundled.card(model: model, on: day("2026-11-21"), requestInputTokens: 0).get()) != nil,
        "\(model)")
    }
  }
}
