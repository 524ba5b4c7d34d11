import Foundation
import Testing

@testable import TallyKit

/// CSV for spreadsheets in other locales: `;` or tab delimiters, decimal commas, a BOM; still
/// RFC 4180 and formula-neutralised.
@Suite struct CSVDialectTests {
  static let european = CSVDialect(delimiter: .semicolon, bom: false, decimalComma: true)

  static let table = ReportTable(
    name: "demo",
    columns: [
      Column("tenant", title: "Tenant"), Column("requests", title: "Requests"),
      Column("cost_usd", title: "Cost"), Column("share_pct", title: "Share"),
      Column("avg_input_tokens", title: "Avg in"), Column("rate", title: "Rate"),
      Column("day", title: "Day"),
    ],
    rows: [
      [
        .text("a;b"), .count(1_234_567), .money(Money(parsing: "-1234.5")!), .percent(Exact(100) / Exact(3)),
        .quantity(Exact(7, over: 2)), .rate(Decimal(string: "0.075")!),
        .date(CivilDate(parsing: "2026-10-01")),
      ],
      [
        .text("=SUM(A1)"), .count(2), .money(nil), .percent(nil), .quantity(Exact(3)), .rate(nil),
        .date(nil),
      ],
      [
        .text("Comma, Inc"), .count(0), .money(Money(parsing: "0.005")!), .percent(0), .quantity(nil),
        .rate(3), .date(nil),
      ],
      [
        .text("Tab\there \"Q\"\nnext"), .count(3), .money(Money(parsing: "1000000")!), .percent(100),
        .quantity(nil), .rate(nil), .date(nil),
      ],
    ])

  @Test func standardIsTodaysOutput() {
    #expect(CSVDialect.standard == CSVDialect(delimiter: .comma, bom: false, decimalComma: false))
    #expect(Self.table.renderCSV(dialect: .standard) == Self.table.renderCSV())
    #expect(
      Self.table.renderCSV() == """
        tenant,requests,cost_usd,share_pct,avg_input_tokens,rate,day
        a;b,1234567,-1234.50,33.33,3.50,0.075,2026-10-01
        '=SUM(A1),2,,,3,,
        "Comma, Inc",0,0.00,0.00,,3,
        "Tab\there ""Q""
        next",3,1000000.00,100.00,,,

        """)
  }

  @Test func decimalCommaWithSemicolons() {
    #expect(
      CSVRenderer.field(.money(Money(parsing: "-1234.5")!), precision: 2, dialect: Self.european)
        == "-1234,50")
    #expect(CSVRenderer.textField("a;b", dialect: Self.european) == "\"a;b\"")
    #expect(CSVRenderer.textField("=SUM(A1)", dialect: Self.european) == "'=SUM(A1)")
    // Money, percentages, quantities and rates take the comma; counts and dates do not; a `,` in
    // text needs no quotes when `;` separates; negative money is a number, not neutralised.
    #expect(
      Self.table.renderCSV(dialect: Self.european) == """
        tenant;requests;cost_usd;share_pct;avg_input_tokens;rate;day
        "a;b";1234567;-1234,50;33,33;3,50;0,075;2026-10-01
        '=SUM(A1);2;;;3;;
        Comma, Inc;0;0,00;0,00;;3;
        "Tab\there ""Q""
        next";3;1000000,00;100,00;;;

        """)
    #expect(
      CSVRenderer.field(.money(Money(parsing: "-1234.5")!), precision: 4, dialect: Self.european)
        == "-1234,5000")
    #expect(CSVRenderer.field(.percent(Exact(1, over: 8)), precision: 0, dialect: Self.european) == "0")
  }

  @Test func tabDelimitedQuotesTabsOnly() {
    let tabs = CSVDialect(delimiter: .tab)
    #expect(CSVRenderer.textField("Comma, Inc", dialect: tabs) == "Comma, Inc")
    #expect(CSVRenderer.textField("a\tb", dialect: tabs) == "\"a\tb\"")
    // A leading tab is neutralised and, being the delimiter, quoted.
    #expect(CSVRenderer.textField("\tlead", dialect: tabs) == "\"'\tlead\"")
    #expect(CSVRenderer.textField("a;b", dialect: tabs) == "a;b")
    #expect(CSVRenderer.field(.money(Money(parsing: "2.5")!), precision: 2, dialect: tabs) == "2.50")
  }

  /// A dialect the CLI refuses (decimal comma in comma-separated fields) still writes RFC 4180
  /// that a reader splits right: the number is quoted.
  @Test func decimalCommaWithCommaDelimiterIsQuotedNotBroken() {
    let odd = CSVDialect(delimiter: .comma, decimalComma: true)
    #expect(
      CSVRenderer.field(.money(Money(parsing: "-1234.5")!), precision: 2, dialect: odd) == "\"-1234,50\"")
    #expect(CSVRenderer.field(.count(1234), precision: 2, dialect: odd) == "1234")
  }

  @Test func byteOrderMarkExactlyOnceAtTheStart() {
    let dialect = CSVDialect(delimiter: .semicolon, bom: true, decimalComma: true)
    let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
    let single = Array(Self.table.renderCSV(dialect: dialect).utf8)
    #expect(Array(single.prefix(4)) == bom + [UInt8(ascii: "t")])
    #expect(Self.occurrences(of: bom, in: single) == 1)
    #expect(Array(single.dropFirst(3)) == Array(Self.table.renderCSV(dialect: Self.european).utf8))

    let sections = [ReportSection("rows", Self.table), ReportSection("margin", Self.table)]
    let blocks = Array(ReportSection.renderCSV(sections, dialect: dialect).utf8)
    #expect(Array(blocks.prefix(3)) == bom)
    #expect(Self.occurrences(of: bom, in: blocks) == 1)
    #expect(!Self.table.renderCSV().utf8.starts(with: bom))
  }

  /// `--section all` prefixes every record, not every line: a quoted field spanning lines stays
  /// one field, and the section column uses the dialect's delimiter.
  @Test func sectionsPrefixRecordsInTheDialect() {
    let table = ReportTable(
      name: "t", columns: [Column("tenant", title: "Tenant"), Column("cost_usd", title: "Cost")],
      rows: [[.text("two\nlines"), .money(Money(parsing: "1.5")!)]])
    #expect(
      ReportSection.renderCSV(
        [ReportSection("rows", table), ReportSection("margin", table)], dialect: Self.european)
          == """
          section;tenant;cost_usd
          rows;"two
          lines";1,50

          section;tenant;cost_usd
          margin;"two
          lines";1,50

          """)
  }

  @Test func delimiterSpellings() {
    #expect(CSVDialect.Delimiter(spelling: ",") == .comma)
    #expect(CSVDialect.Delimiter(spelling: ";") == .semicolon)
    #expect(CSVDialect.Delimiter(spelling: "tab") == .tab)
    #expect(CSVDialect.Delimiter(spelling: "\t") == .tab)
    #expect(CSVDialect.Delimiter(spelling: "|") == nil)
    #expect(CSVDialect.Delimiter(spelling: "semicolon") == nil)
  }

  @Test func flagsOverTheConfigOverTheStandard() throws {
    let config = try ConfigFile.parse("[csv]\nbom = true\ndecimal_comma = true\n", file: "c.toml")
    #expect(try CSVDialect.resolve(flags: CSVSettings()) == .standard)
    #expect(
      try CSVDialect.resolve(flags: CSVSettings(), config: config)
        == CSVDialect(delimiter: .semicolon, bom: true, decimalComma: true))
    #expect(
      try CSVDialect.resolve(flags: CSVSettings(delimiter: .tab, bom: false), config: config)
        == CSVDialect(delimiter: .tab, bom: false, decimalComma: true))
    #expect(
      try CSVDialect.resolve(flags: CSVSettings(decimalComma: false), config: config)
        == CSVDialect(delimiter: .comma, bom: true, decimalComma: false))
    #expect(
      try CSVDialect.resolve(flags: CSVSettings(decimalComma: true))
        == CSVDialect(delimiter: .semicolon, bom: false, decimalComma: true))
  }

  @Test func aDecimalCommaCannotShareTheCommaDelimiter() throws {
    func message(_ flags: CSVSettings, _ config: ConfigFile? = nil) -> String? {
      do {
        _ = try CSVDialect.resolve(flags: flags, config: config)
        return nil
      } catch {
        return error.description
      }
    }
    #expect(
      message(CSVSettings(delimiter: .comma, decimalComma: true))
        == "--decimal-comma writes 1234,50, so the delimiter cannot be a comma: use --csv-delimiter ';' (or tab)"
    )
    let decimalComma = try ConfigFile.parse("[csv]\n\ndecimal_comma = true\n", file: "c.toml")
    #expect(
      message(CSVSettings(delimiter: .comma), decimalComma)
        == "--csv-delimiter ',' cannot hold decimal commas, which c.toml:3 turns on: add --no-decimal-comma, or use --csv-delimiter ';'"
    )
    let comma = try ConfigFile.parse("[csv]\ndelimiter = \",\"\n", file: "c.toml")
    #expect(
      message(CSVSettings(decimalComma: true), comma)
        == "--decimal-comma writes 1234,50, but c.toml:2 sets delimiter = \",\": add --csv-delimiter ';' (or tab)"
    )
    #expect(message(CSVSettings(delimiter: .semicolon, decimalComma: true), comma) == nil)
  }

  static func occurrences(of needle: [UInt8], in haystack: [UInt8]) -> Int {
    guard haystack.count >= needle.count else { return 0 }
    return (0...(haystack.count - needle.count)).filter {
      Array(haystack[$0..<($0 + needle.count)]) == needle
    }.count
  }
}
