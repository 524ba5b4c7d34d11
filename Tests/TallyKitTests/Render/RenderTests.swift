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
      Self.table.renderTable() == #"""
        Tenant                  Requests       Cost    Share
        ----------------------------------------------------
        =HYPERLINK("x")            1,234  $1,234.56   33.33%
        Müller, "GmbH"\nBerlin         2
        -1                             0     -$0.50    0.00%
        ----------------------------------------------------
        Total                      1,236  $1,234.06  100.00%

        """#)
    let narrow = Self.table.renderTable(RenderOptions(width: 45))
    #expect(!narrow.contains("Cost"))
    #expect(narrow.split(separator: "\n").allSatisfy { $0.count <= 45 })
  }
}

@Suite struct DisplayWidthTests {
  @Test func wideCharactersCountTwoAndMarksCountZero() {
    #expect("東京".displayWidth == 4)
    #expect("Müller".displayWidth == 6)  // precomposed ü
    #expect("Mu\u{0308}ller".displayWidth == 6)  // u + combining diaeresis
    #expect("café".displayWidth == 4)
    #expect("cafe\u{0301}".displayWidth == 4)
    #expect("🙂".displayWidth == 2)
    #expect("👍🏽".displayWidth == 2)  // skin tone modifier
    #expect("👨‍👩‍👧".displayWidth == 2)  // zero-width joiners
    #expect("❤️".displayWidth == 2)  // U+2764 with emoji presentation (U+FE0F)
    #expect("🇯🇵".displayWidth == 2)
    #expect("한국어".displayWidth == 6)
    #expect("\u{1112}\u{1161}\u{11AB}".displayWidth == 2)  // 한 as conjoining jamo
    #expect("カタカナ".displayWidth == 8)
    #expect("ＴＡＬＬＹ".displayWidth == 10)  // fullwidth forms
    #expect("ｶﾀｶﾅ".displayWidth == 4)  // halfwidth katakana
    #expect("a\u{200B}b".displayWidth == 2)  // zero-width space
    #expect("…█▏".displayWidth == 3)
    #expect("".displayWidth == 0)
  }

  @Test func truncationEndsInAnEllipsisWithinTheWidth() {
    #expect("Müller & Söhne".truncated(toDisplayWidth: 14) == "Müller & Söhne")
    #expect("Müller & Söhne".truncated(toDisplayWidth: 13) == "Müller & Söh…")
    #expect("Müller & Söhne".truncated(toDisplayWidth: 8) == "Müller…")  // no space before …
    #expect("東京海上".truncated(toDisplayWidth: 6) == "東京…")
    #expect("東京海上".truncated(toDisplayWidth: 5) == "東京…")
    #expect("東京海上".truncated(toDisplayWidth: 4) == "東…")
  }
}

@Suite struct TerminalTableTests {
  @Test func wideAndCombiningCharactersLineUp() {
    let table = ReportTable(
      name: "demo",
      columns: [
        Column("tenant", title: "Tenant"), Column("requests", title: "Requests"),
        Column("cost_usd", title: "Cost"),
      ],
      rows: [
        [.text("東京"), .count(12), .money(Money(parsing: "3.5")!)],
        [.text("Mu\u{0308}ller"), .count(1), .money(Money(parsing: "0.25")!)],
        [.text("🙂 emoji"), .count(3), .money(nil)],
      ],
      totals: [.text("Total"), .count(16), .money(Money(parsing: "3.75")!)])
    #expect(
      table.renderTable() == """
        Tenant    Requests   Cost
        -------------------------
        東京            12  $3.50
        Mu\u{0308}ller           1  $0.25
        🙂 emoji         3
        -------------------------
        Total           16  $3.75

        """)
  }

  static let wideNames = ReportTable(
    name: "demo",
    columns: [
      Column("tenant", title: "Tenant"), Column("job", title: "Job"), Column("requests", title: "Requests"),
      Column("cost_usd", title: "Cost", dropPriority: 1),
    ],
    rows: [
      [
        .text("Müller & Söhne Rechnungswesen GmbH"), .text("monthly-close-reconciliation"), .count(1_234),
        .money(Money(parsing: "12.5")!),
      ],
      [.text("東京海上日動火災保険株式会社"), .text("chat"), .count(5), .money(Money(parsing: "0.25")!)],
      [.text("acme"), .text("summarize"), .count(10), .money(Money(parsing: "1")!)],
    ],
    totals: [.text("Total"), .text(""), .count(1_249), .money(Money(parsing: "13.75")!)])

  @Test func textColumnsAreCutOnlyAfterEveryDroppableColumnIsGone() {
    // 82 columns wide: at 82 nothing changes; below, the cost column goes before any text is cut.
    #expect(
      Self.wideNames.renderTable(RenderOptions(width: 82)) == """
        Tenant                              Job                           Requests    Cost
        ----------------------------------------------------------------------------------
        Müller & Söhne Rechnungswesen GmbH  monthly-close-reconciliation     1,234  $12.50
        東京海上日動火災保険株式会社        chat                                 5   $0.25
        acme                                summarize                           10   $1.00
        ----------------------------------------------------------------------------------
        Total                                                                1,249  $13.75

        """)
    #expect(
      Self.wideNames.renderTable(RenderOptions(width: 74)) == """
        Tenant                              Job                           Requests
        --------------------------------------------------------------------------
        Müller & Söhne Rechnungswesen GmbH  monthly-close-reconciliation     1,234
        東京海上日動火災保険株式会社        chat                                 5
        acme                                summarize                           10
        --------------------------------------------------------------------------
        Total                                                                1,249

        """)
  }

  @Test func theWidestTextColumnsAreCutToFit() {
    // 74 columns without cost; 34 more come off the two text columns, widest first.
    #expect(
      Self.wideNames.renderTable(RenderOptions(width: 40)) == """
        Tenant          Job             Requests
        ----------------------------------------
        Müller & Söhn…  monthly-close…     1,234
        東京海上日動…   chat                   5
        acme            summarize             10
        ----------------------------------------
        Total                              1,249

        """)
  }

  @Test func textIsNeverCutBelowTwelveColumnsNorNumbersAtAll() {
    #expect(
      Self.wideNames.renderTable(RenderOptions(width: 20)) == """
        Tenant        Job           Requests
        ------------------------------------
        Müller & Sö…  monthly-clo…     1,234
        東京海上日…   chat                 5
        acme          summarize           10
        ------------------------------------
        Total                          1,249

        """)
  }

  static let refunds = ReportTable(
    name: "demo",
    columns: [
      Column("tenant", title: "Tenant"), Column("cost_usd", title: "Cost"),
      Column("change_pct", title: "Change"),
    ],
    rows: [
      [.text("acme"), .money(Money(parsing: "1")!), .percent(25)],
      [.text("refund"), .money(Money(parsing: "-3.5")!), .percent(-40)],
      [.text("tiny"), .money(Money(parsing: "-0.001")!), .percent(nil)],
    ],
    totals: [.text("Total"), .money(Money(parsing: "-2.501")!), .percent(nil)])

  @Test func colourMakesHeaderAndTotalsBoldAndNegativeAmountsRed() {
    let bold = "\u{1B}[1m"
    let reset = "\u{1B}[0m"
    let red = "\u{1B}[31m"
    let defaultColour = "\u{1B}[39m"
    #expect(
      Self.refunds.renderTable(RenderOptions(color: true)) == """
        \(bold)Tenant    Cost   Change\(reset)
        -----------------------
        acme     $1.00   25.00%
        refund  \(red)-$3.50\(defaultColour)  -40.00%
        tiny     $0.00
        -----------------------
        \(bold)Total   \(red)-$2.50\(defaultColour)\(reset)

        """)
  }

  @Test func noEscapeCodesWithoutColour() {
    let plain = Self.refunds.renderTable(RenderOptions(color: false))
    #expect(
      plain == """
        Tenant    Cost   Change
        -----------------------
        acme     $1.00   25.00%
        refund  -$3.50  -40.00%
        tiny     $0.00
        -----------------------
        Total   -$2.50

        """)
    #expect(!plain.contains("\u{1B}"))
    #expect(!RenderTests.table.renderTable().contains("\u{1B}"))
  }
}

@Suite struct SpendTableTests {
  static func report(by: [ReportDimension]) throws -> SpendReport {
    func row(_ values: [String], requests: Int, list: String?, cost: String?, unpriced: Int = 0) -> SpendRow {
      SpendRow(
        values: values, requests: requests,
        tokens: TokenCounts(input: requests * 1_000, output: requests * 100),
        listCost: list.map { Money(parsing: $0)! }, cost: cost.map { Money(parsing: $0)! },
        unpricedRequests: unpriced)
    }
    return SpendReport(
      by: by, window: try ReportWindow(),
      rows: [
        row(["2026-10", "claude-sonnet-4-5"], requests: 3, list: "6", cost: "3"),
        row(["2026-10", "gpt-4o"], requests: 1, list: "1", cost: "1"),
        row(["2026-11", "mystery-1"], requests: 1, list: nil, cost: nil, unpriced: 1),
        row(["2026-11", "claude-sonnet-4-5"], requests: 1, list: "0.75", cost: "0.75"),
      ].map { row in
        var row = row
        row.values = Array(row.values.prefix(by.count))
        return row
      },
      unpricedModels: ["mystery-1": 1])
  }

  @Test func aRowIsReadByDimensionAndItsTotalsKeepUnpricedCostsUnknown() throws {
    let report = try Self.report(by: [.month, .model])
    #expect(report.rows.map { report.value(.model, of: $0) }.contains("mystery-1"))
    #expect(report.rows.map { report.value(.month, of: $0) } == ["2026-10", "2026-10", "2026-11", "2026-11"])
    let unpriced = try #require(report.rows.first { report.value(.model, of: $0) == "mystery-1" })
    #expect(unpriced.costs == nil && unpriced.batchSavings == nil)
    #expect(report.totals.costs == Cost(list: Money(parsing: "7.75")!, actual: Money(parsing: "4.75")!))
    #expect(report.totals.batchSavings == Money(parsing: "3"))
  }

  @Test func timeDimensionsAddACostBarBesideTheCost() throws {
    let table = try Self.report(by: [.month, .model]).table
    // Bars are 20 columns at the largest row cost ($3): $1 is a third (53 eighths), $0.75 a quarter.
    #expect(
      table.renderTable() == """
        Month    Model              Requests  Input  5m writes  1h writes  Cache reads  Output  Searches  List cost   Cost  Trend                 Batch savings  Unpriced
        -----------------------------------------------------------------------------------------------------------------------------------------------------------------
        2026-10  claude-sonnet-4-5         3  3,000          0          0            0     300         0      $6.00  $3.00  ████████████████████          $3.00         0
        2026-10  gpt-4o                    1  1,000          0          0            0     100         0      $1.00  $1.00  ██████▋                       $0.00         0
        2026-11  mystery-1                 1  1,000          0          0            0     100         0                                                                1
        2026-11  claude-sonnet-4-5         1  1,000          0          0            0     100         0      $0.75  $0.75  █████                         $0.00         0
        -----------------------------------------------------------------------------------------------------------------------------------------------------------------
        Total                              6  6,000          0          0            0     600         0      $7.75  $4.75                                $3.00         1

        """)
    let keys = table.columns.map(\.key)
    #expect(keys[keys.firstIndex(of: "cost_usd")! + 1] == "trend")
    // On a narrower terminal searches and cache writes go before the bar; the bar before the
    // main token counts.
    let narrower = table.renderTable(RenderOptions(width: 160))
    #expect(narrower.contains("█") && !narrower.contains("Searches"))
    let narrow = table.renderTable(RenderOptions(width: 110))
    #expect(!narrow.contains("█") && narrow.contains("Cache reads"))
  }

  @Test func theCostBarIsNeverExported() throws {
    let table = try Self.report(by: [.month, .model]).table
    #expect(
      table.renderCSV() == """
        month,model,requests,input_tokens,cache_write_5m_tokens,cache_write_1h_tokens,cache_read_tokens,output_tokens,audio_input_tokens,audio_output_tokens,web_searches,list_cost_usd,cost_usd,batch_savings_usd,unpriced_requests
        2026-10,claude-sonnet-4-5,3,3000,0,0,0,300,0,0,0,6.00,3.00,3.00,0
        2026-10,gpt-4o,1,1000,0,0,0,100,0,0,0,1.00,1.00,0.00,0
        2026-11,mystery-1,1,1000,0,0,0,100,0,0,0,,,,1
        2026-11,claude-sonnet-4-5,1,1000,0,0,0,100,0,0,0,0.75,0.75,0.00,0

        """)
    let json = table.renderJSON()
    #expect(!json.contains("trend"))
    #expect(
      json.contains(
        """
          "totals": {
            "requests": 6,
            "input_tokens": 6000,
            "cache_write_5m_tokens": 0,
            "cache_write_1h_tokens": 0,
            "cache_read_tokens": 0,
            "output_tokens": 600,
            "audio_input_tokens": 0,
            "audio_output_tokens": 0,
            "web_searches": 0,
            "list_cost_usd": "7.75",
            "cost_usd": "4.75",
            "batch_savings_usd": "3",
            "unpriced_requests": 1
          }
        """))
  }

  @Test func onlyTimeDimensionsGetTheBar() throws {
    #expect(try Self.report(by: [.week]).table.columns.contains { $0.key == "trend" })
    #expect(try Self.report(by: [.model, .day]).table.columns.contains { $0.key == "trend" })
    let byTenant = try Self.report(by: [.tenant]).table
    #expect(!byTenant.columns.contains { $0.key == "trend" })
    #expect(byTenant.columns.count == byTenant.rows[0].count)
  }
}

/// Names come from input files: a table or a CSV shown in a terminal must not let them act on it.
@Suite struct ControlCharacterTests {
  static func table(_ names: [String]) -> ReportTable {
    ReportTable(
      name: "demo", columns: [Column("tenant", title: "Tenant"), Column("requests", title: "Requests")],
      rows: names.map { [.text($0), .count(7)] }, totals: [.text("Total"), .count(7 * names.count)])
  }

  @Test func everyControlCharacterHasAVisibleEscape() {
    #expect("a\u{1B}]0;pwned\u{07}b".escapingControlCharacters() == #"a\e]0;pwned\x07b"#)
    #expect("\t\n\r\u{08}\u{00}\u{1F}\u{7F}".escapingControlCharacters() == #"\t\n\r\x08\x00\x1F\x7F"#)
    #expect("\u{80}x\u{9B}2J\u{9F}".escapingControlCharacters() == #"\u{80}x\u{9B}2J\u{9F}"#)
    #expect("Müller \\e 東京 \u{A0}".escapingControlCharacters() == "Müller \\e 東京 \u{A0}")
    #expect("a\tb\u{1B}".escapingControlCharacters(keeping: ["\t"]) == "a\tb\\e")
  }

  @Test func aTableShowsControlCharactersEscapedAndLinesUp() {
    let rendered = Self.table(["evil\u{1B}[2J", "hide\rme", "bell\u{07}\u{7F}\u{9B}"]).renderTable()
    #expect(
      rendered == #"""
        Tenant              Requests
        ----------------------------
        evil\e[2J                  7
        hide\rme                   7
        bell\x07\x7F\u{9B}         7
        ----------------------------
        Total                     21

        """#)
    #expect(!rendered.unicodeScalars.contains { $0 != "\n" && $0.isControlCharacter })
  }

  @Test func aTextCellIsCutToSixtyFourColumnsAndNumbersNever() {
    let huge = String(repeating: "x", count: 1_000_000)
    let rendered = ReportTable(
      name: "demo", columns: [Column("tenant", title: "Tenant"), Column("requests", title: "Requests")],
      rows: [[.text(huge), .count(123_456_789_012)], [.text("東" + huge), .count(1)]]
    ).renderTable()
    let lines = rendered.split(separator: "\n").map(String.init)
    #expect(lines[2] == String(repeating: "x", count: 63) + "…  123,456,789,012")
    // A wide character that would straddle the cut is left out.
    #expect(lines[3] == "東" + String(repeating: "x", count: 61) + "…                1")
    #expect(lines.allSatisfy { $0.displayWidth <= 64 + 2 + 15 })
    let escaped = String(repeating: "\u{1B}", count: 100)
    #expect(
      escaped.escapingControlCharacters().truncated(toDisplayWidth: 64) == String(
        repeating: #"\e"#, count: 31) + #"\…"#)
  }

  @Test func csvEscapesControlCharactersButKeepsTabCarriageReturnAndLineFeed() {
    let csv = Self.table([
      "evil\u{1B}]0;x\u{07}", "\u{1B}=cmd", "tab\tcr\rlf\nend", "del\u{7F}c1\u{9B}", "\tlead",
    ])
    .renderCSV()
    #expect(
      Array(csv.utf8)
        == Array(
          "tenant,requests\nevil\\e]0;x\\x07,7\n\\e=cmd,7\n\"tab\tcr\rlf\nend\",7\ndel\\x7Fc1\\u{9B},7\n'\tlead,7\n"
            .utf8))
  }

  @Test func jsonEscapesDeleteAndC1AsJSONDoes() {
    let json = Self.table(["a\u{1B}b\u{7F}c\u{9B}"]).renderJSON()
    #expect(json.contains(#""tenant": "a\u001bb\u007fc\u009b""#))
  }
}
