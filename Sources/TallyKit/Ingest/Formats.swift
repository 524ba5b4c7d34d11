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

  /// Whether the format is a provider's aggregated report rather than per-request records.
  public var isProviderReport: Bool { self == .anthropicUsageReport || self == .anthropicCostReport }

  /// Guesses a per-request format from a file's first record; nil when it matches none.
  /// (Provider reports, which may be pretty-printed, are recognised by `Ingester` from the
  /// whole file.)
  public static func detect(firstLine: Data) -> InputFormat? {
    guard let object = try? JSONSerialization.jsonObject(with: firstLine) as? [String: Any] else {
      return nil
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
}

/// Why one line cannot be read: the message of a `file:line: message` problem.
public struct LineError: Error, Hashable, Sendable {
  public let message: String
  public init(_ message: String) { self.message = message }
}

/// A reader turns one line of its format into a record (nil for nothing to record).
public protocol UsageReader {
  mutating func record(from line: Data) throws(LineError) -> UsageRecord?
}

/// Decodes a line, turning decoding errors into messages that name the field.
func decodeLine<T: Decodable>(_ type: T.Type, from line: Data, decoder: JSONDecoder = JSONDecoder())
  throws(LineError) -> T
{
  do {
    return try decoder.decode(type, from: line)
  } catch let DecodingError.dataCorrupted(context) where context.codingPath.isEmpty {
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

private func path(_ keys: [any CodingKey]) -> String {
  keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
}

/// A token count that must be a whole number >= 0; JSON `null` or absent reads as zero.
struct TokenCount: Decodable, Hashable {
  let value: Int

  init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if container.decodeNil() {
      value = 0
      return
    }
    if let whole = try? container.decode(Int.self), whole >= 0 {
      value = whole
      return
    }
    // Not a non-negative whole number: decode again only to say what it is.
    guard let decimal = try? container.decode(Decimal.self) else {
      throw DecodingError.typeMismatch(
        Int.self, .init(codingPath: decoder.codingPath, debugDescription: "expected a whole number of tokens")
      )
    }
    guard decimal >= 0 else {
      throw DecodingError.dataCorrupted(
        .init(
          codingPath: decoder.codingPath, debugDescription: "\(decimal) is negative; token counts cannot be"))
    }
    guard decimal == ExactDecimal.rounded(decimal, scale: 0), let whole = Int(ExactDecimal.plain(decimal))
    else {
      throw DecodingError.dataCorrupted(
        .init(codingPath: decoder.codingPath, debugDescription: "\(decimal) is not a whole number of tokens"))
    }
    value = whole
  }
}

extension Optional where Wrapped == TokenCount {
  var tokens: Int { self?.value ?? 0 }
}

/// The usage fields of every provider body, all optional: Anthropic Message usage, OpenAI chat
/// completion usage and OpenAI Responses usage.
struct UsageFields: Decodable {
  struct CacheCreation: Decodable {
    let ephemeral_5m_input_tokens: TokenCount?
    let ephemeral_1h_input_tokens: TokenCount?
  }
  struct ServerToolUse: Decodable {
    let web_search_requests: TokenCount?
  }
  struct CachedTokens: Decodable {
    let cached_tokens: TokenCount?
  }

  let input_tokens: TokenCount?
  let output_tokens: TokenCount?
  let cache_creation_input_tokens: TokenCount?
  let cache_read_input_tokens: TokenCount?
  let cache_creation: CacheCreation?
  let server_tool_use: ServerToolUse?
  let service_tier: String?
  let inference_geo: String?
  let prompt_tokens: TokenCount?
  let completion_tokens: TokenCount?
  let prompt_tokens_details: CachedTokens?
  let input_tokens_details: CachedTokens?

  /// Anthropic: `input_tokens` excludes cache tokens; writes split 5m/1h when the split is
  /// given (it must add up), else all 5m.
  func anthropicTokens() throws(LineError) -> (TokenCounts, webSearches: Int) {
    let writes = cache_creation_input_tokens.tokens
    var write5m = writes
    var write1h = 0
    if let split = cache_creation {
      write5m = split.ephemeral_5m_input_tokens.tokens
      write1h = split.ephemeral_1h_input_tokens.tokens
      if cache_creation_input_tokens != nil, write5m + write1h != writes {
        throw LineError(
          "usage.cache_creation: 5m (\(write5m)) + 1h (\(write1h)) does not add up to cache_creation_input_tokens (\(writes))"
        )
      }
    }
    let tokens = TokenCounts(
      input: input_tokens.tokens, cacheWrite5m: write5m, cacheWrite1h: write1h,
      cacheRead: cache_read_input_tokens.tokens, output: output_tokens.tokens)
    return (tokens, server_tool_use?.web_search_requests.tokens ?? 0)
  }

  /// OpenAI: `prompt_tokens` (or Responses `input_tokens`) includes the cached tokens.
  func openAITokens() throws(LineError) -> TokenCounts {
    let chat = prompt_tokens != nil
    let prompt = chat ? prompt_tokens.tokens : input_tokens.tokens
    let cached = (chat ? prompt_tokens_details : input_tokens_details)?.cached_tokens.tokens ?? 0
    guard cached <= prompt else {
      throw LineError(
        "usage: cached_tokens (\(cached)) exceed \(chat ? "prompt_tokens" : "input_tokens") (\(prompt))")
    }
    let output = chat ? completion_tokens.tokens : output_tokens.tokens
    return TokenCounts(input: prompt - cached, cacheRead: cached, output: output)
  }

  /// Whether the fields look like OpenAI's (chat or Responses) rather than Anthropic's.
  var looksLikeOpenAI: Bool { prompt_tokens != nil || input_tokens_details != nil }
}
