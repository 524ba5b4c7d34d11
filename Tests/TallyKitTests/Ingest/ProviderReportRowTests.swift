import Foundation
import Testing

@testable import TallyKit

@Suite struct ProviderReportRowTests {
  @Test func aCountIsWholeNonNegativeAndBounded() {
    #expect(TokenCount.whole(42, maximum: 100) == .count(42))
    #expect(TokenCount.whole(100, maximum: 100) == .count(100))
    #expect(TokenCount.whole(-1, maximum: 100) == .negative)
    #expect(TokenCount.whole(Decimal(string: "1.000001")!, maximum: 100) == .fractional)
    #expect(TokenCount.whole(101, maximum: 100) == .tooLarge)
    #expect(TokenCount.whole(Decimal(string: "1e30")!, maximum: Int.max) == .tooLarge)
  }

  @Test func providerRowsCompareByIdentityAndMeasures() {
    let row = ProviderCostRow(
      bucketStart: 0, bucketEnd: 86_400, model: "m", serviceTier: "standard", contextWindow: "0-200k",
      costType: "tokens", tokenType: "output_tokens", dimensions: "", amountCents: ExactDecimal.parse("1.50")!
    )
    var later = row
    later.bucketStart = 3600
    later.amountCents = ExactDecimal.parse("1.5")!
    #expect(later.identity == row.identity)
    #expect(later.measures == row.measures)
    later.listAmountCents = 2
    #expect(later.measures != row.measures)
    later.tokenType = "uncached_input_tokens"
    #expect(later.identity != row.identity)
  }
}
