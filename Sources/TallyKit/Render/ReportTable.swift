import Foundation

/// One typed value of a report. Renderers decide how it looks; reports decide only what it is.
public enum Cell: Hashable, Sendable {
  case text(String)
  /// A whole count (requests, tokens): a JSON integer.
  case count(Int)
  /// A non-integer quantity (monthly requests, averages): exact in JSON, rounded in tables and CSV;
  /// nil when undefined, such as an average over no requests.
  case quantity(Exact?)
  /// Dollars; nil when unpriced (empty cell, JSON `null`), never shown as zero.
  case money(Money?)
  /// A percentage (`85` is 85%); nil when undefined, such as a share of zero.
  case percent(Exact?)
  /// A price in USD per million tokens, shown with every digit it has; nil when absent.
  case rate(Decimal?)
  case date(CivilDate?)
  /// A value shown rounded in tables and CSV as `shown` but written exactly in JSON as `exact`:
  /// for columns whose rounded cells must add up to the rounded total (largest remainder).
  indirect case presented(exact: Cell, shown: Cell)
  /// A bar of `fraction` (0...1) of the column's width, for table-only trend columns.
  case bar(Exact)
}

/// A column: its contract key (CSV header, JSON key) and its terminal title.
public struct Column: Hashable, Sendable {
  public let key: String
  public let title: String
  /// Columns with a larger value are dropped first on a narrow terminal; 0 is never dropped.
  public let dropPriority: Int
  /// Shown in terminal tables only, never in CSV or JSON (a bar, a visual aid).
  public let tableOnly: Bool

  public init(_ key: String, title: String, dropPriority: Int = 0, tableOnly: Bool = false) {
    self.key = key
    self.title = title
    self.dropPriority = dropPriority
    self.tableOnly = tableOnly
  }
}

/// A report as rows of typed cells, ready for any renderer.
public struct ReportTable: Sendable {
  /// The report's name: the JSON `report` value.
  public let name: String
  public let columns: [Column]
  public let rows: [[Cell]]
  /// The totals row, aligned with `columns` (first cell usually `.text("Total")`); tables show
  /// it, JSON writes its non-text cells as `totals`, CSV leaves it out.
  public let totals: [Cell]?
  /// Extra top-level JSON members written before `rows` (for example the pricing date).
  public let header: [(key: String, value: JSONValue)]
  /// Extra top-level JSON members written after `totals` (for example `margin`).
  public let trailer: [(key: String, value: JSONValue)]

  public init(
    name: String, columns: [Column], rows: [[Cell]], totals: [Cell]? = nil,
    header: [(key: String, value: JSONValue)] = [], trailer: [(key: String, value: JSONValue)] = []
  ) {
    precondition(rows.allSatisfy { $0.count == columns.count }, "every row has one cell per column")
    self.name = name
    self.columns = columns
    self.rows = rows
    self.totals = totals
    self.header = header
    self.trailer = trailer
  }
}

/// Presentation settings read once by the CLI.
public struct RenderOptions: Sendable {
  /// Decimal places for money and percentages in tables and CSV (JSON is never rounded).
  public var precision: Int
  /// Terminal width in columns; nil means unlimited.
  public var width: Int?
  /// Whether ANSI colour may be used (a TTY and no `NO_COLOR`).
  public var color: Bool

  public init(precision: Int = 2, width: Int? = nil, color: Bool = false) {
    self.precision = precision
    self.width = width
    self.color = color
  }
}
