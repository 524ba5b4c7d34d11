import Foundation

/// Logs of synchronous API calls: one envelope per line,
/// `{"timestamp","tenant","job","request_id","response":{…}}` where the response is an
/// Anthropic Message or an OpenAI chat.completion / response object, or `usage` + `model`
/// (+ `provider`) when the body was not kept. Tenant and job may sit in `metadata`.
public struct APILogReader: UsageReader {
  private struct Line: Decodable {
    struct Metadata: Decodable {
      let tenant: String?
      let job: String?
    }
    struct Body: Decodable {
      let id: String?
      let type: String?
      let object: String?
      let model: String?
      let created: Int64?
      let created_at: Int64?
      let usage: UsageFields?
    }
    let timestamp: String?
    let tenant: String?
    let job: String?
    let request_id: String?
    let metadata: Metadata?
    let response: Body?
    let usage: UsageFields?
    let model: String?
    let provider: String?
  }

  /// Tells the provider of a bare `usage` + `model` line from the model's price-table row.
  public let providerOfModel: (String) -> String?

  public init(providerOfModel: @escaping (String) -> String?) {
    self.providerOfModel = providerOfModel
  }

  private let decoder = JSONDecoder()

  public mutating func record(from line: Data) throws(LineError) -> UsageRecord? {
    let decoded = try decodeLine(Line.self, from: line, decoder: decoder)
    let body = decoded.response
    guard let usage = body?.usage ?? decoded.usage else {
      throw LineError("no usage: expected a response body with usage, or usage and model")
    }
    guard let model = body?.model ?? decoded.model else {
      throw LineError("no model: expected response.model or model")
    }
    let provider: String
    if let body {
      switch (body.type, body.object) {
      case ("message", _): provider = "anthropic"
      case (_, "chat.completion"), (_, "response"): provider = "openai"
      default:
        throw LineError(
          "response is neither an Anthropic message (\"type\":\"message\") nor an OpenAI chat.completion or response object"
        )
      }
    } else if let given = decoded.provider {
      provider = given
    } else if usage.looksLikeOpenAI {
      provider = "openai"
    } else if let known = providerOfModel(model) {
      provider = known
    } else {
      throw LineError("cannot tell the provider of model \"\(model)\"; add \"provider\" to the line")
    }
    guard provider == "anthropic" || provider == "openai" else {
      throw LineError("provider \"\(provider)\" is not supported; expected anthropic or openai")
    }
    let timestamp: Int64
    if let text = decoded.timestamp {
      guard let parsed = Timestamp.parse(text) else {
        throw LineError("timestamp \"\(text)\" is not an RFC 3339 time such as 2026-11-03T10:22:11Z")
      }
      timestamp = parsed
    } else if let created = body?.created ?? body?.created_at {
      timestamp = created
    } else {
      throw LineError("no time: expected timestamp (or an OpenAI body's created)")
    }
    guard let key = decoded.request_id ?? body?.id else {
      throw LineError("no request key: expected request_id or a response id")
    }
    var record = UsageRecord(
      key: "api:\(key)", provider: provider, model: model,
      mode: usage.service_tier == "batch" ? .batch : .sync,
      timestamp: timestamp, status: .succeeded, tenant: decoded.tenant ?? decoded.metadata?.tenant,
      job: decoded.job ?? decoded.metadata?.job, serviceTier: usage.service_tier,
      inferenceGeo: usage.inference_geo)
    if provider == "anthropic" {
      (record.tokens, record.webSearches) = try usage.anthropicTokens()
    } else {
      record.tokens = try usage.openAITokens()
    }
    return record
  }
}
