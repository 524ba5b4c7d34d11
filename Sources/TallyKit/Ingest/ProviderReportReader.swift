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
  /// `anthropic` or `openai`: whose report the row is from.
  public var provider = "anthropic"
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
  /// `anthropic` or `openai`: whose report the row is from.
  public var provider = "anthropic"
  /// The Analytics API's `list_amount` in cents: the amount before the contracted discount;
  /// nil for reports without one.
  public var listAmountCents: Decimal? = nil

  /// The amount in dollars, exactly: `"123.45"` cents is $1.2345.
  public var amount: Money { Money(Exact(amountCents) / Exact(100)) }

  /// The list amount in dollars, exactly.
  public var listAmount: Money? { listAmountCents.map { Money(Exact($0) / Exact(100)) } }
}

/// Which kind of report a file holds: usage (tokens) or cost (money).
public enum ProviderReportKind: String, Sendable {
  case usage, cost
}

/// A provider report format: whose report, of which kind, from which API.
public struct ProviderReportFormat: Hashable, Sendable {
  /// The API that wrote the report: the shapes of its buckets and rows.
  enum API: Hashable, Sendable {
    /// Anthropic Admin API usage and cost reports (legacy since 2026-10-29).
    case anthropicAdmin
    /// Anthropic Analytics API (`/v1/organizations/analytics/usage|cost`).
    case anthropicAnalytics
    /// OpenAI organization usage (completions) and costs.
    case openai
  }

  public let format: InputFormat
  public let kind: ProviderReportKind
  /// `anthropic` or `openai`: the ledger provider the report is compared with.
  public let provider: String
  let api: API

  public init?(_ format: InputFormat) {
    switch format {
    case .anthropicUsageReport: (kind, provider, api) = (.usage, "anthropic", .anthropicAdmin)
    case .anthropicCostReport: (kind, provider, api) = (.cost, "anthropic", .anthropicAdmin)
    case .anthropicAnalyticsUsage: (kind, provider, api) = (.usage, "anthropic", .anthropicAnalytics)
    case .anthropicAnalyticsCost: (kind, provider, api) = (.cost, "anthropic", .anthropicAnalytics)
    case .openaiUsageReport: (kind, provider, api) = (.usage, "openai", .openai)
    case .openaiCostReport: (kind, provider, api) = (.cost, "openai", .openai)
    default: return nil
    }
    self.format = format
  }

  /// The ledger's name for the report (the `provider_bucket.report` column): `usage`/`cost` for
  /// Anthropic (the Admin API and the Analytics API state the same buckets: a newer download of
  /// either replaces the bucket), `openai-usage`/`openai-cost` for OpenAI.
  static func report(_ kind: ProviderReportKind, provider: String) -> String {
    provider == "anthropic" ? kind.rawValue : "\(provider)-\(kind.rawValue)"
  }

  var report: String { Self.report(kind, provider: provider) }
}

/// A report file read whole: its time buckets (pages flattened, in file order) and problems.
struct ProviderReportFile {
  struct Bucket {
    var start: Int64
    var end: Int64
    var line: Int
    /// An Analytics bucket with 100 groups, the most the API returns: groups may be missing.
    var truncated = false
    var usage: [(row: ProviderUsageRow, line: Int)] = []
    var cost: [(row: ProviderCostRow, line: Int)] = []
  }

  var buckets: [Bucket] = []
  var pages = 0
  var rowsRead = 0
  var invalidRows = 0
  /// `next_page` of the last page when it says `has_more: true`: the report continues elsewhere.
  var continuation: String?
  var problems: [SourceProblem] = []
}

/// Reads Admin API report responses: one page, or several pages concatenated (one per line, or
/// pretty-printed one after another), or a JSON array of pages.
///
/// Reports are aggregates (at most a few thousand rows a month), so the file is read whole.
/// Problems name the file, the line and the path inside the page:
/// `usage.json:14: data[0].results[2].output_tokens: -5 is negative; token counts cannot be negative`.
enum ProviderReportReader {
  /// The largest token or search count one report row may hold (10^15).
  static let maximumCount = 1_000_000_000_000_000

  /// The most groups the Anthropic Analytics API returns in one bucket (no remainder row).
  static let analyticsGroupLimit = 100

  /// Guesses the report format from the first bucket and result row of a parsed file; nil when
  /// no page holds a result, or the file is not a report.
  ///
  /// - A bucket with `start_time` (unix seconds) is OpenAI's: a result with `amount` (or object
  ///   `organization.costs.result`) is the costs report, one with `input_tokens` (or object
  ///   `organization.usage.completions.result`) the completions usage report.
  /// - A bucket with `starting_at` is Anthropic's: a result with `list_amount` is the Analytics
  ///   cost report, with `amount` the Admin cost report; a usage result with `requests` (or an
  ///   Analytics-only dimension: actor, product, speed, …) is the Analytics usage report, with
  ///   `uncached_input_tokens` or `output_tokens` the Admin usage report.
  static func format(of documents: [JSONNode]) -> InputFormat? {
    for page in pages(documents) {
      guard case .array(let buckets)? = page["data"]?.value else { return nil }
      for bucket in buckets {
        guard case .array(let results)? = bucket["results"]?.value, let first = results.first else {
          continue
        }
        if bucket["start_time"] != nil {
          let object = first["object"].flatMap { if case .string(let s) = $0.value { s } else { nil } }
          if object == "organization.costs.result" || (object == nil && first["amount"] != nil) {
            return .openaiCostReport
          }
          if object == "organization.usage.completions.result"
            || (object == nil && first["input_tokens"] != nil)
          {
            return .openaiUsageReport
          }
          return nil
        }
        if first["list_amount"] != nil { return .anthropicAnalyticsCost }
        if first["amount"] != nil { return .anthropicCostReport }
        if first["uncached_input_tokens"] != nil || first["output_tokens"] != nil {
          if first["requests"] != nil || analyticsDimensions.contains(where: { first[$0] != nil }) {
            return .anthropicAnalyticsUsage
          }
          return .anthropicUsageReport
        }
        return nil
      }
    }
    return nil
  }

  /// Dimensions only the Analytics API reports.
  private static let analyticsDimensions = [
    "actor_id", "actor_type", "product", "speed", "rbac_group_id", "session_id", "agent_id",
    "deployment_id", "environment_id", "user_profile_id",
  ]

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
  static func read(_ documents: [JSONNode], format: ProviderReportFormat, file: String) -> ProviderReportFile
  {
    var report = ProviderReportFile()
    func problem(_ error: RowError) {
      report.invalidRows += 1
      if report.problems.count < Ingester.problemLimit {
        report.problems.append(
          SourceProblem(file: file, line: error.line, message: "\(error.path): \(error.message)"))
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
            message: page["data"] == nil ? "is missing: not a report page" : "is not an array")
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
            var bucket = try readBucket(bucketNode, path: path, api: format.api)
            guard case .array(let results)? = bucketNode["results"]?.value else {
              throw RowError(
                line: bucketNode.line, path: path + ".results", message: "is missing or not an array")
            }
            bucket.truncated = format.api == .anthropicAnalytics && results.count >= analyticsGroupLimit
            for (resultIndex, result) in results.enumerated() {
              report.rowsRead += 1
              let resultPath = "\(path).results[\(resultIndex)]"
              do throws(RowError) {
                switch (format.kind, format.api) {
                case (.usage, .openai):
                  bucket.usage.append(
                    (try openAIUsageRow(result, bucket: bucket, path: resultPath), result.line))
                case (.cost, .openai):
                  bucket.cost.append(
                    (try openAICostRow(result, bucket: bucket, path: resultPath), result.line))
                case (.usage, let api):
                  bucket.usage.append(
                    (try usageRow(result, bucket: bucket, path: resultPath, api: api), result.line))
                case (.cost, let api):
                  bucket.cost.append(
                    (try costRow(result, bucket: bucket, path: resultPath, api: api), result.line))
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

  private static func readBucket(_ node: JSONNode, path: String, api: ProviderReportFormat.API)
    throws(RowError)
    -> ProviderReportFile.Bucket
  {
    if api == .openai {
      func seconds(_ key: String) throws(RowError) -> Int64 {
        guard let field = node[key] else {
          throw RowError(line: node.line, path: "\(path).\(key)", message: "is missing")
        }
        guard case .number(let text) = field.value, let value = Int64(text), value >= 0 else {
          throw RowError(
            line: field.line, path: "\(path).\(key)",
            message: "expected a time in whole seconds since 1970 such as 1730419200, not \(describe(field))")
        }
        return value
      }
      let start = try seconds("start_time")
      let end = try seconds("end_time")
      guard end > start else {
        throw RowError(line: node.line, path: "\(path).end_time", message: "is not after start_time")
      }
      return ProviderReportFile.Bucket(start: start, end: end, line: node.line)
    }
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

  private static func usageRow(
    _ node: JSONNode, bucket: ProviderReportFile.Bucket, path: String, api: ProviderReportFormat.API
  )
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
    var measures = usageMeasures
    if api == .anthropicAnalytics {
      _ = try count(node["requests"], path: "\(path).requests")
      measures.insert("requests")
    }
    let dims = try dimensions(members.filter { !measures.contains($0.key) }, path: path)
    let context = try contextWindow(dims.named, of: node, path: path)
    return ProviderUsageRow(
      bucketStart: bucket.start, bucketEnd: bucket.end, model: dims.named["model"] ?? "",
      serviceTier: dims.named["service_tier"] ?? "", contextWindow: context, dimensions: dims.others,
      tokens: tokens, webSearches: searches)
  }

  private static func costRow(
    _ node: JSONNode, bucket: ProviderReportFile.Bucket, path: String, api: ProviderReportFormat.API
  )
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
    var listCents: Decimal?
    var measures: Set<String> = ["amount", "currency"]
    if api == .anthropicAnalytics {
      if let listNode = node["list_amount"], !listNode.isNull {
        guard case .string(let text) = listNode.value, let cents = ExactDecimal.parse(text) else {
          throw RowError(
            line: listNode.line, path: "\(path).list_amount",
            message: "expected a decimal string of cents such as \"123.45\", not \(describe(listNode))")
        }
        listCents = cents
      }
      _ = try count(node["requests"], path: "\(path).requests")
      measures.formUnion(["list_amount", "requests"])
    }
    let dims = try dimensions(members.filter { !measures.contains($0.key) }, path: path)
    let context = try contextWindow(dims.named, of: node, path: path)
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
      amountCents: cents, listAmountCents: listCents)
  }

  /// The measures of an OpenAI completions usage result.
  private static let openAIUsageMeasures: Set<String> = [
    "object", "input_tokens", "input_cached_tokens", "output_tokens", "input_audio_tokens",
    "output_audio_tokens",
    "num_model_requests", "batch",
  ]

  /// One result of the OpenAI completions usage report, normalised to Tally's disjoint categories:
  /// `input_tokens` counts every input token, cached and audio ones included, so uncached text input
  /// is `input_tokens - input_cached_tokens - input_audio_tokens` (as `prompt_tokens` in an API
  /// log); `output_tokens` and `output_audio_tokens` are apart.
  ///
  /// The mode: `batch: true` is `batch`; `batch: false` is the `service_tier` (`default` or none is
  /// `standard`, as Anthropic names synchronous requests); `batch` null (not grouped by batch) is ""
  /// (unknown).
  private static func openAIUsageRow(_ node: JSONNode, bucket: ProviderReportFile.Bucket, path: String)
    throws(RowError) -> ProviderUsageRow
  {
    guard case .object(let members) = node.value else {
      throw RowError(line: node.line, path: path, message: "expected a result object, not \(node.kind)")
    }
    if let object = node["object"], !object.isNull {
      guard case .string(let name) = object.value, name == "organization.usage.completions.result" else {
        throw RowError(
          line: object.line, path: "\(path).object",
          message:
            "\(describe(object)) is not a completions usage result; Tally reads /v1/organization/usage/completions (object \"organization.usage.completions.result\")"
        )
      }
    }
    for required in ["input_tokens", "output_tokens"] where node[required] == nil {
      throw RowError(line: node.line, path: "\(path).\(required)", message: "is missing")
    }
    let input = try count(node["input_tokens"], path: "\(path).input_tokens")
    let cached = try count(node["input_cached_tokens"], path: "\(path).input_cached_tokens")
    let audioInput = try count(node["input_audio_tokens"], path: "\(path).input_audio_tokens")
    let output = try count(node["output_tokens"], path: "\(path).output_tokens")
    let audioOutput = try count(node["output_audio_tokens"], path: "\(path).output_audio_tokens")
    _ = try count(node["num_model_requests"], path: "\(path).num_model_requests")
    guard cached + audioInput <= input else {
      let line = node["input_cached_tokens"]?.line ?? node.line
      throw RowError(
        line: line, path: "\(path).input_cached_tokens",
        message:
          "\(cached) cached and \(audioInput) audio input tokens exceed input_tokens (\(input)); input_tokens includes both"
      )
    }
    var batch: Bool?
    if let flag = node["batch"], !flag.isNull {
      guard case .bool(let value) = flag.value else {
        throw RowError(
          line: flag.line, path: "\(path).batch",
          message: "expected true, false or null, not \(describe(flag))")
      }
      batch = value
    }
    let dims = try dimensions(members.filter { !openAIUsageMeasures.contains($0.key) }, path: path)
    let tier: String
    switch batch {
    case true?: tier = "batch"
    case false?:
      let named = dims.named["service_tier"] ?? "default"
      tier = named == "default" || named == "auto" ? "standard" : named
    case nil: tier = ""
    }
    // The service tier is part of the row's identity whatever the batch flag says.
    let others =
      (dims.named["service_tier"].map { ["service_tier=\($0)"] } ?? [])
      + (dims.others.isEmpty ? [] : [dims.others])
    return ProviderUsageRow(
      bucketStart: bucket.start, bucketEnd: bucket.end, model: dims.named["model"] ?? "", serviceTier: tier,
      contextWindow: "", dimensions: others.sorted().joined(separator: "\n"),
      tokens: TokenCounts(
        input: input - cached - audioInput, cacheRead: cached, output: output, audioInput: audioInput,
        audioOutput: audioOutput),
      webSearches: 0, provider: "openai")
  }

  /// What an OpenAI cost line item (`"gpt-4o-2024-08-06, input"`) bills: the text after the
  /// last comma, with `batch` (as `(batch)` or a further comma part) marking batch rates.
  static let openAILineItemKinds: [String: String] = [
    "input": "uncached_input_tokens",
    "uncached input": "uncached_input_tokens",
    "cached input": "cache_read_input_tokens",
    "output": "output_tokens",
    "audio input": "audio_input_tokens",
    "audio output": "audio_output_tokens",
  ]

  /// Splits a line item into model, token type and tier when it names a model's tokens:
  /// `"gpt-4o-mini-2024-07-18, cached input"` → (`gpt-4o-mini-2024-07-18`,
  /// `cache_read_input_tokens`, `standard`); nil for other line items (`"Web search tool calls"`).
  static func openAILineItem(_ text: String) -> (model: String, tokenType: String, tier: String)? {
    var parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
    guard parts.count >= 2, !parts[0].isEmpty, !parts[0].contains(" ") else { return nil }
    var batch = false
    if parts.last == "batch" {
      batch = true
      parts.removeLast()
    }
    guard parts.count == 2 else { return nil }
    var kind = parts[1]
    if kind.hasSuffix("(batch)") {
      batch = true
      kind = String(kind.dropLast("(batch)".count)).trimmingCharacters(in: .whitespaces)
    }
    guard let tokenType = openAILineItemKinds[kind] else { return nil }
    let model = text.split(separator: ",")[0].trimmingCharacters(in: .whitespaces)
    return (model, tokenType, batch ? "batch" : "standard")
  }

  /// One result of the OpenAI costs report: `amount.value` is a JSON number of dollars, read as
  /// its exact decimal text (`0.1` is exactly 0.1 dollars) and stored in cents like Anthropic's.
  private static func openAICostRow(_ node: JSONNode, bucket: ProviderReportFile.Bucket, path: String)
    throws(RowError) -> ProviderCostRow
  {
    guard case .object(let members) = node.value else {
      throw RowError(line: node.line, path: path, message: "expected a result object, not \(node.kind)")
    }
    if let object = node["object"], !object.isNull {
      guard case .string(let name) = object.value, name == "organization.costs.result" else {
        throw RowError(
          line: object.line, path: "\(path).object",
          message: "\(describe(object)) is not a costs result; expected \"organization.costs.result\"")
      }
    }
    guard let amount = node["amount"] else {
      throw RowError(line: node.line, path: "\(path).amount", message: "is missing")
    }
    guard case .object = amount.value else {
      throw RowError(
        line: amount.line, path: "\(path).amount",
        message: "expected an object {\"value\": …, \"currency\": \"usd\"}, not \(describe(amount))")
    }
    guard let valueNode = amount["value"] else {
      throw RowError(line: amount.line, path: "\(path).amount.value", message: "is missing")
    }
    let dollars: Decimal
    switch valueNode.value {
    case .number(let text):
      guard let value = ExactDecimal.parse(text, allowExponent: true) else {
        throw RowError(
          line: valueNode.line, path: "\(path).amount.value",
          message: "\(text) is not a number Tally can read exactly (more than 38 digits?)")
      }
      dollars = value
    case .string(let text):
      // Some clients save the amount as a decimal string; it reads the same.
      guard let value = ExactDecimal.parse(text) else {
        throw RowError(
          line: valueNode.line, path: "\(path).amount.value",
          message: "expected a number of dollars such as 0.1, not \(describe(valueNode))")
      }
      dollars = value
    default:
      throw RowError(
        line: valueNode.line, path: "\(path).amount.value",
        message: "expected a number of dollars such as 0.1, not \(describe(valueNode))")
    }
    if let currency = amount["currency"], !currency.isNull {
      guard case .string(let code) = currency.value, code.lowercased() == "usd" else {
        throw RowError(
          line: currency.line, path: "\(path).amount.currency",
          message: "\(describe(currency)) is not supported; Tally reconciles USD amounts only")
      }
    }
    let dims = try dimensions(members.filter { $0.key != "amount" && $0.key != "object" }, path: path)
    var row = ProviderCostRow(
      bucketStart: bucket.start, bucketEnd: bucket.end, model: "", serviceTier: "", contextWindow: "",
      costType: "", tokenType: "", dimensions: dims.others, amountCents: dollars * 100, provider: "openai")
    if let item = dims.others.split(separator: "\n").first(where: { $0.hasPrefix("line_item=") }),
      let parsed = openAILineItem(String(item.dropFirst("line_item=".count)))
    {
      (row.model, row.tokenType, row.serviceTier, row.costType) = (
        parsed.model, parsed.tokenType, parsed.tier, "tokens"
      )
    }
    return row
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

  /// The row's `context_window` dimension: "" when not grouped by it, else one the API names.
  private static func contextWindow(_ named: [String: String], of node: JSONNode, path: String)
    throws(RowError) -> String
  {
    let context = named["context_window"] ?? ""
    guard context.isEmpty || contextWindows.contains(context) else {
      throw RowError(
        line: node["context_window"]?.line ?? node.line, path: "\(path).context_window",
        message: "\"\(context)\" is not a context window; expected \"0-200k\", \"200k-1M\" or null")
    }
    return context
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
    // A bucket of a whole organisation's usage stays far below the maximum; more is a corrupt
    // report.
    switch TokenCount.whole(value, maximum: ProviderReportReader.maximumCount) {
    case .count(let whole): return whole
    case .negative:
      throw RowError(
        line: node.line, path: path, message: "\(text) is negative; token counts cannot be negative")
    case .fractional:
      throw RowError(line: node.line, path: path, message: "\(text) is not a whole number of tokens")
    case .tooLarge:
      throw RowError(
        line: node.line, path: path, message: "\(text) is more than 10^15, too many for one report row")
    }
  }

  private static func describe(_ node: JSONNode) -> String {
    switch node.value {
    case .string(let text): JSONValue.quoted(text)
    case .number(let text): text
    default: node.kind
    }
  }
}
