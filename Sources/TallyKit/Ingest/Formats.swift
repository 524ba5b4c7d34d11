import Foundation

/// The input formats `tally ingest` reads.
public enum InputFormat: String, Sendable, CaseIterable {
  case anthropicBatch = "anthropic-batch"
  case openaiBatch = "openai-batch"
  case apiLog = "api-log"
  /// The Anthropic Admin API messages usage report (JSON pages, read whole).
  case anthropicUsageReport = "anthropic-usage-report"
  /// The Anthropic Admin API cost report (JSON pages, amounts in cents, read whole).
  case anthropicCostReport = "anthropic-cost-report"
  /// The OpenAI organization usage report, completions (`/v1/organization/usage/completions` pages).
  case openaiUsageReport = "openai-usage-report"
  /// The OpenAI organization costs report (`/v1/organization/costs` pages, amounts in dollars).
  case openaiCostReport = "openai-cost-report"
  /// The Anthropic Analytics API usage report (`/v1/organizations/analytics/usage`).
  case anthropicAnalyticsUsage = "anthropic-analytics-usage"
  /// The Anthropic Analytics API cost report (`/v1/organizations/analytics/cost`).
  case anthropicAnalyticsCost = "anthropic-analytics-cost"
  /// Claude Code's session logs (`~/.claude/projects/…/*.jsonl`): assistant lines with usage.
  case claudeCode = "claude-code"
  /// LiteLLM spend logs: the `/spend/logs` JSON array or a CSV export of `LiteLLM_SpendLogs`.
  case litellmSpend = "litellm-spend"
  /// OpenTelemetry GenAI spans in OTLP JSON, as the file exporter writes them (`resourceSpans` a line).
  case otelGenAI = "otel-genai"

  /// Whether the format is a provider's aggregated report rather than per-request records.
  public var isProviderReport: Bool { ProviderReportFormat(self) != nil }

  /// Guesses a per-request format from a file's first record; nil when it matches none, or is not
  /// JSON. (Provider reports, which may be pretty-printed, are recognised by `Ingester` from the
  /// whole file.)
  public static func detect(firstLine: UnsafeRawBufferPointer) -> InputFormat? {
    if isLiteLLMHeader(firstLine) { return .litellmSpend }
    if let rows = parse(firstLine) as? [Any], let row = rows.first as? [String: Any],
      row["request_id"] != nil, row["startTime"] != nil
    {
      return .litellmSpend
    }
    guard let object = firstRecord(firstLine) else { return nil }
    if object["resourceSpans"] is [Any] { return .otelGenAI }
    if object["request_id"] != nil, object["startTime"] != nil, object["prompt_tokens"] != nil,
      object["response"] == nil || object["spend"] != nil
    {
      return .litellmSpend
    }
    // Claude Code session lines: a `type` and the session's id (summary and snapshot lines name
    // the message they follow instead).
    if let type = object["type"] as? String,
      object["sessionId"] is String || (type == "summary" && object["leafUuid"] != nil)
        || (type == "file-history-snapshot" && object["messageId"] != nil)
    {
      return .claudeCode
    }
    if object["custom_id"] != nil, let result = object["result"] as? [String: Any], result["type"] != nil {
      return .anthropicBatch
    }
    if let id = object["id"] as? String, id.hasPrefix("batch_req"), object.keys.contains("response") {
      return .openaiBatch
    }
    if object["response"] != nil || object["usage"] != nil { return .apiLog }
    return nil
  }

  /// What a first record that `detect` recognises as no format looks like, and what to do: a
  /// batch request file (what one uploads) is told to ingest the batch's results instead; any
  /// other record is described by its members. Nil when the line is not a JSON object.
  static func undetected(_ line: UnsafeRawBufferPointer) -> String? {
    guard let object = firstRecord(line) else { return nil }
    if object["custom_id"] != nil, object["method"] != nil, object["url"] != nil, object["body"] != nil {
      return
        "this is a batch request file (what you upload: custom_id, method, url, body); ingest the batch's output file instead (batch_…_output.jsonl, the batch's output_file_id)"
    }
    if object["custom_id"] != nil, object["params"] != nil {
      return
        "this is a batch request file (what you upload: custom_id, params); ingest the batch's results file instead (msgbatch_…_results.jsonl, from the batch's results_url)"
    }
    let members = object.keys.sorted()
    let shown = members.prefix(8).joined(separator: ", ") + (members.count > 8 ? ", …" : "")
    return
      "cannot tell the format from the first record (an object with \(members.isEmpty ? "no members" : shown)); give --format (\(InputFormat.allCases.map(\.rawValue).joined(separator: ", ")))"
  }

  /// A CSV header naming LiteLLM_SpendLogs' columns `request_id`, `startTime` and `spend`.
  static func isLiteLLMHeader(_ line: UnsafeRawBufferPointer) -> Bool {
    guard let first = line.first, first != UInt8(ascii: "{"), first != UInt8(ascii: "["), line.count < 65_536
    else {
      return false
    }
    let names = Set(
      String(decoding: line, as: UTF8.self).split(separator: ",").map {
        $0.trimmingCharacters(in: CharacterSet(charactersIn: "\" \t\r\u{FEFF}"))
      })
    return names.isSuperset(of: ["request_id", "startTime", "spend"])
  }

  /// Whether the first bytes of a file are a `/spend/logs` JSON array: `[` first, and the first
  /// row names `request_id` and `startTime` (a pretty-printed array says nothing on its first line).
  static func isLiteLLMArray(_ prefix: UnsafeRawBufferPointer) -> Bool {
    guard prefix.first(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }) == UInt8(ascii: "[")
    else {
      return false
    }
    let text = String(decoding: prefix.prefix(65_536), as: UTF8.self)
    return text.contains("\"request_id\"") && text.contains("\"startTime\"")
  }

  /// Whether a first line that `detect` recognises as no format is JSON at all (the message then
  /// says "cannot tell the format" rather than "not valid JSON").
  static func isJSON(_ line: UnsafeRawBufferPointer) -> Bool { parse(line) != nil }

  private static func firstRecord(_ line: UnsafeRawBufferPointer) -> [String: Any]? {
    parse(line) as? [String: Any]
  }

  /// The line as JSON; a raw NUL byte is read as `\u0000` (as `decodeLine` does), so the reader
  /// can name the field that holds it.
  private static func parse(_ line: UnsafeRawBufferPointer) -> Any? {
    let data = Data(line)
    return (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]))
      ?? (data.contains(0)
        ? try? JSONSerialization.jsonObject(with: escapingNUL(data), options: [.fragmentsAllowed]) : nil)
  }
}

/// `data` with every NUL byte written as the six bytes `\u0000`.
func escapingNUL(_ data: Data) -> Data {
  var escaped = Data()
  escaped.reserveCapacity(data.count + 16)
  for byte in data {
    if byte == 0 { escaped.append(contentsOf: Array(#"\u0000"#.utf8)) } else { escaped.append(byte) }
  }
  return escaped
}

/// Why one line cannot be read: the message of a `file:line: message` problem.
public struct LineError: Error, Hashable, Sendable {
  public let message: String
  public init(_ message: String) { self.message = message }
}

/// A reader turns one line of its format into a record (nil for nothing to record).
public protocol UsageReader {
  /// `line` is one line of the file without its line ending, valid only during the call.
  mutating func record(from line: UnsafeRawBufferPointer) throws(LineError) -> UsageRecord?
  /// The values of the fields `--tenant-from` / `--job-from` name in the line the last record came
  /// from: called only when one of them is given, so a line is read again only then. The default
  /// reads the line as JSON and follows the paths from its root.
  func fields(tenant: FieldPath?, job: FieldPath?, line: UnsafeRawBufferPointer) throws(LineError)
    -> FieldAttribution
}

extension UsageReader {
  public func fields(tenant: FieldPath?, job: FieldPath?, line: UnsafeRawBufferPointer) throws(LineError)
    -> FieldAttribution
  {
    try FieldAttribution(json: line, tenant: tenant, job: job)
  }
}

extension FieldAttribution {
  /// The paths followed from the root of a JSON line.
  init(json line: UnsafeRawBufferPointer, tenant: FieldPath?, job: FieldPath?) throws(LineError) {
    let node: JSONNode
    do {
      guard let parsed = try JSONDocuments.parse(Data(line)).first else {
        self.init()
        return
      }
      node = parsed
    } catch {
      throw LineError("not valid JSON (\(error.message))")
    }
    self.init(tenant: try tenant?.value(in: node), job: try job?.value(in: node))
  }
}

/// A reader whose one line holds several records (OpenTelemetry: many spans a line), and lines
/// that are read but not requests (agent and tool spans). It reads the fields of
/// `--tenant-from` / `--job-from` itself, per record.
public protocol MultiRecordReader: UsageReader {
  mutating func records(from line: UnsafeRawBufferPointer) throws(LineError) -> (
    records: [UsageRecord], skipped: Int
  )
}

/// How a reader decodes a line: `JSONScanner` first, falling back to `JSONDecoder` when the
/// scanner is not sure (what ingest does), or only one of the two (tests compare them).
enum LineDecoding {
  case automatic, scannerOnly, decoderOnly
}

/// A reader with both decoders: `JSONScanner` fills its `Line`, else `JSONDecoder` does (and
/// words the error); one conversion makes the record either way. Tests run each decoder alone.
protocol ScanningReader: UsageReader {
  associatedtype Line: Decodable & EmptyLine
  var decoder: JSONDecoder { get }
  /// Fills `line` from the bytes; false when the scanner is not sure (see `JSONScanner`).
  mutating func scan(_ bytes: UnsafeRawBufferPointer, into line: inout Line) -> Bool
  func record(_ decoded: Line) throws(LineError) -> UsageRecord?
}

/// A line struct the scanner starts from: every field absent.
protocol EmptyLine { init() }

extension ScanningReader {
  @inline(__always)
  mutating func record(from line: UnsafeRawBufferPointer, decoding: LineDecoding) throws(LineError)
    -> UsageRecord?
  {
    if decoding != .decoderOnly {
      var scanned = Line()
      if scan(line, into: &scanned) { return try record(scanned) }
      if decoding == .scannerOnly { throw .scannerNotSure }
    }
    return try record(decodeLine(Line.self, from: line, decoder: decoder))
  }
}

extension AnthropicBatchReader: ScanningReader {}
// ClaudeCodeReader and LiteLLMSpendReader decode with JSONDecoder / JSONNode only.
extension OpenAIBatchReader: ScanningReader {}
extension APILogReader: ScanningReader {}
extension AnthropicBatchReader.Line: EmptyLine {}
extension OpenAIBatchReader.Line: EmptyLine {}
extension APILogReader.Line: EmptyLine {}

extension LineError {
  /// What `LineDecoding.scannerOnly` throws for a line the scanner leaves to `JSONDecoder`.
  static let scannerNotSure = LineError("(the scanner left this line to JSONDecoder)")

  /// What a reader throws for a line that is a poll snapshot of a request still running (an
  /// OpenAI background response `queued` or `in_progress`, usage null): not billed, not malformed,
  /// and not stored (its key must not block the completed response's). Ingest counts it as not
  /// billed.
  public static let pollSnapshot = LineError("(a poll snapshot of a response still running: not billed)")
}

/// Decodes a line, turning decoding errors into messages that name the field.
func decodeLine<T: Decodable>(
  _ type: T.Type, from line: UnsafeRawBufferPointer, decoder: JSONDecoder = JSONDecoder()
) throws(LineError) -> T {
  try decodeLine(type, from: Data(line), decoder: decoder)
}

/// Decodes JSON text, turning decoding errors into messages that name the field.
///
/// JSONDecoder refuses a raw NUL byte inside a string it decodes; such a line is decoded again
/// with the NUL written as `\u0000`, so the message names the field that holds it (`tenant contains
/// a NUL character`) rather than calling the whole line corrupt.
func decodeLine<T: Decodable>(_ type: T.Type, from line: Data, decoder: JSONDecoder = JSONDecoder())
  throws(LineError) -> T
{
  do {
    return try decoder.decode(type, from: line)
  } catch let DecodingError.dataCorrupted(context) where context.codingPath.isEmpty {
    if line.contains(0) { return try decodeLine(type, from: escapingNUL(line), decoder: decoder) }
    throw LineError("not valid JSON (a truncated or corrupted line?)")
  } catch let DecodingError.keyNotFound(key, context) {
    throw LineError("\(path(context.codingPath + [key])) is missing")
  } catch let DecodingError.typeMismatch(_, context) {
    throw LineError("\(path(context.codingPath)) has the wrong type (\(context.debugDescription))")
  } catch let DecodingError.valueNotFound(_, context) {
    throw LineError("\(path(context.codingPath)) is null")
  } catch let DecodingError.dataCorrupted(context) {
    throw LineError("\(path(context.codingPath)): \(context.debugDescription)")
  } catch {
    throw LineError("not valid JSON: \(error)")
  }
}

/// `a.b[0].c`: members joined with dots, array positions in brackets.
private func path(_ keys: [any CodingKey]) -> String {
  keys.reduce(into: "") { text, key in
    if let index = key.intValue {
      text += "[\(index)]"
    } else {
      text += (text.isEmpty ? "" : ".") + key.stringValue
    }
  }
}

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

// MARK: - Checks shared by the readers

/// The earliest request time Tally accepts: 2000-01-01T00:00:00Z.
let earliestRequestTime: Int64 = 946_684_800

/// Refuses a request time before 2000 or more than a day after `now` (a clock or unit mistake);
/// `what` names it in the message, such as `timestamp "0001-01-01T00:00:00Z"`.
func checkRequestTime(_ time: Int64, now: Int64, _ what: @autoclosure () -> String) throws(LineError) {
  if time < earliestRequestTime { throw LineError("\(what()) is before 2000") }
  if time > now &+ 86_400 { throw LineError("\(what()) is more than a day in the future") }
}

/// The longest name or id Tally stores (tenant, job, custom_id, model, request id), in bytes:
/// far above any real one, and small enough that a hostile line cannot bloat the ledger.
let longestStoredText = 4_096

/// Refuses U+0000 (`tenant contains a NUL character`) and more than `longestStoredText` bytes
/// in a name or id that is stored and printed.
func checkStoredText(_ value: String?, _ name: @autoclosure () -> String) throws(LineError) {
  guard let value, !value.isEmpty else { return }
  if value.utf8.count > longestStoredText {
    throw LineError(
      "\(name()) is \(value.utf8.count) bytes long; names and ids are at most \(longestStoredText) bytes")
  }
  let found =
    value.utf8.withContiguousStorageIfAvailable { memchr($0.baseAddress!, 0, $0.count) != nil }
    ?? value.utf8.contains(0)
  if found { throw LineError("\(name()) contains a NUL character") }
}

// MARK: - The scanner's side of the shared types

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
    if null() { return true }
    guard let value = tokenCount() else { return false }
    count = TokenCount(value: value)
    return true
  }

  /// Reads a string, or `null` as nil.
  mutating func optionalString(into value: inout String?) -> Bool {
    if null() { return true }
    guard let string = string() else { return false }
    value = string
    return true
  }

  /// Reads a string, or `null` as nil, sharing repeated plain strings through `cache`.
  mutating func optionalString(into value: inout String?, cache: inout StringCache) -> Bool {
    if null() { return true }
    guard let string = string(cache: &cache) else { return false }
    value = string
    return true
  }

  /// Reads a plain integer, or `null` as nil.
  mutating func optionalInteger(into value: inout Int64?) -> Bool {
    if null() { return true }
    guard let integer = integer() else { return false }
    value = integer
    return true
  }

  /// Reads an object whose members `member` knows by key (nil: skip the member), such as
  /// `{"cached_tokens": 1024, "audio_tokens": 0}`.
  mutating func countsObject(
    _ member: (UnsafeRawBufferPointer, inout JSONScanner, inout SeenMembers) -> Bool?
  ) -> Bool {
    guard beginObject() else { return false }
    var seen = SeenMembers()
    var first = true
    while true {
      switch nextMember(&first) {
      case .end: return true
      case .invalid: return false
      case .key(let key):
        guard member(key, &self, &seen) ?? skipValue() else { return false }
      }
    }
  }
}
