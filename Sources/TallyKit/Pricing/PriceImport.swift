import Foundation

/// The price lists `tally pricing import` reads.
public enum PriceImportFormat: String, Sendable, CaseIterable {
  /// BerriAI/litellm `model_prices_and_context_window.json`: model → per-token costs.
  case litellm
  /// pydantic/genai-prices `prices/data.json`: providers → models → prices per million tokens.
  case genaiPrices = "genai-prices"
}

/// A price list that cannot be read at all (not JSON, not the expected shape).
public struct PriceImportError: Error, Sendable, CustomStringConvertible {
  public let description: String
  init(_ description: String) { self.description = description }
}

/// A price list converted to rows of a Tally price table, with what was left out and why.
///
/// Every rate is carried as decimal text and moved to USD per million tokens by shifting its
/// decimal point (`3e-06` per token is `3`), never through a binary float. Pure: the caller
/// reads the file and prints.
public struct PriceImport: Sendable {
  /// One row of the table, rates as plain decimal text (empty: no rate).
  public struct Row: Sendable, Hashable {
    public var provider: String
    public var model: String
    public var aliases: [String] = []
    public var minInputTokens = 0
    /// The rates in `TokenCategory.priceTableOrder`: input, output, cache_write_5m, cache_write_1h,
    /// cache_read.
    public var sync: [String]
    /// The same five in batch; nil when the source gives no batch rate.
    public var batch: [String]?
    public var webSearchPer1K: String?
    public var audioInput: String?
    public var audioOutput: String?
    public var notes: String
  }

  /// Source entries left out, under one reason.
  public struct Skip: Sendable, Hashable, CustomStringConvertible {
    public var reason: String
    public var entries: [String]

    /// `skipped "cerebras/llama3.1-8b": unknown provider "cerebras" (...)`, or for several
    /// entries `skipped 3 entries ("a", "b", "c"): reason`, naming at most five.
    public var description: String {
      let named = entries.prefix(5).map { "\"\($0)\"" }.joined(separator: ", ")
      if entries.count == 1 { return "skipped \(named): \(reason)" }
      let more = entries.count > 5 ? " and \(entries.count - 5) more" : ""
      return "skipped \(entries.count) entries (\(named)\(more)): \(reason)"
    }
  }

  public private(set) var rows: [Row] = []
  /// In the order their reasons first occurred.
  public private(set) var skips: [Skip] = []
  /// Things imported with a caveat, one line each (no batch rate, a later price change).
  public private(set) var notes: [String] = []
  /// Entries of providers left out by `--provider`.
  public private(set) var filteredOut = 0

  /// The header of every imported table: the bundled tables' columns, with the audio rates
  /// before `notes`.
  public static let columns =
    PriceTable.requiredColumns + ["audio_input", "audio_output", "notes"]

  /// The rows as a price table whose every row takes effect on `effectiveFrom` (and stays open).
  public func csv(effectiveFrom: CivilDate) -> String {
    var lines = [Self.columns.joined(separator: ",")]
    for row in rows {
      let batch = row.batch ?? Array(repeating: "", count: TokenCategory.priceTableOrder.count)
      let cells =
        [
          CSVRenderer.textField(row.provider), CSVRenderer.textField(row.model),
          CSVRenderer.textField(row.aliases.joined(separator: " ")), effectiveFrom.description, "",
          String(row.minInputTokens),
        ] + row.sync + batch + [
          row.webSearchPer1K ?? "", row.audioInput ?? "", row.audioOutput ?? "",
          CSVRenderer.textField(row.notes),
        ]
      lines.append(cells.joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// The stderr lines: every skip with its reason, the caveats, and a count.
  public func report(file: String) -> [String] {
    let models = Set(rows.map { $0.provider + " " + $0.model }).count
    let skipped = skips.map(\.entries.count).reduce(0, +)
    var summary =
      "\(file): \(rows.count) row\(rows.count == 1 ? "" : "s") for \(models) model\(models == 1 ? "" : "s"); \(skipped) entr\(skipped == 1 ? "y" : "ies") skipped"
    if filteredOut > 0 { summary += ", \(filteredOut) of other providers left out (--provider)" }
    let withoutBatch = Set(rows.filter { $0.batch == nil }.map { $0.provider + " " + $0.model }).count
    var lines = skips.map(\.description) + notes
    if withoutBatch > 0 {
      lines.append(
        "\(withoutBatch) model\(withoutBatch == 1 ? " has" : "s have") no batch rate in the source: the batch columns are empty, so batch usage of \(withoutBatch == 1 ? "it" : "them") is unpriced (Tally never assumes a discount)"
      )
    }
    return lines + [summary]
  }

  /// Tally's provider for a litellm `litellm_provider`, and the route prefixes its keys carry.
  static let litellmProviders: [String: (provider: String, prefixes: [String])] = [
    "anthropic": ("anthropic", ["anthropic"]),
    "openai": ("openai", ["openai"]),
    "groq": ("groq", ["groq"]),
    "gemini": ("google", ["gemini"]),
    "bedrock": ("bedrock", ["bedrock"]),
    "bedrock_converse": ("bedrock", ["bedrock", "bedrock_converse"]),
    "vertex_ai-anthropic_models": ("vertex", ["vertex_ai"]),
  ]

  /// Tally's provider for a genai-prices provider id.
  static let genaiProviders = [
    "anthropic": "anthropic", "openai": "openai", "groq": "groq", "google": "google", "aws": "bedrock",
  ]

  /// Converts `data` (the file's bytes). `providers` limits the import (nil: every provider
  /// Tally prices).
  public static func run(
    _ format: PriceImportFormat, data: Data, at: CivilDate, providers: Set<String>? = nil
  )
    throws(PriceImportError) -> PriceImport
  {
    let documents: [JSONNode]
    do {
      documents = try JSONDocuments.parse(data)
    } catch {
      throw PriceImportError("line \(error.line): \(error.message)")
    }
    guard documents.count == 1, let document = documents.first else {
      throw PriceImportError("expected one JSON value, found \(documents.count)")
    }
    var result = PriceImport()
    switch format {
    case .litellm: try result.readLiteLLM(document, providers: providers)
    case .genaiPrices: try result.readGenAIPrices(document, at: at, providers: providers)
    }
    result.rows.sort {
      ($0.provider, $0.model, $0.minInputTokens) < ($1.provider, $1.model, $1.minInputTokens)
    }
    return result
  }

  private mutating func skip(_ entry: String, _ reason: String) {
    if let index = skips.firstIndex(where: { $0.reason == reason }) {
      skips[index].entries.append(entry)
    } else {
      skips.append(Skip(reason: reason, entries: [entry]))
    }
  }

  private static var knownList: String { PriceTable.knownProviders.joined(separator: ", ") }

  /// A rate skipped with its reason: the entry cannot be imported.
  private struct Unusable: Error { let reason: String }

  /// `text` (USD per `unit` tokens or searches) moved by `shift` places, checked to fit a price
  /// table cell.
  private static func rate(_ node: JSONNode?, field: String, shift: Int) throws(Unusable) -> String? {
    guard let node, !node.isNull else { return nil }
    guard case .number(let text) = node.value else {
      throw Unusable(reason: "\(field) is \(node.kind), not a number")
    }
    guard let value = DecimalText(text) else {
      throw Unusable(reason: "\(field) \(text) is negative or not a decimal number")
    }
    let scaled = value.shifted(by: shift)
    guard scaled.decimalPlaces <= 12 else {
      throw Unusable(
        reason:
          "\(field) \(text) is \(scaled) USD per million, more than the 12 decimal places a price table holds"
      )
    }
    return scaled.description
  }

  // MARK: litellm

  private mutating func readLiteLLM(_ document: JSONNode, providers: Set<String>?) throws(PriceImportError) {
    guard case .object(let entries) = document.value else {
      throw PriceImportError(
        "expected an object of models (model_prices_and_context_window.json), found \(document.kind)")
    }
    var seen: [String: String] = [:]
    for (key, entry) in entries where key != "sample_spec" {
      guard case .object = entry.value else {
        skip(key, "not an object")
        continue
      }
      guard case .string(let source)? = entry["litellm_provider"]?.value else {
        skip(key, "no litellm_provider")
        continue
      }
      guard let mapping = Self.litellmProviders[source] else {
        skip(key, "unknown provider \"\(source)\" (Tally prices \(Self.knownList))")
        continue
      }
      if let providers, !providers.contains(mapping.provider) {
        filteredOut += 1
        continue
      }
      var mode = "none"
      if case .string(let text)? = entry["mode"]?.value { mode = text }
      guard mode == "chat" || mode == "responses" else {
        skip(key, "not a chat model (mode \(mode == "none" ? "missing" : "\"\(mode)\""))")
        continue
      }
      var model = key
      if let slash = key.firstIndex(of: "/"), mapping.prefixes.contains(String(key[..<slash])) {
        model = String(key[key.index(after: slash)...])
      }
      if model.contains("/") {
        skip(key, "a route- or region-specific name: Tally prices a model by the name a response carries")
        continue
      }
      if model.contains(where: \.isWhitespace) {
        skip(key, "the name contains whitespace")
        continue
      }
      if entry["tiered_pricing"] != nil {
        skip(key, "tiered_pricing (prices by ranges of tokens) cannot be expressed as context tiers")
        continue
      }
      let id = mapping.provider + " " + model
      if let first = seen[id] {
        skip(key, "the same \(mapping.provider) model as \"\(first)\", imported already")
        continue
      }
      do throws(Unusable) {
        let rows = try Self.liteLLMRows(key: key, entry: entry, provider: mapping.provider, model: model)
        seen[id] = key
        notes.append(contentsOf: rows.notes)
        self.rows += rows.rows
      } catch {
        skip(key, error.reason)
      }
    }
  }

  /// Fields with context tiers (`FIELD_above_200k_tokens`) that Tally has columns for.
  private static let liteLLMTiered = [
    "input_cost_per_token", "output_cost_per_token", "cache_creation_input_token_cost",
    "cache_creation_input_token_cost_above_1hr", "cache_read_input_token_cost", "input_cost_per_audio_token",
    "output_cost_per_audio_token",
  ]

  private static func liteLLMRows(key: String, entry: JSONNode, provider: String, model: String)
    throws(Unusable) -> (rows: [Row], notes: [String])
  {
    guard case .object(let members) = entry.value else { return ([], []) }
    // Thresholds in thousands of tokens, from every `_above_Nk_tokens` field Tally can express.
    var thresholds: Set<Int> = []
    for (name, _) in members {
      guard name.hasSuffix("k_tokens"), let range = name.range(of: "_above_", options: .backwards) else {
        continue
      }
      let base = String(name[..<range.lowerBound])
      let count = name[range.upperBound...].dropLast("k_tokens".count)
      guard let thousands = Int(count), thousands > 0 else { continue }
      guard liteLLMTiered.contains(base) else {
        throw Unusable(reason: "\(name): a context tier of a price Tally has no column for")
      }
      thresholds.insert(thousands)
    }
    func value(_ field: String, tier: Int, shift: Int = 6) throws(Unusable) -> String? {
      if tier > 0, let tiered = try rate(entry["\(field)_above_\(tier)k_tokens"], field: field, shift: shift)
      {
        return tiered
      }
      return try rate(entry[field], field: field, shift: shift)
    }
    guard try rate(entry["input_cost_per_token"], field: "input_cost_per_token", shift: 6) != nil,
      try rate(entry["output_cost_per_token"], field: "output_cost_per_token", shift: 6) != nil
    else {
      throw Unusable(reason: "no per-token price (input_cost_per_token and output_cost_per_token)")
    }
    // Batch: only a uniform 50% discount says what the cache categories cost in batch.
    var batchIsHalf = false
    var notes: [String] = []
    let batchInput = try rate(
      entry["input_cost_per_token_batches"], field: "input_cost_per_token_batches", shift: 6)
    let batchOutput = try rate(
      entry["output_cost_per_token_batches"], field: "output_cost_per_token_batches", shift: 6)
    if batchInput != nil || batchOutput != nil {
      let input = try rate(entry["input_cost_per_token"], field: "input_cost_per_token", shift: 6)
      let output = try rate(entry["output_cost_per_token"], field: "output_cost_per_token", shift: 6)
      batchIsHalf =
        batchInput != nil && batchOutput != nil
        && DecimalText(input!)!.half.description == batchInput
        && DecimalText(output!)!.half.description == batchOutput
      if !batchIsHalf {
        notes.append(
          "\(key): the batch rates are not half the standard ones, so the batch cache rates are unknown: imported without batch rates"
        )
      }
    }
    var searchPer1K: String?
    var searchNote: String?
    if let search = entry["search_context_cost_per_query"] {
      let sizes = try ["low", "medium", "high"].map { size throws(Unusable) in
        try rate(search["search_context_size_\(size)"], field: "search_context_size_\(size)", shift: 3)
      }
      if let first = sizes[0], sizes.allSatisfy({ $0 == first }) {
        searchPer1K = first
      } else {
        searchNote =
          "search price depends on search_context_size: web_search_per_1k left empty (searches unpriced)"
      }
    }
    var rows: [Row] = []
    for tier in [0] + thresholds.sorted() {
      var derivations: [String] = []
      let input = try value("input_cost_per_token", tier: tier)!
      let output = try value("output_cost_per_token", tier: tier)!
      var write5m = try value("cache_creation_input_token_cost", tier: tier)
      if write5m == nil { derivations.append("no cache-write price: cache writes at the input rate") }
      var write1h = try value("cache_creation_input_token_cost_above_1hr", tier: tier)
      if write1h == nil, write5m != nil {
        derivations.append("no 1-hour cache-write price: the 5-minute rate")
      }
      write5m = write5m ?? input
      write1h = write1h ?? write5m
      let read = try value("cache_read_input_token_cost", tier: tier)
      if read == nil { derivations.append("no cache-read price: cache reads at the input rate") }
      let sync = [input, output, write5m!, write1h!, read ?? input]
      if let searchNote { derivations.append(searchNote) }
      rows.append(
        Row(
          provider: provider, model: model, minInputTokens: tier == 0 ? 0 : tier * 1000 + 1, sync: sync,
          batch: batchIsHalf ? sync.map { DecimalText($0)!.half.description } : nil,
          webSearchPer1K: searchPer1K,
          audioInput: try value("input_cost_per_audio_token", tier: tier),
          audioOutput: try value("output_cost_per_audio_token", tier: tier),
          notes: (["litellm \(key)"] + derivations).joined(separator: "; ")))
    }
    return (rows, notes)
  }

  // MARK: genai-prices

  private mutating func readGenAIPrices(_ document: JSONNode, at: CivilDate, providers: Set<String>?)
    throws(PriceImportError)
  {
    guard case .array(let sources) = document.value else {
      throw PriceImportError("expected an array of providers (prices/data.json), found \(document.kind)")
    }
    var claimed: Set<String> = []
    for source in sources {
      guard case .string(let sourceID)? = source["id"]?.value,
        case .array(let models)? = source["models"]?.value
      else {
        throw PriceImportError("line \(source.line): a provider without \"id\" and \"models\"")
      }
      let names = models.map { model -> String in
        if case .string(let id)? = model["id"]?.value { return sourceID + "/" + id }
        return sourceID + "/?"
      }
      guard let provider = Self.genaiProviders[sourceID] else {
        for name in names { skip(name, "unknown provider \"\(sourceID)\" (Tally prices \(Self.knownList))") }
        continue
      }
      if let providers, !providers.contains(provider) {
        filteredOut += models.count
        continue
      }
      for (model, name) in zip(models, names) {
        guard case .string(let id)? = model["id"]?.value, !id.contains(where: \.isWhitespace) else {
          skip(name, "no model id, or one with whitespace")
          continue
        }
        do throws(Unusable) {
          let (prices, later) = try Self.pricesInForce(model["prices"], at: at)
          if let later {
            notes.append("\(name): its price changes on \(later), after \(at): import again from that date")
          }
          var aliases: [String] = []
          if let match = model["match"] {
            for alias in Self.equalsClauses(match) where alias != id && !alias.contains(where: \.isWhitespace)
            {
              if !aliases.contains(alias) { aliases.append(alias) }
            }
          }
          let names = [id] + aliases
          guard !claimed.contains(provider + " " + id) else {
            skip(name, "the same \(provider) model as an entry imported already")
            continue
          }
          aliases = aliases.filter { !claimed.contains(provider + " " + $0) }
          for claimedName in names { claimed.insert(provider + " " + claimedName) }
          var rows = try Self.genaiRows(name: name, prices: prices, provider: provider, model: id)
          for index in rows.indices { rows[index].aliases = aliases }
          self.rows += rows
        } catch {
          skip(name, error.reason)
        }
      }
    }
  }

  /// The `equals` names of a match clause (through `or` and `and`).
  private static func equalsClauses(_ node: JSONNode) -> [String] {
    if case .string(let name)? = node["equals"]?.value { return [name] }
    for key in ["or", "and"] {
      if case .array(let clauses)? = node[key]?.value { return clauses.flatMap(equalsClauses) }
    }
    return []
  }

  /// The prices in force on `at` (conditional prices: the last whose start date has come), and
  /// the first later start date.
  private static func pricesInForce(_ node: JSONNode?, at: CivilDate) throws(Unusable) -> (
    JSONNode, later: CivilDate?
  ) {
    guard let node else { throw Unusable(reason: "no prices") }
    guard case .array(let conditions) = node.value else { return (node, nil) }
    var chosen: JSONNode?
    var later: CivilDate?
    for condition in conditions {
      guard let prices = condition["prices"] else {
        throw Unusable(reason: "a conditional price without prices")
      }
      guard let constraint = condition["constraint"] else {
        chosen = prices
        continue
      }
      if case .string(let start)? = constraint["start_time"]?.value {
        var end = "?"
        if case .string(let text)? = constraint["end_time"]?.value { end = text }
        throw Unusable(reason: "time-of-day prices (\(start) to \(end)) cannot be expressed")
      }
      guard case .string(let text)? = constraint["start_date"]?.value, let start = CivilDate(parsing: text)
      else {
        throw Unusable(reason: "a price constraint other than start_date cannot be expressed")
      }
      if start <= at {
        chosen = prices
      } else if later.map({ start < $0 }) ?? true {
        later = start
      }
    }
    guard let chosen else { throw Unusable(reason: "no price in force on \(at)") }
    return (chosen, later)
  }

  /// genai-prices price names, and what Tally does with them.
  private static let genaiKnown: Set<String> = [
    "input_mtok", "output_mtok", "cache_write_mtok", "cache_read_mtok", "input_audio_mtok",
    "output_audio_mtok",
    "cache_audio_read_mtok",
  ]

  private static func genaiRows(name: String, prices: JSONNode, provider: String, model: String)
    throws(Unusable) -> [Row]
  {
    guard case .object(let members) = prices.value else { throw Unusable(reason: "prices is not an object") }
    for (key, _) in members where !genaiKnown.contains(key) {
      throw Unusable(
        reason: key == "requests_kcount"
          ? "a price per request (requests_kcount) cannot be expressed"
          : "price \(key) has no price-table column")
    }
    // Each price is a number or {base, tiers: [{start, price}]}; a tier starting at N applies to
    // requests of more than N input tokens.
    var thresholds: Set<Int> = []
    for (key, value) in members {
      guard case .object = value.value else { continue }
      guard case .array(let tiers)? = value["tiers"]?.value else {
        throw Unusable(reason: "\(key): a tiered price without tiers")
      }
      for tier in tiers {
        guard case .number(let text)? = tier["start"]?.value, let start = Int(text), start >= 0 else {
          throw Unusable(reason: "\(key): a tier without a whole start")
        }
        thresholds.insert(start)
      }
    }
    func value(_ key: String, tier: Int?) throws(Unusable) -> String? {
      guard let node = prices[key] else { return nil }
      guard case .object = node.value else { return try rate(node, field: key, shift: 0) }
      var best: (start: Int, node: JSONNode)?
      if let tier, case .array(let tiers)? = node["tiers"]?.value {
        for entry in tiers {
          if case .number(let text)? = entry["start"]?.value, let start = Int(text), start <= tier,
            best.map({ start >= $0.start }) ?? true, let price = entry["price"]
          {
            best = (start, price)
          }
        }
      }
      return try rate(best?.node ?? node["base"], field: key, shift: 0)
    }
    var rows: [Row] = []
    for tier in [nil] + thresholds.sorted() {
      guard let input = try value("input_mtok", tier: tier), let output = try value("output_mtok", tier: tier)
      else {
        throw Unusable(reason: "no input_mtok and output_mtok prices")
      }
      var derivations: [String] = []
      let write = try value("cache_write_mtok", tier: tier)
      derivations.append(
        write == nil
          ? "no cache-write price: cache writes at the input rate"
          : "one cache-write price: cache_write_1h is the 5-minute rate")
      let read = try value("cache_read_mtok", tier: tier)
      if read == nil { derivations.append("no cache-read price: cache reads at the input rate") }
      if let audioRead = try value("cache_audio_read_mtok", tier: tier), audioRead != (read ?? input) {
        throw Unusable(
          reason:
            "cache_audio_read_mtok \(audioRead) differs from the cache-read price \(read ?? input): Tally prices cached audio as cache reads"
        )
      }
      rows.append(
        Row(
          provider: provider, model: model, minInputTokens: tier.map { $0 + 1 } ?? 0,
          sync: [input, output, write ?? input, write ?? input, read ?? input], batch: nil,
          audioInput: try value("input_audio_mtok", tier: tier),
          audioOutput: try value("output_audio_mtok", tier: tier),
          notes: (["genai-prices \(name)"] + derivations).joined(separator: "; ")))
    }
    return rows
  }
}
