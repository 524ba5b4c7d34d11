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
  /// Yes or no: `yes`/`no` in tables and CSV, a JSON boolean.
  case flag(Bool)
  /// A value shown rounded in tables and CSV as `shown` but written exactly in JSON as `exact`:
  /// for columns whose rounded cells must add up to the rounded total (largest remainder).
  indirect case presented(exact: Cell, shown: Cell)
  /// A bar of `fraction` (0...1) of the column's width, for table-only trend columns.
  case bar(Exact)
}

/// How a column's cells are rounded in tables and CSV (JSON is always exact).
public enum ColumnRounding: Hashable, Sendable {
  /// Each cell rounded half-to-even on its own: averages, rates, ratios, anything that does not
  /// add up to the totals row.
  case independent
  /// The column adds up to its total: the cells are allocated by largest remainder
  /// (`Exact.allocate`) so that the shown cells sum exactly to the shown total.
  case allocated
  /// The column is `minuend - subtrahend` (two other columns, by key, earlier in the table or
  /// allocated): each shown cell, the total's included, is the difference of the shown cells
  /// beside it, so the row reads right and the column sums to its shown total. A missing source
  /// cell counts as zero (a tenant with no revenue line has a margin of minus its cost).
  case difference(String, minus: String)
  /// The column is `augend + addend` of the shown cells of two other columns: a what-if's
  /// scenario is the shown baseline plus the allocated delta, so that an unchanged row shows
  /// the same amount on both sides and a delta of exactly zero, and the delta column (the number
  /// people read) adds up to its exactly rounded total.
  case sum(String, plus: String)
  /// The column is the sum of the shown cells of the listed columns (a missing source cell
  /// counts as zero): a chargeback's `allocated_usd` is the sum of its allocation columns, and
  /// `total_cost_usd` the direct cost plus every component. Each row then reads right, and the
  /// column sums to its shown total, which is the sum of the sources' shown totals.
  case sumOf([String])
  /// The column moves amounts between rows: a negative cell hands on the amount of its own row's
  /// `from` column (the origin), positive cells receive it. An origin cell that is exactly minus
  /// its `from` cell shows minus that shown cell, so the origin row's total reads zero; the
  /// receiving cells are allocated by largest remainder to sum exactly to what the origins hand
  /// on, so the column sums to zero as shown. Chargeback's `allocated_unattributed_usd`.
  case spread(from: String)
}

/// A column: its contract key (CSV header, JSON key) and its terminal title.
public struct Column: Hashable, Sendable {
  public let key: String
  public let title: String
  /// Columns with a larger value are dropped first on a narrow terminal; 0 is never dropped.
  public let dropPriority: Int
  /// Shown in terminal tables only, never in CSV or JSON (a bar, a visual aid).
  public let tableOnly: Bool
  /// Written in CSV and JSON only, never in terminal tables (a detail column that a summing
  /// column beside it already shows, such as each allocation of a chargeback).
  public let exportOnly: Bool
  /// How its rounded cells relate to the totals row and the other columns.
  public let rounding: ColumnRounding
  /// Left out of terminal tables when every cell, totals included, is a count of 0 (a rare
  /// category such as audio tokens); CSV and JSON always have it.
  public let tableHidesZeros: Bool

  public init(
    _ key: String, title: String, dropPriority: Int = 0, tableOnly: Bool = false, exportOnly: Bool = false,
    rounding: ColumnRounding = .independent, tableHidesZeros: Bool = false
  ) {
    precondition(!(tableOnly && exportOnly), "a column is shown somewhere")
    self.key = key
    self.title = title
    self.dropPriority = dropPriority
    self.tableOnly = tableOnly
    self.exportOnly = exportOnly
    self.rounding = rounding
    self.tableHidesZeros = tableHidesZeros
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

extension ReportTable {
  /// The table as tables and CSV show it at `precision`: `allocated` columns allocated by largest
  /// remainder, `difference` columns derived from the shown cells (`ColumnRounding`). Cells keep
  /// their exact value for JSON (`Cell.presented`). Idempotent; both renderers call it, so no
  /// report rounds a column by itself.
  ///
  /// Ties in the allocation go to the larger exact value, then to the row whose text cells (its
  /// names, in column order) sort first.
  public func presented(precision: Int) -> ReportTable {
    guard columns.contains(where: { $0.rounding != .independent }) else { return self }
    var body = rows.map { $0.map(\.exactCell) }
    var footer = totals?.map(\.exactCell)
    let names = body.map { row in
      row.compactMap { cell -> String? in if case .text(let text) = cell { text } else { nil } }
        .joined(separator: "\u{1F}")
    }
    func shownValue(_ cell: Cell) -> Exact? { cell.shownValue(precision: precision) }
    // Allocated columns first, then each derived column once the columns it derives from are.
    for (index, column) in columns.enumerated() where column.rounding == .allocated {
      let present = body.indices.compactMap { row in body[row][index].numericValue.map { (row, $0) } }
      let shown = Exact.allocate(present.map(\.1), precision: precision, names: present.map { names[$0.0] })
      for ((row, _), value) in zip(present, shown) {
        body[row][index] = .presented(exact: body[row][index], shown: body[row][index].with(Exact(value)))
      }
    }
    var done = Set(columns.filter { $0.rounding == .independent || $0.rounding == .allocated }.map(\.key))
    func position(of key: String, for column: Column) -> Int {
      guard let index = columns.firstIndex(where: { $0.key == key }) else {
        preconditionFailure("column \(column.key) derives from unknown column \(key)")
      }
      return index
    }
    /// `ColumnRounding.spread`: origins first, then the receivers allocated against them.
    func spread(column index: Int, origin: Int) {
      var handedOn = Exact(0)
      var receivers: [(row: Int, value: Exact)] = []
      for row in body.indices {
        guard let value = body[row][index].numericValue else { continue }
        guard value < 0 else {
          receivers.append((row, value))
          continue
        }
        let shown: Exact
        if let source = body[row][origin].numericValue, source == -value,
          let shownSource = shownValue(body[row][origin])
        {
          shown = -shownSource
        } else {
          shown = shownValue(body[row][index]) ?? 0
        }
        body[row][index] = .presented(exact: body[row][index], shown: body[row][index].with(shown))
        handedOn = handedOn - shown
      }
      let shown = Exact.allocate(
        receivers.map(\.value), precision: precision, names: receivers.map { names[$0.row] },
        total: handedOn.decimal)
      for ((row, _), value) in zip(receivers, shown) {
        body[row][index] = .presented(exact: body[row][index], shown: body[row][index].with(Exact(value)))
      }
      if let cells = footer, cells[index].numericValue != nil {
        let sum = body.compactMap { shownValue($0[index]) }.reduce(Exact(0), +)
        footer![index] = .presented(exact: cells[index], shown: cells[index].with(sum))
      }
    }
    while done.count < columns.count {
      let before = done.count
      for (index, column) in columns.enumerated() where !done.contains(column.key) {
        let sources: [(key: String, sign: Exact)]
        switch column.rounding {
        case .difference(let minuend, let subtrahend): sources = [(minuend, 1), (subtrahend, -1)]
        case .sum(let augend, let addend): sources = [(augend, 1), (addend, 1)]
        case .sumOf(let keys): sources = keys.map { ($0, 1) }
        case .spread(let origin): sources = [(origin, -1)]
        case .independent, .allocated: continue
        }
        guard sources.allSatisfy({ done.contains($0.key) }) else { continue }
        let positions = sources.map { (position(of: $0.key, for: column), $0.sign) }
        if case .spread = column.rounding {
          spread(column: index, origin: positions[0].0)
        } else {
          func derived(_ cells: [Cell]) -> Cell {
            guard cells[index].numericValue != nil else { return cells[index] }
            let value = positions.reduce(Exact(0)) { $0 + $1.1 * (shownValue(cells[$1.0]) ?? 0) }
            return .presented(exact: cells[index], shown: cells[index].with(value))
          }
          for row in body.indices { body[row][index] = derived(body[row]) }
          if let cells = footer { footer![index] = derived(cells) }
        }
        done.insert(column.key)
      }
      precondition(done.count > before, "derived columns depend on each other in a cycle")
    }
    return ReportTable(
      name: name, columns: columns, rows: body, totals: footer, header: header, trailer: trailer)
  }
}

extension Cell {
  /// The number a table or CSV shows for the cell at `precision`: its presented value, else its
  /// value rounded half-to-even; nil for anything but a number.
  func shownValue(precision: Int) -> Exact? {
    if case .presented(_, let shown) = self { return shown.numericValue }
    return numericValue.map { Exact(ExactDecimal.rounded($0.decimal, scale: precision)) }
  }

  /// The number a money, percent or quantity cell holds; nil for anything else or an empty cell.
  var numericValue: Exact? {
    switch self {
    case .money(let money): money?.value
    case .percent(let value), .quantity(let value): value
    case .presented(let exact, _): exact.numericValue
    default: nil
    }
  }

  /// The cell without its presentation (the exact value JSON writes).
  var exactCell: Cell {
    if case .presented(let exact, _) = self { return exact.exactCell }
    return self
  }

  /// The same kind of cell holding `value`.
  func with(_ value: Exact) -> Cell {
    switch self {
    case .money: .money(Money(value))
    case .percent: .percent(value)
    case .quantity: .quantity(value)
    case .presented(let exact, _): exact.with(value)
    default: self
    }
  }
}

/// The JSON members every ledger report starts with: its window and zone.
func windowHeader(_ window: ReportWindow) -> [(key: String, value: JSONValue)] {
  [
    ("from", window.from.map { .string($0.description) } ?? .null),
    ("to", window.to.map { .string($0.description) } ?? .null),
    ("tz", .string(window.zoneName)),
  ]
}

func unpricedModelsMember(_ models: [String: Int]) -> (key: String, value: JSONValue) {
  ("unpriced_models", .array(models.keys.sorted().map { .string($0) }))
}
