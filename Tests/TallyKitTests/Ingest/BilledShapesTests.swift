import Foundation
import GRDB
import Testing

@testable import TallyKit

/// Issue 20: what the API bills beyond the usage tokens, and who bills it. Background-mode poll
/// snapshots, Responses web search calls, the provider behind an OpenAI- or Anthropic-shaped
/// body (Groq, Bedrock, Vertex), compaction bodies, `--date` on OpenAI batch output, and batch
/// request files. Each cost is computed by hand beside its expectation.
@Suite struct BilledShapesTests {
  typealias F = IngestFixtures

  /// `key provider model model_id status web_searches` of every request, in key order.
  static func requests(_ ledger: Ledger) throws -> [String] {
    try ledger.read { db in
      try Row.fetchAll(
        db, sql: "SELECT key, provider, model, model_id, status, web_searches FROM request ORDER BY key"
      ).map { row in
        let modelID: String? = row["model_id"]
        let parts: [String] = [
          row["key"], row["provider"], row["model"], modelID ?? "-", row["status"],
          String(row["web_searches"] as Int),
        ]
        return parts.joined(separator: " ")
      }
    }
  }

  static func prices(_ file: String) throws -> PriceBook {
    let path = F.path("pricing/\(file)")
    return try PriceBook.load(overrides: [(path, try String(contentsOfFile: path, encoding: .utf8))])
  }

  // MARK: - Background mode

  @Test func backgroundPollSnapshotsAreNotBilledAndTheCompletedResponseIsBilledOnce() throws {
    let path = F.path("api-log/background.jsonl")
    let (ledger, _) = try F.ledger()
    let summary = try F.ingest(path, into: ledger)
    #expect(
      (summary.read, summary.new, summary.duplicates, summary.notBilled, summary.invalid) == (3, 1, 0, 2, 0))
    // Keyed by the response id: each poll had its own request id.
    #expect(
      try Self.requests(ledger) == [
        "api:resp_68f1c2a4d8e48190a3b2c1d0e9f8a7b6 openai gpt-5-2025-08-07 gpt-5 succeeded 0"
      ])
    let totals = try F.spend(ledger, by: []).totals
    #expect(totals.requests == 1)
    #expect(totals.tokens == TokenCounts(input: 7904, cacheRead: 4096, output: 1500))
    // 7,904 x $1.25 + 4,096 x $0.125 + 1,500 x $10 per million.
    #expect(totals.cost?.json == "0.025392")
    // Again: the completed response is a duplicate, the snapshots still not billed.
    let again = try F.ingest(path, into: ledger)
    #expect((again.read, again.new, again.duplicates, again.notBilled) == (3, 0, 1, 2))
  }

  @Test func finishedResponsesAreBilledByTheirUsage() throws {
    let (ledger, _) = try F.ledger()
    let summary = try F.ingest(F.path("api-log/terminal-statuses.jsonl"), into: ledger)
    #expect((summary.read, summary.new, summary.notBilled, summary.invalid) == (3, 3, 2, 0))
    #expect(
      try Self.requests(ledger) == [
        "api:req_3e5a7c9d1f3b4e6a8c0d2f4b6c8e0a67 openai gpt-5-2025-08-07 gpt-5 succeeded 0",
        "api:resp_68f2a1b2c3d48190a1b2c3d4e5f6a7b8 openai gpt-5-2025-08-07 gpt-5 errored 0",
        "api:resp_68f2a3c4d5e68190b2c3d4e5f6a7b8c9 openai gpt-5-2025-08-07 gpt-5 canceled 0",
      ])
    // The incomplete response bills its 8,000 input and 4,000 output tokens.
    #expect(try F.spend(ledger, by: []).totals.cost?.json == "0.05")
  }

  // MARK: - Web search calls

  @Test func webSearchCallsAreCountedAndUnpricedWithoutARate() throws {
    let (ledger, _) = try F.ledger()
    let summary = try F.ingest(F.path("api-log/web-search.jsonl"), into: ledger)
    #expect((summary.read, summary.new, summary.notBilled) == (1, 1, 0))
    #expect(summary.unpricedModels == ["gpt-4.1-2025-04-14": 1])
    // Two completed calls; the failed one is not counted.
    #expect(
      try Self.requests(ledger) == [
        "api:req_4f6b8d0e2a4c4f6b8d0e2a4c6e8a0b78 openai gpt-4.1-2025-04-14 gpt-4.1 succeeded 2"
      ])
    let totals = try F.spend(ledger, by: []).totals
    #expect((totals.webSearches, totals.unpricedRequests) == (2, 1))
    #expect(totals.cost == nil)
  }

  @Test func webSearchCallsArePricedPerThousandWithARate() throws {
    let prices = try Self.prices("openai-web-search.csv")
    let (ledger, _) = try F.ledger()
    let summary = try F.ingest(F.path("api-log/web-search.jsonl"), into: ledger, prices: prices)
    #expect(summary.unpricedModels.isEmpty)
    let totals = try F.spend(ledger, by: [], prices: prices).totals
    #expect((totals.webSearches, totals.unpricedRequests) == (2, 0))
    // 3,000 x $2 + 600 x $8 per million, and 2 calls at $10 per 1,000.
    #expect(totals.cost?.json == "0.0308")
  }

  // MARK: - Providers

  @Test func groqBedrockAndVertexAreRecordedUnderTheirProvidersAndUnpricedWithoutRows() throws {
    let path = F.path("api-log/providers.jsonl")
    let (ledger, _) = try F.ledger()
    let summary = try F.ingest(path, into: ledger)
    #expect((summary.read, summary.new, summary.invalid) == (5, 5, 0))
    #expect(summary.unpricedModels == ["claude-sonnet-4-5-20250929": 3, "llama-3.3-70b-versatile": 1])
    #expect(
      summary.warnings == [
        "\(path): bedrock has no price rows for claude-sonnet-4-5-20250929: add them with --pricing FILE",
        "\(path): groq has no price rows for llama-3.3-70b-versatile: add them with --pricing FILE",
        "\(path): vertex has no price rows for claude-sonnet-4-5-20250929: add them with --pricing FILE",
      ])
    #expect(
      try Self.requests(ledger) == [
        "api:req_011CfA2b3C4d5E6f7G8h9J0k anthropic claude-sonnet-4-5-20250929 claude-sonnet-4-5-20250929 succeeded 0",
        "api:req_01k9a1b2c3d4e5f6g7h8j9k0m1 groq llama-3.3-70b-versatile - succeeded 0",
        "api:req_bdrk_7e2c4a6b-1d3f-4e5a-9b7c-0d2e4f6a8b1c bedrock claude-sonnet-4-5-20250929 - succeeded 0",
        // An explicit envelope provider wins over the body's id.
        "api:req_gw_2f4a6c8e0b2d bedrock claude-sonnet-4-5-20250929 - succeeded 0",
        "api:req_vrtx_0a1b2c3d4e5f vertex claude-sonnet-4-5-20250929 - succeeded 0",
      ])
    let report = try F.spend(ledger, by: [.provider])
    #expect(
      report.rows.map { "\($0.values[0]) \($0.requests) \($0.unpricedRequests) \($0.cost?.json ?? "-")" } == [
        "anthropic 1 0 0.006", "bedrock 2 2 -", "groq 1 1 -", "vertex 1 1 -",
      ])
    #expect(
      report.warnings.suffix(3) == [
        "bedrock has no price rows for claude-sonnet-4-5-20250929: add them with --pricing FILE",
        "groq has no price rows for llama-3.3-70b-versatile: add them with --pricing FILE",
        "vertex has no price rows for claude-sonnet-4-5-20250929: add them with --pricing FILE",
      ])
  }

  @Test func providerRowsPriceTheirProvidersRequestsOnly() throws {
    let prices = try Self.prices("providers.csv")
    let (ledger, _) = try F.ledger()
    let summary = try F.ingest(F.path("api-log/providers.jsonl"), into: ledger, prices: prices)
    #expect(summary.unpricedModels.isEmpty)
    #expect(summary.warnings.isEmpty)
    let report = try F.spend(ledger, by: [.provider], prices: prices)
    // Bedrock and Vertex at $3.30/$16.50, Anthropic still at its own $3/$15, Groq $0.59/$0.79.
    #expect(
      report.rows.map { "\($0.values[0]) \($0.requests) \($0.unpricedRequests) \($0.cost?.json ?? "-")" } == [
        "anthropic 1 0 0.006", "bedrock 2 0 0.009075", "groq 1 0 0.001575", "vertex 1 0 0.00825",
      ])
    #expect(report.totals.cost?.json == "0.0249")
    // The same ledger priced without the file: the provider rows were never Anthropic's.
    #expect(try F.spend(ledger, by: []).totals.cost?.json == "0.006")
  }

  @Test func groqBatchOutputIsFiledUnderGroq() throws {
    let prices = try Self.prices("providers.csv")
    var options = IngestOptions()
    options.batchID = "batch_01k9b3c4d5e6"
    let (ledger, _) = try F.ledger()
    let summary = try F.ingest(
      F.path("openai-batch/groq_batch_output.jsonl"), into: ledger, options, prices: prices)
    #expect((summary.format, summary.read, summary.new) == (.openaiBatch, 2, 2))
    #expect(
      try Self.requests(ledger) == [
        "openai-batch:batch_req_out_01k9b3c4d5e6f7g8h9j0k1m2n3 groq llama-3.1-8b-instant llama-3.1-8b-instant succeeded 0",
        "openai-batch:batch_req_out_01k9b3c4d5e6f7g8h9j0k1m2n4 groq llama-3.1-8b-instant llama-3.1-8b-instant succeeded 0",
      ])
    // 100,000 input at $0.025 and 30,000 output at $0.04 per million (batch).
    #expect(try F.spend(ledger, by: [], prices: prices).totals.cost?.json == "0.0037")
    let (bare, _) = try F.ledger()
    #expect(
      try F.ingest(F.path("openai-batch/groq_batch_output.jsonl"), into: bare, options).unpricedModels == [
        "llama-3.1-8b-instant": 2
      ])
  }

  // MARK: - Smaller

  @Test func aCompactionBodyTakesTheEnvelopesModel() throws {
    let (ledger, _) = try F.ledger()
    let summary = try F.ingest(F.path("api-log/compaction.jsonl"), into: ledger)
    #expect((summary.read, summary.new, summary.invalid) == (1, 1, 0))
    // 20,000 x $1.25 + 1,200 x $10 per million.
    #expect(try F.spend(ledger, by: []).totals.cost?.json == "0.037")
    let line =
      #"{"timestamp":"2026-11-06T11:00:00Z","response":{"id":"resp_1","object":"response.compaction","created_at":1794049200,"output":[],"usage":{"input_tokens":10,"output_tokens":2}}}"#
    let path = try InputTests.temporaryFile("compact.jsonl", Array(line.utf8) + [0x0A])
    #expect(
      try InputTests.problems(path) == [
        "\(path):1: no model: a response.compaction body names none; add \"model\" to the line"
      ])
  }

  @Test func dateOnOpenAIBatchOutputIsWarnedAbout() throws {
    var options = IngestOptions()
    options.date = CivilDate(parsing: "2026-10-02")
    let path = F.path("openai-batch/batch_output.jsonl")
    let (ledger, _) = try F.ledger()
    let summary = try F.ingest(path, into: ledger, options)
    #expect(
      summary.warnings == [
        "\(path): --date 2026-10-02 is not used for 5 lines: OpenAI batch lines are dated by their own response.body.created; --date dates only lines without one (error lines)"
      ])
    let (other, _) = try F.ledger()
    #expect(try F.ingest(path, into: other).warnings.isEmpty)
  }

  @Test func batchRequestFilesAreToldApart() throws {
    let openai = F.path("openai-batch/batch_requests.jsonl")
    #expect(
      try InputTests.problems(openai) == [
        "\(openai):1: this is a batch request file (what you upload: custom_id, method, url, body); ingest the batch's output file instead (batch_…_output.jsonl, the batch's output_file_id)"
      ])
    let anthropic = F.path("anthropic-batch/requests.jsonl")
    #expect(
      try InputTests.problems(anthropic) == [
        "\(anthropic):1: this is a batch request file (what you upload: custom_id, params); ingest the batch's results file instead (msgbatch_…_results.jsonl, from the batch's results_url)"
      ])
  }
}
