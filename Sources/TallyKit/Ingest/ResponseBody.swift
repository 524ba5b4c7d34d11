import Foundation

/// The members of a provider's response body that the readers use: an Anthropic Message, an
/// OpenAI chat completion or Responses object, or an OpenAI-compatible body (Groq). One type
/// and one scanner for the API log's `response` and the OpenAI batch line's `response.body`.
struct ResponseBody: Decodable {
  var id: String?
  var type: String?
  var object: String?
  var model: String?
  var created: Int64?
  var created_at: Int64?
  var usage: UsageFields?
  /// OpenAI Responses: `queued`, `in_progress`, `completed`, `incomplete`, `failed`, `cancelled`.
  var status: String?
  /// OpenAI Responses: created in background mode (then polled; see `APILogReader.record`).
  var background: Bool?
  /// OpenAI Responses `output[]` (the scanner keeps only web search calls).
  var output: [ResponseOutputItem]?
  var x_groq: Presence?
}

extension ResponseBody {
  /// Fills `body` with the scanner; false when it is not sure (JSONDecoder decides).
  static func scan(_ scanner: inout JSONScanner, into body: inout ResponseBody, models: inout StringCache)
    -> Bool
  {
    guard scanner.beginObject() else { return false }
    var seen = SeenMembers()
    var first = true
    while true {
      switch scanner.nextMember(&first) {
      case .end: return true
      case .invalid: return false
      case .key(let key):
        let read: Bool
        if key.isKey("id") {
          read = seen.first(1 << 0) && scanner.optionalString(into: &body.id)
        } else if key.isKey("type") {
          read = seen.first(1 << 1) && scanner.optionalString(into: &body.type)
        } else if key.isKey("object") {
          read = seen.first(1 << 2) && scanner.optionalString(into: &body.object)
        } else if key.isKey("model") {
          read = seen.first(1 << 3) && scanner.optionalString(into: &body.model, cache: &models)
        } else if key.isKey("created") {
          read = seen.first(1 << 4) && scanner.optionalInteger(into: &body.created)
        } else if key.isKey("created_at") {
          read = seen.first(1 << 5) && scanner.optionalInteger(into: &body.created_at)
        } else if key.isKey("usage") {
          guard seen.first(1 << 6) else { return false }
          if scanner.null() { continue }
          body.usage = UsageFields()
          read = body.usage!.scan(&scanner)
        } else if key.isKey("status") {
          read = seen.first(1 << 7) && scanner.optionalString(into: &body.status)
        } else if key.isKey("background") {
          guard seen.first(1 << 8) else { return false }
          if scanner.null() { continue }
          body.background = scanner.bool()
          read = body.background != nil
        } else if key.isKey("output") {
          read = seen.first(1 << 9) && ProviderShapes.scanOutput(&scanner, into: &body.output)
        } else if key.isKey("x_groq") {
          guard seen.first(1 << 10) else { return false }
          if scanner.null() { continue }
          body.x_groq = Presence()
          read = scanner.skipValue()
        } else {
          read = scanner.skipValue()
        }
        guard read else { return false }
      }
    }
  }
}
