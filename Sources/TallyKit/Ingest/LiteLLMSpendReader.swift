import Foundation

/// LiteLLM proxy spend logs: the `/spend/logs` response (a JSON array of `LiteLLM_SpendLogs`
/// rows) or a CSV export of the `LiteLLM_SpendLogs` table (a header row naming the columns).
///
/// One row is one request, keyed `litellm:<request_id>`, dated by `startTime` (a time without a
/// zone, as Postgres writes `timestamp(3)`, is UTC). `prompt_tokens` includes the cached tokens
/// (LiteLLM's usage is OpenAI-shaped); the cache reads (`prompt_tokens_details.cached_tokens`,
/// else `cache_read_input_tokens`) and writes (`cache_creation_input_tokens`, counted as 5-minute
/// writes) are known only from `metadata.usage_object`: input = prompt - reads - writes. A row
/// without it counts its whole prompt as input (`rowsWithoutUsageObject`). `status` `failure`
/// (else `metadata.status`) is recorded errored, not billed. The provider is
/// `custom_llm_provider` (`vertex_ai` is `vertex`), else the model's price-table provider.
/// LiteLLM's `spend` is read exactly from its text and kept as `reportedSpend`, never priced.
/// Tenant is the row's `end_user`, else `metadata.user_api_key_team_alias`, else `team_id`.
public struct LiteLLMSpendReader: UsageReader {
  public let providerOfModel: (String) -> String?
  public let now: Int64
  /// CSV: column name → position, from the header row; nil for JSON.
  private var columns: [String: Int]?
  /// Billed rows that carry no `metadata.usage_object`.
  public private(set) var rowsWithoutUsageObject = 0

  public init(providerOfModel: @escaping (String) -> String?, now: Int64) {
    self.providerOfModel = providerOfModel
    self.now = now
  }

  /// One row's values by column: JSON members or CSV cells (an empty cell is absent).
  private enum Row {
    case json(JSONNode)
    case csv([String], [String: Int])

    func text(_ name: String) throws(LineError) -> String? {
      switch self {
      case .json(let node):
        guard let value = node[name] else { return nil }
        switch value.value {
        case .string(let text): return text
        case .number(let text): return text
        case .null: return nil
        default: throw LineError("\(name) is \(value.kind); expected a string or a number")
        }
      case .csv(let cells, let columns):
        guard let index = columns[name], index < cells.count, !cells[index].isEmpty else { return nil }
        return cells[index]
      }
    }

    func metadata() throws(LineError) -> JSONNode? {
      switch self {
      case .json(let node):
        guard let value = node["metadata"], !value.isNull else { return nil }
        if case .string(let text) = value.value { return try Self.parseJSON(text, "metadata") }
        return value
      case .csv:
        guard let text = try text("metadata") else { return nil }
        return try Self.parseJSON(text, "metadata")
      }
    }

    static func parseJSON(_ text: String, _ name: String) throws(LineError) -> JSONNode {
      do {
        guard let node = try JSONDocuments.parse(Data(text.utf8)).first, !node.isNull else {
          throw LineError("\(name) is empty")
        }
        return node
      } catch let failure as JSONDocuments.Failure {
        throw LineError("\(name) is not valid JSON (\(failure.message))")
      } catch {
        throw error as! LineError
      }
    }
  }

  /// `bytes` is one element of the JSON array (an object), or one CSV record (the first is
  /// the header).
  public mutating func record(from bytes: UnsafeRawBufferPointer) throws(LineError) -> UsageRecord? {
    let first = bytes.first(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D })
    let row: Row
    if first == UInt8(ascii: "{") && columns == nil {
      let node: JSONNode
      do {
        guard let parsed = try JSONDocuments.parse(Data(bytes)).first else { throw LineError("empty row") }
        node = parsed
      } catch let failure as JSONDocuments.Failure {
        throw LineError("not valid JSON (\(failure.message))")
      } catch {
        throw error as! LineError
      }
      row = .json(node)
    } else {
      let text = String(decoding: bytes, as: UTF8.self)
      let cells: [String]
      do {
        cells = try CSVReader.records(text).first?.fields ?? []
      } catch {
        throw LineError("not a CSV row: \(error.message)")
      }
      guard let columns else {
        let names = cells.map { $0.trimmingCharacters(in: .whitespaces) }
        for required in ["request_id", "startTime", "model", "prompt_tokens", "completion_tokens"]
        where !names.contains(required) {
          throw LineError("the header has no \(required) column (a CSV export of LiteLLM_SpendLogs has one)")
        }
        columns = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        throw LineError.notARequest
      }
      if cells.count != columns.count {
        throw LineError("the row has \(cells.count) cells, the header \(columns.count) columns")
      }
      row = .csv(cells, columns)
    }
    return try record(row)
  }

  /// JSON rows follow the paths from the row object; a CSV row's first member names a column
  /// (the whole path first, so a column named `user.id` works too), and what follows it is
  /// followed in the JSON the cell holds (`metadata.user_api_key_team_alias`).
  public func fields(tenant: FieldPath?, job: FieldPath?, line: UnsafeRawBufferPointer) throws(LineError)
    -> FieldAttribution
  {
    guard let columns else { return try FieldAttribution(json: line, tenant: tenant, job: job) }
    let text = String(decoding: line, as: UTF8.self)
    let cells: [String]
    do {
      cells = try CSVReader.records(text).first?.fields ?? []
    } catch {
      throw LineError("not a CSV row: \(error.message)")
    }
    func value(_ path: FieldPath?) throws(LineError) -> String? {
      guard let path else { return nil }
      func cell(_ name: String) -> String? {
        guard let index = columns[name], index < cells.count, !cells[index].isEmpty else { return nil }
        return cells[index]
      }
      if let whole = cell(path.text) { return whole }
      guard case .member(let column) = path.steps[0], let rest = path.rest, let json = cell(column) else {
        return nil
      }
      return try rest.value(in: Row.parseJSON(json, column))
    }
    return FieldAttribution(tenant: try value(tenant), job: try value(job))
  }

  private mutating func record(_ row: Row) throws(LineError) -> UsageRecord {
    guard let requestID = try row.text("request_id") else { throw LineError("request_id is missing") }
    try checkStoredText(requestID, "request_id")
    guard let start = try row.text("startTime") else { throw LineError("startTime is missing") }
    guard let timestamp = Timestamp.parse(start) ?? Timestamp.parse(start + "Z") else {
      throw LineError(
        "startTime \"\(start)\" is not a time such as 2026-11-03T10:22:11.123Z or 2026-11-03 10:22:11.123")
    }
    try checkRequestTime(timestamp, now: now, "startTime \"\(start)\"")
    let metadata = try row.metadata()
    let statusText =
      try row.text("status")
      ?? metadata?["status"].flatMap { node -> String? in
        if case .string(let text) = node.value { return text } else { return nil }
      }
    let status: RequestStatus
    switch statusText {
    case nil, "success"?: status = .succeeded
    case "failure"?: status = .errored
    case let other?: throw LineError("status \"\(other)\" is not success or failure")
    }
    // A failed request may name no model (LiteLLM logs the failure before routing it).
    var model = try row.text("model") ?? ""
    if model.isEmpty && status == .succeeded { throw LineError("model is missing") }
    let litellmProvider = try row.text("custom_llm_provider")
    if let litellmProvider, model.hasPrefix(litellmProvider + "/") {
      model = String(model.dropFirst(litellmProvider.count + 1))
    }
    try checkStoredText(model, "model")
    let provider =
      litellmProvider.map {
        ["vertex_ai": "vertex", "vertex_ai_beta": "vertex", "text-completion-openai": "openai"][$0] ?? $0
      }
      ?? (model.isEmpty ? nil : providerOfModel(model)) ?? "openai"
    try checkStoredText(provider, "custom_llm_provider")
    let spendText = try row.text("spend")
    var spend: Decimal?
    if let spendText {
      guard let exact = ExactDecimal.parse(spendText, allowExponent: true) else {
        throw LineError("spend \"\(spendText)\" is not a number")
      }
      spend = exact
    }
    var tenant: String?
    for name in ["end_user", "team_id"] {
      if tenant == nil, let value = try row.text(name), !value.isEmpty { tenant = value }
      if name == "end_user", tenant == nil,
        case .string(let alias)? = metadata?["user_api_key_team_alias"]?.value,
        !alias.isEmpty
      {
        tenant = alias
      }
    }
    try checkStoredText(tenant, "end_user")
    var record = UsageRecord(
      key: "litellm:\(requestID)", provider: provider, model: model.isEmpty ? nil : model, mode: .sync,
      timestamp: timestamp,
      status: status, tenant: tenant)
    record.reportedSpend = spend
    guard status == .succeeded else { return record }
    let prompt = try count(row.text("prompt_tokens"), "prompt_tokens")
    let completion = try count(row.text("completion_tokens"), "completion_tokens")
    var reads = 0
    var writes = 0
    let usage = metadata?["usage_object"]
    if let usage, !usage.isNull {
      let path = "metadata.usage_object"
      if let cached = usage["prompt_tokens_details"]?["cached_tokens"], !cached.isNull {
        reads = try count(cached, "\(path).prompt_tokens_details.cached_tokens")
      } else if let read = usage["cache_read_input_tokens"], !read.isNull {
        reads = try count(read, "\(path).cache_read_input_tokens")
      }
      if let write = usage["cache_creation_input_tokens"], !write.isNull {
        writes = try count(write, "\(path).cache_creation_input_tokens")
      }
      guard reads + writes <= prompt else {
        throw LineError(
          "\(path): cache reads (\(reads)) and writes (\(writes)) exceed prompt_tokens (\(prompt)); LiteLLM's prompt count includes both"
        )
      }
    } else {
      rowsWithoutUsageObject += 1
    }
    record.tokens = TokenCounts(
      input: prompt - reads - writes, cacheWrite5m: writes, cacheRead: reads, output: completion)
    return record
  }

  private func count(_ node: JSONNode, _ name: String) throws(LineError) -> Int {
    guard case .number(let text) = node.value else {
      throw LineError("\(name) is \(node.kind); expected a whole number")
    }
    return try count(text, name)
  }

  private func count(_ text: String?, _ name: String) throws(LineError) -> Int {
    guard let text else { throw LineError("\(name) is missing") }
    guard !text.isEmpty, text.utf8.count <= 13, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
      let value = Int(text), value <= TokenCount.maximum
    else { throw LineError("\(name) \"\(text)\" is not a whole number of tokens (0 to 10^12)") }
    return value
  }
}

/// Cuts a LiteLLM spend-log file into rows as its lines stream by: the elements of a JSON array
/// (pretty-printed or not; a row is held only until it closes), JSON Lines (one row object a
/// line, as `jq -c '.[]'` writes the array), or CSV records (a quoted cell
/// may hold line breaks). Each row goes out with the line it starts on.
struct LiteLLMRows {
  enum Kind { case undecided, jsonArray, jsonLines, csv }
  private var kind = Kind.undecided
  private var buffer: [UInt8] = []
  private var startLine = 0
  // JSON state.
  private var opened = false
  private var closed = false
  private var depth = 0
  private var inString = false
  private var escaped = false
  private var index = 0
  // CSV state: whether the bytes so far leave a quoted cell open.
  private var quoteOpen = false

  mutating func feed(
    _ line: UnsafeRawBufferPointer, number: Int, _ emit: (Int, UnsafeRawBufferPointer) throws -> Void
  ) throws {
    if kind == .undecided {
      let first = line.first(where: { $0 != 0x20 && $0 != 0x09 })
      kind = first == UInt8(ascii: "[") ? .jsonArray : first == UInt8(ascii: "{") ? .jsonLines : .csv
    }
    if kind == .jsonLines { return try emit(number, line) }
    if kind == .csv {
      if buffer.isEmpty { startLine = number } else { buffer.append(0x0A) }
      buffer.append(contentsOf: line)
      for byte in line where byte == UInt8(ascii: "\"") { quoteOpen.toggle() }
      if !quoteOpen {
        try buffer.withUnsafeBytes { try emit(startLine, $0) }
        buffer.removeAll(keepingCapacity: true)
      }
      return
    }
    if depth > 0 { buffer.append(0x0A) }
    for byte in line {
      if depth == 0 {
        switch byte {
        case 0x20, 0x09, 0x0D: continue
        case UInt8(ascii: "[") where !opened: opened = true; continue
        case UInt8(ascii: ","): continue
        case UInt8(ascii: "]") where opened && !closed: closed = true; continue
        case UInt8(ascii: "{") where opened && !closed:
          startLine = number
          depth = 1
          buffer = [byte]
          continue
        default:
          throw LiteLLMRowsError(
            line: number,
            message: closed
              ? "text after the end of the JSON array"
              : "[\(index)] is not an object (a /spend/logs response is an array of row objects)")
        }
      }
      buffer.append(byte)
      if inString {
        if escaped {
          escaped = false
        } else if byte == UInt8(ascii: "\\") {
          escaped = true
        } else if byte == UInt8(ascii: "\"") {
          inString = false
        }
        continue
      }
      switch byte {
      case UInt8(ascii: "\""): inString = true
      case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
      case UInt8(ascii: "}"), UInt8(ascii: "]"):
        depth -= 1
        if depth == 0 {
          index += 1
          try buffer.withUnsafeBytes { try emit(startLine, $0) }
          buffer.removeAll(keepingCapacity: true)
        }
      default: break
      }
    }
  }

  /// After the last line: a row or the array left open is a truncated file.
  func finish(lastLine: Int) throws {
    switch kind {
    case .undecided, .jsonLines: return
    case .csv:
      if !buffer.isEmpty {
        throw LiteLLMRowsError(line: startLine, message: "a quoted cell is not closed (a truncated file?)")
      }
    case .jsonArray:
      if depth > 0 {
        throw LiteLLMRowsError(line: startLine, message: "[\(index)] is not closed (a truncated file?)")
      }
      if !closed {
        throw LiteLLMRowsError(
          line: lastLine, message: "the JSON array is not closed with ] (a truncated file?)")
      }
    }
  }
}

/// A LiteLLM file that cannot be cut into rows at `line`: the rest of it cannot be read.
struct LiteLLMRowsError: Error {
  let line: Int
  let message: String
}
