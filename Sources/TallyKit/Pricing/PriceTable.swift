import Foundation

/// The rows of one price table file (`pricing/<provider>.csv` or a `--pricing` file).
public struct PriceTable: Sendable {
  public let file: String
  public let cards: [RateCard]

  /// Providers a row may name.
  public static let knownProviders = ["anthropic", "bedrock", "google", "groq", "openai", "vertex"]

  /// Columns every table must have. Optional: `notes`, and the rates `batch_web_search_per_1k`,
  /// `audio_input`, `audio_output`, `batch_audio_input`, `batch_audio_output`, where an empty
  /// cell (or no column) means no rate and usage that needs it is unpriced.
  public static let requiredColumns =
    ["provider", "model", "aliases", "effective_from", "effective_to", "min_input_tokens"]
    + Mode.allCases.flatMap { mode in TokenCategory.priceTableOrder.map { rateColumn($0, mode: mode) } }
    + ["web_search_per_1k"]

  /// The column of a category's rate in a mode: `cache_read`, `batch_cache_read`.
  public static func rateColumn(_ category: TokenCategory, mode: Mode) -> String {
    (mode == .batch ? "batch_" : "") + category.rawValue
  }

  /// Parses and validates a table. Returns every problem found; rows with problems are left out
  /// of `cards`, so callers must refuse to use a table whose problem list is not empty.
  public static func parse(_ text: String, file: String) -> (table: PriceTable, problems: [SourceProblem]) {
    var problems: [SourceProblem] = []
    let records: [CSVRecord]
    do {
      records = try CSVReader.records(text, file: file)
    } catch {
      return (PriceTable(file: file, cards: []), [error])
    }
    guard let header = records.first else {
      return (
        PriceTable(file: file, cards: []),
        [
          SourceProblem(
            file: file, line: 1, message: "the file is empty; expected a header row")
        ]
      )
    }
    let columns = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
    let missing = requiredColumns.filter { !columns.contains($0) }
    for name in missing {
      problems.append(
        SourceProblem(
          file: file, line: header.line, column: name, message: "required column is missing from the header"))
    }
    guard missing.isEmpty else { return (PriceTable(file: file, cards: []), problems) }

    var cards: [RateCard] = []
    for record in records.dropFirst() {
      var row = RowReader(file: file, record: record, columns: columns)
      guard record.fields.count == columns.count else {
        problems.append(
          SourceProblem(
            file: file, line: record.line,
            message: "expected \(columns.count) fields as in the header, found \(record.fields.count)"))
        continue
      }
      if let card = row.card() { cards.append(card) }
      problems += row.problems
    }
    problems += consistencyProblems(cards, file: file)
    // Stable: a line's field problems keep their column order, consistency problems follow.
    let ordered = problems.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }
      .map(\.element)
    return (PriceTable(file: file, cards: cards), ordered)
  }

  /// Overlapping periods of one model and tier, and aliases claimed by two models.
  private static func consistencyProblems(_ cards: [RateCard], file: String) -> [SourceProblem] {
    var problems: [SourceProblem] = []
    for (index, card) in cards.enumerated() {
      for earlier in cards[..<index]
      where earlier.provider == card.provider && earlier.model == card.model
        && earlier.minInputTokens == card.minInputTokens
        && earlier.overlaps(card)
      {
        problems.append(
          SourceProblem(
            file: file, line: card.origin.line, column: "effective_from",
            message:
              "\(card.model) (tier \(card.tierLabel)) from \(card.effectiveFrom) to \(card.effectiveTo?.description ?? "open") overlaps line \(earlier.origin.line) (\(earlier.effectiveFrom) to \(earlier.effectiveTo?.description ?? "open")); end one period where the next begins"
          ))
      }
    }
    // Names are per provider: Bedrock's `claude-sonnet-4-5` is not Anthropic's.
    var ownerOfName: [String: RateCard] = [:]
    for card in cards {
      ownerOfName[card.provider + " " + card.model] = ownerOfName[card.provider + " " + card.model] ?? card
    }
    for card in cards {
      for alias in card.aliases {
        if let owner = ownerOfName[card.provider + " " + alias], owner.model != card.model {
          problems.append(
            SourceProblem(
              file: file, line: card.origin.line, column: "aliases",
              message:
                "alias \"\(alias)\" already names \(owner.model) (line \(owner.origin.line)); a name must mean one model"
            ))
        } else {
          ownerOfName[card.provider + " " + alias] = card
        }
      }
    }
    return problems
  }
}

/// Reads one data row field by field, collecting every problem instead of stopping at the first.
private struct RowReader {
  let file: String
  let record: CSVRecord
  let columns: [String]
  var problems: [SourceProblem] = []

  init(file: String, record: CSVRecord, columns: [String]) {
    self.file = file
    self.record = record
    self.columns = columns
  }

  func text(_ column: String) -> String {
    guard let index = columns.firstIndex(of: column), index < record.fields.count else { return "" }
    return record.fields[index].trimmingCharacters(in: .whitespaces)
  }

  mutating func problem(_ column: String, _ message: String) {
    problems.append(SourceProblem(file: file, line: record.line, column: column, message: message))
  }

  mutating func required(_ column: String) -> String? {
    let value = text(column)
    if value.isEmpty { problem(column, "a value is required") }
    return value.isEmpty ? nil : value
  }

  mutating func date(_ column: String, required: Bool) -> CivilDate?? {
    let value = text(column)
    if value.isEmpty {
      if required { problem(column, "a value is required (YYYY-MM-DD)") }
      return required ? nil : .some(nil)
    }
    guard let date = CivilDate(parsing: value) else {
      problem(column, "\"\(value)\" is not a date; expected YYYY-MM-DD (UTC)")
      return nil
    }
    return .some(date)
  }

  /// A non-negative exact rate; `.some(nil)` for an empty optional cell.
  mutating func rate(_ column: String, required: Bool) -> Decimal?? {
    let value = text(column)
    if value.isEmpty {
      if required { problem(column, "a rate is required (USD per million tokens)") }
      return required ? nil : .some(nil)
    }
    guard let rate = ExactDecimal.parse(value) else {
      problem(column, "\"\(value)\" is not a decimal number")
      return nil
    }
    guard rate >= 0 else {
      problem(column, "\(value) is negative; a rate cannot be below zero")
      return nil
    }
    // Costs are summed exactly in units of 10^-18 dollars (see `AttoCost`).
    guard -min(rate.exponent, 0) <= 12 || ExactDecimal.rounded(rate, scale: 12) == rate else {
      problem(column, "\(value) has more than 12 decimal places")
      return nil
    }
    guard rate <= 1_000_000 else {
      problem(column, "\(value) is more than 1,000,000 dollars")
      return nil
    }
    return .some(rate)
  }

  /// A rate of an optional column: `.some(nil)` when the column is absent or the cell empty,
  /// nil (with a problem) when the cell does not parse.
  mutating func optionalRate(_ column: String) -> Decimal?? {
    columns.contains(column) ? rate(column, required: false) : .some(nil)
  }

  /// A mode's text rates (the audio ones are optional columns, read apart); `.some(nil)` when
  /// they are not required and all empty, nil (with a problem per bad cell) when one is missing
  /// or does not parse.
  mutating func rates(_ mode: Mode, required: Bool) -> CategoryRates?? {
    let names = TokenCategory.text.map { PriceTable.rateColumn($0, mode: mode) }
    if !required && names.allSatisfy({ text($0).isEmpty }) { return .some(nil) }
    // Every cell is read, so that each bad one is reported.
    let read = PerCategory<Decimal?, Decimal?> { category in
      category.isAudio ? nil : rate(PriceTable.rateColumn(category, mode: mode), required: true) ?? nil
    }
    return CategoryRates(read).map { .some($0) }
  }

  mutating func card() -> RateCard? {
    let provider = required("provider")
    if let provider, !PriceTable.knownProviders.contains(provider) {
      problem(
        "provider",
        "unknown provider \"\(provider)\"; expected one of \(PriceTable.knownProviders.joined(separator: ", "))"
      )
    }
    let model = required("model")
    if let model, model.contains(where: \.isWhitespace) {
      problem("model", "\"\(model)\" contains whitespace; a model id is one word")
    }
    let aliases = text("aliases").split(whereSeparator: \.isWhitespace).map(String.init)
    let from = date("effective_from", required: true)
    let to = date("effective_to", required: false)
    if case let .some(.some(start)) = from, case let .some(.some(end)) = to, end <= start {
      problem("effective_to", "\(end) is not after effective_from \(start); effective_to is exclusive")
    }
    var minInput: Int?
    let minText = text("min_input_tokens")
    if let value = Int(minText), value >= 0 {
      minInput = value
    } else {
      problem(
        "min_input_tokens",
        minText.isEmpty
          ? "a value is required (0 for the base tier)"
          : "\"\(minText)\" is not a whole number of tokens >= 0")
    }
    var sync = rates(.sync, required: true)
    var batch = rates(.batch, required: false)
    let audio = (input: optionalRate("audio_input"), output: optionalRate("audio_output"))
    let batchAudio = (input: optionalRate("batch_audio_input"), output: optionalRate("batch_audio_output"))
    if case .some(.none) = batch {
      for (column, rate) in [
        ("batch_audio_input", batchAudio.input), ("batch_audio_output", batchAudio.output),
      ] {
        if case .some(.some) = rate {
          problem(
            column,
            "a batch audio rate needs the row's batch rates; fill batch_input and the other batch columns")
        }
      }
    }
    if case .some(.some(var rates)) = sync {
      rates.audioInput = audio.input ?? nil
      rates.audioOutput = audio.output ?? nil
      sync = .some(.some(rates))
    }
    if case .some(.some(var rates)) = batch {
      rates.audioInput = batchAudio.input ?? nil
      rates.audioOutput = batchAudio.output ?? nil
      batch = .some(.some(rates))
    }
    let webSearch = rate("web_search_per_1k", required: false)
    let batchWebSearch = optionalRate("batch_web_search_per_1k")
    guard problems.isEmpty, let provider, let model, case let .some(.some(effectiveFrom)) = from,
      case let .some(effectiveTo) = to, let minInput, case let .some(.some(syncRates)) = sync,
      case let .some(batchRates) = batch, case let .some(webSearchRate) = webSearch,
      case let .some(batchWebSearchRate) = batchWebSearch
    else { return nil }
    return RateCard(
      provider: provider, model: model, aliases: aliases, effectiveFrom: effectiveFrom,
      effectiveTo: effectiveTo,
      minInputTokens: minInput, sync: syncRates, batch: batchRates, webSearchPer1K: webSearchRate,
      batchWebSearchPer1K: batchWebSearchRate, notes: text("notes"),
      origin: FileLocation(file: file, line: record.line))
  }
}

extension TokenCategory {
  /// The text categories in the order of a price table's columns: `input` and `output` first,
  /// as price lists print them, then the cache categories.
  public static let priceTableOrder: [TokenCategory] =
    [.input, .output] + text.filter { $0 != .input && $0 != .output }
}
