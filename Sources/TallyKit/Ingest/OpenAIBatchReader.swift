import Foundation

/// OpenAI Batch output and error files (`.jsonl`): `{"id":"batch_req_…","custom_id",
/// "response":{"status_code","body"}|null,"error"}`. A 200 response is billed at batch rates;
/// error lines (`batch_expired`, failed requests) are recorded, not billed.
public struct OpenAIBatchReader: UsageReader {
  private struct Line: Decodable {
    struct Response: Decodable {
      let status_code: Int
      let body: Body?
    }
    struct Body: Decodable {
      let id: String?
      let object: String?
      let created: Int64?
      let created_at: Int64?
      let model: String?
      let usage: UsageFields?
    }
    struct ErrorInfo: Decodable {
      let code: String?
    }
    let id: String
    let custom_id: String?
    let response: Response?
    let error: ErrorInfo?
  }

  /// The time of lines that carry none (error lines): the batch's `created_at` or `--date`.
  public let fallbackTimestamp: Int64?
  public let batchID: String?

  public init(batchID: String?, fallbackTimestamp: Int64?) {
    self.batchID = batchID
    self.fallbackTimestamp = fallbackTimestamp
  }

  private let decoder = JSONDecoder()

  public mutating func record(from line: Data) throws(LineError) -> UsageRecord? {
    let decoded = try decodeLine(Line.self, from: line, decoder: decoder)
    let body = decoded.response?.body
    let succeeded = decoded.response?.status_code == 200 && body?.usage != nil
    guard let timestamp = body?.created ?? body?.created_at ?? fallbackTimestamp else {
      throw LineError(
        "the line has no time (response.body.created); give the batch object with --batch FILE.json or the day with --date YYYY-MM-DD"
      )
    }
    var record = UsageRecord(
      key: "openai-batch:\(decoded.id)", provider: "openai", model: body?.model, mode: .batch,
      timestamp: timestamp,
      status: succeeded ? .succeeded : (decoded.error?.code == "batch_expired" ? .expired : .errored),
      customID: decoded.custom_id, batchID: batchID)
    if succeeded, let usage = body?.usage {
      guard body?.model != nil else { throw LineError("response.body.model is missing") }
      record.tokens = try usage.openAITokens()
      record.serviceTier = usage.service_tier
    }
    return record
  }

  /// Reads an OpenAI batch object (`GET /v1/batches/{id}`), whose times are Unix seconds.
  public static func batchInfo(from data: Data) throws(LineError) -> BatchInfo {
    struct Object: Decodable {
      let id: String
      let object: String?
      let created_at: Int64
      let completed_at: Int64?
      let status: String?
    }
    let object = try decodeLine(Object.self, from: data)
    return BatchInfo(
      id: object.id, provider: "openai", createdAt: object.created_at, endedAt: object.completed_at,
      status: object.status)
  }
}
