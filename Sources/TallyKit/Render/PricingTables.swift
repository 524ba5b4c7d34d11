import Foundation

extension RateCard {
  /// The row's cells in the price-table column order (see `PriceTable.requiredColumns`).
  fileprivate var cells: [Cell] {
    [
      .text(provider), .text(model), .text(aliases.joined(separator: " ")), .date(effectiveFrom),
      .date(effectiveTo), .count(minInputTokens),
    ]
      + TokenCategory.priceTableOrder.map { Cell.rate(sync[$0]) }
      + TokenCategory.priceTableOrder.map { Cell.rate(batch?[$0] ?? nil) } + [.rate(webSearchPer1K)]
  }

  /// The optional audio columns' cells, sync then batch.
  fileprivate var audioCells: [Cell] {
    TokenCategory.audio.map { Cell.rate(sync[$0]) } + TokenCategory.audio.map { Cell.rate(batch?[$0] ?? nil) }
  }
}

extension TokenCategory {
  /// The `pricing list` column of this category's rate in `mode`; the rarer categories drop
  /// first on a narrow terminal, and batch ones before sync ones.
  fileprivate func listingColumn(_ mode: Mode) -> Column {
    let (title, batchTitle, dropPriority, batchDropPriority) =
      switch self {
      case .input: ("Input", "Batch in", 0, 0)
      case .output: ("Output", "Batch out", 0, 0)
      case .cacheWrite5m: ("5m write", "B 5m write", 2, 6)
      case .cacheWrite1h: ("1h write", "B 1h write", 4, 7)
      case .cacheRead: ("Cache read", "B read", 2, 6)
      case .audioInput: ("Audio in", "B audio in", 5, 7)
      case .audioOutput: ("Audio out", "B audio out", 5, 7)
      }
    return Column(
      PriceTable.rateColumn(self, mode: mode), title: mode == .batch ? batchTitle : title,
      dropPriority: mode == .batch ? batchDropPriority : dropPriority)
  }
}

/// `tally pricing list`: rate cards as a table whose CSV form is itself a valid price table,
/// so `--format csv` output can be edited into a `--pricing` override file.
public enum PricingListing {
  public static func table(_ cards: [RateCard], at: CivilDate?, includeNotes: Bool) -> ReportTable {
    let titles = [
      ("provider", "Provider", 9), ("model", "Model", 0), ("aliases", "Aliases", 10),
      ("effective_from", "From", 3),
      ("effective_to", "To", 8), ("min_input_tokens", "Min input", 0),
    ]
    var columns =
      titles.map { Column($0.0, title: $0.1, dropPriority: $0.2) }
      + Mode.allCases.flatMap { mode in TokenCategory.priceTableOrder.map { $0.listingColumn(mode) } }
      + [Column("web_search_per_1k", title: "Search/1k", dropPriority: 5)]
    var rows = cards.map(\.cells)
    // The optional audio columns, where a listed row has an audio rate.
    if cards.contains(where: \.hasAudioRate) {
      columns += Mode.allCases.flatMap { mode in TokenCategory.audio.map { $0.listingColumn(mode) } }
      rows = zip(rows, cards).map { $0 + $1.audioCells }
    }
    if includeNotes {
      columns.append(Column("notes", title: "Notes", dropPriority: 10))
      rows = zip(rows, cards).map { $0 + [.text($1.notes)] }
    }
    return ReportTable(
      name: "pricing", columns: columns, rows: rows,
      header: at.map { [("at", .string($0.description))] } ?? [])
  }
}

/// `tally pricing show MODEL`: one model's rates in force on a date, per tier and category.
public struct ModelPricing: Sendable {
  public let query: String
  public let model: ResolvedModel
  public let at: CivilDate
  public let inForce: [RateCard]
  public let history: [RateCard]

  public init(query: String, model: ResolvedModel, at: CivilDate, prices: PriceBook) {
    self.query = query
    self.model = model
    self.at = at
    self.inForce = prices.cardsInForce(model: model.id, on: at)
    self.history = prices.history(model: model.id)
  }

  /// How the name matched, for people: `alias of ...`, `dated name of ...`.
  public var matchDescription: String {
    switch model.match {
    case .id: "\(model.id) (\(model.provider))"
    case .alias: "\(model.id) (\(model.provider)), alias \"\(query)\""
    case .datedSuffix(let base):
      "\(model.id) (\(model.provider)), \"\(query)\" read as \"\(base)\" without its date"
    }
  }

  public var table: ReportTable {
    var rows: [[Cell]] = []
    let thresholds = Array(Set(inForce.map(\.minInputTokens))).sorted()
    for card in inForce {
      // The label reports give this tier (`0-100k`, `272k+`); one tier prices every size: `all`.
      let context = Cell.text(
        thresholds.count > 1
          ? PriceBook.tierLabel(thresholds, at: thresholds.firstIndex(of: card.minInputTokens) ?? 0)
          : "all")
      // Audio categories only where the row has an audio rate.
      for category in TokenCategory.allCases where !category.isAudio || card.hasAudioRate {
        rows.append([
          .count(card.minInputTokens), context, .text(category.rawValue), .text("per 1M tokens"),
          .rate(card.sync[category]), .rate(card.batch?[category] ?? nil),
        ])
      }
      rows.append([
        .count(card.minInputTokens), context, .text("web_search"), .text("per 1K searches"),
        .rate(card.webSearchPer1K), .rate(card.webSearchRate(for: .batch)),
      ])
    }
    let periods: [JSONValue] = history.map { card in
      .object([
        ("effective_from", .string(card.effectiveFrom.description)),
        ("effective_to", card.effectiveTo.map { .string($0.description) } ?? .null),
        ("min_input_tokens", .integer(card.minInputTokens)), ("source", .string(card.origin.description)),
        ("notes", .string(card.notes)),
      ])
    }
    return ReportTable(
      name: "pricing",
      columns: [
        Column("min_input_tokens", title: "Min input"), Column("context", title: "Context", dropPriority: 2),
        Column("category", title: "Category"),
        Column("unit", title: "Unit", dropPriority: 1), Column("sync_usd", title: "Sync USD"),
        Column("batch_usd", title: "Batch USD"),
      ],
      rows: rows,
      header: [
        ("model", .string(model.id)), ("provider", .string(model.provider)), ("query", .string(query)),
        ("aliases", .array((history.first?.aliases ?? []).map { .string($0) })),
        ("at", .string(at.description)),
      ],
      trailer: [("periods", .array(periods))])
  }

  /// The lines printed above the table in terminal output.
  public var heading: String {
    var lines = [matchDescription]
    let aliases = history.first?.aliases ?? []
    if !aliases.isEmpty { lines.append("Aliases: " + aliases.joined(separator: ", ")) }
    lines.append("Rates in force on \(at) (USD):")
    return lines.joined(separator: "\n") + "\n"
  }

  /// The lines printed below the table: every period the tables hold for the model.
  public var footer: String {
    var lines = ["Periods:"]
    for card in history {
      let tier = card.minInputTokens == 0 ? "" : ", requests with \(card.tierLabel) input tokens"
      lines.append(
        "  \(card.effectiveFrom) to \(card.effectiveTo?.description ?? "open")\(tier) (\(card.origin))\(card.notes.isEmpty ? "" : ": " + card.notes)"
      )
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
