import Foundation

extension StatementSet {
  /// The index: one row per statement, its files and amounts; the amounts are the chargeback's
  /// shown cells, so each column sums to the chargeback's total.
  public var indexTable: ReportTable {
    var columns = [
      Column("tenant", title: "Tenant"), Column("statement", title: "Statement"),
      Column("csv_file", title: "CSV"), Column("markdown_file", title: "Markdown"),
      Column("cost_usd", title: "Direct"), Column("allocated_usd", title: "Allocated"),
      Column("adjustment_usd", title: "Adjustment"), Column("total_cost_usd", title: "Total"),
    ]
    if markupPercent != nil { columns.append(Column("charge_usd", title: "Charge")) }
    let rows = statements.map { statement -> [Cell] in
      var cells: [Cell] = [
        .text(statement.tenant), .text(statement.number ?? ""), .text(statement.fileStem + ".csv"),
        .text(statement.fileStem + ".md"), money(statement.cost), money(statement.allocated),
        money(statement.adjustment), money(statement.total),
      ]
      if let charge = statement.charge { cells.append(money(charge)) }
      return cells
    }
    return ReportTable(name: "statements", columns: columns, rows: rows)
  }

  /// A statement's lines as CSV rows, then a `total` row (a statement is a document: the total
  /// is what the tenant is billed).
  public func table(for statement: Statement) -> ReportTable {
    let columns = [
      Column("line", title: "Line"), Column("job", title: "Job"), Column("model", title: "Model"),
      Column("description", title: "Description"), Column("requests", title: "Requests"),
      Column("amount_usd", title: "Amount"),
    ]
    var rows = statement.lines.map { line -> [Cell] in
      [
        .text(line.kind.rawValue), .text(line.job), .text(line.model), .text(line.description),
        line.requests.map { .count($0) } ?? .text(""), money(line.amount),
      ]
    }
    rows.append([
      .text("total"), .text(""), .text(""), .text(statement.number.map { "statement \($0)" } ?? "draft"),
      .text(""), money(statement.billed),
    ])
    return ReportTable(name: "statement", columns: columns, rows: rows)
  }

  private func money(_ amount: Decimal) -> Cell { .money(Money(amount)) }

  /// `$1,234.50` at the set's precision.
  private func dollars(_ amount: Decimal) -> String { Money(amount).terminal(precision: precision) }

  /// The short Markdown statement: period and status, the lines by job and model, allocations
  /// with their method, adjustments, the total, and the filter and price tables used.
  public func markdown(for statement: Statement) -> String {
    let name = Self.markdownEscaped(statement.tenant)
    var out = ""
    if let number = statement.number {
      out += "# Statement \(number): \(name)\n\n"
    } else {
      out += "# Draft statement: \(name)\n\n"
    }
    let period = window.description + (window.isUTC ? " (UTC)" : "")
    if let closed {
      out +=
        "Period: \(period), closed on \(closed.closedAt) by \(Self.markdownEscaped(closed.closedBy)).\n\n"
    } else {
      out += "Period: \(period). The month is not closed: these figures can still change (`tally close`).\n\n"
    }
    let usage = statement.lines.filter { $0.kind == .usage }
    out += "## Usage\n\n| Job | Model | Requests | Amount |\n|---|---|---:|---:|\n"
    for line in usage {
      out +=
        "| \(Self.markdownEscaped(line.job)) | \(Self.markdownEscaped(line.model)) | \(grouped(line.requests ?? 0)) | \(dollars(line.amount)) |\n"
    }
    out +=
      "| **Direct cost** | | \(grouped(usage.compactMap(\.requests).reduce(0, +))) | **\(dollars(statement.cost))** |\n"
    let allocations = statement.lines.filter { $0.kind == .allocation }
    if !allocations.isEmpty {
      out += "\n## Allocations\n\n| Allocation | Amount |\n|---|---:|\n"
      for line in allocations {
        out += "| \(Self.markdownEscaped(line.description)) | \(dollars(line.amount)) |\n"
      }
      let names = Set(allocations.map(\.job))
      out +=
        "\nPolicy: "
        + self.allocations.filter { names.contains($0.policy.name) }.map {
          Self.markdownEscaped(Allocation.describe($0))
        }.joined(separator: "; ") + ".\n"
    }
    let adjustments = statement.lines.filter { $0.kind == .adjustment }
    if !adjustments.isEmpty {
      out += "\n## Prior-period adjustments\n\n| Closed month | Detail | Amount |\n|---|---|---:|\n"
      for line in adjustments {
        out += "| \(line.job) | \(Self.markdownEscaped(line.description)) | \(dollars(line.amount)) |\n"
      }
    }
    out += "\n**Total cost: \(dollars(statement.total))**\n"
    if let charge = statement.charge, let line = statement.lines.first(where: { $0.kind == .markup }) {
      out +=
        "\n\(line.description.capitalizedFirst): \(dollars(line.amount)). **Billed: \(dollars(charge))**\n"
    }
    out += "\n---\n\nFilter: \(filter.isEmpty ? "none" : Self.markdownEscaped(filter.description)). "
    out +=
      "Prices: "
      + prices.map { "\($0.bundled ? "bundled " : "")\(Self.markdownEscaped($0.file)) (xxh64 \($0.hash))" }
      .joined(separator: ", ") + ".\n"
    return out
  }

  /// Text safe in a Markdown table cell: HTML-significant characters as entities, the
  /// punctuation that starts emphasis, code, links, strikethrough or a cell escaped, line
  /// breaks as spaces, so a tenant name cannot add markup, links or columns.
  static func markdownEscaped(_ text: String) -> String {
    var out = ""
    for character in text.escapingControlCharacters(keeping: ["\n", "\r"]) {
      switch character {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\n", "\r", "\r\n": out += " "
      case "\\", "`", "*", "_", "[", "]", "|", "~":
        out += "\\" + String(character)
      default: out.append(character)
      }
    }
    return out
  }
}

extension String {
  fileprivate var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
