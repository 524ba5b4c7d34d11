import Foundation

extension ReconcileReport {
  /// The reconcile columns: the `--by` dimensions, `match`, tokens and dollars on both sides
  /// with their deltas, Tally's and the implied rate, `verdict` and `explanation`.
  ///
  /// Money cells are rounded one by one, not allocated (`ColumnRounding.independent`): a row is
  /// read against the provider's row beside it, and allocating the two sides separately would
  /// show a cent of difference on rows that match exactly. So the rounded rows need not add up to
  /// the rounded totals here; the exact values are in JSON.
  ///
  /// `forTerminal` replaces the explanation text by a note number (`[1]`) whose text
  /// `explanationNotes` prints under the table, so the table stays narrow.
  public func table(forTerminal: Bool = false) -> ReportTable {
    // The Analytics cost report's list amounts: two columns, shown only when a row has one.
    let listed = rows.contains { $0.providerListCost != nil }
    let listColumns =
      listed
      ? [
        Column("provider_list_cost_usd", title: "List $", dropPriority: 4),
        Column("discount_usd", title: "Discount $", dropPriority: 5),
        Column("discount_pct", title: "Discount %", dropPriority: 6),
      ] : []
    let columns =
      by.map { Column($0.rawValue, title: $0.rawValue.capitalized) } + [
        Column("match", title: "Match"),
        Column("ledger_tokens", title: "Ledger", dropPriority: 2),
        Column("provider_tokens", title: "Provider", dropPriority: 2),
        Column("delta_tokens", title: "Delta"),
        Column("delta_tokens_pct", title: "Delta %", dropPriority: 3),
        Column("ledger_cost_usd", title: "Ledger $", dropPriority: 4),
        Column("provider_cost_usd", title: "Billed $", dropPriority: 4),
      ] + listColumns + [
        Column("delta_usd", title: "Delta $"),
        Column("delta_usd_pct", title: "Delta $ %", dropPriority: 5),
        Column("table_rate_usd_per_mtok", title: "Table rate", dropPriority: 6),
        Column("implied_rate_usd_per_mtok", title: "Billed rate", dropPriority: 7),
        Column("verdict", title: "Verdict"),
        forTerminal ? Column("note", title: "Note") : Column("explanation", title: "Explanation"),
      ]
    let noteNumbers = explanationNumbers.numbers
    func rate(_ value: Exact?) -> Cell {
      .rate(value.map { $0.terminates ? $0.decimal : ExactDecimal.rounded($0.decimal, scale: 12) })
    }
    func cells(_ row: ReconcileRow) -> [Cell] {
      [
        .count(row.ledgerTokens), .count(row.providerTokens), .count(row.deltaTokens),
        .percent(row.deltaTokensPercent), .money(row.ledgerCost), .money(row.providerCost),
      ]
        + (listed
          ? [.money(row.providerListCost), .money(row.discount), .percent(row.discountPercent)] : []) + [
          .money(row.deltaCost),
          .percent(row.deltaCostPercent), .rate(row.tableRate), rate(row.impliedRate),
        ]
    }
    let body = zip(rows, noteNumbers).map { row, number -> [Cell] in
      let text = row.explanations.joined(separator: "; ")
      let explanation: Cell =
        forTerminal ? .text(text.isEmpty ? "" : number.map { "[\($0)]" } ?? "") : .text(text)
      return row.values.map(Cell.text) + [.text(row.match.rawValue)] + cells(row) + [
        .text(row.verdict.rawValue), explanation,
      ]
    }
    let total = totals
    let header: [(key: String, value: JSONValue)] =
      [("by", .array(by.map { .string($0.rawValue) }))] + windowHeader(window) + [
        ("tolerance_pct", .decimal(tolerance.displayDecimal)),
        ("exceeded", .integer(exceeded)),
        unpricedModelsMember(unpricedModels),
      ]
    return ReportTable(
      name: "reconcile", columns: columns, rows: body,
      totals: [.text("Total")] + Array(repeating: .text(""), count: by.count) + cells(total) + [
        .text(exceeded == 0 ? "ok" : "\(exceeded) over"), .text(""),
      ],
      header: header, trailer: [("notes", .array(notes.map { .string($0) }))])
  }

  /// The rows' explanations numbered for the terminal: each distinct text once, numbered from 1
  /// in the order rows first give it, and each row's number (nil for a row without one).
  private var explanationNumbers: (texts: [String], numbers: [Int?]) {
    var texts: [String] = []
    var numberOf: [String: Int] = [:]
    let numbers = rows.map { row -> Int? in
      guard !row.explanations.isEmpty else { return nil }
      let text = row.explanations.joined(separator: "; ")
      if let number = numberOf[text] { return number }
      texts.append(text)
      numberOf[text] = texts.count
      return texts.count
    }
    return (texts, numbers)
  }

  /// The lines under a terminal table: each numbered explanation, then the report's notes.
  public var explanationNotes: [String] {
    var lines = explanationNumbers.texts.enumerated().map { "[\($0.offset + 1)] \($0.element)\n" }
    lines += notes.map { "Note: \($0)\n" }
    return lines.isEmpty ? [] : [lines.joined()]
  }

  /// Lines for stderr: unpriced models.
  public var warnings: [String] { unpricedWarnings(unpricedModels) }
}
