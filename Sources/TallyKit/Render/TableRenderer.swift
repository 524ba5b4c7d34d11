import Foundation

/// Terminal tables: aligned columns (numbers right, text left), thousands separators, a rule
/// under the header and above the totals row. Columns are dropped, least important first,
/// until the table fits the terminal width.
extension ReportTable {
  public func renderTable(_ options: RenderOptions = RenderOptions()) -> String {
    let header = columns.map(\.title)
    let body = rows.map { $0.map { TableRenderer.text($0, precision: options.precision) } }
    let footer = totals.map { $0.map { TableRenderer.text($0, precision: options.precision) } }
    let sample = rows.first ?? totals
    let rightAligned = columns.indices.map { index in
      sample.map { TableRenderer.isNumeric($0[index]) } ?? false
    }
    let widths = columns.indices.map { index in
      ([header[index]] + body.map { $0[index] } + (footer.map { [$0[index]] } ?? [])).map(\.count).max() ?? 0
    }
    var visible = Array(columns.indices)
    let gap = 2
    func totalWidth() -> Int { visible.map { widths[$0] }.reduce(0, +) + gap * max(0, visible.count - 1) }
    if let limit = options.width {
      while totalWidth() > limit,
        let drop = visible.filter({ columns[$0].dropPriority > 0 }).max(by: {
          columns[$0].dropPriority < columns[$1].dropPriority
        })
      {
        visible.removeAll { $0 == drop }
      }
    }
    func line(_ cells: [String]) -> String {
      visible.map { index in
        let cell = cells[index]
        let padding = String(repeating: " ", count: widths[index] - cell.count)
        return rightAligned[index] ? padding + cell : cell + padding
      }.joined(separator: String(repeating: " ", count: gap)).trimmingTrailingSpaces()
    }
    let rule = String(repeating: "-", count: totalWidth())
    var lines: [String] = []
    let headerLine = line(header)
    lines.append(options.color ? "\u{1B}[1m" + headerLine + "\u{1B}[0m" : headerLine)
    lines.append(rule)
    lines += body.map(line)
    if let footer {
      lines.append(rule)
      lines.append(line(footer))
    }
    return lines.joined(separator: "\n") + "\n"
  }
}

enum TableRenderer {
  static func isNumeric(_ cell: Cell) -> Bool {
    switch cell {
    case .text, .date, .bar: false
    case .presented(_, let shown): isNumeric(shown)
    default: true
    }
  }

  static func text(_ cell: Cell, precision: Int) -> String {
    switch cell {
    case .text(let text): text.replacingOccurrences(of: "\n", with: " ")
    case .count(let value): ExactDecimal.fixed(Decimal(value), scale: 0, grouping: true)
    case .quantity(let value):
      value.map { ExactDecimal.fixed($0.decimal, scale: $0.isWhole ? 0 : precision, grouping: true) } ?? ""
    case .money(let money): money?.terminal(precision: precision) ?? ""
    case .percent(let value):
      value.map { ExactDecimal.fixed($0.decimal, scale: precision, grouping: true) + "%" } ?? ""
    case .rate(let value): value.map { ExactDecimal.atLeast($0, minimumScale: 2, grouping: true) } ?? ""
    case .date(let date): date?.description ?? ""
    case .presented(_, let shown): text(shown, precision: precision)
    case .bar(let fraction): bar(fraction, width: barWidth)
    }
  }

  /// Width of a full bar, in terminal columns.
  static let barWidth = 20

  /// A horizontal bar in eighth blocks; any non-zero fraction shows at least a sliver.
  static func bar(_ fraction: Exact, width: Int) -> String {
    let eighths = (fraction * Exact(Decimal(width * 8))).decimal
    var count = Int(ExactDecimal.plain(ExactDecimal.rounded(eighths, scale: 0))) ?? 0
    count = min(max(count, fraction.isZero ? 0 : 1), width * 8)
    let partial = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"][count % 8]
    return String(repeating: "█", count: count / 8) + partial
  }
}

extension String {
  func trimmingTrailingSpaces() -> String {
    String(self[..<(lastIndex { $0 != " " }.map { index(after: $0) } ?? startIndex)])
  }
}
