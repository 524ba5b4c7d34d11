import Foundation
import GRDB
import Testing

@testable import TallyKit

/// OpenTelemetry GenAI spans (issue 13 part 5) and `--tenant-from` / `--job-from` on every format
/// (part 6). The OTel fixtures are written from facts/formats-more.md 2.2; the figures are in
/// `Fixtures/ingest/ANSWERS.md` section 11.
struct OTelAndFieldAttributionTests {
  typealias F = IngestFixtures

  static let traces = F.path("otel/traces.jsonl")
  static let tracesCopy = F.path("otel/traces-copy.jsonl")
  static let bad = F.path("otel/bad.jsonl")

  /// key | tenant | job, in key order.
  static func attribution(_ ledger: Ledger) throws -> [String] {
    try ledger.read { db in
      try Row.fetchAll(db, sql: "SELECT key, tenant, job FROM request ORDER BY key").map { row in
        let key: String = row[0]
        let tenant: String? = row[1]
        let job: String? = row[2]
        return "\(key) | \(tenant ?? "nil") | \(job ?? "nil")"
      }
    }
  }

  static func options(
    tenantFrom: String? = nil, jobFrom: String? = nil, _ base: IngestOptions = IngestOptions()
  )
    throws -> IngestOptions
  {
    var options = base
    options.attribution.tenantFrom = try tenantFrom.map { try FieldPath($0) }
    options.attribution.jobFrom = try jobFrom.map { try FieldPath($0) }
    return options
  }

  // MARK: - OpenTelemetry GenAI

  @Test func otelModelSpansCountCacheIsSubtractedAgentSpansAreSkipped() throws {
    let (ledger, _) = try F.ledger()
    let summary = try F.ingest(Self.traces, into: ledger)
    #expect(summary.format == .otelGenAI)
    #expect(summary.formatDetected)
    // Six spans: two model calls and two others on line 1, two model calls on line 2.
    #expect(
      [summary.read, summary.new, summary.duplicates, summary.notBilled, summary.invalid, summary.skipped]
        == [6, 4, 0, 1, 0, 2] as [Int])
    #expect(summary.unpricedModels == ["claude-sonnet-4-5-20250929": 1])
    #expect(
      try LocalLogsTests.rows(ledger) == [
        "otel:0af7651916cd43dd8448eb211c80319c:a2fb4a1d1a96d312 | bedrock | claude-sonnet-4-5-20250929 | nil | nil | succeeded | 800 | 0 | 0 | 0 | 100 | 1795098600",
        "otel:0af7651916cd43dd8448eb211c80319c:c3d9e0f1a2b3c4d5 | openai | gpt-4.1 | nil | nil | errored | 0 | 0 | 0 | 0 | 0 | 1795098660",
        // input_tokens 1200 includes the 200 cached (the deprecated names, aliased).
        "otel:chatcmpl-OtelSpanB | openai | gpt-4.1 | nil | nil | succeeded | 1000 | 0 | 0 | 200 | 300 | 1794992408",
        // input_tokens 5000 includes 3000 reads and 1000 writes: 1000 uncached. The invoke_agent
        // span around it, with the same 5000/400, is not counted.
        "otel:msg_01OtelSpanA | anthropic | claude-sonnet-4-5-20250929 | nil | nil | succeeded | 1000 | 1000 | 0 | 3000 | 400 | 1794992401",
      ])
    let report = try F.spend(ledger, by: [.provider])
    #expect(report.rows.map(\.values) == [["anthropic"], ["bedrock"], ["openai"]])
    // anthropic: (1000 x 3 + 1000 x 3.75 + 3000 x 0.30 + 400 x 15) / 10^6; openai: (1000 x 2 +
    // 200 x 0.50 + 300 x 8) / 10^6; bedrock has no price rows.
    #expect(report.rows.map { $0.cost?.json } == ["0.01365", nil, "0.0045"])
  }

  @Test func otelTheSameSpanInTwoFilesCountsOnce() throws {
    let (ledger, _) = try F.ledger()
    _ = try F.ingest(Self.traces, into: ledger)
    let copy = try F.ingest(Self.tracesCopy, into: ledger)
    #expect([copy.read, copy.new, copy.duplicates, copy.skipped] == [4, 0, 2, 2] as [Int])
    let again = try F.ingest(Self.traces, into: ledger)
    #expect([again.new, again.duplicates] == [0, 4] as [Int])
  }

  @Test func otelErrorsNameTheLineAndTheSpan() throws {
    let (ledger, _) = try F.ledger()
    #expect {
      try F.ingest(Self.bad, into: ledger)
    } throws: { error in
      guard case .invalidInput(let problems) = error as? IngestFailure else { return false }
      return problems.map(\.description) == [
        "\(Self.bad):2: resourceSpans[0].scopeSpans[0].spans[1].attributes[5] (gen_ai.usage.input_tokens): \"5e3\" is not a whole number of tokens (0 to 10^12)",
        "\(Self.bad):3: resourceSpans[0].scopeSpans[0].spans[0].attributes: cache reads (600) and writes (0) exceed gen_ai.usage.input_tokens (500); the semantic conventions count cache tokens inside input_tokens",
      ]
    }
    #expect(try LocalLogsTests.rows(ledger).isEmpty)
    var options = IngestOptions()
    options.skipInvalid = true
    let skipped = try F.ingest(Self.bad, into: ledger, options)
    // Line 1's four spans, then each bad line whole as one invalid line.
    #expect([skipped.read, skipped.new, skipped.skipped, skipped.invalid] == [6, 2, 2, 2] as [Int])
  }

  @Test func otelTenantFromSpanAttributesThenResourceAttributes() throws {
    let (ledger, _) = try F.ledger()
    let summary = try F.ingest(
      Self.traces, into: ledger, Self.options(tenantFrom: "user.id", jobFrom: "service.name"))
    #expect(summary.attribution.field == 4)
    #expect(summary.attribution.unattributed == 0)
    #expect(
      try Self.attribution(ledger) == [
        "otel:0af7651916cd43dd8448eb211c80319c:a2fb4a1d1a96d312 | bob | billing-agent",
        "otel:0af7651916cd43dd8448eb211c80319c:c3d9e0f1a2b3c4d5 | nil | billing-agent",
        "otel:chatcmpl-OtelSpanB | nil | support-bot",
        "otel:msg_01OtelSpanA | alice | support-bot",
      ])
    let (other, _) = try F.ledger()
    var flags = try Self.options(tenantFrom: "tenant.id")
    flags.attribution.tenant = "fallback"
    let byResource = try F.ingest(Self.traces, into: other, flags)
    #expect(byResource.attribution.field == 4)
    #expect(byResource.attribution.flags == 0)
    #expect(
      try Self.attribution(other).map { $0.split(separator: "|")[1].trimmingCharacters(in: .whitespaces) }
        == [
          "globex", "globex", "acme", "acme",
        ])
  }

  // MARK: - --tenant-from / --job-from on every format

  @Test func fieldPathSyntax() throws {
    #expect(
      try FieldPath("metadata.user_api_key_team_alias").steps == [
        .member("metadata"), .member("user_api_key_team_alias"),
      ])
    #expect(try FieldPath("request_tags[jobID]").steps == [.member("request_tags"), .bracket("jobID")])
    #expect(try FieldPath("a[0].b").steps == [.member("a"), .index(0), .member("b")])
    #expect(try FieldPath("metadata[user.id]").steps == [.member("metadata"), .bracket("user.id")])
    for bad in ["", "a.", "a[", "a[]", ".a", "a[0]b", "a..b"] {
      #expect(throws: FieldPathError.self) { try FieldPath(bad) }
    }
    let node = try JSONDocuments.parse(
      Data(#"{"a":[{"b":"x"},{"b":7}],"m":{"user.id":"u1"},"t":["jobID:42","team:"],"o":{"p":{}}}"#.utf8))[0]
    #expect(try FieldPath("a[1].b").value(in: node) == "7")
    #expect(try FieldPath("a[2].b").value(in: node) == nil)
    #expect(try FieldPath("m[user.id]").value(in: node) == "u1")
    #expect(try FieldPath("t[jobID]").value(in: node) == "42")
    #expect(try FieldPath("t[team]").value(in: node) == nil)
    #expect(try FieldPath("missing.x").value(in: node) == nil)
    #expect(throws: LineError.self) { try FieldPath("o.p").value(in: node) }
  }

  @Test func apiLogFieldComesFirstAndAnAbsentFieldFallsThrough() throws {
    let (ledger, _) = try F.ledger()
    let summary = try F.ingest(
      F.path("api-log/mixed.jsonl"), into: ledger,
      Self.options(tenantFrom: "metadata.tenant", jobFrom: "response.model"))
    // Line 4 alone has metadata.tenant; the nine lines with a response body have response.model.
    // Own fields still fill what the paths left empty on eight lines (not line 4, whose
    // metadata.tenant and response.model fill both).
    #expect(summary.attribution.field == 9)
    #expect(summary.attribution.record == 8)
    let rows = try Self.attribution(ledger)
    #expect(rows.contains("api:req_011CYPN8YTS8wSVqs48WsdVn | initech | claude-sonnet-4-5-20250929"))
    // No response body: the job falls through to the line's own job.
    #expect(rows.contains("api:req_011CNZoYFAH7ox9xbgVMXxW8 | globex | classify"))
    #expect(rows.contains("api:req_011CheGCTb5n5XciuNSCKNtZ | acme | claude-sonnet-4-5-20250929"))
  }

  @Test func aFieldThatIsAnObjectIsAnInvalidLineNamingThePath() throws {
    let (ledger, _) = try F.ledger()
    let mixed = F.path("api-log/mixed.jsonl")
    #expect {
      try F.ingest(mixed, into: ledger, Self.options(tenantFrom: "metadata"))
    } throws: { error in
      guard case .invalidInput(let problems) = error as? IngestFailure else { return false }
      return problems.map(\.description) == [
        "\(mixed):4: metadata (named by --tenant-from/--job-from) is an object; expected a string or a number"
      ]
    }
    #expect(try LocalLogsTests.rows(ledger).isEmpty)
  }

  @Test func anthropicBatchFieldFromTheResultLine() throws {
    let (ledger, _) = try F.ledger()
    let summary = try F.ingest(
      F.results, into: ledger, Self.options(jobFrom: "result.type", try F.batchOptions()))
    #expect(summary.attribution.field == 12)
    let jobs = try ledger.read { db in
      try String.fetchAll(db, sql: "SELECT DISTINCT job FROM request ORDER BY job")
    }
    #expect(jobs == ["canceled", "errored", "expired", "succeeded"])
  }

  @Test func openAIBatchFieldFromTheOutputLine() throws {
    let (ledger, _) = try F.ledger()
    let summary = try F.ingest(
      F.path("openai-batch/batch_output.jsonl"), into: ledger, Self.options(tenantFrom: "response.body.model")
    )
    let tenants = try ledger.read { db in
      try String.fetchAll(db, sql: "SELECT DISTINCT coalesce(tenant, '-') FROM request ORDER BY 1")
    }
    #expect(summary.attribution.field == summary.read - summary.attribution.unattributed)
    #expect(tenants.contains("gpt-4o-mini-2024-07-18"))
  }

  @Test func claudeCodeFieldOverridesTheProjectDefault() throws {
    let (ledger, _) = try F.ledger()
    let summary = try F.ingest(
      F.path("claude-code/projects/-Users-bob-src-api/e5f6a7b8.jsonl"), into: ledger,
      Self.options(tenantFrom: "gitBranch"))
    #expect(summary.attribution.field == 1)
    #expect(summary.attribution.defaults == 1)
    #expect(try Self.attribution(ledger).map { $0.hasSuffix("| main | claude-code") } == [true])
  }

  @Test func litellmJSONFieldAndTagAndCSVColumnAndJSONCell() throws {
    let (ledger, _) = try F.ledger()
    let json = try F.ingest(
      F.path("litellm/spend-logs.json"), into: ledger,
      Self.options(tenantFrom: "team_id", jobFrom: "request_tags[jobID]"))
    #expect(json.attribution.field == 4)
    #expect(
      try Self.attribution(ledger) == [
        "litellm:chatcmpl-0d7e8f | team-2 | nil",
        "litellm:chatcmpl-7f2e1a | team-1 | 214590dsff09fds",
        "litellm:chatcmpl-8a3b4c | team-1 | nil",
        "litellm:chatcmpl-9c5d6e | team-1 | nil",
      ])
    let (other, _) = try F.ledger()
    let csv = try F.ingest(
      F.path("litellm/LiteLLM_SpendLogs.csv"), into: other,
      Self.options(tenantFrom: "metadata.user_api_key_team_alias", jobFrom: "team_id"))
    // chatcmpl-8a3b4c's metadata has no team alias: its tenant falls through to end_user.
    #expect([csv.attribution.field, csv.attribution.record] == [2, 1] as [Int])
    #expect(
      try Self.attribution(other) == [
        "litellm:chatcmpl-1e9f0a | acme | team-1",
        "litellm:chatcmpl-8a3b4c | customer-42 | team-1",
      ])
  }
}
