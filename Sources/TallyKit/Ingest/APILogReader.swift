import Foundation

/// Logs of synchronous API calls: one envelope per line,
/// `{"timestamp","tenant","job","request_id","response":{…}}` where the response is an
/// Anthropic Message or an OpenAI chat.completion / response object, or `usage` + `model`
/// (+ `provider`) when the body was not kept. Tenant and job may sit in `metadata`.
public struct APILogReader: UsageReader {
  struct Line: Decodable {
    struct Metadata: Decodable {
      var tenant: String?
      var job: String?
    }
    var timestamp: String?
    var tenant: String?
    var job: String?
    var request_id: String?
    var metadata: Metadata?
    var response: ResponseBody?
    var usage: UsageFields?
    var model: String?
    var provider: String?
  }

  /// Tells the provider of a bare `usage` + `model` line from the model's price-table row.
  public let providerOfModel: (String) -> String?
  /// The current time (seconds since the epoch): a request more than a day after it is an error.
  public let now: Int64

  public init(providerOfModel: @escaping (String) -> String?, now: Int64) {
    self.providerOfModel = providerOfModel
    self.now = now
  }

  let decoder = JSONDecoder()
  private var models = StringCache()

  public mutating func record(from line: UnsafeRawBufferPointer) throws(LineError) -> UsageRecord? {
    try record(from: line, decoding: .automatic)
  }

  func record(_ decoded: Line) throws(LineError) -> UsageRecord? {
    let body = decoded.response
    let isResponse = body?.object == "response"
    // Background mode: the log holds poll snapshots before the final response. They are not
    // billed, not malformed, and must not take the completed response's key.
    if isResponse, body?.status == "queued" || body?.status == "in_progress" { throw .pollSnapshot }
    let usage = body?.usage ?? decoded.usage
    // A finished Responses object without usage (`failed`, `cancelled`) was not billed.
    let notBilled: RequestStatus? =
      usage == nil && isResponse
      ? [
        "failed": .errored, "cancelled": .canceled, "incomplete": .errored,
      ][body?.status ?? ""] : nil
    guard usage != nil || notBilled != nil else {
      throw LineError("no usage: expected a response body with usage, or usage and model")
    }
    guard let model = body?.model ?? decoded.model else {
      if body?.object == "response.compaction" {
        throw LineError("no model: a response.compaction body names none; add \"model\" to the line")
      }
      throw LineError("no model: expected response.model or model")
    }
    try checkStoredText(model, body?.model != nil ? "response.model" : "model")
    // Which provider served it, and whose usage conventions its counts follow.
    var provider: String
    let anthropicUsage: Bool
    if let body {
      switch (body.type, body.object) {
      case ("message", _):
        provider = ProviderShapes.providerOfMessage(id: body.id)
        anthropicUsage = true
      case (_, "chat.completion"), (_, "response"), (_, "response.compaction"):
        provider = ProviderShapes.providerOfOpenAIBody(xGroq: body.x_groq)
        anthropicUsage = false
      default:
        throw LineError(
          "response is neither an Anthropic message (\"type\":\"message\") nor an OpenAI chat.completion, response or response.compaction object"
        )
      }
      if let given = decoded.provider { provider = given }
    } else if let given = decoded.provider {
      provider = given
      anthropicUsage = ProviderShapes.anthropicDialect.contains(given)
    } else if usage?.looksLikeOpenAI == true {
      provider = "openai"
      anthropicUsage = false
    } else if let known = providerOfModel(model) {
      provider = known
      anthropicUsage = ProviderShapes.anthropicDialect.contains(known)
    } else {
      throw LineError("cannot tell the provider of model \"\(model)\"; add \"provider\" to the line")
    }
    guard ProviderShapes.apiLogProviders.contains(provider) else {
      throw LineError(
        "provider \"\(provider)\" is not supported; expected \(Suggestions.orList(ProviderShapes.apiLogProviders))"
      )
    }
    let timestamp: Int64
    if let text = decoded.timestamp {
      guard let parsed = Timestamp.parse(text) else {
        throw LineError("timestamp \"\(text)\" is not an RFC 3339 time such as 2026-11-03T10:22:11Z")
      }
      try checkRequestTime(parsed, now: now, "timestamp \"\(text)\"")
      timestamp = parsed
    } else if let created = body?.created {
      try checkRequestTime(created, now: now, "response.created \(created)")
      timestamp = created
    } else if let created = body?.created_at {
      try checkRequestTime(created, now: now, "response.created_at \(created)")
      timestamp = created
    } else {
      throw LineError("no time: expected timestamp (or an OpenAI body's created)")
    }
    // A background response is polled: each poll has its own request id, the response one id.
    let byResponseID = isResponse && body?.background == true && body?.id != nil
    guard let key = byResponseID ? body?.id : decoded.request_id ?? body?.id else {
      throw LineError("no request key: expected request_id or a response id")
    }
    try checkStoredText(key, decoded.request_id != nil && !byResponseID ? "request_id" : "response.id")
    let tenant = decoded.tenant ?? decoded.metadata?.tenant
    try checkStoredText(tenant, decoded.tenant != nil ? "tenant" : "metadata.tenant")
    let job = decoded.job ?? decoded.metadata?.job
    try checkStoredText(job, decoded.job != nil ? "job" : "metadata.job")
    var record = UsageRecord(
      key: "api:\(key)", provider: provider, model: model,
      mode: usage?.service_tier == "batch" ? .batch : .sync,
      timestamp: timestamp, status: notBilled ?? .succeeded, tenant: tenant, job: job,
      serviceTier: usage?.service_tier, inferenceGeo: usage?.inference_geo)
    guard let usage else { return record }
    let usagePath = body?.usage != nil ? "response.usage" : "usage"
    if anthropicUsage {
      (record.tokens, record.webSearches) = try usage.anthropicTokens(at: usagePath)
      record.iterations = try usage.anthropicIterations(at: usagePath)
    } else {
      record.tokens = try usage.openAITokens(at: usagePath)
      // Web search tool calls are billed per call, and are not in usage.
      record.webSearches = ProviderShapes.webSearchCalls(body?.output)
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
      case .end: return scanner.atEnd()
      case .invalid: return false
      case .key(let key):
        let read: Bool
        if key.isKey("timestamp") {
          read = seen.first(1 << 0) && scanner.optionalString(into: &line.timestamp)
        } else if key.isKey("tenant") {
          read = seen.first(1 << 1) && scanner.optionalString(into: &line.tenant)
        } else if key.isKey("job") {
          read = seen.first(1 << 2) && scanner.optionalString(into: &line.job)
        } else if key.isKey("request_id") {
          read = seen.first(1 << 3) && scanner.optionalString(into: &line.request_id)
        } else if key.isKey("metadata") {
          guard seen.first(1 << 4) else { return false }
          if scanner.null() { continue }
          var metadata = Line.Metadata()
          read = scanner.countsObject { key, scanner, seen in
            if key.isKey("tenant") { return seen.first(1) && scanner.optionalString(into: &metadata.tenant) }
            if key.isKey("job") { return seen.first(2) && scanner.optionalString(into: &metadata.job) }
            return nil
          }
          line.metadata = metadata
        } else if key.isKey("response") {
          guard seen.first(1 << 5) else { return false }
          if scanner.null() { continue }
          line.response = ResponseBody()
          read = ResponseBody.scan(&scanner, into: &line.response!, models: &models)
        } else if key.isKey("usage") {
          guard seen.first(1 << 6) else { return false }
          if scanner.null() { continue }
          line.usage = UsageFields()
          read = line.usage!.scan(&scanner)
        } else if key.isKey("model") {
          read = seen.first(1 << 7) && scanner.optionalString(into: &line.model, cache: &models)
        } else if key.isKey("provider") {
          read = seen.first(1 << 8) && scanner.optionalString(into: &line.provider)
        } else {
          read = scanner.skipValue()
        }
        guard read else { return false }
      }
    }
  }
}
