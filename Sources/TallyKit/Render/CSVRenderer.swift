import Foundation

/// CSV output: RFC 4180 quoting, UTF-8, a header row of contract keys, no totals row.
///
/// Text cells that a spreadsheet would run as a formula (leading `=`, `+`, `-`, `@`, tab or
/// carriage return) get a leading single quote; numeric cells stay plain numbers. Control
/// characters other than tab, CR and LF (which quoting carries) are written as visible escapes
/// (`\e`, `\x07`, `\u{9B}`), so a CSV shown with `cat` cannot act on the terminal. A
/// `CSVDialect` changes the delimiter, the decimal separator of numbers and the BOM, none of that.
public enum CSVRenderer {
  /// Control characters CSV quoting carries as they are.
  static let kept: Set<Unicode.Scalar> = ["\t", "\r", "\n"]
  /// First bytes a spreadsheet reads as the start of a formula.
  static let formulaStarts: Set<UInt8> = Set("=+-@\t\r".utf8)

  /// A text field, neutralised, then quoted when it holds the dialect's delimiter, a quote, CR
  /// or LF (a `,` in a `;`-separated file needs no quotes).
  public static func textField(_ text: String, dialect: CSVDialect = .standard) -> String {
    var value = text.escapingControlCharacters(keeping: CSVRenderer.kept)
    if let first = value.utf8.first, CSVRenderer.formulaStarts.contains(first) {
      value = "'" + value
    }
    return quoted(value, delimiter: dialect.delimiter.byte)
  }

  /// `value` as it is, or in quotes with its quotes doubled when it holds `delimiter`, a quote,
  /// CR or LF (RFC 4180).
  static func quoted(_ value: String, delimiter: UInt8) -> String {
    // Bytes, not Characters: a CSV export has millions of cells.
    let quote = UInt8(ascii: "\"")
    guard value.utf8.contains(where: { $0 == delimiter || $0 == quote || $0 == 0x0A || $0 == 0x0D })
    else { return value }
    var bytes: [UInt8] = [quote]
    bytes.reserveCapacity(value.utf8.count + 8)
    for byte in value.utf8 {
      if byte == quote { bytes.append(quote) }
      bytes.append(byte)
    }
    bytes.append(quote)
    return String(decoding: bytes, as: UTF8.self)
  }

  /// One cell as a CSV field, money and percentages rounded half-to-even to `precision`.
  ///
  /// Numbers are never neutralised (`-1.50` is a number a spreadsheet must sum, not a formula);
  /// with a decimal comma their point becomes a comma, and they are quoted only if that comma is
  /// the delimiter (a dialect the CLI refuses, but the output stays readable RFC 4180).
  public static func field(_ cell: Cell, precision: Int, dialect: CSVDialect = .standard) -> String {
    switch cell {
    case .text(let text): textField(text, dialect: dialect)
    case .count(let value): String(value)
    case .quantity(let value):
      number(value.map { ExactDecimal.fixed($0.decimal, scale: $0.isWhole ? 0 : precision) }, dialect)
    case .money(let money): number(money?.csv(precision: precision), dialect)
    case .percent(let value): number(value.map { ExactDecimal.fixed($0.decimal, scale: precision) }, dialect)
    case .rate(let value): number(value.map(ExactDecimal.plain), dialect)
    case .date(let date): date?.description ?? ""
    case .flag(let value): value ? "yes" : "no"
    case .presented(_, let shown): field(shown, precision: precision, dialect: dialect)
    case .bar: ""
    }
  }

  /// A formatted number (digits, an optional `-` and `.`) in the dialect; nil is an empty cell.
  static func number(_ text: String?, _ dialect: CSVDialect) -> String {
    guard let text else { return "" }
    guard dialect.decimalComma else { return text }
    let comma = String(
      decoding: text.utf8.map { $0 == UInt8(ascii: ".") ? UInt8(ascii: ",") : $0 }, as: UTF8.self)
    return quoted(comma, delimiter: dialect.delimiter.byte)
  }
}

extension ReportTable {
  /// The table as CSV in `dialect` (default: comma-separated, decimal point, no BOM).
  public func renderCSV(precision: Int = 2, dialect: CSVDialect = .standard) -> String {
    dialect.preamble + csvRecords(precision: precision, dialect: dialect).joined(separator: "\n") + "\n"
  }

  /// The header and one record per row, without line ends; `prefix` cells come first (the
  /// `section` column of a report by section). A record may span lines inside quotes.
  func csvRecords(precision: Int, dialect: CSVDialect, prefix: (header: String, row: String)? = nil)
    -> [String]
  {
    let table = presented(precision: precision)
    let exported = columns.indices.filter { !columns[$0].tableOnly }
    let separator = dialect.delimiter.rawValue
    let lead = prefix.map {
      (CSVRenderer.textField($0.header, dialect: dialect), CSVRenderer.textField($0.row, dialect: dialect))
    }
    let header = exported.map { CSVRenderer.textField(columns[$0].key, dialect: dialect) }
      .joined(separator: separator)
    var records = [lead.map { $0.0 + separator + header } ?? header]
    records.reserveCapacity(table.rows.count + 1)
    for row in table.rows {
      let record = exported.map { CSVRenderer.field(row[$0], precision: precision, dialect: dialect) }
        .joined(separator: separator)
      records.append(lead.map { $0.1 + separator + record } ?? record)
    }
    return records
  }
}

/// One block of a report with several (what-if: rows, projection, margin), for CSV by section.
public struct ReportSection: Sendable {
  /// `rows`, `projection` or `margin`: the `section` cell of `--section all`.
  public let name: String
  public let table: ReportTable

  public init(_ name: String, _ table: ReportTable) {
    self.name = name
    self.table = table
  }
}

extension ReportSection {
  /// The blocks one after another, each with its own header row, separated by a blank line, with
  /// a first column `section` naming the block of every row. Rounded as each block alone is; a
  /// BOM, if any, once at the very start (a spreadsheet reads it only there).
  public static func renderCSV(
    _ sections: [ReportSection], precision: Int = 2, dialect: CSVDialect = .standard
  )
    -> String
  {
    dialect.preamble
      + sections.map { section in
        section.table.csvRecords(precision: precision, dialect: dialect, prefix: ("section", section.name))
          .joined(separator: "\n") + "\n"
      }.joined(separator: "\n")
  }
}
