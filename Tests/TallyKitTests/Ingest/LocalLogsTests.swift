import Foundation
import GRDB
import Testing

@testable import TallyKit

/// Claude Code session logs and LiteLLM spend logs (issue 13 parts 3 and 4). The fixtures are
/// written from facts/formats-more.md 2.1 and 2.7; the figures are in `Fixtures/ingest/ANSWERS.md`.
struct LocalLogsTests {
  typealias F = IngestFixtures

  static let projects = F.path("claude-code/projects")
  static let session = F.path("claude-code/projects/-Users-alice-code-my-app/a1b2c3d4.jsonl")
  static let subagent = F.path(
    "claude-code/projects/-Users-alice-code-my-app/a1b2c3d4/subagents/agent-a7f3.jsonl")
  static let bob = F.path("claude-code/projects/-Users-bob-src-api/e5f6a7b8.jsonl")

  /// key | tenant | job | status | input, 5m, 1h, reads, output, in key order.
  static func rows(_ ledger: Ledger) throws -> [String] {
    try ledger.read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT key, provider, model, tenant, job, status, input_tokens, cache_write_5m_tokens, cache_write_1h_tokens,
          cache_read_tokens, output_tokens, timestamp FROM request ORDER BY key
          """
      ).map { row in
        let values: [String] = (0..<12).map { index in
          let value: DatabaseValue = row[index]
          switch value.storage {
          case .null: return "nil"
          case .int64(let int): return "\(int)"
          case .string(let text): return text
          default: return "\(value)"
          }
        }
        return values.joined(separator: " | ")
      }
    }
  }

  // MARK: - Claude Code

  @Test func claudeCodeSessionFoldsStreamedRepeatsAndSkipsOtherLines() throws {
    let (ledger, _) = try F.ledger()
    let summary = try F.ingest(Self.session, into: ledger)
    #expect(summary.format == .claudeCode)
    #expect(summary.formatDetected)
    #expect(summary.read == 9)
    #expect(summary.new == 2)
    #expect(summary.duplicates == 2)
    #expect(summary.skipped == 5)
    #expect(summary.invalid == 0)
    #expect(summary.attribution.defaults == 2)
    // The last of the repeats, with the most output tokens (250, not 5).
    #expect(
      try Self.rows(ledger) == [
        "claude-code:msg_01AbCdEf:req_011CA1 | anthropic | claude-sonnet-4-5-20250929 | my-app | claude-code | succeeded | 12 | 2000 | 0 | 10000 | 250 | 1795165204",
        "claude-code:msg_01GhIjKl:req_011CA2 | anthropic | claude-sonnet-4-5-20250929 | my-app | claude-code | succeeded | 4 | 300 | 0 | 12000 | 80 | 1795165241",
      ])
  }

  @Test func claudeCodeDirectoryWalkIsSortedAndIdempotent() throws {
    let files = ClaudeCodeReader.sessionFiles(in: Self.projects)
    #expect(files == [Self.session, Self.subagent, Self.bob])
    let (ledger, _) = try F.ledger()
    let first = try files.map { try F.ingest($0, into: ledger) }
    #expect(first.map(\.new) == [2, 1, 1])
    #expect(first.map(\.skipped) == [5, 1, 1])
    let again = try files.map { try F.ingest($0, into: ledger) }
    #expect(again.map(\.new) == [0, 0, 0])
    #expect(again.map(\.duplicates) == [4, 1, 1])
    let report = try F.spend(ledger, by: [.tenant])
    #expect(report.rows.map(\.values) == [["api"], ["my-app"]])
    // my-app: 0.014286 + 0.005937 (Sonnet 4.5) + 0.0015 (Haiku 4.5); api: 0.0006.
    #expect(report.rows.map { $0.cost?.json } == ["0.0006", "0.021723"])
  }

  @Test func claudeCodeTenantDefaultsToTheProjectAndFlagsOverride() throws {
    #expect(ClaudeCodeReader.projectFolder(of: Self.bob) == "-Users-bob-src-api")
    #expect(ClaudeCodeReader.project(ofCWD: "/Users/alice/code/my-app/") == "my-app")
    // bob's assistant line has no cwd: the session's earlier cwd names the project.
    let (ledger, _) = try F.ledger()
    _ = try F.ingest(Self.bob, into: ledger)
    #expect(try Self.rows(ledger).first?.contains("| api | claude-code |") == true)
    var options = IngestOptions()
    options.attribution.tenant = "platform-team"
    options.attribution.job = "refactor"
    let (flagged, _) = try F.ledger()
    let summary = try F.ingest(Self.subagent, into: flagged, options)
    #expect(summary.attribution.flags == 1)
    #expect(summary.attribution.defaults == 0)
    #expect(try Self.rows(flagged).first?.contains("| platform-team | refactor |") == true)
  }

  @Test func claudeCodeErrorsNameLineAndPath() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cc-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let path = directory.appendingPathComponent("bad.jsonl").path
    let lines = try String(contentsOfFile: Self.session, encoding: .utf8).split(separator: "\n").map(
      String.init)
    let noOutput = lines[2].replacingOccurrences(of: #""output_tokens":5,"#, with: "")
    let badTime = lines[5].replacingOccurrences(of: "2026-11-20T09:00:41.500Z", with: "yesterday")
    try
      ([lines[0], lines[1], noOutput, lines[4], badTime, "{\"type\":\"assistant\",", #"{"uuid":"x"}"#]
      .joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    let (ledger, _) = try F.ledger()
    #expect {
      try F.ingest(path, into: ledger)
    } throws: { error in
      guard case IngestFailure.invalidInput(let problems) = error else { return false }
      return problems.map(\.description) == [
        "\(path):3: message.usage.output_tokens is missing",
        "\(path):5: timestamp \"yesterday\" is not an RFC 3339 time such as 2026-11-03T10:22:11.123Z",
        "\(path):6: not valid JSON (a truncated or corrupted line?)",
        "\(path):7: type is missing (not a Claude Code session line?)",
      ]
    }
    #expect(try Self.rows(ledger).isEmpty)
  }

  @Test func repeatFolderKeepsTheMostOutputThenTheLaterLine() {
    var folder = RepeatFolder()
    func record(_ key: String, output: Int, input: Int = 1) -> UsageRecord {
      UsageRecord(
        key: key, provider: "anthropic", model: "m", mode: .sync, timestamp: 0, status: .succeeded,
        tokens: TokenCounts(input: input, output: output))
    }
    #expect(folder.add(record("a", output: 5), line: 1).isEmpty)
    #expect(folder.add(record("b", output: 9), line: 2).isEmpty)
    #expect(folder.add(record("a", output: 250), line: 3).isEmpty)
    #expect(folder.add(record("a", output: 7), line: 4).isEmpty)
    #expect(folder.add(record("b", output: 9, input: 2), line: 5).isEmpty)
    let out = folder.finish()
    #expect(out.map(\.line) == [3, 5])
    #expect(out.map(\.record.tokens.output) == [250, 9])
    #expect(out[1].record.tokens.input == 2)
    #expect(folder.folded == 3)
  }

  // MARK: - LiteLLM

  static let spendLogs = F.path("litellm/spend-logs.json")
  static let csvExport = F.path("litellm/LiteLLM_SpendLogs.csv")

  @Test func litellmJSONArrayNormalisesCacheTokensAndKeepsSpendExact() throws {
    let (ledger, _) = try F.ledger()
    let summary = try F.ingest(Self.spendLogs, into: ledger)
    #expect(summary.format == .litellmSpend)
    #expect(summary.formatDetected)
    #expect(summary.read == 4)
    #expect(summary.new == 4)
    #expect(summary.notBilled == 1)
    #expect(summary.reportedSpend?.json == "0.005563200000000001")
    #expect(summary.tallyPriceOfReported.json == "0.0056832")
    #expect(
      summary.warnings == [
        "\(Self.spendLogs): 1 row has no metadata.usage_object: their cache tokens are unknown and counted as input"
      ])
    #expect(
      try Self.rows(ledger) == [
        "litellm:chatcmpl-0d7e8f | openai | gpt-4o-mini | globex | nil | succeeded | 1000 | 0 | 0 | 0 | 100 | 1795001400",
        "litellm:chatcmpl-7f2e1a | anthropic | claude-sonnet-4-5-20250929 | acme | nil | succeeded | 300 | 200 | 0 | 1000 | 200 | 1794996000",
        "litellm:chatcmpl-8a3b4c | openai | gpt-4o-mini | customer-42 | nil | succeeded | 976 | 0 | 0 | 1024 | 500 | 1794996300",
        "litellm:chatcmpl-9c5d6e | openai | gpt-4o | customer-42 | nil | errored | 0 | 0 | 0 | 0 | 0 | 1794996360",
      ])
  }

  @Test func litellmRowInTwoExportsCountsOnce() throws {
    let (ledger, _) = try F.ledger()
    _ = try F.ingest(Self.spendLogs, into: ledger)
    let csv = try F.ingest(Self.csvExport, into: ledger)
    #expect(csv.format == .litellmSpend)
    #expect(csv.read == 2)
    #expect(csv.new == 1)
    #expect(csv.duplicates == 1)
    #expect(csv.reportedSpend?.json == "0.0034232")
    #expect(csv.tallyPriceOfReported.json == "0.0034232")
    #expect(
      try Self.rows(ledger).contains(
        "litellm:chatcmpl-1e9f0a | anthropic | claude-haiku-4-5-20251001 | acme | nil | succeeded | 1000 | 0 | 0 | 4000 | 300 | 1795077000"
      ))
    let again = try F.ingest(Self.spendLogs, into: ledger)
    #expect(again.new == 0)
    #expect(again.duplicates == 4)
  }

  @Test func litellmJSONLinesReadLikeTheArray() throws {
    let (ledger, _) = try F.ledger()
    let summary = try F.ingest(F.path("litellm/spend-logs.jsonl"), into: ledger)
    #expect(summary.format == .litellmSpend)
    #expect(summary.formatDetected)
    #expect([summary.read, summary.new, summary.notBilled, summary.invalid] as [Int] == [4, 4, 1, 0])
    #expect(summary.reportedSpend?.json == "0.005563200000000001")
    #expect(summary.tallyPriceOfReported.json == "0.0056832")
    let again = try F.ingest(Self.spendLogs, into: ledger)
    #expect(again.duplicates == 4)
  }

  @Test func litellmFailedRowMayNameNoModel() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ll-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let path = directory.appendingPathComponent("failed.jsonl").path
    try
      (#"{"request_id":"chatcmpl-f1","startTime":"2026-11-18T10:00:00Z","model":"","prompt_tokens":0,"completion_tokens":0,"spend":0.0,"status":"failure"}"#
      + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    let (ledger, _) = try F.ledger()
    let summary = try F.ingest(path, into: ledger)
    #expect([summary.read, summary.new, summary.notBilled, summary.invalid] as [Int] == [1, 1, 1, 0])
    #expect(summary.reportedSpend == nil)
  }

  @Test func litellmErrorsNameLineAndPath() throws {
    let (ledger, _) = try F.ledger()
    let bad = F.path("litellm/bad.json")
    #expect {
      try F.ingest(bad, into: ledger)
    } throws: { error in
      guard case IngestFailure.invalidInput(let problems) = error else { return false }
      return problems.map(\.description) == [
        "\(bad):2: completion_tokens \"-5\" is not a whole number of tokens (0 to 10^12)",
        "\(bad):3: metadata.usage_object: cache reads (50) and writes (0) exceed prompt_tokens (10); LiteLLM's prompt count includes both",
        "\(bad):4: startTime \"18/11/2026\" is not a time such as 2026-11-03T10:22:11.123Z or 2026-11-03 10:22:11.123",
        "\(bad):5: request_id is missing",
      ]
    }
    let truncated = F.path("litellm/truncated.json")
    #expect {
      try F.ingest(truncated, into: ledger)
    } throws: { error in
      guard case IngestFailure.invalidInput(let problems) = error else { return false }
      return problems.map(\.description) == ["\(truncated):4: [1] is not closed (a truncated file?)"]
    }
    #expect(try Self.rows(ledger).isEmpty)
  }
}
