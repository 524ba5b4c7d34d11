import Foundation

/// Reads the figures of a review section's presented table: each cell as the terminal table
/// and the CSV show it, with the `data-figure` name and the row key the page marks it with.
struct SectionReader {
  let section: ReviewSection
  /// The columns whose text cells name a row (`tenant`; `day` and `model`).
  let keys: [String]
  let precision: Int

  var table: ReportTable { section.table }

  func index(_ key: String) -> Int? { table.columns.firstIndex { $0.key == key } }

  /// The row's key: its name cells joined with `|` (`2026-10-05|claude-sonnet-4-5`).
  func key(of row: [Cell]) -> String {
    keys.compactMap { index($0) }.map { TableRenderer.text(row[$0], precision: precision) }.joined(
      separator: "|")
  }

  /// The row whose key is `key`.
  func row(_ key: String) -> [Cell]? { table.rows.first { self.key(of: $0) == key } }

  /// The figure of `column` in `row` (nil for the totals row); nil when the column is absent.
  func figure(_ column: String, row: [Cell]?) -> Figure? {
    guard let index = index(column), let cells = row ?? table.totals else { return nil }
    let cell = cells[index]
    return Figure(
      text: TableRenderer.text(cell, precision: precision), figure: "\(section.id).\(column)",
      row: row.map { key(of: $0) }, total: row == nil, value: cell.shownNumber(precision: precision))
  }

  /// The text of a name or other text cell.
  func text(_ column: String, row: [Cell]) -> String {
    guard let index = index(column) else { return "" }
    return TableRenderer.text(row[index], precision: precision)
  }
}

/// One number on the page: its text as the reports show it, and what it is.
struct Figure {
  /// `$1,234.56`, `16.52%`, `1,115`, or "" for an empty cell.
  let text: String
  /// `chargeback.cost_usd`: the section's id and the report's CSV column.
  let figure: String
  /// The row's key; nil on the totals row.
  let row: String?
  let total: Bool
  /// The shown (rounded) value, for drawing; nil for an empty cell.
  let value: Exact?

  var negative: Bool { value.map { $0 < 0 } ?? false }
  /// For drawing only: the shown value as a coordinate.
  var double: Double { value.map { NSDecimalNumber(decimal: $0.decimal).doubleValue } ?? 0 }
}

extension Cell {
  /// The value a table or CSV shows (rounded as presented); nil for text and empty cells.
  func shownNumber(precision: Int) -> Exact? {
    switch self {
    case .presented(_, let shown): shown.shownNumber(precision: precision)
    case .count(let value): Exact(Decimal(value))
    case .money(let money): money.map { Exact(ExactDecimal.rounded($0.amount, scale: precision)) }
    case .percent(let value), .quantity(let value):
      value.map { Exact(ExactDecimal.rounded($0.decimal, scale: precision)) }
    default: nil
    }
  }
}
