import Foundation

/// OpenAI Batch output and error files (`.jsonl`): `{"id":"batch_req_…","custom_id",
/// "response":{"status_code","body"}|null,"error"}`. A 200 response is billed at batch rates;
/// error lines (`batch_expired`, failed requests) are recorded, not billed.
public struct OpenAIBatchReader: UsageReader {
  /// One line as JSONDecoder reads it, or as the scanner fills it in place (defaults stand for
  /// members not read yet; JSONDecoder still requires them).
  struct Line: Decodable {
    struct Response: Decodable {
      var status_code = 0
      var body: ResponseBody?
    }
    struct ErrorInfo: Decodable {
      var code: String?
    }
    var id = ""
    var custom_id: String?
    var response: Response?
    var error: ErrorInfo?
  }

  /// The time of lines that carry none (error lines): the batch's `created_at` or `--date`.
  public let fallbackTimestamp: Int64?
  public let batchID: String?
  /// The current time (seconds since the epoch): a request more than a day after it is an error.
  public let now: Int64

  public init(batchID: String?, fallbackTimestamp: Int64?, now: Int64) {
    self.batchID = batchID
    self.fallbackTimestamp = fallbackTimestamp
    self.now = now
  }

  let decoder = JSONDecoder()
  private var models = StringCache()

  public mutating func record(from line: UnsafeRawBufferPointer) throws(LineError) -> UsageRecord? {
    try record(from: line, decoding: .automatic)
  }

  func record(_ decoded: Line) throws(LineError) -> UsageRecord? {
    try checkStoredText(decoded.id, "id")
    try checkStoredText(decoded.custom_id, "custom_id")
    let body = decoded.response?.body
    let succeeded = decoded.response?.status_code == 200 && body?.usage != nil
    let timestamp: Int64
    if let created = body?.created {
      try checkRequestTime(created, now: now, "response.body.created \(created)")
      timestamp = created
    } else if let created = body?.created_at {
      try checkRequestTime(created, now: now, "response.body.created_at \(created)")
      timestamp = created
    } else if let fallbackTimestamp {
      timestamp = fallbackTimestamp
    } else {
      throw LineError(
        "the line has no time (response.body.created); give the batch object with --batch FILE.json or the day with --date YYYY-MM-DD"
      )
    }
    var record = UsageRecord(
      key: "openai-batch:\(decoded.id)",
      provider: ProviderShapes.providerOfOpenAIBody(xGroq: body?.x_groq, batchLineID: decoded.id),
      model: body?.model, mode: .batch,
      timestamp: timestamp,
      status: succeeded ? .succeeded : (decoded.error?.code == "batch_expired" ? .expired : .errored),
      customID: decoded.custom_id, batchID: batchID)
    try checkStoredText(body?.model, "response.body.model")
    if succeeded, let usage = body?.usage {
      guard body?.model != nil else { throw LineError("response.body.model is missing") }
      record.tokens = try usage.openAITokens(at: "response.body.usage")
      record.webSearches = ProviderShapes.webSearchCalls(body?.output)
      record.serviceTier = usage.service_tier
    }
    return record
  }

  /// Fills `line` with the scanner; false when it is not sure (JSONDecoder decides).
  mutating func scan(_ bytes: UnsafeRawBufferPointer, into line: inout Line) -> Bool {
    guard var scanner = JSONScanner(bytes), scanner.beginObject() else { return false }
    var seen = SeenMembers()
    var first = true
    while true {
      switch scanner.nextMember(&first) {
      case .end: return scanner.atEnd() && seen.contains(1 << 0)
      case .invalid: return false
      case .key(let key):
        let read: Bool
        if key.isKey("id") {
          guard seen.first(1 << 0), let value = scanner.string() else { return false }
          line.id = value
          read = true
        } else if key.isKey("custom_id") {
          read = seen.first(1 << 1) && scanner.optionalString(into: &line.custom_id)
        } else if key.isKey("response") {
          read = seen.first(1 << 2) && scanResponse(&scanner, into: &line.response)
        } else if key.isKey("error") {
          guard seen.first(1 << 3) else { return false }
          if scanner.null() { continue }
          var error = Line.ErrorInfo()
          read = scanner.countsObject { key, scanner, seen in
            key.isKey("code") ? seen.first(1) && scanner.optionalString(into: &error.code) : nil
          }
          line.error = error
        } else {
          read = scanner.skipValue()
        }
        guard read else { return false }
      }
    }
  }

  private mutating func scanResponse(_ scanner: inout JSONScanner, into response: inout Line.Response?)
    -> Bool
  {
    if scanner.null() { return true }
    response = Line.Response()
    guard scanner.beginObject() else { return false }
    var seen = SeenMembers()
    var first = true
    while true {
      switch scanner.nextMember(&first) {
      case .end: return seen.contains(1 << 0)
      case .invalid: return false
      case .key(let key):
        if key.isKey("status_code") {
          guard seen.first(1 << 0), let value = scanner.integer() else { return false }
          response!.status_code = Int(value)
        } else if key.isKey("body") {
          guard seen.first(1 << 1) else { return false }
          if scanner.null() { continue }
          response!.body = ResponseBody()
          guard ResponseBody.scan(&scanner, into: &response!.body!, models: &models) else { return false }
        } else {
          guard scanner.skipValue() else { return false }
        }
      }
    }
  }

  /// Reads an OpenAI batch object (`GET /v1/batches/{id}`), whose times are Unix seconds.
  public static func batchInfo(from data: Data) throws(LineError) -> BatchInfo {
    struct Object: Decodable {
      let id: String
      let object: String?
      let created_at: Int64
      let completed_at: Int64?
      let status: String?
      let request_counts: [String: Int]?
    }
    let object = try decodeLine(Object.self, from: data)
    return BatchInfo(
      id: object.id, provider: "openai", createdAt: object.created_at, endedAt: object.completed_at,
      status: object.status,
      requestCounts: object.request_counts.flatMap { counts in
        counts["total"].map { BatchRequestCounts(total: $0, completed: counts["completed"] ?? 0) }
      })
  }
}
