import Foundation
import Testing

@testable import TallyKit

/// `tally pricing diff` on two small tables written here, and the bill of the finance fixture
/// ledger (October 2026) under each.
@Suite struct PriceDiffTests {
  static let header =
    "provider,model,aliases,effective_from,effective_to,min_input_tokens,input,output,cache_write_5m,cache_write_1h,cache_read,batch_input,batch_output,batch_cache_write_5m,batch_cache_write_1h,batch_cache_read,web_search_per_1k,notes\n"
  static let old =
    header + """
      anthropic,claude-haiku-4-5-20251001,claude-haiku-4-5,2025-10-01,,0,1,5,1.25,2,0.10,0.50,2.50,0.625,1,0.05,10,
      anthropic,claude-sonnet-4-5-20250929,claude-sonnet-4-5,2025-09-29,,0,3,15,3.75,6,0.30,1.50,7.50,1.875,3,0.15,10,
      anthropic,claude-sonnet-4-5-20250929,,2025-09-29,,200001,6,22.50,7.50,12,0.60,3,11.25,3.75,6,0.30,10,
      anthropic,claude-3-haiku-20240307,,2024-03-07,,0,0.25,1.25,0.30,0.50,0.03,0.125,0.625,0.15,0.25,0.015,10,

      """
  static let new =
    header + """
      anthropic,claude-haiku-4-5,,2026-10-01,,0,1,4,1.25,2,0.10,0.50,2,0.625,1,0.05,10,
      anthropic,claude-sonnet-4-5-20250929,claude-sonnet-4-5,2025-09-29,,0,3,15,3.75,6,0.30,1.50,7.50,1.875,3,0.15,10,
      anthropic,claude-sonnet-4-5-20250929,,2025-09-29,2026-04-01,200001,6,22.50,7.50,12,0.60,3,11.25,3.75,6,0.30,10,
      anthropic,claude-opus-4-6,,2026-02-04,,0,5,25,6.25,10,0.50,2.50,12.50,3.125,5,0.25,10,

      """

  static func cards(_ text: String, _ file: String) -> [RateCard] {
    let parsed = PriceTable.parse(text, file: file)
    precondition(parsed.problems.isEmpty, "\(parsed.problems)")
    return parsed.table.cards
  }

  @Test func changedRateDateTierAddedAndRemovedModels() {
    let changes = PriceDiff.changes(
      old: Self.cards(Self.old, "old.csv"), new: Self.cards(Self.new, "new.csv"))
    let table = PriceDiff.table(changes)
    #expect(
      table.renderCSV() == """
        change,provider,model,min_input_tokens,effective_from,column,old,new
        removed model,anthropic,claude-3-haiku-20240307,0,2024-03-07,,"input 0.25, output 1.25",
        changed,anthropic,claude-haiku-4-5-20251001,0,2026-10-01,effective_from,2025-10-01,2026-10-01
        changed,anthropic,claude-haiku-4-5-20251001,0,2026-10-01,aliases,claude-haiku-4-5,
        changed,anthropic,claude-haiku-4-5-20251001,0,2026-10-01,output,5,4
        changed,anthropic,claude-haiku-4-5-20251001,0,2026-10-01,batch_output,2.5,2
        added model,anthropic,claude-opus-4-6,0,2026-02-04,,,"input 5, output 25"
        changed,anthropic,claude-sonnet-4-5-20250929,200001,2025-09-29,effective_to,,2026-04-01

        """)
    // Identical tables: nothing changed.
    #expect(PriceDiff.changes(old: Self.cards(Self.old, "a"), new: Self.cards(Self.old, "b")).isEmpty)
  }

  @Test func addedAndRemovedTiersAndPeriods() {
    let old =
      Self.header + """
        openai,gpt-5,,2025-08-07,,0,1.25,10,1.25,1.25,0.125,,,,,,,
        openai,gpt-5,,2025-08-07,,272001,2.5,15,2.5,2.5,0.25,,,,,,,

        """
    let new =
      Self.header + """
        openai,gpt-5,,2025-08-07,2026-06-01,0,1.25,10,1.25,1.25,0.125,,,,,,,
        openai,gpt-5,,2026-06-01,,0,1,8,1,1,0.1,,,,,,,

        """
    let changes = PriceDiff.changes(old: Self.cards(old, "o"), new: Self.cards(new, "n"))
    #expect(
      changes.map {
        "\($0.kind.rawValue) \($0.minInputTokens) \($0.effectiveFrom) \($0.column) \($0.old)|\($0.new)"
      }
        == [
          "changed 0 2025-08-07 effective_to |2026-06-01",
          "added period 0 2026-06-01  |input 1, output 8",
          "removed tier 272001 2025-08-07  input 2.5, output 15|",
        ])
  }

  @Test func theMonthsBillUnderBothTables() throws {
    // Haiku 4.5: 134,000 sync output tokens and 66,000 batch output tokens; mystery-model unpriced.
    // OLD: 134,000 × $5 + 66,000 × $2.50 per million = $0.67 + $0.165 = $0.835.
    // NEW: 134,000 × $4 + 66,000 × $2 per million = $0.536 + $0.132 = $0.668; delta -$0.167 (-20%).
    let bill = try PriceChangeBill.build(
      ledger: try FinanceFixtures.ledger(), old: PriceBook(bundled: Self.cards(Self.old, "old.csv")),
      new: PriceBook(bundled: Self.cards(Self.new, "new.csv")), window: FinanceFixtures.october)
    #expect(
      bill.table.renderCSV(precision: 3) == """
        provider,model,requests,old_cost_usd,new_cost_usd,delta_usd,delta_pct,old_unpriced_requests,new_unpriced_requests
        anthropic,claude-haiku-4-5-20251001,3,0.835,0.668,-0.167,-20.000,0,0
        anthropic,mystery-model,1,,,,,1,1

        """)
    #expect(bill.totals.oldCost == Money(Decimal(string: "0.835")!))
    #expect(bill.totals.newCost == Money(Decimal(string: "0.668")!))
    #expect(bill.totalDelta == nil)  // mystery-model has no delta
    #expect(bill.rows.first?.delta == Money(Decimal(string: "-0.167")!))
    #expect(
      bill.warnings == [
        "1 request is unpriced under OLD (mystery-model): those models have no delta, and neither has the total",
        "1 request is unpriced under NEW (mystery-model): those models have no delta, and neither has the total",
      ])
  }
}
