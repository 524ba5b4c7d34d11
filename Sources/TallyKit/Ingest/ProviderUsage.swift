import Foundation

/// A token count (or web-search count) of one request: a whole number from 0 to 10^12.
///
/// JSON `null` or absent reads as zero where the field is optional; `UsageFields` says which
/// fields are required.
struct TokenCount: Decodable, Hashable {
  let value: Int

  /// The most tokens of one category, and of all categories together, in one request: far above
  /// any model's context, far below where sums over a ledger could overflow.
  static let maximum = 1_000_000_000_000

  init(value: Int) { self.value = value }

  init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if container.decodeNil() {
      value = 0
      return
    }
    let (unit, counts) =
      decoder.codingPath.last?.stringValue == "web_search_requests"
      ? ("web searches", "web search counts") : ("tokens", "token counts")
    func invalid(_ message: String) -> DecodingError {
      .dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: message))
    }
    // Decimal keeps the written digits, so 1.000001 is not mistaken for 1 (Int would round it).
    let decimal: Decimal
    do {
      decimal = try container.decode(Decimal.self)
    } catch DecodingError.typeMismatch {
      throw DecodingError.typeMismatch(
        Int.self,
        .init(codingPath: decoder.codingPath, debugDescription: "expected a whole number of \(unit)"))
    } catch {
      // A number beyond Decimal's exponent range, such as 1e-400 or 1e400.
      throw invalid("the number is not a whole number of \(unit) from 0 to 10^12")
    }
    switch TokenCount.whole(decimal, maximum: TokenCount.maximum) {
    case .count(let whole): value = whole
    case .negative: throw invalid("\(decimal) is negative; \(counts) cannot be negative")
    case .fractional: throw invalid("\(decimal) is not a whole number of \(unit)")
    case .tooLarge: throw invalid("\(decimal) is more than 10^12 \(unit)")
    }
  }

  /// What a decimal read as a count is: a whole number from 0 to a maximum, or why not.
  enum Whole: Equatable {
    case count(Int)
    case negative
    case fractional
    case tooLarge
  }

  /// Checks a count read exactly as a decimal (so 1.000001 is not mistaken for 1), in this
  /// order: negative, then fractional, then above `maximum`.
  static func whole(_ value: Decimal, maximum: Int) -> Whole {
    guard value >= 0 else { return .negative }
    guard value == ExactDecimal.rounded(value, scale: 0) else { return .fractional }
    guard value <= Decimal(maximum), let whole = ExactDecimal.wholeNumber(value) else { return .tooLarge }
    return .count(whole)
  }
}

extension Optional where Wrapped == TokenCount {
  var tokens: Int { self?.value ?? 0 }
}

/// The usage fields of every provider body, all optional when decoded: Anthropic Message usage,
/// OpenAI chat completion usage and OpenAI Responses usage. Which counts are required depends on
/// the provider, so `anthropicTokens` and `openAITokens` check them.
struct UsageFields: Decodable {
  struct CacheCreation: Decodable {
    var ephemeral_5m_input_tokens: TokenCount?
    var ephemeral_1h_input_tokens: TokenCount?
  }
  struct ServerToolUse: Decodable {
    var web_search_requests: TokenCount?
  }
  /// OpenAI `prompt_tokens_details` / `input_tokens_details`.
  struct CachedTokens: Decodable {
    var cached_tokens: TokenCount?
    var audio_tokens: TokenCount?
  }
  /// OpenAI `completion_tokens_details` / `output_tokens_details` (reasoning tokens stay output).
  struct OutputDetails: Decodable {
    var audio_tokens: TokenCount?
  }

  /// Required counts that were written as JSON `null` (elsewhere null reads as absent).
  struct Nulls: OptionSet {
    let rawValue: UInt8
    static let inputTokens = Nulls(rawValue: 1)
    static let outputTokens = Nulls(rawValue: 2)
    static let promptTokens = Nulls(rawValue: 4)
    static let completionTokens = Nulls(rawValue: 8)
  }

  var input_tokens: TokenCount?
  var output_tokens: TokenCount?
  var cache_creation_input_tokens: TokenCount?
  var cache_read_input_tokens: TokenCount?
  var cache_creation: CacheCreation?
  var server_tool_use: ServerToolUse?
  var service_tier: String?
  var inference_geo: String?
  var prompt_tokens: TokenCount?
  var completion_tokens: TokenCount?
  var prompt_tokens_details: CachedTokens?
  var input_tokens_details: CachedTokens?
  var completion_tokens_details: OutputDetails?
  var output_tokens_details: OutputDetails?
  /// Anthropic's `iterations` (advisor tool, server-side compaction): each entry is a usage
  /// object with a `type` and, for another model's sub-inference, a `model`.
  var iterations: [Iteration]?
  var nulls: Nulls = []

  struct Iteration: Decodable {
    var type: String?
    var model: String?
    var usage: UsageFields

    private enum CodingKeys: String, CodingKey { case type, model }

    init(from decoder: any Decoder) throws {
      let container = try decoder.container(keyedBy: CodingKeys.self)
      type = try container.decodeIfPresent(String.self, forKey: .type)
      model = try container.decodeIfPresent(String.self, forKey: .model)
      usage = try UsageFields(from: decoder)
    }
  }

  init() {}

  private enum CodingKeys: String, CodingKey {
    case input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, cache_creation
    case server_tool_use, service_tier, inference_geo, prompt_tokens, completion_tokens
    case prompt_tokens_details, input_tokens_details, completion_tokens_details, output_tokens_details
    case iterations
  }

  init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    func null(_ key: CodingKeys) throws -> Bool {
      try container.contains(key) && container.decodeNil(forKey: key)
    }
    input_tokens = try container.decodeIfPresent(TokenCount.self, forKey: .input_tokens)
    if try null(.input_tokens) { nulls.insert(.inputTokens) }
    output_tokens = try container.decodeIfPresent(TokenCount.self, forKey: .output_tokens)
    if try null(.output_tokens) { nulls.insert(.outputTokens) }
    cache_creation_input_tokens = try container.decodeIfPresent(
      TokenCount.self, forKey: .cache_creation_input_tokens)
    cache_read_input_tokens = try container.decodeIfPresent(TokenCount.self, forKey: .cache_read_input_tokens)
    cache_creation = try container.decodeIfPresent(CacheCreation.self, forKey: .cache_creation)
    server_tool_use = try container.decodeIfPresent(ServerToolUse.self, forKey: .server_tool_use)
    service_tier = try container.decodeIfPresent(String.self, forKey: .service_tier)
    inference_geo = try container.decodeIfPresent(String.self, forKey: .inference_geo)
    prompt_tokens = try container.decodeIfPresent(TokenCount.self, forKey: .prompt_tokens)
    if try null(.prompt_tokens) { nulls.insert(.promptTokens) }
    completion_tokens = try container.decodeIfPresent(TokenCount.self, forKey: .completion_tokens)
    if try null(.completion_tokens) { nulls.insert(.completionTokens) }
    prompt_tokens_details = try container.decodeIfPresent(CachedTokens.self, forKey: .prompt_tokens_details)
    input_tokens_details = try container.decodeIfPresent(CachedTokens.self, forKey: .input_tokens_details)
    completion_tokens_details = try container.decodeIfPresent(
      OutputDetails.self, forKey: .completion_tokens_details)
    output_tokens_details = try container.decodeIfPresent(OutputDetails.self, forKey: .output_tokens_details)
    iterations = try container.decodeIfPresent([Iteration].self, forKey: .iterations)
  }

  /// Anthropic's iterations billed apart from the top-level usage: every entry but `message`
  /// ones (which add up to the top level, already counted), each checked like a usage object.
  func anthropicIterations(at path: String) throws(LineError) -> [UsageIteration] {
    guard let iterations else { return [] }
    var billed: [UsageIteration] = []
    for (index, iteration) in iterations.enumerated() {
      let at = "\(path).iterations[\(index)]"
      guard let kind = iteration.type else { throw LineError("\(at): no type") }
      guard kind != "message" else { continue }
      if let model = iteration.model { try checkStoredText(model, "\(at).model") }
      let (tokens, _) = try iteration.usage.anthropicTokens(at: at)
      billed.append(UsageIteration(kind: kind, model: iteration.model, tokens: tokens, position: index + 1))
    }
    return billed
  }

  /// Anthropic: `input_tokens` and `output_tokens` are required; `input_tokens` excludes cache
  /// tokens; writes split 5m/1h when the split is given (it must add up), else all 5m. `path` is
  /// where the usage object sits in the line (`result.message.usage`), for messages.
  func anthropicTokens(at path: String) throws(LineError) -> (TokenCounts, webSearches: Int) {
    let input = try required(input_tokens, .inputTokens, "input_tokens", at: path)
    let output = try required(output_tokens, .outputTokens, "output_tokens", at: path)
    let writes = cache_creation_input_tokens.tokens
    var write5m = writes
    var write1h = 0
    if let split = cache_creation {
      write5m = split.ephemeral_5m_input_tokens.tokens
      write1h = split.ephemeral_1h_input_tokens.tokens
      if cache_creation_input_tokens != nil, write5m + write1h != writes {
        throw LineError(
          "usage.cache_creation: 5m (\(write5m)) + 1h (\(write1h)) does not add up to cache_creation_input_tokens (\(writes))"
        )
      }
    }
    let tokens = TokenCounts(
      input: input, cacheWrite5m: write5m, cacheWrite1h: write1h,
      cacheRead: cache_read_input_tokens.tokens, output: output)
    try checkTotal(tokens, at: path)
    return (tokens, server_tool_use?.web_search_requests.tokens ?? 0)
  }

  /// OpenAI: chat completions require `prompt_tokens` and `completion_tokens`, Responses
  /// `input_tokens` and `output_tokens`; the prompt (or input) includes the cached and the
  /// audio tokens (`*_tokens_details.audio_tokens`), the completion (or output) its audio
  /// tokens: text input = prompt - cached - audio, text output = completion - audio.
  func openAITokens(at path: String) throws(LineError) -> TokenCounts {
    let chat = isChatCompletion
    let prompt =
      chat
      ? try required(prompt_tokens, .promptTokens, "prompt_tokens", at: path)
      : try required(input_tokens, .inputTokens, "input_tokens", at: path)
    let output =
      chat
      ? try required(completion_tokens, .completionTokens, "completion_tokens", at: path)
      : try required(output_tokens, .outputTokens, "output_tokens", at: path)
    let inputDetails = chat ? prompt_tokens_details : input_tokens_details
    let cached = inputDetails?.cached_tokens.tokens ?? 0
    let (promptName, completionName) =
      chat ? ("prompt_tokens", "completion_tokens") : ("input_tokens", "output_tokens")
    guard cached <= prompt else {
      throw LineError("usage: cached_tokens (\(cached)) exceed \(promptName) (\(prompt))")
    }
    let audioInput = inputDetails?.audio_tokens.tokens ?? 0
    guard audioInput <= prompt - cached else {
      let field = "\(path).\(chat ? "prompt_tokens_details" : "input_tokens_details").audio_tokens"
      throw LineError(
        "\(field): \(audioInput) audio tokens and \(cached) cached tokens exceed \(promptName) (\(prompt)); the prompt count includes both"
      )
    }
    let audioOutput = (chat ? completion_tokens_details : output_tokens_details)?.audio_tokens.tokens ?? 0
    guard audioOutput <= output else {
      let field = "\(path).\(chat ? "completion_tokens_details" : "output_tokens_details").audio_tokens"
      throw LineError(
        "\(field): \(audioOutput) audio tokens exceed \(completionName) (\(output)); the completion count includes them"
      )
    }
    let tokens = TokenCounts(
      input: prompt - cached - audioInput, cacheRead: cached, output: output - audioOutput,
      audioInput: audioInput, audioOutput: audioOutput)
    try checkTotal(tokens, at: path)
    return tokens
  }

  /// Chat completion usage names `prompt_tokens`/`completion_tokens` (even as null).
  private var isChatCompletion: Bool {
    prompt_tokens != nil || completion_tokens != nil
      || !nulls.isDisjoint(with: [.promptTokens, .completionTokens])
  }

  /// Whether the fields look like OpenAI's (chat or Responses) rather than Anthropic's.
  var looksLikeOpenAI: Bool { isChatCompletion || input_tokens_details != nil }

  private func required(_ count: TokenCount?, _ null: Nulls, _ name: String, at path: String)
    throws(LineError)
    -> Int
  {
    if let count { return count.value }
    throw LineError("\(path).\(name) is \(nulls.contains(null) ? "null" : "missing")")
  }

  /// Every category is at most 10^12, so the sum cannot overflow; it must not pass 10^12 either.
  private func checkTotal(_ tokens: TokenCounts, at path: String) throws(LineError) {
    let total = TokenCategory.allCases.reduce(0) { $0 + tokens[$1] }
    guard total <= TokenCount.maximum else {
      throw LineError("\(path): the token counts add up to \(total), more than 10^12 in one request")
    }
  }
}

// MARK: - The scanner's side of the usage fields

extension UsageFields {
  /// Fills the fields from a usage object with the scanner; false when it is not sure (see
  /// `JSONScanner`).
  mutating func scan(_ scanner: inout JSONScanner) -> Bool {
    scanner.countsObject { key, scanner, seen in scanMember(key, &scanner, &seen) }
  }

  /// Reads one member of a usage object; false when the scanner is not sure.
  mutating func scanMember(
    _ key: UnsafeRawBufferPointer, _ scanner: inout JSONScanner, _ seen: inout SeenMembers
  ) -> Bool {
    let read: Bool
    if key.isKey("input_tokens") {
      read = seen.first(1 << 0) && scanner.tokenCount(into: &input_tokens, null: .inputTokens, in: &nulls)
    } else if key.isKey("cache_creation_input_tokens") {
      read = seen.first(1 << 1) && scanner.tokenCount(into: &cache_creation_input_tokens)
    } else if key.isKey("cache_read_input_tokens") {
      read = seen.first(1 << 2) && scanner.tokenCount(into: &cache_read_input_tokens)
    } else if key.isKey("output_tokens") {
      read =
        seen.first(1 << 3) && scanner.tokenCount(into: &output_tokens, null: .outputTokens, in: &nulls)
    } else if key.isKey("cache_creation") {
      read = seen.first(1 << 4) && CacheCreation.scan(&scanner, into: &cache_creation)
    } else if key.isKey("server_tool_use") {
      read = seen.first(1 << 5) && ServerToolUse.scan(&scanner, into: &server_tool_use)
    } else if key.isKey("service_tier") {
      read = seen.first(1 << 6) && scanner.optionalString(into: &service_tier)
    } else if key.isKey("inference_geo") {
      read = seen.first(1 << 7) && scanner.optionalString(into: &inference_geo)
    } else if key.isKey("prompt_tokens") {
      read =
        seen.first(1 << 8) && scanner.tokenCount(into: &prompt_tokens, null: .promptTokens, in: &nulls)
    } else if key.isKey("completion_tokens") {
      read =
        seen.first(1 << 9)
        && scanner.tokenCount(into: &completion_tokens, null: .completionTokens, in: &nulls)
    } else if key.isKey("prompt_tokens_details") {
      read = seen.first(1 << 10) && CachedTokens.scan(&scanner, into: &prompt_tokens_details)
    } else if key.isKey("input_tokens_details") {
      read = seen.first(1 << 11) && CachedTokens.scan(&scanner, into: &input_tokens_details)
    } else if key.isKey("completion_tokens_details") {
      read = seen.first(1 << 12) && OutputDetails.scan(&scanner, into: &completion_tokens_details)
    } else if key.isKey("output_tokens_details") {
      read = seen.first(1 << 13) && OutputDetails.scan(&scanner, into: &output_tokens_details)
    } else if key.isKey("iterations") {
      read = seen.first(1 << 14) && Iteration.scanList(&scanner, into: &iterations)
    } else {
      read = scanner.skipValue()
    }
    return read
  }
}

extension UsageFields.Iteration {
  init(type: String? = nil, model: String? = nil, usage: UsageFields = UsageFields()) {
    self.type = type
    self.model = model
    self.usage = usage
  }

  /// Reads `iterations`: null, or an array of usage objects with a `type` and maybe a `model`.
  static func scanList(_ scanner: inout JSONScanner, into list: inout [Self]?) -> Bool {
    if scanner.null() { return true }
    guard scanner.beginArray() else { return false }
    var items: [Self] = []
    var first = true
    while true {
      switch scanner.nextElement(&first) {
      case nil: return false
      case false?:
        list = items
        return true
      case true?:
        var item = Self()
        let read = scanner.countsObject { key, scanner, seen in
          // Bits 0-14 are the usage members'.
          if key.isKey("type") { return seen.first(1 << 15) && scanner.optionalString(into: &item.type) }
          if key.isKey("model") { return seen.first(1 << 16) && scanner.optionalString(into: &item.model) }
          return item.usage.scanMember(key, &scanner, &seen)
        }
        guard read else { return false }
        items.append(item)
      }
    }
  }
}

extension UsageFields.CacheCreation {
  static func scan(_ scanner: inout JSONScanner, into value: inout Self?) -> Bool {
    if scanner.null() { return true }
    var fields = Self()
    let read = scanner.countsObject { key, scanner, seen in
      if key.isKey("ephemeral_5m_input_tokens") {
        return seen.first(1) && scanner.tokenCount(into: &fields.ephemeral_5m_input_tokens)
      }
      if key.isKey("ephemeral_1h_input_tokens") {
        return seen.first(2) && scanner.tokenCount(into: &fields.ephemeral_1h_input_tokens)
      }
      return nil
    }
    value = fields
    return read
  }
}

extension UsageFields.ServerToolUse {
  static func scan(_ scanner: inout JSONScanner, into value: inout Self?) -> Bool {
    if scanner.null() { return true }
    var fields = Self()
    let read = scanner.countsObject { key, scanner, seen in
      key.isKey("web_search_requests")
        ? seen.first(1) && scanner.tokenCount(into: &fields.web_search_requests) : nil
    }
    value = fields
    return read
  }
}

extension UsageFields.CachedTokens {
  static func scan(_ scanner: inout JSONScanner, into value: inout Self?) -> Bool {
    if scanner.null() { return true }
    var fields = Self()
    let read = scanner.countsObject { key, scanner, seen in
      if key.isKey("cached_tokens") {
        return seen.first(1) && scanner.tokenCount(into: &fields.cached_tokens)
      }
      if key.isKey("audio_tokens") { return seen.first(2) && scanner.tokenCount(into: &fields.audio_tokens) }
      return nil
    }
    value = fields
    return read
  }
}

extension UsageFields.OutputDetails {
  static func scan(_ scanner: inout JSONScanner, into value: inout Self?) -> Bool {
    if scanner.null() { return true }
    var fields = Self()
    let read = scanner.countsObject { key, scanner, seen in
      key.isKey("audio_tokens") ? seen.first(1) && scanner.tokenCount(into: &fields.audio_tokens) : nil
    }
    value = fields
    return read
  }
}

extension JSONScanner {
  /// Reads a token count or `null` (absent, or recorded in `nulls` for a required count).
  mutating func tokenCount(
    into count: inout TokenCount?, null: UsageFields.Nulls = [], in nulls: inout UsageFields.Nulls
  ) -> Bool {
    if self.null() {
      nulls.formUnion(null)
      return true
    }
    guard let value = tokenCount() else { return false }
    count = TokenCount(value: value)
    return true
  }

  /// Reads a token count, or `null` as absent.
  mutating func tokenCount(into count: inout TokenCount?) -> Bool {
    var ignored: UsageFields.Nulls = []
    return tokenCount(into: &count, in: &ignored)
  }
}
