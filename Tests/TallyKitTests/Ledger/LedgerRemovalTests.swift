import Foundation
import GRDB
import Testing

@testable import TallyKit

@Suite("Ledger remove")
struct LedgerRemovalTests {
  typealias W = LedgerWriterTests

  /// Ingests `records` as one source with `hash`; returns the outcomes.
  @discardableResult
  static func ingest(
    _ records: [UsageRecord], path: String, into ledger: Ledger, hash: @escaping (String) -> Int64
  ) throws -> [InsertOutcome] {
    try ledger.transaction(keyHash: hash) { writer in
      let source = try writer.addSource(path: path, contentHash: path, format: "api-log", ingestedAt: "now")
      let outcomes = try writer.insert(
        records.map { LedgerInsert(record: $0, modelID: nil) }, sourceID: source)
      var summary = IngestSummary(file: path)
      summary.read = records.count
      summary.new = outcomes.filter { $0 == .new }.count
      try writer.finishSource(source, contentHash: path, format: "api-log", summary: summary, batchID: "")
      return outcomes
    }
  }

  static func requests(_ ledger: Ledger) throws -> [String] {
    try ledger.read { db in
      try Row.fetchAll(db, sql: "SELECT key_hash, key, input_tokens FROM request ORDER BY key_hash")
        .map { "\($0["key_hash"] as Int64) \($0["key"] as String) \($0["input_tokens"] as Int)" }
    }
  }

  /// Both rollups, every row, sorted.
  static func rollups(_ ledger: Ledger) throws -> [String] {
    try ledger.read { db in
      try ["rollup_month", "rollup_day"].flatMap { table in
        try Row.fetchAll(db, sql: "SELECT * FROM \(table)").map { "\(table) \($0)" }.sorted()
      }
    }
  }

  /// The rollups as the migration computes them from the requests left.
  static func rebuiltRollups(_ ledger: Ledger) throws -> [String] {
    try ledger.transaction(commit: false) { writer in
      try Ledger.rebuildRollups(writer.db)
      return try ["rollup_month", "rollup_day"].flatMap { table in
        try Row.fetchAll(writer.db, sql: "SELECT * FROM \(table)").map { "\(table) \($0)" }.sorted()
      }
    }
  }

  /// Every key hashes to 42: "api:one" sits at 42 and "api:two", probing past it, at 43.
  /// Removing "api:one" must leave "api:two" findable: ingesting it again is a duplicate, not a
  /// second copy at 42.
  @Test func removingAKeyKeepsAKeyThatProbedPastItFindable() throws {
    let ledger = try W.emptyLedger()
    let collide: (String) -> Int64 = { _ in 42 }
    try Self.ingest([W.record("api:one", input: 100)], path: "one.jsonl", into: ledger, hash: collide)
    try Self.ingest(
      [W.record("api:two", input: 200), W.record("api:three", input: 300, day: 6)], path: "two.jsonl",
      into: ledger, hash: collide)
    #expect(try Self.requests(ledger) == ["42 api:one 100", "43 api:two 200", "44 api:three 300"])

    let removal = try ledger.transaction(keyHash: collide) { try $0.removeSource(1, now: "later") }
    #expect(removal.requests == 1)
    #expect(removal.tokens.input == 100)
    #expect(removal.rehomed == 2)
    #expect(try Self.requests(ledger) == ["42 api:two 200", "43 api:three 300"])
    #expect(try Self.rollups(ledger) == (try Self.rebuiltRollups(ledger)))

    let again = try Self.ingest(
      [
        W.record("api:two", input: 200), W.record("api:three", input: 300, day: 6),
        W.record("api:one", input: 100),
      ],
      path: "again.jsonl", into: ledger, hash: collide)
    #expect(again == [.duplicate, .duplicate, .new])
    #expect(try Self.requests(ledger) == ["42 api:two 200", "43 api:three 300", "44 api:one 100"])
  }

  /// A key at its own hash, after a hole, stays where it is; one that probed from before the
  /// hole moves into it.
  @Test func onlyRowsWhoseWalkCrossesTheHoleMove() throws {
    let ledger = try W.emptyLedger()
    let hashes: [String: Int64] = ["a": 10, "b": 10, "c": 12, "d": 10]
    let hash: (String) -> Int64 = { hashes[$0]! }
    try Self.ingest([W.record("a", input: 1)], path: "a", into: ledger, hash: hash)
    try Self.ingest([W.record("b", input: 2)], path: "b", into: ledger, hash: hash)
    try Self.ingest([W.record("c", input: 3)], path: "c", into: ledger, hash: hash)
    try Self.ingest([W.record("d", input: 4)], path: "d", into: ledger, hash: hash)
    #expect(try Self.requests(ledger) == ["10 a 1", "11 b 2", "12 c 3", "13 d 4"])
    let removal = try ledger.transaction(keyHash: hash) { try $0.removeSource(2, now: "later") }
    #expect(removal.rehomed == 1)
    #expect(try Self.requests(ledger) == ["10 a 1", "11 d 4", "12 c 3"])
    let again = try Self.ingest(
      [W.record("a", input: 1), W.record("c", input: 3), W.record("d", input: 4)], path: "again",
      into: ledger,
      hash: hash)
    #expect(again == [.duplicate, .duplicate, .duplicate])
  }

  /// Removing subtracts from both rollups and deletes the rows that reach zero: the rollups
  /// equal those rebuilt from the requests left, and a dry run changes nothing.
  @Test func removeSubtractsFromBothRollupsAndDeletesEmptiedRows() throws {
    let ledger = try W.emptyLedger()
    try Self.ingest(
      [W.record("api:1", input: 100, day: 5), W.record("api:2", input: 50, day: 6)], path: "first",
      into: ledger, hash: Ledger.keyHash)
    try Self.ingest(
      [W.record("api:3", input: 7, day: 6), W.record("api:4", input: 9, day: 7)], path: "second",
      into: ledger,
      hash: Ledger.keyHash)
    let before = try Self.rollups(ledger)
    let dry = try ledger.removeSource(2, dryRun: true, now: "later")
    #expect(dry.requests == 2)
    #expect(try Self.rollups(ledger) == before)
    #expect(try ledger.sources().map(\.id) == [1, 2])

    let removal = try ledger.removeSource(2, now: "later")
    #expect(removal.tokens.input == 16)
    #expect(removal.firstTimestamp == Timestamp.startOf(CivilDate(year: 2026, month: 10, day: 6)!))
    let rollups = try Self.rollups(ledger)
    #expect(rollups == (try Self.rebuiltRollups(ledger)))
    #expect(rollups.filter { $0.hasPrefix("rollup_day") }.count == 2)
    #expect(rollups.filter { $0.hasPrefix("rollup_month") }.count == 1)
    #expect(rollups.first { $0.hasPrefix("rollup_month") }!.contains("requests:2 input_tokens:150"))
    #expect(try ledger.sources().map(\.id) == [1])
    #expect(try ledger.sources(includeRemoved: true).map(\.removedAt) == [nil, "later"])
    #expect(throws: LedgerError.self) { try ledger.removeSource(2, now: "again") }
  }
}
