import Foundation

/// Anthropic Message Batches results (`.jsonl`): one `{"custom_id", "result"}` per line.
///
/// Lines carry neither a time nor the batch id: both come from the batch object (or
/// `--batch-id` / `--date`). Only `succeeded` results are billed.
public struct AnthropicBatchReader: UsageReader {
  private struct Line: Decodable {
    struct Result: Decodable {
      struct Message: Decodable {
        let model: String
        let usage: UsageFields
      }
      let type: String
      let message: Message?
    }
    let custom_id: String
    let result: Result
  }

  public let batchID: String
  public let timestamp: Int64
  private let decoder = JSONDecoder()

  public init(batchID: String, timestamp: Int64) {
    self.batchID = batchID
    self.timestamp = timestamp
  }

  public mutating func record(from line: Data) throws(LineError) -> UsageRecord? {
    let decoded = try decodeLine(Line.self, from: line, decoder: decoder)
    guard !decoded.custom_id.isEmpty else { throw LineError("custom_id is empty") }
    var record = UsageRecord(
      key: "anthropic-batch:\(batchID):\(decoded.custom_id)", provider: "anthropic", model: nil, mode: .batch,
      timestamp: timestamp, status: .succeeded, customID: decoded.custom_id, batchID: batchID)
    switch decoded.result.type {
    case "succeeded":
      guard let message = decoded.result.message else {
        throw LineError("result.message is missing for a succeeded result")
      }
      let (tokens, searches) = try message.usage.anthropicTokens()
      record.model = message.model
      record.tokens = tokens
      record.webSearches = searches
      record.serviceTier = message.usage.service_tier
      record.inferenceGeo = message.usage.inference_geo
    case "errored": record.status = .errored
    case "canceled": record.status = .canceled
    case "expired": record.status = .expired
    default:
      throw LineError(
        "result.type \"\(decoded.result.type)\" is unknown; expected succeeded, errored, canceled or expired")
    }
    // A custom_id repeated with other usage is caught when the ledger refuses the second key.
    return record
  }

  /// Reads a batch object (`GET /v1/messages/batches/{id}` saved as JSON).
  public static func batchInfo(from data: Data) throws(LineError) -> BatchInfo {
    struct Object: Decodable {
      let id: String
      let type: String?
      let created_at: String
      let ended_at: String?
      let processing_status: String?
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
      status: object.processing_status)
  }
}
