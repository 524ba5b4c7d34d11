import Foundation

/// One result row of the Anthropic Admin API messages usage report
/// (`GET /v1/organizations/usage_report/messages`).
///
/// Dimension fields the report was not grouped by are null in the API and "" here.
public struct ProviderUsageRow: Hashable, Sendable {
  /// The time bucket, `[bucketStart, bucketEnd)` in seconds since the epoch.
  public var bucketStart: Int64
  public var bucketEnd: Int64
  public var model: String
  /// `standard`, `batch`, `priority`, … as the API names it.
  public var serviceTier: String
  /// `0-200k` or `200k-1M`.
  public var contextWindow: String
  /// Every other dimension (`workspace_id`, `api_key_id`, `inference_geo`, …) that is not null,
  /// as sorted `name=value` lines: part of the row's identity, not compared by reconcile.
  public var dimensions: String
  public var tokens: TokenCounts
  public var webSearches: Int
}

/// One result row of the Anthropic Admin API cost report (`GET /v1/organizations/cost_report`).
public struct ProviderCostRow: Hashable, Sendable {
  public var bucketStart: Int64
  public var bucketEnd: Int64
  public var model: String
  /// `standard` or `batch`.
  public var serviceTier: String
  public var contextWindow: String
  /// `tokens`, `web_search`, `code_execution`; "" when the report is not grouped by description.
  public var costType: String
  /// `uncached_input_tokens`, `output_tokens`, `cache_read_input_tokens`,
  /// `cache_creation.ephemeral_5m_input_tokens`, `cache_creation.ephemeral_1h_input_tokens`, or "".
  public var tokenType: String
  /// Every other non-null dimension (`description`, `workspace_id`, …) as sorted `name=value` lines.
  public var dimensions: String
  /// The amount in cents, exactly as the report wrote it (`"123.45"` is 123.45 cents).
  public var amountCents: Decimal

  /// The amount in dollars, exactly: `"123.45"` cents is $1.2345.
  public var amount: Money { Money(Exact(amountCents) / Exact(100)) }
}

/// Which Admin API report a file holds.
public enum ProviderReportKind: String, Sendable {
  case usage, cost

  /// The ledger's name for the report (the `provider_bucket.report` column).
  var format: InputFormat { self == .usage ? .anthropicUsageReport : .anthropicCostReport }
}

/// A report file read whole: its time buckets (pages flattened, in file order) and problems.
struct ProviderReportFile {
  struct Bucket {
    var start: Int64
    var end: Int64
    var line: Int
    var usage: [(row: ProviderUsageRow, line: Int)] = []
    var cost: [(row: ProviderCostRow, line: Int)] = []
  }

  var buckets: [Bucket] = []
  var pages = 0
  var rowsRead = 0
  var invalidRows = 0
  /// `next_page` of the last page when it says `has_more: true`: the report continues elsewhere.
  var continuation: String?
  var problems: [IngestProblem] = []
}

/// Reads Admin API report responses: one page, or several pages concatenated (one per line, or
/// pretty-printed one after another), or a JSON array of pages.
///
/// Reports are aggregates (at most a few thousand rows a month), so the file is read whole.
/// Problems name the file, the line and the path inside the page:
/// `usage.json:14: data[0].results[2].output_tokens: -5 is negative; token counts cannot be negative`.
enum ProviderReportReader {
  /// Guesses the report kind from the first result row of a parsed file; nil when no page
  /// holds a result, or the file is not a report.
  static func kind(of documents: [JSONNode]) -> ProviderReportKind? {
    for page in pages(documents) {
      guard case .array(let buckets)? = page["data"]?.value else { return nil }
      for bucket in buckets {
        guard case .array(let results)? = bucket["results"]?.value, let first = results.first else {
          continue
        }
        if first["amount"] != nil { return .cost }
        if first["uncached_input_tokens"] != nil || first["output_tokens"] != nil { return .usage }
        return nil
      }
    }
    return nil
  }

  private static func pages(_ documents: [JSONNode]) -> [JSONNode] {
    documents.flatMap { document -> [JSONNode] in
      if case .array(let items) = document.value { return items }
      return [document]
    }
  }

  private struct RowError: Error {
    let line: Int
    let path: String
    let message: String
  }

  /// Reads every page of a file. Bad rows are counted and their problems kept (the first ten).
  static func read(_ documents: [JSONNode], kind: ProviderReportKind, file: String) -> ProviderReportFile {
    var report = ProviderReportFile()
    func problem(_ error: RowError) {
      report.invalidRows += 1
      if report.problems.count < Ingester.problemLimit {
        report.problems.append(
          IngestProblem(file: file, line: error.line, message: "\(error.path): \(error.message)"))
      }
    }
    for page in pages(documents) {
      report.pages += 1
      do throws(RowError) {
        guard case .object = page.value else {
          throw RowError(
            line: page.line, path: "(page)",
            message: "expected a report page object {\"data\": […], …}, not \(page.kind)")
        }
        guard let data = page["data"], case .array(let buckets) = data.value else {
          throw RowError(
            line: page.line, path: "data",
            message: page["data"] == nil ? "is missing: not an Admin API report page" : "is not an array")
        }
        if let hasMore = page["has_more"], case .bool(let more) = hasMore.value, more {
          report.continuation =
            page["next_page"].flatMap { if case .string(let s) = $0.value { s } else { nil } } ?? ""
        } else {
          report.continuation = nil
        }
        for (bucketIndex, bucketNode) in buckets.enumerated() {
          let path = "data[\(bucketIndex)]"
          do throws(RowError) {
            var bucket = try readBucket(bucketNode, path: path)
            guard case .array(let results)? = bucketNode["results"]?.value else {
              throw RowError(
                line: bucketNode.line, path: path + ".results", message: "is missing or not an array")
            }
            for (resultIndex, result) in results.enumerated() {
              report.rowsRead += 1
              let resultPath = "\(path).results[\(resultIndex)]"
              do throws(RowError) {
                switch kind {
                case .usage:
                  bucket.usage.append((try usageRow(result, bucket: bucket, path: resultPath), result.line))
                case .cost:
                  bucket.cost.append((try costRow(result, bucket: bucket, path: resultPath), result.line))
                }
              } catch {
                problem(error)
              }
            }
            report.buckets.append(bucket)
          } catch {
            problem(error)
          }
        }
      } catch {
        problem(error)
      }
    }
    return report
  }

  private static func readBucket(_ node: JSONNode, path: String) throws(RowError) -> ProviderReportFile.Bucket
  {
    func instant(_ key: String) throws(RowError) -> Int64 {
      guard let field = node[key] else {
        throw RowError(line: node.line, path: "\(path).\(key)", message: "is missing")
      }
      guard case .string(let text) = field.value, let instant = Timestamp.parse(text) else {
        throw RowError(
          line: field.line, path: "\(path).\(key)",
          message: "expected an RFC 3339 time such as \"2026-10-01T00:00:00Z\", not \(describe(field))")
      }
      return instant
    }
    let start = try instant("starting_at")
    let end = try instant("ending_at")
    guard end > start else {
      throw RowError(line: node.line, path: "\(path).ending_at", message: "is not after starting_at")
    }
    return ProviderReportFile.Bucket(start: start, end: end, line: node.line)
  }

  private static let usageMeasures: Set<String> = [
    "uncached_input_tokens", "cache_creation", "cache_read_input_tokens", "output_tokens", "server_tool_use",
  ]
  private static let contextWindows: Set<String> = ["0-200k", "200k-1M"]
  static let tokenTypes: [String: TokenCategory] = [
    "uncached_input_tokens": .input,
    "output_tokens": .output,
    "cache_read_input_tokens": .cacheRead,
    "cache_creation.ephemeral_5m_input_tokens": .cacheWrite5m,
    "cache_creation.ephemeral_1h_input_tokens": .cacheWrite1h,
  ]

  private static func usageRow(_ node: JSONNode, bucket: ProviderReportFile.Bucket, path: String)
    throws(RowError)
    -> ProviderUsageRow
  {
    guard case .object(let members) = node.value else {
      throw RowError(line: node.line, path: path, message: "expected a result object, not \(node.kind)")
    }
    for required in ["uncached_input_tokens", "output_tokens"] where node[required] == nil {
      throw RowError(line: node.line, path: "\(path).\(required)", message: "is missing")
    }
    let cacheCreation = try object(node["cache_creation"], path: "\(path).cache_creation")
    let toolUse = try object(node["server_tool_use"], path: "\(path).server_tool_use")
    let tokens = TokenCounts(
      input: try count(node["uncached_input_tokens"], path: "\(path).uncached_input_tokens"),
      cacheWrite5m: try count(
        cacheCreation?["ephemeral_5m_input_tokens"], path: "\(path).cache_creation.ephemeral_5m_input_tokens"),
      cacheWrite1h: try count(
        cacheCreation?["ephemeral_1h_input_tokens"], path: "\(path).cache_creation.ephemeral_1h_input_tokens"),
      cacheRead: try count(node["cache_read_input_tokens"], path: "\(path).cache_read_input_tokens"),
      output: try count(node["output_tokens"], path: "\(path).output_tokens"))
    let searches = try count(
      toolUse?["web_search_requests"], path: "\(path).server_tool_use.web_search_requests")
    let dims = try dimensions(members.filter { !usageMeasures.contains($0.key) }, path: path)
    let context = dims.named["context_window"] ?? ""
    guard context.isEmpty || contextWindows.contains(context) else {
      throw RowError(
        line: node["context_window"]?.line ?? node.line, path: "\(path).context_window",
        message: "\"\(context)\" is not a context window; expected \"0-200k\", \"200k-1M\" or null")
    }
    return ProviderUsageRow(
      bucketStart: bucket.start, bucketEnd: bucket.end, model: dims.named["model"] ?? "",
      serviceTier: dims.named["service_tier"] ?? "", contextWindow: context, dimensions: dims.others,
      tokens: tokens, webSearches: searches)
  }

  private static func costRow(_ node: JSONNode, bucket: ProviderReportFile.Bucket, path: String)
    throws(RowError)
    -> ProviderCostRow
  {
    guard case .object(let members) = node.value else {
      throw RowError(line: node.line, path: path, message: "expected a result object, not \(node.kind)")
    }
    guard let amountNode = node["amount"] else {
      throw RowError(line: node.line, path: "\(path).amount", message: "is missing")
    }
    guard case .string(let amountText) = amountNode.value, let cents = ExactDecimal.parse(amountText) else {
      throw RowError(
        line: amountNode.line, path: "\(path).amount",
        message: "expected a decimal string of cents such as \"123.45\", not \(describe(amountNode))")
    }
    if let currency = node["currency"], !currency.isNull {
      guard case .string(let code) = currency.value, code == "USD" else {
        throw RowError(
          line: currency.line, path: "\(path).currency",
          message: "\(describe(currency)) is not supported; Tally reconciles USD amounts only")
      }
    }
    let dims = try dimensions(members.filter { $0.key != "amount" && $0.key != "currency" }, path: path)
    let context = dims.named["context_window"] ?? ""
    guard context.isEmpty || contextWindows.contains(context) else {
      throw RowError(
        line: node["context_window"]?.line ?? node.line, path: "\(path).context_window",
        message: "\"\(context)\" is not a context window; expected \"0-200k\", \"200k-1M\" or null")
    }
    let tokenType = dims.named["token_type"] ?? ""
    guard tokenType.isEmpty || tokenTypes[tokenType] != nil else {
      throw RowError(
        line: node["token_type"]?.line ?? node.line, path: "\(path).token_type",
        message:
          "\"\(tokenType)\" is not a token type Tally knows; expected one of \(tokenTypes.keys.sorted().joined(separator: ", "))"
      )
    }
    return ProviderCostRow(
      bucketStart: bucket.start, bucketEnd: bucket.end, model: dims.named["model"] ?? "",
      serviceTier: dims.named["service_tier"] ?? "", contextWindow: context,
      costType: dims.named["cost_type"] ?? "", tokenType: tokenType, dimensions: dims.others,
      amountCents: cents)
  }

  private static let namedDimensions: Set<String> = [
    "model", "service_tier", "context_window", "cost_type", "token_type",
  ]

  /// Dimension members must be strings or null; the named ones are returned by name, the rest
  /// joined as sorted `name=value` lines.
  private static func dimensions(_ members: [(key: String, value: JSONNode)], path: String) throws(RowError)
    -> (
      named: [String: String], others: String
    )
  {
    var named: [String: String] = [:]
    var others: [String] = []
    for (key, value) in members {
      switch value.value {
      case .null: continue
      case .string(let text):
        if namedDimensions.contains(key) { named[key] = text } else { others.append("\(key)=\(text)") }
      default:
        throw RowError(
          line: value.line, path: "\(path).\(key)",
          message: "is \(value.kind); expected a string or null (a usage measure Tally does not know?)")
      }
    }
    return (named, others.sorted().joined(separator: "\n"))
  }

  private static func object(_ node: JSONNode?, path: String) throws(RowError) -> JSONNode? {
    guard let node, !node.isNull else { return nil }
    guard case .object = node.value else {
      throw RowError(line: node.line, path: path, message: "expected an object, not \(node.kind)")
    }
    return node
  }

  /// A token count: a whole number >= 0; absent or null is zero.
  private static func count(_ node: JSONNode?, path: String) throws(RowError) -> Int {
    guard let node, !node.isNull else { return 0 }
    guard case .number(let text) = node.value else {
      throw RowError(
        line: node.line, path: path, message: "expected a whole number of tokens, not \(describe(node))")
    }
    guard let value = ExactDecimal.parse(text, allowExponent: true) else {
      throw RowError(line: node.line, path: path, message: "\(text) is not a number Tally can read exactly")
    }
    guard value >= 0 else {
      throw RowError(
        line: node.line, path: path, message: "\(text) is negative; token counts cannot be negative")
    }
    guard value == ExactDecimal.rounded(value, scale: 0), let whole = Int(ExactDecimal.plain(value)) else {
      throw RowError(line: node.line, path: path, message: "\(text) is not a whole number of tokens")
    }
    return whole
  }

  private static func describe(_ node: JSONNode) -> String {
    switch node.value {
    case .string(let text): JSONValue.quoted(text)
    case .number(let text): text
    default: node.kind
    }
  }
}
