import Foundation

/// Anthropic Message Batches results (`.jsonl`): one `{"custom_id", "result"}` per line.
///
/// Lines carry neither a time nor the batch id: both come from the batch object (or
/// `--batch-id` / `--date`). Only `succeeded` results are billed.
public struct AnthropicBatchReader: UsageReader {
  /// One line as JSONDecoder reads it, or as the scanner fills it in place (defaults stand for
  /// members not read yet; JSONDecoder still requires them).
  struct Line: Decodable {
    struct Result: Decodable {
      struct Message: Decodable {
        var model = ""
        var usage = UsageFields()
      }
      var type = ""
      var message: Message?
    }
    var custom_id = ""
    var result = Result()
  }

  public let batchID: String
  public let timestamp: Int64
  private let keyPrefix: String
  let decoder = JSONDecoder()
  private var models = StringCache()

  public init(batchID: String, timestamp: Int64) {
    self.batchID = batchID
    self.timestamp = timestamp
    keyPrefix = "anthropic-batch:\(batchID):"
  }

  public mutating func record(from line: UnsafeRawBufferPointer) throws(LineError) -> UsageRecord? {
    try record(from: line, decoding: .automatic)
  }

  func record(_ decoded: Line) throws(LineError) -> UsageRecord? {
    guard !decoded.custom_id.isEmpty else { throw LineError("custom_id is empty") }
    try checkStoredText(decoded.custom_id, "custom_id")
    let status: RequestStatus
    var model: String?
    var tokens = TokenCounts()
    var searches = 0
    var iterations: [UsageIteration] = []
    var serviceTier: String?
    var inferenceGeo: String?
    switch decoded.result.type {
    case "succeeded":
      guard let message = decoded.result.message else {
        throw LineError("result.message is missing for a succeeded result")
      }
      try checkStoredText(message.model, "result.message.model")
      (tokens, searches) = try message.usage.anthropicTokens(at: "result.message.usage")
      iterations = try message.usage.anthropicIterations(at: "result.message.usage")
      model = message.model
      serviceTier = message.usage.service_tier
      inferenceGeo = message.usage.inference_geo
      status = .succeeded
    case "errored": status = .errored
    case "canceled": status = .canceled
    case "expired": status = .expired
    default:
      throw LineError(
        "result.type \"\(decoded.result.type)\" is unknown; expected succeeded, errored, canceled or expired")
    }
    // A custom_id repeated with other usage is caught when the ledger refuses the second key.
    var record = UsageRecord(
      key: keyPrefix + decoded.custom_id, provider: "anthropic", model: model, mode: .batch,
      timestamp: timestamp, status: status, customID: decoded.custom_id, batchID: batchID, tokens: tokens,
      webSearches: searches, serviceTier: serviceTier, inferenceGeo: inferenceGeo)
    record.iterations = iterations
    return record
  }

  /// Fills `line` with the scanner; false when it is not sure (JSONDecoder decides).
  mutating func scan(_ bytes: UnsafeRawBufferPointer, into line: inout Line) -> Bool {
    guard var scanner = JSONScanner(bytes), scanner.beginObject() else { return false }
    var seen = SeenMembers()
    var first = true
    while true {
      switch scanner.nextMember(&first) {
      case .end: return scanner.atEnd() && seen.contains(0b11)
      case .invalid: return false
      case .key(let key):
        if key.isKey("custom_id") {
          guard seen.first(0b01), let value = scanner.string() else { return false }
          line.custom_id = value
        } else if key.isKey("result") {
          guard seen.first(0b10), scanResult(&scanner, into: &line.result) else { return false }
        } else {
          guard scanner.skipValue() else { return false }
        }
      }
    }
  }

  private mutating func scanResult(_ scanner: inout JSONScanner, into result: inout Line.Result) -> Bool {
    guard scanner.beginObject() else { return false }
    var seen = SeenMembers()
    var first = true
    while true {
      switch scanner.nextMember(&first) {
      case .end: return seen.contains(0b01)
      case .invalid: return false
      case .key(let key):
        if key.isKey("type") {
          guard seen.first(0b01), let value = scanner.string() else { return false }
          result.type = value
        } else if key.isKey("message") {
          guard seen.first(0b10) else { return false }
          if !scanner.null() {
            result.message = Line.Result.Message()
            guard scanMessage(&scanner, into: &result.message!) else { return false }
          }
        } else {
          guard scanner.skipValue() else { return false }
        }
      }
    }
  }

  private mutating func scanMessage(_ scanner: inout JSONScanner, into message: inout Line.Result.Message)
    -> Bool
  {
    guard scanner.beginObject() else { return false }
    var seen = SeenMembers()
    var first = true
    while true {
      switch scanner.nextMember(&first) {
      case .end: return seen.contains(0b11)
      case .invalid: return false
      case .key(let key):
        if key.isKey("model") {
          guard seen.first(0b01), let value = scanner.string(cache: &models) else { return false }
          message.model = value
        } else if key.isKey("usage") {
          guard seen.first(0b10), message.usage.scan(&scanner) else { return false }
        } else {
          guard scanner.skipValue() else { return false }
        }
      }
    }
  }

  /// Reads a batch object (`GET /v1/messages/batches/{id}` saved as JSON).
  public static func batchInfo(from data: Data) throws(LineError) -> BatchInfo {
    struct Object: Decodable {
      let id: String
      let type: String?
      let created_at: String
      let ended_at: String?
      let processing_status: String?
      let request_counts: [String: Int]?
    }
    let object = try decodeLine(Object.self, from: data)
    guard object.type == nil || object.type == "message_batch" else {
      throw LineError("type \"\(object.type ?? "")\" is not a message_batch object")
    }
    guard let created = Timestamp.parse(object.created_at) else {
      throw LineError("created_at \"\(object.created_at)\" is not an RFC 3339 time")
    }
    return BatchInfo(
      id: object.id, provider: "anthropic", createdAt: created,
      endedAt: object.ended_at.flatMap(Timestamp.parse),
      status: object.processing_status,
      requestCounts: object.request_counts.map { counts in
        BatchRequestCounts(
          total: ["processing", "succeeded", "errored", "canceled", "expired"].reduce(0) { sum, key in
            sum + (counts[key] ?? 0)
          },
          completed: counts["succeeded"] ?? 0)
      })
  }
}
