import Foundation

/// OpenTelemetry GenAI spans as the OTLP file exporter writes them: JSON Lines, each line
/// `{"resourceSpans":[{"resource":{"attributes":[…]},"scopeSpans":[{"scope":{…},"spans":[…]}]}]}`,
/// int64 values (`intValue`, `*UnixNano`) as JSON strings.
///
/// One line holds many spans, so this reader yields several records a line (`MultiRecordReader`).
/// Only model-call spans are requests (`gen_ai.operation.name` `chat`, `text_completion`,
/// `generate_content`); agent, tool and other spans are read and counted as skipped, so an agent
/// span that repeats its model calls' usage does not count it twice. Token names vary between
/// SDKs: `aliases` lists the names read for each count, first found wins.
/// `gen_ai.usage.input_tokens` includes the cache reads and writes (the semantic conventions say
/// so, Anthropic-instrumented spans included): uncached input = input - reads - writes; cache
/// writes have no 5m/1h split and count as 5-minute writes. The model is `gen_ai.response.model`,
/// else `gen_ai.request.model`; the provider `gen_ai.provider.name`, else `gen_ai.system`
/// (`aws.bedrock` is `bedrock`, `gcp.vertex_ai` `vertex`), else the model's price-table
/// provider. The key is `otel:<gen_ai.response.id>`, else `otel:<traceId>:<spanId>`; the time is
/// `startTimeUnixNano`. A span with status code ERROR is recorded errored, not billed.
public struct OTelGenAIReader: MultiRecordReader {
  public let providerOfModel: (String) -> String?
  public let now: Int64
  /// `--tenant-from` / `--job-from`: attribute keys, looked up in the span, then its resource.
  public let tenantFrom: FieldPath?
  public let jobFrom: FieldPath?

  /// The operations that are model calls.
  public static let modelCalls: Set<String> = ["chat", "text_completion", "generate_content"]

  /// The attribute names read for each count, in order of preference.
  public static let aliases: [String: [String]] = [
    "input": ["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"],
    "output": ["gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"],
    "cacheRead": [
      "gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens",
      "gen_ai.usage.input_tokens.cached", "gen_ai.usage.cached_input_tokens",
    ],
    "cacheWrite": [
      "gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_input_tokens",
    ],
  ]

  /// `gen_ai.provider.name` / `gen_ai.system` values whose Tally provider name differs.
  public static let providers: [String: String] = [
    "aws.bedrock": "bedrock", "gcp.vertex_ai": "vertex", "gcp.gemini": "google", "gcp.gen_ai": "google",
    "azure.ai.openai": "azure", "azure.ai.inference": "azure", "az.ai.openai": "azure",
    "az.ai.inference": "azure", "mistral_ai": "mistral", "x_ai": "xai", "ibm.watsonx.ai": "watsonx",
  ]

  public init(
    providerOfModel: @escaping (String) -> String?, now: Int64, tenantFrom: FieldPath? = nil,
    jobFrom: FieldPath? = nil
  ) {
    self.providerOfModel = providerOfModel
    self.now = now
    self.tenantFrom = tenantFrom
    self.jobFrom = jobFrom
  }

  public mutating func record(from line: UnsafeRawBufferPointer) throws(LineError) -> UsageRecord? {
    try records(from: line).records.first
  }

  /// The fields are read per span, in `records(from:)`.
  public func fields(tenant: FieldPath?, job: FieldPath?, line: UnsafeRawBufferPointer) throws(LineError)
    -> FieldAttribution
  { FieldAttribution() }

  /// An `attributes` list: key → (value object, place in the list).
  struct Attributes {
    let path: String
    var entries: [String: (value: JSONNode, index: Int)] = [:]

    init(_ node: JSONNode?, at path: String) throws(LineError) {
      self.path = path
      guard let node, !node.isNull else { return }
      guard case .array(let items) = node.value else {
        throw LineError("\(path) is \(node.kind); expected an array of {key, value}")
      }
      for (index, item) in items.enumerated() {
        guard case .string(let key)? = item["key"]?.value else {
          throw LineError("\(path)[\(index)].key is missing or not a string")
        }
        guard let value = item["value"], case .object = value.value else {
          throw LineError("\(path)[\(index)] (\(key)): value is missing or not an object")
        }
        if entries[key] == nil { entries[key] = (value, index) }
      }
    }

    func at(_ key: String) -> String {
      guard let entry = entries[key] else { return path }
      return "\(path)[\(entry.index)] (\(key))"
    }

    /// A `stringValue`; nil when absent.
    func string(_ key: String) throws(LineError) -> String? {
      guard let entry = entries[key] else { return nil }
      if let node = entry.value["stringValue"] {
        if case .string(let text) = node.value { return text }
        throw LineError("\(at(key)): stringValue is \(node.kind); expected a string")
      }
      throw LineError("\(at(key)): expected a stringValue")
    }

    /// A string, integer or double value as text, for attribution; nil when absent or empty.
    func text(_ key: String) throws(LineError) -> String? {
      guard let entry = entries[key] else { return nil }
      for kind in ["stringValue", "intValue", "doubleValue"] {
        guard let node = entry.value[kind] else { continue }
        switch node.value {
        case .string(let text): return text.isEmpty ? nil : text
        case .number(let text): return text
        default: throw LineError("\(at(key)): \(kind) is \(node.kind)")
        }
      }
      throw LineError(
        "\(at(key)) (named by --tenant-from/--job-from): expected a stringValue, intValue or doubleValue")
    }

    /// The first of `keys` present, as a token count: `intValue` (a string or a number).
    func count(_ keys: [String]) throws(LineError) -> Int? {
      guard let key = keys.first(where: { entries[$0] != nil }), let entry = entries[key] else { return nil }
      guard let node = entry.value["intValue"] else {
        throw LineError("\(at(key)): expected an intValue (a whole number of tokens)")
      }
      let text: String
      switch node.value {
      case .string(let written), .number(let written): text = written
      default: throw LineError("\(at(key)): intValue is \(node.kind); expected a whole number of tokens")
      }
      guard !text.isEmpty, text.utf8.count <= 13, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
        let value = Int(text), value <= TokenCount.maximum
      else {
        throw LineError("\(at(key)): \"\(text)\" is not a whole number of tokens (0 to 10^12)")
      }
      return value
    }
  }

  public mutating func records(from line: UnsafeRawBufferPointer) throws(LineError) -> (
    records: [UsageRecord], skipped: Int
  ) {
    let root: JSONNode
    do {
      guard let parsed = try JSONDocuments.parse(Data(line)).first else { throw LineError("empty line") }
      root = parsed
    } catch let failure as JSONDocuments.Failure {
      throw LineError("not valid JSON (\(failure.message))")
    } catch {
      throw error as! LineError
    }
    guard let resourceSpans = root["resourceSpans"] else {
      throw LineError("resourceSpans is missing (not an OTLP JSON trace line; metrics and logs are not read)")
    }
    guard case .array(let resources) = resourceSpans.value else {
      throw LineError("resourceSpans is \(resourceSpans.kind); expected an array")
    }
    var records: [UsageRecord] = []
    var skipped = 0
    for (r, resource) in resources.enumerated() {
      let resourcePath = "resourceSpans[\(r)]"
      let resourceAttributes = try Attributes(
        resource["resource"]?["attributes"], at: "\(resourcePath).resource.attributes")
      guard let scopes = resource["scopeSpans"], !scopes.isNull else { continue }
      guard case .array(let scopeList) = scopes.value else {
        throw LineError("\(resourcePath).scopeSpans is \(scopes.kind); expected an array")
      }
      for (s, scope) in scopeList.enumerated() {
        let scopePath = "\(resourcePath).scopeSpans[\(s)]"
        guard let spans = scope["spans"], !spans.isNull else { continue }
        guard case .array(let spanList) = spans.value else {
          throw LineError("\(scopePath).spans is \(spans.kind); expected an array")
        }
        for (i, span) in spanList.enumerated() {
          let path = "\(scopePath).spans[\(i)]"
          let attributes = try Attributes(span["attributes"], at: "\(path).attributes")
          guard let operation = try attributes.string("gen_ai.operation.name"),
            Self.modelCalls.contains(operation)
          else {
            skipped += 1
            continue
          }
          var record = try record(span, attributes, at: path)
          for (target, fieldPath) in [(0, tenantFrom), (1, jobFrom)] {
            guard let fieldPath else { continue }
            var value = try attributes.text(fieldPath.text)
            if value == nil { value = try resourceAttributes.text(fieldPath.text) }
            if target == 0 { record.fromField.tenant = value } else { record.fromField.job = value }
          }
          records.append(record)
        }
      }
    }
    return (records, skipped)
  }

  private func record(_ span: JSONNode, _ attributes: Attributes, at path: String) throws(LineError)
    -> UsageRecord
  {
    func text(_ name: String) throws(LineError) -> String? {
      guard let node = span[name], !node.isNull else { return nil }
      switch node.value {
      case .string(let text): return text.isEmpty ? nil : text
      case .number(let text): return text
      default: throw LineError("\(path).\(name) is \(node.kind); expected a string")
      }
    }
    guard let start = try text("startTimeUnixNano") else {
      throw LineError("\(path).startTimeUnixNano is missing")
    }
    guard start.utf8.count <= 19, start.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
      let nanos = Int64(start)
    else { throw LineError("\(path).startTimeUnixNano \"\(start)\" is not a whole number of nanoseconds") }
    let timestamp = nanos / 1_000_000_000
    try checkRequestTime(timestamp, now: now, "\(path).startTimeUnixNano \(Timestamp.describe(timestamp))")
    let key: String
    if let responseID = try attributes.string("gen_ai.response.id"), !responseID.isEmpty {
      try checkStoredText(responseID, attributes.at("gen_ai.response.id"))
      key = "otel:\(responseID)"
    } else {
      guard let trace = try text("traceId"), let spanID = try text("spanId") else {
        throw LineError(
          "\(path): no gen_ai.response.id, and traceId or spanId is missing: the span has no key")
      }
      try checkStoredText(trace, "\(path).traceId")
      try checkStoredText(spanID, "\(path).spanId")
      key = "otel:\(trace):\(spanID)"
    }
    let code = span["status"]?["code"]?.value
    let failed: Bool =
      switch code {
      case .number(let text)?: text == "2"
      case .string(let text)?: text == "STATUS_CODE_ERROR" || text == "2"
      default: false
      }
    var model = try attributes.string("gen_ai.response.model").flatMap { $0.isEmpty ? nil : $0 }
    if model == nil {
      model = try attributes.string("gen_ai.request.model").flatMap { $0.isEmpty ? nil : $0 }
    }
    try checkStoredText(model, "\(path): the model")
    if model == nil && !failed {
      throw LineError(
        "\(path).attributes: neither gen_ai.response.model nor gen_ai.request.model names the model")
    }
    var system = try attributes.string("gen_ai.provider.name")
    if system == nil { system = try attributes.string("gen_ai.system") }
    let provider =
      system.flatMap { $0.isEmpty ? nil : Self.providers[$0] ?? $0 }
      ?? model.flatMap(providerOfModel) ?? "openai"
    try checkStoredText(provider, "\(path): the provider")
    var record = UsageRecord(
      key: key, provider: provider, model: model, mode: .sync, timestamp: timestamp,
      status: failed ? .errored : .succeeded)
    guard !failed else { return record }
    let aliases = Self.aliases
    guard let input = try attributes.count(aliases["input"]!) else {
      throw LineError("\(path).attributes: gen_ai.usage.input_tokens is missing")
    }
    guard let output = try attributes.count(aliases["output"]!) else {
      throw LineError("\(path).attributes: gen_ai.usage.output_tokens is missing")
    }
    let reads = try attributes.count(aliases["cacheRead"]!) ?? 0
    let writes = try attributes.count(aliases["cacheWrite"]!) ?? 0
    guard reads + writes <= input else {
      throw LineError(
        "\(path).attributes: cache reads (\(reads)) and writes (\(writes)) exceed gen_ai.usage.input_tokens (\(input)); the semantic conventions count cache tokens inside input_tokens"
      )
    }
    guard input + output <= TokenCount.maximum else {
      throw LineError("\(path).attributes: the token counts add up to more than 10^12 in one request")
    }
    record.tokens = TokenCounts(
      input: input - reads - writes, cacheWrite5m: writes, cacheRead: reads, output: output)
    return record
  }
}
