import Foundation

/// `--sort COLUMN[:asc|:desc]`: a column by its contract key; numbers sort largest first and
/// names A to Z unless told otherwise.
public struct RowOrder: Sendable {
  public let key: String
  /// Nil: the column's natural order (descending for numbers, ascending for text).
  public let ascending: Bool?

  public init(parsing text: String) {
    if let colon = text.lastIndex(of: ":"), ["asc", "desc"].contains(text[text.index(after: colon)...]) {
      key = String(text[..<colon])
      ascending = text[text.index(after: colon)...] == "asc"
    } else {
      key = text
      ascending = nil
    }
  }
}

extension Cell {
  /// The exact number a cell holds (`numericValue`, counts and rates too), nil for text, dates,
  /// bars and undefined values.
  var number: Exact? {
    switch self {
    case .count(let value): Exact(Decimal(value))
    case .rate(let value): value.map(Exact.init)
    case .presented(let exact, _): exact.number
    default: numericValue
    }
  }

  /// The sum of two cells of the same kind for a row that stands for several; nil when the
  /// kind does not add up (text, dates, averages) or a value is undefined.
  static func sum(_ left: Cell, _ right: Cell) -> Cell? {
    switch (left, right) {
    case (.count(let l), .count(let r)): return .count(l + r)
    case (.money(let l?), .money(let r?)): return .money(l + r)
    case (.presented(let le, let ls), .presented(let re, let rs)):
      guard let exact = sum(le, re), let shown = sum(ls, rs) else { return nil }
      return .presented(exact: exact, shown: shown)
    case (.percent(let l?), .percent(let r?)): return .percent(l + r)
    default: return nil
    }
  }
}

extension ReportTable {
  /// The rows sorted by `sort` (ties keep the report's order) and cut to the first `top`, the
  /// others summed into one row `(N others)`. A column is summed there only where its rows
  /// add up exactly to its total (costs, counts, shares), so the rows still add up to the
  /// totals; other cells of that row (averages, margins, names) stay empty.
  public func reshaped(sort: RowOrder?, top: Int?) throws(ReportError) -> ReportTable {
    var rows = self.rows
    if let sort {
      let keys = columns.filter { !$0.tableOnly }.map(\.key)
      guard let index = columns.firstIndex(where: { $0.key == sort.key && !$0.tableOnly }) else {
        throw ReportError(
          "--sort: this report has no column \"\(sort.key)\"\(Suggestions.phrase(for: sort.key, among: keys)); its columns are \(keys.joined(separator: ", "))"
        )
      }
      let numeric = rows.contains { $0[index].number != nil }
      let ascending = sort.ascending ?? !numeric
      rows = rows.enumerated().sorted { left, right in
        let (l, r) = (left.element[index], right.element[index])
        if numeric {
          switch (l.number, r.number) {
          case (let a?, let b?) where a != b: return ascending ? a < b : a > b
          case (.some, nil): return true
          case (nil, .some): return false
          default: return left.offset < right.offset
          }
        }
        let (a, b) = (l.sortText, r.sortText)
        if a != b { return ascending ? a < b : a > b }
        return left.offset < right.offset
      }.map(\.element)
    }
    guard let top, rows.count > top + 1 else {
      return ReportTable(
        name: name, columns: columns, rows: rows, totals: totals, header: header, trailer: trailer)
    }
    let rest = rows[top...]
    func sum(_ cells: [Cell]) -> Cell? {
      cells.dropFirst().reduce(Optional(cells[0])) { partial, cell in partial.flatMap { Cell.sum($0, cell) } }
    }
    var others: [Cell] = []
    var labelled = false
    for index in columns.indices {
      let cells = rest.map { $0[index] }
      if case .text = cells[0] {
        // The first name column says what the row stands for; the others stay empty.
        others.append(.text(labelled ? "" : "(\(rest.count) others)"))
        labelled = true
        continue
      }
      // Summed only where the whole column adds up to its total (else a sum means nothing).
      let total = totals?[index].number
      if total != nil, sum(rows.map { $0[index] })?.number == total, let othersSum = sum(cells) {
        others.append(othersSum)
      } else {
        others.append(cells[0].undefined)
      }
    }
    return ReportTable(
      name: name, columns: columns, rows: Array(rows[..<top]) + [others], totals: totals, header: header,
      trailer: trailer)
  }
}

extension Cell {
  fileprivate var sortText: String {
    switch self {
    case .text(let text): text
    case .date(let date): date?.description ?? ""
    default: ""
    }
  }
}

extension Cell {
  /// An undefined cell of this kind: empty in tables and CSV, null in JSON.
  fileprivate var undefined: Cell {
    switch self {
    case .count, .quantity: .quantity(nil)
    case .money: .money(nil)
    case .percent: .percent(nil)
    case .rate: .rate(nil)
    case .date: .date(nil)
    case .presented(let exact, _): exact.undefined
    case .text, .flag: .text("")
    case .bar: .bar(0)
    }
  }
}
