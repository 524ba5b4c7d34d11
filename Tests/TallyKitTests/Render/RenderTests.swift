import Foundation
import Testing

@testable import TallyKit

@Suite struct RenderTests {
  static let table = ReportTable(
    name: "demo",
    columns: [
      Column("tenant", title: "Tenant"), Column("requests", title: "Requests"),
      Column("cost_usd", title: "Cost", dropPriority: 1), Column("share_pct", title: "Share"),
    ],
    rows: [
      [
        .text("=HYPERLINK(\"x\")"), .count(1_234), .money(Money(parsing: "1234.565")!),
        .percent(Exact(100) / Exact(3)),
      ],
      [.text("Müller, \"GmbH\"\nBerlin"), .count(2), .money(nil), .percent(nil)],
      [.text("-1"), .count(0), .money(Money(parsing: "-0.5")!), .percent(0)],
    ],
    totals: [.text("Total"), .count(1_236), .money(Money(parsing: "1234.065")!), .percent(100)])

  @Test func csvQuotesNeutralisesFormulasAndKeepsNumbersPlain() {
    #expect(
      Self.table.renderCSV() == """
        tenant,requests,cost_usd,share_pct
        "'=HYPERLINK(""x"")",1234,1234.56,33.33
        "Müller, ""GmbH""
        Berlin",2,,
        '-1,0,-0.50,0.00

        """)
  }

  @Test func jsonIsExactWithNullForUnpriced() {
    let json = Self.table.renderJSON()
    #expect(json.contains("\"cost_usd\": \"1234.565\""))
    #expect(json.contains("\"share_pct\": \"33.33333333333333333333\""))
    #expect(json.contains("\"cost_usd\": null"))
    #expect(json.contains("\"tenant\": \"Müller, \\\"GmbH\\\"\\nBerlin\""))
    #expect(
      json.contains(
        "\"totals\": {\n    \"requests\": 1236,\n    \"cost_usd\": \"1234.065\",\n    \"share_pct\": \"100\"\n  }"
      ))
  }

  @Test func terminalTableAlignsAndDropsColumnsToFit() {
    #expect(
      Self.table.renderTable() == """
        Tenant                 Requests       Cost    Share
        ---------------------------------------------------
        =HYPERLINK("x")           1,234  $1,234.56   33.33%
        Müller, "GmbH" Berlin         2
        -1                            0     -$0.50    0.00%
        ---------------------------------------------------
        Total                     1,236  $1,234.06  100.00%

        """)
    let narrow = Self.table.renderTable(RenderOptions(width: 45))
    #expect(!narrow.contains("Cost"))
    #expect(narrow.split(separator: "\n").allSatisfy { $0.count <= 45 })
  }
}
