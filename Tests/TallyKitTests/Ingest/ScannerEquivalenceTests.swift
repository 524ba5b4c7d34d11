import Foundation
import Testing

@testable import TallyKit

/// The readers' fast path (`JSONScanner`) against their JSONDecoder path: the same record or the
/// same error for every line, and the scanner handles every valid ordinary line itself.
@Suite struct ScannerEquivalenceTests {
  typealias F = IngestFixtures

  /// What a reader made of a line.
  enum Outcome: Equatable, CustomStringConvertible {
    case record(UsageRecord?)
    case error(String)
    /// The scanner was not sure and would have handed the line to JSONDecoder.
    case leftToDecoder

    var description: String {
      switch self {
      case .record(let record?):
        "record \(record.key) \(record.model ?? "-") \(record.status) \(record.tokens) \(record.webSearches) \(record.tenant ?? "-") \(record.job ?? "-") \(record.timestamp) \(record.serviceTier ?? "-") \(record.inferenceGeo ?? "-")"
      case .record(nil): "no record"
      case .error(let message): "error: \(message)"
      case .leftToDecoder: "left to JSONDecoder"
      }
    }
  }

  static let now = Timestamp.parse("2026-11-21T00:00:00Z")!

  static func reader(for format: InputFormat) -> any ScanningReader {
    switch format {
    case .anthropicBatch: AnthropicBatchReader(batchID: "msgbatch_equivalence", timestamp: 1_790_000_000)
    case .openaiBatch: OpenAIBatchReader(batchID: nil, fallbackTimestamp: 1_790_000_000, now: now)
    default: APILogReader(providerOfModel: { F.prices.resolve($0)?.provider }, now: now)
    }
  }

  static func outcome(_ line: [UInt8], _ format: InputFormat, _ decoding: LineDecoding) -> Outcome {
    var reader = reader(for: format)
    return line.withUnsafeBytes { bytes in
      do throws(LineError) {
        return .record(try reader.record(from: bytes, decoding: decoding))
      } catch {
        return error == .scannerNotSure ? .leftToDecoder : .error(error.message)
      }
    }
  }

  /// Both paths on `line`: (scanner, decoder, what ingest uses).
  static func both(_ line: [UInt8], _ format: InputFormat) -> (
    scanned: Outcome, decoded: Outcome, used: Outcome
  ) {
    let scanned = outcome(line, format, .scannerOnly)
    let decoded = outcome(line, format, .decoderOnly)
    return (scanned, decoded, outcome(line, format, .automatic))
  }

  /// Every non-blank line of a fixture, as `LineReader` hands them out.
  static func lines(of path: String) throws -> [(number: Int, bytes: [UInt8])] {
    var lines: [(Int, [UInt8])] = []
    try LineReader(path: path).forEachLine { number, bytes in lines.append((number, Array(bytes))) }
    return lines
  }

  static let fixtureFiles: [(path: String, format: InputFormat)] = {
    var files: [(String, InputFormat)] = []
    let roots = [
      F.root, CLIRoot.examples,
    ]
    for root in roots {
      guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else {
        continue
      }
      // Claude Code and LiteLLM readers decode with JSONDecoder / JSONNode only: no scanner path.
      for case let url as URL in walker
      where url.pathExtension == "jsonl" && !url.path.contains("/claude-code/")
        && !url.path.contains("/litellm/")
      {
        let format: InputFormat =
          url.path.contains("/anthropic-batch/") || url.lastPathComponent.hasPrefix("msgbatch_")
          ? .anthropicBatch : url.path.contains("/openai-batch/") ? .openaiBatch : .apiLog
        files.append((url.path, format))
      }
    }
    return files.sorted { $0.0 < $1.0 }
  }()

  @Test func everyFixtureLineReadsTheSameBothWays() throws {
    #expect(Self.fixtureFiles.count >= 14, "\(Self.fixtureFiles.map(\.path))")
    var scannedLines = 0
    for (path, format) in Self.fixtureFiles {
      for (number, bytes) in try Self.lines(of: path) {
        let (scanned, decoded, used) = Self.both(bytes, format)
        #expect(used == decoded, "\(path):\(number)")
        if scanned == .leftToDecoder {
          // The scanner may leave only lines JSONDecoder refuses (not JSON, wrong types).
          guard case .error = decoded else {
            Issue.record("\(path):\(number): a line JSONDecoder reads (\(decoded)) was left to it")
            continue
          }
        } else {
          scannedLines += 1
          #expect(scanned == decoded, "\(path):\(number)")
        }
      }
    }
    #expect(scannedLines > 60)
  }

  /// Fixture lines written again with members shuffled, whitespace added and every string escaped
  /// differently (`\u00e9` or raw UTF-8, `\/`, surrogate pairs): the scanner reads each itself and
  /// makes exactly the record of the original line.
  @Test func reencodedFixtureLinesGiveTheOriginalRecords() throws {
    var random = DemoRandom(seed: 20_261_127)
    var checked = 0
    for (path, format) in Self.fixtureFiles where !path.hasSuffix("huge-content.jsonl") {
      for (number, bytes) in try Self.lines(of: path) {
        let original = Self.outcome(bytes, format, .decoderOnly)
        guard case .record = original,
          let document = try? JSONDocuments.parse(Data(bytes)).first
        else { continue }
        for _ in 0..<8 {
          var encoder = Reencoder(random: random)
          let text = encoder.render(document)
          random = encoder.random
          let (scanned, decoded, _) = Self.both(Array(text.utf8), format)
          #expect(scanned == original, "\(path):\(number) as \(text)")
          #expect(decoded == original, "\(path):\(number) as \(text)")
          checked += 1
        }
      }
    }
    #expect(checked > 400)
  }

  /// Generated Anthropic batch lines with everything a line may carry: every result type, nulls,
  /// custom_ids with escapes and surrogate pairs, nested content, decoy usage keys inside content.
  @Test func generatedBatchLinesReadTheSameBothWays() {
    var random = DemoRandom(seed: 7)
    var statuses: [RequestStatus: Int] = [:]
    for index in 0..<1500 {
      let line = TrickyBatchLine.make(index, &random)
      let (scanned, decoded, _) = Self.both(Array(line.utf8), .anthropicBatch)
      #expect(scanned == decoded, "\(line)")
      guard case .record(let record?) = scanned else {
        Issue.record("not read: \(scanned) for \(line)")
        continue
      }
      statuses[record.status, default: 0] += 1
      if record.billed {
        #expect(record.tokens.input == 1000 + index, "a decoy was read: \(line)")
      }
    }
    #expect(statuses.keys.count == 4, "\(statuses)")
  }

  /// Lines the scanner must leave to JSONDecoder, or read itself, with what ingest makes of them.
  @Test(arguments: TrickyLine.cases)
  func trickyLines(_ tricky: TrickyLine) {
    let (scanned, decoded, used) = Self.both(Array(tricky.bytes), tricky.format)
    #expect(used == decoded, "\(tricky.name)")
    if tricky.scanned {
      #expect(scanned == decoded, "\(tricky.name)")
    } else {
      #expect(scanned == .leftToDecoder, "\(tricky.name)")
    }
    #expect(used.description == tricky.expected, "\(tricky.name)")
  }
}

/// Where the CLI tests' example files are.
enum CLIRoot {
  static let examples = IngestFixtures.root.deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("examples")
}

/// Writes a `JSONNode` as JSON text again, choosing at random among the equivalent spellings:
/// member order, whitespace, and for each character of a string raw UTF-8 or an escape.
struct Reencoder {
  var random: DemoRandom

  /// `key` is the member name the value belongs to: a token count may be written `1200.0`.
  mutating func render(_ node: JSONNode, key: String = "") -> String {
    switch node.value {
    case .object(let members):
      var order = Array(members.indices)
      for index in stride(from: order.count - 1, to: 0, by: -1) {
        order.swapAt(index, random.int(0...index))
      }
      let parts = order.map { index in
        space() + quoted(members[index].key, escapes: false) + space() + ":" + space()
          + render(members[index].value, key: members[index].key) + space()
      }
      return "{" + (parts.isEmpty ? space() : parts.joined(separator: ",")) + "}"
    case .array(let elements):
      return "[" + elements.map { space() + render($0) + space() }.joined(separator: ",") + "]"
    case .string(let text): return quoted(text, escapes: true)
    case .number(let text):
      // A whole count may also be written with a zero fraction (1200.0 is 1200 tokens).
      let count = key.hasSuffix("_tokens") || key == "web_search_requests"
      let plain = text.allSatisfy { $0.isASCII && $0.isNumber }
      return count && plain && random.chance(perMille: 200) ? text + ".0" : text
    case .bool(let value): return value ? "true" : "false"
    case .null: return "null"
    }
  }

  private mutating func space() -> String {
    ["", "", "", " ", "\t", "  ", "\r "][random.int(0...6)]
  }

  private mutating func quoted(_ text: String, escapes: Bool) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      let escape = escapes && random.chance(perMille: 300)
      switch scalar {
      case "\"": out += escape ? "\\u0022" : "\\\""
      case "\\": out += escape ? "\\u005C" : "\\\\"
      case "/": out += escape ? "\\/" : "/"
      case "\n": out += escape ? "\\u000a" : "\\n"
      case "\t": out += "\\t"
      case "\r": out += "\\r"
      case _ where scalar.value < 0x20: out += hex(scalar.value)
      case _ where escape && scalar.value > 0xFFFF:
        let value = scalar.value - 0x10000
        out += hex(0xD800 + (value >> 10)) + hex(0xDC00 + (value & 0x3FF))
      case _ where escape: out += hex(scalar.value)
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }

  private mutating func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16, uppercase: random.chance(perMille: 500))
    return "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
  }
}

/// Anthropic batch result lines built piece by piece, members in random order.
enum TrickyBatchLine {
  static func make(_ index: Int, _ random: inout DemoRandom) -> String {
    func pick<T>(_ choices: [T]) -> T { choices[random.int(0...(choices.count - 1))] }
    func object(_ members: [(String, String)]) -> String {
      var members = members
      for position in stride(from: members.count - 1, to: 0, by: -1) {
        members.swapAt(position, random.int(0...position))
      }
      return "{"
        + members.map { "\"\($0.0)\":" + pick(["", " "]) + $0.1 }.joined(separator: "," + pick(["", " "]))
        + "}"
    }
    let customID = pick([
      #""acme:summarize:\#(index)""#, #""quote\"d-\#(index)""#, #""back\\slash\/\#(index)""#,
      #""caf\u00e9-\#(index)""#, #""rocket-\ud83d\ude80-\#(index)""#, #""raw-été🚀-\#(index)""#,
      #""tab\tand\u00A0nbsp-\#(index)""#, #""\u0041\u0062c-\#(index)""#,
    ])
    let decoyText = pick([
      #""usage: {\"input_tokens\": 999999, \"output_tokens\": 1}""#,
      #""\"custom_id\":\"other\",\"result\":{\"type\":\"expired\"}""#,
      #""line one\nline two \\\" still text \u2028 \ud834\udd1e end""#,
      #""日本語のテキスト “quotes” and a backslash \\""#,
    ])
    let content =
      "[" + object([("type", #""text""#), ("text", decoyText)]) + ","
      + object([
        ("type", #""tool_use""#), ("id", #""toolu_01""#),
        (
          "input",
          #"{"usage":{"input_tokens":5,"output_tokens":[1,2,{"a":null}]},"n":-1.5e-3,"ok":true,"list":[[],{}]}"#
        ),
      ]) + "]"
    var usage: [(String, String)] = [
      ("input_tokens", pick(["\(1000 + index)", "\(1000 + index).0"])),
      ("output_tokens", "\(index % 97)"),
    ]
    let writes = index % 3 == 0 ? 2048 : 0
    switch index % 4 {
    case 0:
      usage += [
        ("cache_creation_input_tokens", "\(writes)"), ("cache_read_input_tokens", "null"),
        (
          "cache_creation",
          object([("ephemeral_5m_input_tokens", "\(writes)"), ("ephemeral_1h_input_tokens", "0")])
        ),
      ]
    case 1:
      usage += [
        ("cache_creation_input_tokens", "null"), ("cache_creation", "null"), ("server_tool_use", "null"),
      ]
    case 2:
      usage += [
        ("cache_read_input_tokens", "4096"),
        ("server_tool_use", object([("web_search_requests", "\(index % 5)"), ("web_fetch_requests", "0")])),
      ]
    default:
      break
    }
    usage += [("service_tier", pick([#""batch""#, "null", #""standard""#]))]
    usage += [("inference_geo", pick([#""global""#, "null", #""us""#, #""not_available""#]))]
    let model = pick([
      #""claude-sonnet-4-5-20250929""#, #""claude-haiku-4-5-20251001""#, #""claude-\u0068aiku-4-5""#,
    ])
    let message = object([
      ("id", #""msg_01XyZ""#), ("type", #""message""#), ("role", #""assistant""#), ("model", model),
      ("content", content), ("stop_reason", #""end_turn""#), ("stop_sequence", "null"),
      ("usage", object(usage)),
    ])
    let result: String
    switch index % 5 {
    case 1:
      result = object([
        ("type", #""errored""#),
        ("error", object([("type", #""error""#), ("error", object([("type", #""overloaded_error""#)]))])),
      ])
    case 2: result = object([("type", #""canceled""#), ("message", "null")])
    case 3: result = object([("type", #""expired""#)])
    default: result = object([("type", #""succeeded""#), ("message", message)])
    }
    let extra = pick([
      [], [("extra", #"{"input_tokens":7,"custom_id":"decoy"}"#)],
      [("n", "12.5e+3"), ("flags", "[true,false,null]")],
    ])
    return object([("custom_id", customID), ("result", result)] + extra)
  }
}

/// One hand-written line: whether the scanner reads it itself, and what ingest makes of it.
struct TrickyLine: CustomTestStringConvertible, Sendable {
  let name: String
  let format: InputFormat
  let bytes: [UInt8]
  let scanned: Bool
  let expected: String
  var testDescription: String { name }

  static let usage = #"{"input_tokens":10,"output_tokens":5}"#
  static func batch(_ customID: String = #""c-1""#, usage: String = usage, content: String = #"[]"#) -> String
  {
    #"{"custom_id":\#(customID),"result":{"type":"succeeded","message":{"model":"claude-haiku-4-5","content":\#(content),"usage":\#(usage)}}}"#
  }
  static let record =
    "record anthropic-batch:msgbatch_equivalence:c-1 claude-haiku-4-5 succeeded TokenCounts(input: 10, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0, output: 5, audioInput: 0, audioOutput: 0) 0 - - 1790000000 - -"

  static func line(
    _ name: String, _ text: String, scanned: Bool, _ expected: String, format: InputFormat = .anthropicBatch
  ) -> TrickyLine {
    TrickyLine(name: name, format: format, bytes: Array(text.utf8), scanned: scanned, expected: expected)
  }

  static let cases: [TrickyLine] = [
    line("plain", batch(), scanned: true, record),
    line(
      "whitespace everywhere",
      " \t{ \"custom_id\" : \"c-1\" ,\"result\":{\"type\" :\"succeeded\",\"message\":{\"usage\":{ \"output_tokens\" : 5 , \"input_tokens\":10 } ,\"model\":\"claude-haiku-4-5\"}} }\r ",
      scanned: true, record),
    line(
      "a whole number with a zero fraction", batch(usage: #"{"input_tokens":10.000,"output_tokens":5.0}"#),
      scanned: true, record),
    line(
      "an exponent is left to JSONDecoder", batch(usage: #"{"input_tokens":1e1,"output_tokens":5}"#),
      scanned: false, record),
    line(
      "a duplicate key is left to JSONDecoder, which keeps the first",
      #"{"custom_id":"c-1","custom_id":"c-2","result":{"type":"succeeded","message":{"model":"claude-haiku-4-5","usage":{"input_tokens":10,"output_tokens":5}}}}"#,
      scanned: false, record),
    line(
      "a duplicate usage key", batch(usage: #"{"input_tokens":10,"output_tokens":5,"input_tokens":11}"#),
      scanned: false, record),
    line(
      "an escaped key",
      #"{"custom\u005fid":"c-1","result":{"type":"succeeded","message":{"model":"claude-haiku-4-5","usage":{"input_tokens":10,"output_tokens":5}}}}"#,
      scanned: false, record),
    line(
      "a trailing comma, which JSONDecoder allows", batch(usage: #"{"input_tokens":10,"output_tokens":5,}"#),
      scanned: false, record),
    line(
      "decoys inside content",
      batch(
        content: #"[{"type":"text","text":"\"usage\":{\"input_tokens\":99}"},{"usage":{"input_tokens":98}}]"#),
      scanned: true, record),
    line(
      "a bad escape in content, which JSONDecoder allows", batch(content: #"["a \x b"]"#), scanned: false,
      record),
    line(
      "a short \\u escape in content", batch(content: #"["a \u12"]"#), scanned: false,
      "error: not valid JSON (a truncated or corrupted line?)"),
    line(
      "an unpaired surrogate in content, which JSONDecoder allows", batch(content: #"["\ud800 alone"]"#),
      scanned: true, record),
    line(
      "an unpaired surrogate in custom_id", batch(#""c-\ud800""#), scanned: false,
      "error: not valid JSON (a truncated or corrupted line?)"),
    line("a raw tab in content", batch(content: "[\"a\tb\"]"), scanned: true, record),
    line(
      "a raw tab in custom_id", batch("\"c-\t1\""), scanned: false,
      "error: not valid JSON (a truncated or corrupted line?)"),
    line(
      "nesting deeper than the scanner follows",
      batch(content: String(repeating: "[", count: 70) + String(repeating: "]", count: 70)), scanned: false,
      record),
    line(
      "a truncated line", String(batch().dropLast(3)), scanned: false,
      "error: not valid JSON (a truncated or corrupted line?)"),
    line(
      "text after the object", batch() + " x", scanned: false,
      "error: not valid JSON (a truncated or corrupted line?)"),
    line(
      "escapes in custom_id", batch(#""c-\"\\\/\u00e9\ud83d\ude80\n""#), scanned: true,
      "record anthropic-batch:msgbatch_equivalence:c-\"\\/é🚀\n claude-haiku-4-5 succeeded TokenCounts(input: 10, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0, output: 5, audioInput: 0, audioOutput: 0) 0 - - 1790000000 - -"
    ),
    line(
      "NUL written as \\u0000 in custom_id", batch(#""c-\u0000""#), scanned: true,
      "error: custom_id contains a NUL character"),
    line(
      "null input_tokens", batch(usage: #"{"input_tokens":null,"output_tokens":5}"#), scanned: true,
      "error: result.message.usage.input_tokens is null"),
    line(
      "missing output_tokens", batch(usage: #"{"input_tokens":10}"#), scanned: true,
      "error: result.message.usage.output_tokens is missing"),
    line(
      "a count past 10^12", batch(usage: #"{"input_tokens":1000000000001,"output_tokens":5}"#),
      scanned: false, "error: result.message.usage.input_tokens: 1000000000001 is more than 10^12 tokens"),
    line(
      "a count too small for Decimal", batch(usage: #"{"input_tokens":1e-400,"output_tokens":5}"#),
      scanned: false,
      "error: result.message.usage.input_tokens: the number is not a whole number of tokens from 0 to 10^12"),
    line(
      "negative zero", batch(usage: #"{"input_tokens":10,"output_tokens":5,"cache_read_input_tokens":-0}"#),
      scanned: false, record),
    line(
      "a string where a count belongs", batch(usage: #"{"input_tokens":"10","output_tokens":5}"#),
      scanned: false,
      "error: result.message.usage.input_tokens has the wrong type (expected a whole number of tokens)"),
    line(
      "a number where service_tier belongs",
      batch(usage: #"{"input_tokens":10,"output_tokens":5,"service_tier":1}"#), scanned: false,
      "error: result.message.usage.service_tier has the wrong type (Expected to decode String but found number instead.)"
    ),
    line(
      "an array, not an object", "[1,2]", scanned: false,
      "error:  has the wrong type (Expected to decode Dictionary<String, Any> but found an array instead.)"),
    line(
      "an OpenAI line with extra members and nulls",
      #"{"id":"batch_req_1","custom_id":null,"response":{"status_code":200,"body":{"object":"chat.completion","created":1793371217,"model":"gpt-4o-mini","usage":{"prompt_tokens":100,"completion_tokens":7,"prompt_tokens_details":{"cached_tokens":64,"audio_tokens":0},"completion_tokens_details":null}}},"error":null}"#,
      scanned: true,
      "record openai-batch:batch_req_1 gpt-4o-mini succeeded TokenCounts(input: 36, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 64, output: 7, audioInput: 0, audioOutput: 0) 0 - - 1793371217 - -",
      format: .openaiBatch),
    line(
      "an OpenAI status code written 200.0",
      #"{"id":"batch_req_1","response":{"status_code":200.0,"body":{"object":"chat.completion","created":1793371217,"model":"gpt-4o-mini","usage":{"prompt_tokens":100,"completion_tokens":7}}}}"#,
      scanned: false,
      "record openai-batch:batch_req_1 gpt-4o-mini succeeded TokenCounts(input: 100, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0, output: 7, audioInput: 0, audioOutput: 0) 0 - - 1793371217 - -",
      format: .openaiBatch),
    line(
      "an OpenAI audio line: prompt and completion counts include their audio tokens",
      #"{"id":"batch_req_1","response":{"status_code":200,"body":{"object":"chat.completion","created":1793371217,"model":"gpt-4o-audio-preview","usage":{"prompt_tokens":1000,"completion_tokens":400,"prompt_tokens_details":{"cached_tokens":200,"audio_tokens":300},"completion_tokens_details":{"reasoning_tokens":100,"audio_tokens":150,"accepted_prediction_tokens":0}}}}}"#,
      scanned: true,
      "record openai-batch:batch_req_1 gpt-4o-audio-preview succeeded TokenCounts(input: 500, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 200, output: 250, audioInput: 300, audioOutput: 150) 0 - - 1793371217 - -",
      format: .openaiBatch),
    line(
      "a Responses usage with audio tokens in its details",
      #"{"timestamp":"2026-11-02T10:00:00Z","request_id":"req_1","response":{"id":"resp_1","object":"response","model":"gpt-4o","usage":{"input_tokens":120,"output_tokens":80,"input_tokens_details":{"cached_tokens":20,"audio_tokens":40},"output_tokens_details":{"reasoning_tokens":0,"audio_tokens":30}}}}"#,
      scanned: true,
      "record api:req_1 gpt-4o succeeded TokenCounts(input: 60, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 20, output: 50, audioInput: 40, audioOutput: 30) 0 - - 1793613600 - -",
      format: .apiLog),
    line(
      "more audio and cached tokens than prompt tokens",
      #"{"id":"batch_req_1","response":{"status_code":200,"body":{"object":"chat.completion","created":1793371217,"model":"gpt-4o-audio-preview","usage":{"prompt_tokens":1000,"completion_tokens":400,"prompt_tokens_details":{"cached_tokens":200,"audio_tokens":900}}}}}"#,
      scanned: true,
      "error: response.body.usage.prompt_tokens_details.audio_tokens: 900 audio tokens and 200 cached tokens exceed prompt_tokens (1000); the prompt count includes both",
      format: .openaiBatch),
    line(
      "more audio tokens than completion tokens",
      #"{"id":"batch_req_1","response":{"status_code":200,"body":{"object":"chat.completion","created":1793371217,"model":"gpt-4o-audio-preview","usage":{"prompt_tokens":1000,"completion_tokens":40,"completion_tokens_details":{"audio_tokens":50}}}}}"#,
      scanned: true,
      "error: response.body.usage.completion_tokens_details.audio_tokens: 50 audio tokens exceed completion_tokens (40); the completion count includes them",
      format: .openaiBatch),
    line(
      "an API-log line with metadata",
      #"{"timestamp":"2026-11-02T10:00:00Z","metadata":{"tenant":"acme","job":"chat","other":[1]},"request_id":"req_1","response":{"id":"msg_1","type":"message","model":"claude-haiku-4-5","content":[{"type":"text","text":"\"usage\""}],"usage":{"input_tokens":10,"output_tokens":5,"service_tier":"standard"}}}"#,
      scanned: true,
      "record api:req_1 claude-haiku-4-5 succeeded TokenCounts(input: 10, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0, output: 5, audioInput: 0, audioOutput: 0) 0 acme chat 1793613600 standard -",
      format: .apiLog),
    line(
      "an API-log tenant with \\u0000",
      #"{"timestamp":"2026-11-02T10:00:00Z","tenant":"ac\u0000me","request_id":"req_1","usage":{"input_tokens":10,"output_tokens":5},"model":"claude-haiku-4-5"}"#,
      scanned: true, "error: tenant contains a NUL character", format: .apiLog),
    line(
      "an API-log tenant with a raw NUL",
      "{\"timestamp\":\"2026-11-02T10:00:00Z\",\"tenant\":\"ac\u{0}me\",\"request_id\":\"req_1\",\"usage\":{\"input_tokens\":10,\"output_tokens\":5},\"model\":\"claude-haiku-4-5\"}",
      scanned: false, "error: tenant contains a NUL character", format: .apiLog),
    line(
      "an API-log time before 2000",
      #"{"timestamp":"0001-01-01T00:00:00Z","request_id":"req_1","usage":{"input_tokens":10,"output_tokens":5},"model":"claude-haiku-4-5"}"#,
      scanned: true, #"error: timestamp "0001-01-01T00:00:00Z" is before 2000"#, format: .apiLog),
  ]
}

@Suite("Stored text limits")
struct StoredTextLimitTests {
  /// A 1 MB tenant name would make a 22 MB table and bloat the ledger: names stop at 4,096 bytes.
  @Test func aNameLongerThan4096BytesIsAnErrorAtItsLine() throws {
    func line(tenant: String) -> String {
      #"{"timestamp":"2026-10-01T10:00:00Z","tenant":"\#(tenant)","request_id":"r1","model":"claude-sonnet-4-5","provider":"anthropic","usage":{"input_tokens":5,"output_tokens":1}}"#
    }
    var reader = APILogReader(providerOfModel: { _ in "anthropic" }, now: 1_800_000_000)
    func read(_ text: String) throws -> UsageRecord? {
      let bytes = Array(text.utf8)
      return try bytes.withUnsafeBytes { buffer in try reader.record(from: buffer) }
    }
    #expect(try read(line(tenant: String(repeating: "a", count: 4_096)))?.tenant?.count == 4_096)
    #expect(throws: LineError("tenant is 4097 bytes long; names and ids are at most 4096 bytes")) {
      try read(line(tenant: String(repeating: "a", count: 4_097)))
    }
  }
}
