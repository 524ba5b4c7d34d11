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

extension JSONScanner {
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
