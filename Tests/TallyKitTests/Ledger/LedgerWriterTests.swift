import Foundation
import GRDB
import Testing

@testable import TallyKit

@Suite("Ledger writer")
struct LedgerWriterTests {
  static func record(_ key: String, input: Int, output: Int = 10, day: Int = 5) -> UsageRecord {
    UsageRecord(
      key: key, provider: "anthropic", model: "claude-sonnet-4-5-20250929", mode: .sync,
      timestamp: Timestamp.startOf(CivilDate(year: 2026, month: 10, day: day)!), status: .succeeded,
      tokens: TokenCounts(input: input, output: output))
  }

  /// A new ledger in memory: nothing left behind in the temporary directory.
  static func emptyLedger() throws -> Ledger { try Ledger.inMemory() }

  /// Every key hashes to 42: keys must still be told apart by their text.
  @Test func keysWhoseHashesCollideAreStillToldApart() throws {
    let ledger = try Self.emptyLedger()
    let outcomes = try ledger.transaction(keyHash: { _ in 42 }) { writer in
      let source = try writer.addSource(
        path: "a.jsonl", contentHash: "", format: "api-log", ingestedAt: "now")
      let result = try writer.insert(
        [
          LedgerInsert(record: Self.record("api:one", input: 100), modelID: nil),
          LedgerInsert(record: Self.record("api:two", input: 200), modelID: nil),
          LedgerInsert(record: Self.record("api:one", input: 100), modelID: nil),
          LedgerInsert(record: Self.record("api:two", input: 999), modelID: nil),
          LedgerInsert(record: Self.record("api:three", input: 300), modelID: nil),
        ], sourceID: source)
      try writer.finishSource(
        source, contentHash: "", format: "api-log", summary: IngestSummary(file: "a.jsonl"))
      return result
    }
    #expect(outcomes == [.new, .new, .duplicate, .conflict(sourceID: 1, path: "a.jsonl"), .new])
    let rows = try ledger.read { db in
      try Row.fetchAll(db, sql: "SELECT key_hash, key, input_tokens FROM request ORDER BY key_hash")
        .map { "\($0["key_hash"] as Int64) \($0["key"] as String) \($0["input_tokens"] as Int)" }
    }
    #expect(rows == ["42 api:one 100", "43 api:two 200", "44 api:three 300"])
    let spend = try SpendReport.build(
      ledger: ledger, prices: IngestFixtures.prices, by: [.month], window: try ReportWindow())
    #expect(spend.rows.map(\.requests) == [3])
    #expect(spend.rows.map(\.tokens.input) == [600])
  }

  /// Sums past 2^63 - 1 are refused, never stored as REAL: the ledger stays usable.
  @Test func aSumThatWouldOverflowIsRefusedAndTheLedgerStaysUsable() throws {
    let ledger = try Self.emptyLedger()
    func ingest(_ key: String) throws {
      try ledger.transaction { writer in
        let source = try writer.addSource(path: key, contentHash: "", format: "api-log", ingestedAt: "now")
        _ = try writer.insert(
          Self.record(key, input: 5_000_000_000_000_000_000), modelID: nil, sourceID: source)
        try writer.finishSource(source, contentHash: "", format: "api-log", summary: IngestSummary(file: key))
      }
    }
    try ingest("api:a1")
    #expect(throws: LedgerSumOverflow.self) { try ingest("api:b1") }
    let spend = try SpendReport.build(
      ledger: ledger, prices: IngestFixtures.prices, by: [.month], window: try ReportWindow())
    #expect(spend.rows.map(\.tokens.input) == [5_000_000_000_000_000_000])
    #expect(spend.rows.map(\.requests) == [1])
    #expect(
      LedgerSumOverflow(column: "input_tokens").description
        == "adding it would take the ledger's sum of input_tokens past 9,223,372,036,854,775,807; nothing was written"
    )
  }

  /// Duplicates, conflicts and taken hashes inside one chunk of inserts each get their own
  /// outcome, whatever the hash.
  @Test(arguments: [false, true])
  func duplicatesAndConflictsInsideOneChunk(allOneHash: Bool) throws {
    let ledger = try Self.emptyLedger()
    var records = (0..<20).map { Self.record("api:r\($0)", input: 100 + $0) }
    records[5] = Self.record("api:r3", input: 103)  // the same request again
    records[9] = Self.record("api:r7", input: 999)  // the same key, other usage
    func sevens(_ key: String) -> Int64 { 7 }
    func real(_ key: String) -> Int64 { Ledger.keyHash(key) }
    let hash: (String) -> Int64 = allOneHash ? sevens : real
    let inserts = records.map { LedgerInsert(record: $0, modelID: nil) }
    let outcomes: [InsertOutcome] = try ledger.transaction(keyHash: hash) { writer in
      let source = try writer.addSource(
        path: "b.jsonl", contentHash: "", format: "api-log", ingestedAt: "now")
      return try writer.insert(inserts, sourceID: source)
    }
    var expected = [InsertOutcome](repeating: .new, count: 20)
    expected[5] = .duplicate
    expected[9] = .conflict(sourceID: 1, path: "b.jsonl")
    #expect(outcomes == expected)
    let stored = try ledger.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM request") }
    #expect(stored == 18)
  }
}
