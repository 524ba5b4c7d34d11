import Foundation
import Testing

@testable import TallyKit

/// `ReportTable.presented`: allocated columns add up to their totals, difference columns are the
/// difference of the shown cells, JSON stays exact.
@Suite struct RoundingTests {
  func money(_ text: String) -> Money { Money(parsing: text)! }

  @Test func allocationWithTiesAndNegativeValues() {
    // Three equal thirds: two floors of 0.33 and one cent missing; the tie goes by name.
    let third = Exact(1, over: 3)
    #expect(Exact.allocate([third, third, third], names: ["c", "a", "b"]) == [0.33, 0.34, 0.33])
    // Equal remainders (0.005 each): the larger exact value gets the cent, whatever the names.
    #expect(
      Exact.allocate(
        [Exact(ExactDecimal.parse("1.005")!), Exact(ExactDecimal.parse("7.005")!)], names: ["a", "z"]) == [
          1.00, 7.01,
        ])
    // Negative deltas floor toward minus infinity and still add up: -0.745 - 0.745 + 0.1 = -1.39.
    let values = ["-0.745", "-0.745", "0.1"].map { Exact(ExactDecimal.parse($0)!) }
    let shown = Exact.allocate(values, names: ["x", "y", "z"])
    #expect(shown == [Decimal(string: "-0.74")!, Decimal(string: "-0.75")!, Decimal(string: "0.10")!])
    #expect(shown.reduce(0, +) == Decimal(string: "-1.39")!)
    // At precision 0 the same rule holds.
    #expect(
      Exact.allocate(
        [Exact(ExactDecimal.parse("2.5")!), Exact(ExactDecimal.parse("2.5")!)], precision: 0,
        names: ["b", "a"]) == [2, 3])
  }

  /// Three rows of 0.335 list and 0.3349 cost: rounded one by one they would show 0.34 x 3 =
  /// 1.02 against a 1.00 total. Allocated, both columns add up; the savings column is the
  /// difference of the shown cells in every row and in the totals.
  @Test func allocatedAndDifferenceColumnsAddUp() {
    let columns = [
      Column("name", title: "Name"), Column("list", title: "List", rounding: .allocated),
      Column("cost", title: "Cost", rounding: .allocated),
      Column("savings", title: "Savings", rounding: .difference("list", minus: "cost")),
    ]
    let list = [money("0.335"), money("0.335"), money("0.33")]
    let cost = [money("0.2251"), money("0.2252"), money("0.2253")]
    let rows: [[Cell]] = (0..<3).map { index in
      [
        .text(["a", "b", "c"][index]), .money(list[index]), .money(cost[index]),
        .money(list[index] - cost[index]),
      ]
    }
    let totals: [Cell] = [
      .text("Total"), .money(list.sum()), .money(cost.sum()), .money(list.sum() - cost.sum()),
    ]
    let table = ReportTable(name: "t", columns: columns, rows: rows, totals: totals)
    #expect(
      table.renderCSV() == """
        name,list,cost,savings
        a,0.34,0.22,0.12
        b,0.33,0.23,0.10
        c,0.33,0.23,0.10

        """)
    // Totals: list 1.00, cost 0.6756 -> 0.68, savings 1.00 - 0.68 = 0.32 (exact 0.3244).
    let text = table.renderTable()
    #expect(text.hasSuffix("Total  $1.00  $0.68    $0.32\n"), "\(text)")
    // JSON is exact and presentation is idempotent.
    #expect(table.renderJSON().contains(#""savings": "0.1099""#))
    #expect(table.presented(precision: 2).presented(precision: 2).renderCSV() == table.renderCSV())
  }

  /// The margin block's gross margin is the shown revenue minus the shown costs: $90.00 under
  /// $100.00 - $10.00 - $0.00, though the exact $89.99 would round to $89.99 on its own.
  @Test func grossMarginIsTheDifferenceOfTheShownLines() {
    let margin = MarginProjection(
      revenue: money("100"), otherCOGS: money("0.005"), baselineCost: money("10.005"),
      scenarioCost: money("5"))
    let csv = margin.table(baselineTitle: "B", scenarioTitle: "S", precision: 2).renderCSV()
    #expect(
      csv.contains("Inference cost,10.00,5.00\nOther COGS,0.00,0.00\nGross margin,90.00,95.00\n"), "\(csv)")
    #expect(
      margin.table(baselineTitle: "B", scenarioTitle: "S").renderCSV().contains("Gross margin,89.99,95.00"))
  }
}
