import Foundation
import Testing

@testable import TallyKit

@Suite struct PerCategoryTests {
  @Test func theSubscriptReadsAndWritesTheCategoryItNames() {
    var counts = TokenCounts()
    for (offset, category) in TokenCategory.allCases.enumerated() { counts[category] = offset + 1 }
    #expect(
      counts
        == TokenCounts(
          input: 1, cacheWrite5m: 2, cacheWrite1h: 3, cacheRead: 4, output: 5, audioInput: 6, audioOutput: 7))
    #expect(TokenCounts { counts[$0] * 10 } == counts.map { $0 * 10 })
    #expect(TokenCategory.allCases.map { counts[$0] } == [1, 2, 3, 4, 5, 6, 7])
  }

  @Test func sumsAndTotalsGoCategoryByCategory() {
    let a = TokenCounts(input: 1, cacheRead: 2, output: 3, audioInput: 4)
    let b = TokenCounts(input: 10, cacheWrite5m: 20, cacheWrite1h: 30, audioOutput: 40)
    #expect(
      a + b
        == TokenCounts(
          input: 11, cacheWrite5m: 20, cacheWrite1h: 30, cacheRead: 2, output: 3, audioInput: 4,
          audioOutput: 40))
    #expect((a + b).totalInput == 11 + 20 + 30 + 2 + 4)
    let quantities = TokenQuantities(a) * (Exact(1) / 3)
    #expect(quantities.input == Exact(1) / 3)
    #expect(quantities.totalInput == Exact(7) / 3)
  }

  @Test func ratesNeedEveryTextCategoryAndNoAudioOne() {
    let read = PerCategory<Decimal?, Decimal?> { $0.isAudio ? nil : 1 }
    let rates = CategoryRates(read)
    #expect(rates == CategoryRates(input: 1, cacheWrite5m: 1, cacheWrite1h: 1, cacheRead: 1, output: 1))
    #expect(rates?[.audioInput] == nil)
    var missing = read
    missing.cacheRead = nil
    #expect(CategoryRates(missing) == nil)
  }

  /// The column order is the price-table file format: deriving it from the categories must not
  /// move a column.
  @Test func priceTableColumnsKeepTheirOrder() {
    #expect(
      PriceTable.requiredColumns == [
        "provider", "model", "aliases", "effective_from", "effective_to", "min_input_tokens",
        "input", "output", "cache_write_5m", "cache_write_1h", "cache_read",
        "batch_input", "batch_output", "batch_cache_write_5m", "batch_cache_write_1h", "batch_cache_read",
        "web_search_per_1k",
      ])
    #expect(
      PriceDiff.fields.map(\.column) == [
        "effective_to", "aliases", "input", "output", "cache_write_5m", "cache_write_1h", "cache_read",
        "batch_input", "batch_output", "batch_cache_write_5m", "batch_cache_write_1h", "batch_cache_read",
        "web_search_per_1k", "batch_web_search_per_1k", "audio_input", "audio_output", "batch_audio_input",
        "batch_audio_output",
      ])
  }
}

extension PerCategoryTests {
  @Test func eachPrintsUnderItsOwnName() {
    #expect(
      "\(TokenCounts(input: 10, output: 5))"
        == "TokenCounts(input: 10, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0, output: 5, audioInput: 0, audioOutput: 0)"
    )
    #expect(
      "\(CategoryRates(input: 3, cacheWrite5m: 3.75, cacheWrite1h: 6, cacheRead: 0.5, output: 15, audioInput: 1))"
        == "CategoryRates(input: 3, cacheWrite5m: 3.75, cacheWrite1h: 6, cacheRead: 0.5, output: 15, audioInput: Optional(1), audioOutput: nil)"
    )
  }
}
