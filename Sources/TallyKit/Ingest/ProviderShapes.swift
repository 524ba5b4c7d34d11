import Foundation

/// What a body's shape says beyond its usage: which provider served it (Groq, Bedrock and Vertex
/// answer in OpenAI's or Anthropic's shape), OpenAI Responses `output[]` tool calls that are
/// billed apart from the tokens, and a Responses object's `status`.

/// One item of an OpenAI Responses `output[]`: only what billing needs. The scanner keeps only
/// `web_search_call` items (and reads only their `type` and `status`); `JSONDecoder` keeps all.
struct ResponseOutputItem: Decodable, Hashable {
  var type: String?
  var status: String?
}

/// A member whose presence alone matters (Groq's `x_groq`): any value but `null`.
struct Presence: Decodable, Hashable {
  init() {}
  init(from decoder: any Decoder) throws {}
}

enum ProviderShapes {
  /// Providers an API-log line may name (`provider`) or a body may be recognised as.
  static let apiLogProviders = ["anthropic", "bedrock", "groq", "openai", "vertex"]

  /// Providers whose usage reads like Anthropic's (input excludes cache tokens).
  static let anthropicDialect: Set<String> = ["anthropic", "bedrock", "vertex"]

  /// The provider of an Anthropic Messages body by its id: Bedrock's are `msg_bdrk_…`, Vertex
  /// AI's `msg_vrtx_…`; anything else is Anthropic's own API.
  static func providerOfMessage(id: String?) -> String {
    guard let id else { return "anthropic" }
    if id.hasPrefix("msg_bdrk_") { return "bedrock" }
    if id.hasPrefix("msg_vrtx_") { return "vertex" }
    return "anthropic"
  }

  /// The provider of an OpenAI-shaped body: Groq adds `x_groq` (and its batch output ids are
  /// `batch_req_out_…`); anything else is OpenAI's.
  static func providerOfOpenAIBody(xGroq: Presence?, batchLineID: String? = nil) -> String {
    if xGroq != nil || batchLineID?.hasPrefix("batch_req_out_") == true { return "groq" }
    return "openai"
  }

  /// Billed web searches of a Responses `output[]`: one per `web_search_call` item, except one
  /// whose `status` is `failed`.
  static func webSearchCalls(_ output: [ResponseOutputItem]?) -> Int {
    output?.reduce(0) { $0 + ($1.type == "web_search_call" && $1.status != "failed" ? 1 : 0) } ?? 0
  }

  /// Scans a Responses `output[]` (or `null`), keeping only its `web_search_call` items: every
  /// other item is skipped byte by byte, its `content` text never decoded.
  static func scanOutput(_ scanner: inout JSONScanner, into output: inout [ResponseOutputItem]?) -> Bool {
    if scanner.null() { return true }
    guard scanner.beginArray() else { return false }
    var items: [ResponseOutputItem] = []
    var first = true
    while true {
      guard let more = scanner.nextElement(&first) else { return false }
      guard more else { break }
      var item = ResponseOutputItem()
      let read = scanner.countsObject { key, scanner, seen in
        if key.isKey("type") { return seen.first(1) && scanner.optionalString(into: &item.type) }
        if key.isKey("status") { return seen.first(2) && scanner.optionalString(into: &item.status) }
        return nil
      }
      guard read else { return false }
      if item.type == "web_search_call" { items.append(item) }
    }
    output = items
    return true
  }
}
