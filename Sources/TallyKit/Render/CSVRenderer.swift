import Foundation

/// CSV output: RFC 4180 quoting, UTF-8, a header row of contract keys, no totals row.
///
/// Text cells that a spreadsheet would run as a formula (leading `=`, `+`, `-`, `@`, tab or
/// carriage return) get a leading single quote; numeric cells stay plain numbers. Control
/// characters other than tab, CR and LF (which quoting carries) are written as visible escapes
/// (`\e`, `\x07`, `\u{9B}`), so a CSV shown with `cat` cannot act on the terminal.
public enum CSVRenderer {
  /// A text field, neutralised and quoted as needed.
  /// Control characters CSV quoting carries as they are.
  static let kept: Set<Unicode.Scalar> = ["\t", "\r", "\n"]
  /// First bytes a spreadsheet reads as the start of a formula.
  static let formulaStarts: Set<UInt8> = Set("=+-@\t\r".utf8)

  public static func textField(_ text: String) -> String {
    var value = text.escapingControlCharacters(keeping: CSVRenderer.kept)
    if let first = value.utf8.first, CSVRenderer.formulaStarts.contains(first) {
      value = "'" + value
    }
    // Bytes, not Characters: a CSV export has millions of cells.
    let quote = UInt8(ascii: "\"")
    guard value.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == quote || $0 == 0x0A || $0 == 0x0D })
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
  public static func field(_ cell: Cell, precision: Int) -> String {
    switch cell {
    case .text(let text): textField(text)
    case .count(let value): String(value)
    case .quantity(let value):
      value.map { ExactDecimal.fixed($0.decimal, scale: $0.isWhole ? 0 : precision) } ?? ""
    case .money(let money): money?.csv(precision: precision) ?? ""
    case .percent(let value): value.map { ExactDecimal.fixed($0.decimal, scale: precision) } ?? ""
    case .rate(let value): value.map(ExactDecimal.plain) ?? ""
    case .date(let date): date?.description ?? ""
    case .flag(let value): value ? "yes" : "no"
    case .presented(_, let shown): field(shown, precision: precision)
    case .bar: ""
    }
  }
}

extension ReportTable {
  public func renderCSV(precision: Int = 2) -> String {
    let table = presented(precision: precision)
    let rows = table.rows
    let exported = columns.indices.filter { !columns[$0].tableOnly }
    var lines = [exported.map { CSVRenderer.textField(columns[$0].key) }.joined(separator: ",")]
    for row in rows {
      lines.append(exported.map { CSVRenderer.field(row[$0], precision: precision) }.joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
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
  /// a first column `section` naming the block of every row. Rounded as each block alone is.
  public static func renderCSV(_ sections: [ReportSection], precision: Int = 2) -> String {
    sections.map { section in
      section.table.renderCSV(precision: precision).split(separator: "\n", omittingEmptySubsequences: false)
        .dropLast().enumerated().map { index, line in
          (index == 0 ? "section" : CSVRenderer.textField(section.name)) + "," + line
        }.joined(separator: "\n") + "\n"
    }.joined(separator: "\n")
  }
}
