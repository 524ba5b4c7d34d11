import Foundation
import Testing

@testable import TallyKit

@Suite struct DemoDataSetTests {
  static let prices = try! PriceBook.load()

  /// A new temporary directory path (not created), removed when the test ends.
  static func directory() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("tally-demo-\(UUID().uuidString)")
  }

  static func remove(_ directory: URL) { try? FileManager.default.removeItem(at: directory) }

  static func file(_ name: String) -> String {
    DemoDataSet.files().first { $0.name == name }!.contents
  }

  static func lines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }

  static func json(_ text: some StringProtocol) -> [String: Any] {
    try! JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
  }

  /// FNV-1a over every name and byte: one number that changes with any byte of the data set.
  static func fingerprint(_ files: [DemoFile]) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for file in files {
      for byte in file.name.utf8 + [0] + file.contents.utf8 + [0] {
        hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
      }
    }
    return hash
  }

  @Test func theFilesAreTheSameOnEveryRunAndMachine() {
    let files = DemoDataSet.files()
    let regenerated = DemoDataSet.generate().files
    #expect(files.map(\.name) == regenerated.map(\.name))
    #expect(files.map(\.contents) == regenerated.map(\.contents))
    #expect(DemoDataSet.files().map(\.contents) == files.map(\.contents))
    // Pinned: a different toolchain or platform that changed a single byte fails here.
    #expect(files.count == 61)
    #expect(files.reduce(0) { $0 + $1.contents.utf8.count } == 6_909_610)
    #expect(Self.fingerprint(files) == 4_182_131_230_640_681_451)
    #expect(DemoDataSet.tourMonth == "2026-10")
    #expect(
      (DemoDataSet.firstDay.description, DemoDataSet.lastDay.description) == ("2026-09-01", "2026-10-31"))
  }

  @Test func installIngestsEveryFileWithTheExpectedCounts() throws {
    let directory = Self.directory()
    defer { Self.remove(directory) }
    let summaries = try DemoDataSet.install(in: directory, prices: Self.prices)
    let counts = summaries.prefix(17).map { summary in
      "\(URL(fileURLWithPath: summary.file).lastPathComponent) \(summary.read) \(summary.new) \(summary.duplicates) \(summary.notBilled)"
    }
    #expect(
      counts == [
        "api-log-2026-09.jsonl 1468 1468 0 0",
        "api-log-2026-10.jsonl 1742 1741 1 0",
        "msgbatch_01kzrSNKDwkbkn7QyvXh7Wb7_results.jsonl 170 170 0 1",
        "msgbatch_01fK2Pvu7i5tT9TZnjbdBsch_results.jsonl 210 210 0 0",
        "msgbatch_019Qn69eZaxHx3DVRqvu8BxN_results.jsonl 200 200 0 7",
        "msgbatch_01D74USzQiJxuKHZqKzscxXh_results.jsonl 260 260 0 50",
        "msgbatch_01k8et3AagQPSaxpUtq5yXnB_results.jsonl 240 240 0 1",
        "msgbatch_01iuVRNGgwUFQ8a7T2nfu8ET_results.jsonl 265 265 0 8",
        "msgbatch_01wvZ2Ph3fKEvowDwGQ14P87_results.jsonl 310 310 0 2",
        "msgbatch_01nb6aMPkBozkQWgmGFP2z2R_results.jsonl 290 290 0 9",
        "msgbatch_01sx7jQyZdFChtiyprEvPoL3_results.jsonl 320 320 0 3",
        "msgbatch_011zhhoxxexTkXoMtu7o54jU_results.jsonl 340 340 0 2",
        "batch_a1286ad914e2edf149718dcde629d233_output.jsonl 351 351 0 0",
        "batch_a1286ad914e2edf149718dcde629d233_errors.jsonl 9 9 0 9",
        "batch_1a1e4773ae15b0af44c13c9e09fcc2d9_output.jsonl 435 435 0 0",
        "batch_1a1e4773ae15b0af44c13c9e09fcc2d9_errors.jsonl 15 15 0 15",
        "litellm-spend-logs.json 764 764 0 21",
      ])
    // The Claude Code folder is walked as `tally ingest DIR` walks it: every session and
    // subagent file, in sorted order, each a source of its own.
    let sessions = ClaudeCodeReader.sessionFiles(in: directory.appendingPathComponent("claude-code").path)
    #expect(sessions.count == 28)
    #expect(sessions.contains { $0.contains("/subagents/agent-") })
    #expect(summaries.dropFirst(17).map(\.file) == sessions)
    #expect(summaries.count == 17 + sessions.count)
    #expect(summaries.dropFirst(17).allSatisfy { $0.format == .claudeCode && $0.duplicates > 0 })
    #expect(summaries.reduce(0) { $0 + $1.new } == 8_100)
    for summary in summaries.prefix(17) {
      #expect(
        summary.file
          == directory.appendingPathComponent(URL(fileURLWithPath: summary.file).lastPathComponent).path)
    }
    for summary in summaries {
      #expect(summary.invalid == 0 && summary.problems.isEmpty, "\(summary.file)")
      #expect(summary.unpricedModels.isEmpty, "\(summary.file)")
      #expect(summary.notPricedFeatures.isEmpty, "\(summary.file)")
    }
    let names = Set(try FileManager.default.contentsOfDirectory(atPath: directory.path))
    #expect(
      names.isSuperset(of: DemoDataSet.topLevelNames(DemoDataSet.files()) + [".tally-demo", "tally.sqlite"]))
    #expect(names.contains("claude-code"))
  }

  @Test func theLedgerHoldsTwoMonthsOfEveryTenantAndJob() throws {
    let directory = Self.directory()
    defer { Self.remove(directory) }
    _ = try DemoDataSet.install(in: directory, prices: Self.prices)
    let ledger = try Ledger(path: directory.appendingPathComponent("tally.sqlite").path)
    func spend(_ by: [ReportDimension], from: String? = nil, to: String? = nil) throws -> SpendReport {
      try SpendReport.build(
        ledger: ledger, prices: Self.prices, by: by,
        window: try ReportWindow(
          from: from.flatMap(CivilDate.init(parsing:)), to: to.flatMap(CivilDate.init(parsing:))))
    }
    let months = try spend([.month])
    #expect(months.rows.map(\.values) == [["2026-09"], ["2026-10"]])
    // The customers' 2,601 and 3,916 requests ($136.5983981 and $306.180774875), and the
    // internal teams' LiteLLM and Claude Code requests.
    #expect(months.rows.map(\.requests) == [3_113, 4_859])
    #expect(months.rows.map { $0.cost?.json } == ["156.2559635", "344.917828925"])
    #expect(months.totals.unpricedRequests == 0)
    #expect(
      try spend([.job]).rows.map(\.values[0]) == [
        "analytics", "catalog-enrich", "claude-code", "contract-review", "nightly-classify", "summarize",
        "support-chat",
      ])
    #expect(
      try spend([.model]).rows.map(\.values[0]) == [
        "claude-haiku-4-5-20251001", "claude-opus-5", "claude-sonnet-4-5-20250929", "claude-sonnet-5",
        "gpt-4o-mini", "gpt-5-mini",
      ])
    let modes = try spend([.provider, .mode])
    #expect(
      modes.rows.map { "\($0.values.joined(separator: " ")) \($0.requests)" } == [
        "anthropic batch 2522", "anthropic sync 4136", "openai batch 786", "openai sync 528",
      ])
    let context = try spend([.context])
    #expect(context.rows.map(\.values[0]) == ["0-200k", "200k+"])
    #expect(context.rows.last?.requests == 8)

    let october = try spend([.tenant], from: "2026-10-01", to: "2026-10-31")
    #expect(october.totals.cost?.json == "344.917828925")
    #expect(october.totals.listCost?.json == "582.81752335")
    #expect(
      october.rows.map { "\($0.values[0]) \($0.requests) \($0.cost!.rounded().json)" } == [
        "(unattributed) 57 1.96", "acme 960 55.27", "cyberdyne 47 5.31", "data-science 482 6.98",
        "engineering 461 31.76", "globex 733 38.34", "hooli 299 17.71",
        "initech 419 25.86", "müller-söhne 40 0.94", "soylent 75 1.4", "stark-labs 313 56.97",
        "tyrell 251 37.09", "umbrella 432 33.95", "wayne-ent 290 31.37",
      ])
  }

  @Test func octoberRevenueGivesANegativeAndAThinMargin() throws {
    let directory = Self.directory()
    defer { Self.remove(directory) }
    _ = try DemoDataSet.install(in: directory, prices: Self.prices)
    let ledger = try Ledger(path: directory.appendingPathComponent("tally.sqlite").path)
    let october = try SpendReport.build(
      ledger: ledger, prices: Self.prices, by: [.tenant],
      window: try ReportWindow(from: CivilDate(parsing: "2026-10-01"), to: CivilDate(parsing: "2026-10-31")))
    let cost = Dictionary(uniqueKeysWithValues: october.rows.map { ($0.values[0], $0.cost!) })
    var revenue: [String: Money] = [:]
    for record in try CSVReader.records(Self.file("revenue-2026-10.csv")).dropFirst() {
      revenue[record.fields[0]] = Money(parsing: record.fields[1])!
    }
    var margins: [String: String] = [:]
    for (tenant, amount) in revenue {
      let margin = (amount - (cost[tenant] ?? .zero)).percent(of: amount)!
      margins[tenant] = ExactDecimal.fixed(margin.decimal, scale: 1)
    }
    #expect(
      margins == [
        "acme": "98.1", "globex": "98.0", "initech": "97.8", "umbrella": "96.9", "hooli": "97.4",
        "wayne-ent": "84.2", "stark-labs": "-16.3", "tyrell": "24.3", "soylent": "98.6",
        "müller-söhne": "99.5", "vandelay": "100.0",
      ])
    #expect(cost["vandelay"] == nil)
    #expect(revenue["cyberdyne"] == nil && cost["cyberdyne"] != nil)
    #expect(cost[unattributed] != nil && revenue[unattributed] == nil)
  }

  @Test func installingAgainRebuildsTheSameLedgerAndKeepsOtherFiles() throws {
    let directory = Self.directory()
    defer { Self.remove(directory) }
    let ledgerPath = directory.appendingPathComponent("tally.sqlite").path
    let first = try DemoDataSet.install(in: directory, prices: Self.prices)
    let before = try IngestFixtures.dump(try Ledger(path: ledgerPath))
    let notes = directory.appendingPathComponent("notes.txt")
    try Data("mine".utf8).write(to: notes)
    try Data("edited".utf8).write(to: directory.appendingPathComponent("README.txt"))
    // A file an earlier version of the data set wrote, listed in its marker.
    let stale = directory.appendingPathComponent("msgbatch_01Stale_results.jsonl")
    try Data("{}".utf8).write(to: stale)
    let marker = directory.appendingPathComponent(".tally-demo")
    try Data((try String(contentsOf: marker, encoding: .utf8) + "  msgbatch_01Stale_results.jsonl\n").utf8)
      .write(to: marker)

    let second = try DemoDataSet.install(in: directory, prices: Self.prices)
    #expect(second.map(\.new) == first.map(\.new))
    #expect(
      second.allSatisfy {
        $0.duplicates == 0 || $0.file.hasSuffix("api-log-2026-10.jsonl") || $0.file.contains("/claude-code/")
      })
    #expect(try IngestFixtures.dump(try Ledger(path: ledgerPath)) == before)
    #expect(try String(contentsOf: notes, encoding: .utf8) == "mine")
    #expect(!FileManager.default.fileExists(atPath: stale.path))
    #expect(
      try String(contentsOf: directory.appendingPathComponent("README.txt"), encoding: .utf8)
        == Self.file("README.txt"))
  }

  @Test func refusesADirectoryItDidNotMake() throws {
    let directory = Self.directory()
    defer { Self.remove(directory) }
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let mine = directory.appendingPathComponent("tally.sqlite")
    try Data("my own ledger".utf8).write(to: mine)
    #expect {
      _ = try DemoDataSet.install(in: directory, prices: Self.prices)
    } throws: { error in
      (error as? DemoError)?.description
        == "\(directory.path) is not empty and was not made by `tally demo` (it has no .tally-demo file); give a new or empty directory with --dir. Nothing was changed."
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["tally.sqlite"])
    #expect(try String(contentsOf: mine, encoding: .utf8) == "my own ledger")

    #expect {
      _ = try DemoDataSet.install(in: mine, prices: Self.prices)
    } throws: { error in
      (error as? DemoError)?.description
        == "\(mine.path) is a file, not a directory; give a new or empty directory with --dir"
    }

    let empty = Self.directory()
    defer { Self.remove(empty) }
    try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
    #expect(try DemoDataSet.install(in: empty, prices: Self.prices).count == 45)
  }

  @Test func everyBatchObjectMatchesItsResults() throws {
    var anthropicBatches = 0
    var openAIBatches = 0
    for object in DemoDataSet.files() where object.name.hasSuffix(".json") && object.name.contains("batch_") {
      let id = String(object.name.dropLast(".json".count))
      let fields = Self.json(object.contents)
      #expect(fields["id"] as? String == id)
      let counts = fields["request_counts"] as! [String: Int]
      #expect(try BatchInfo.parse(Data(object.contents.utf8)).id == id)
      if id.hasPrefix("msgbatch_") {
        anthropicBatches += 1
        var found: [String: Int] = ["processing": 0]
        var customIDs = Set<String>()
        for line in Self.lines(Self.file("\(id)_results.jsonl")) {
          let result = Self.json(line)
          let customID = result["custom_id"] as! String
          #expect(customID.wholeMatch(of: /[a-zA-Z0-9_-]{1,64}/) != nil, "\(customID)")
          customIDs.insert(customID)
          found[(result["result"] as! [String: Any])["type"] as! String, default: 0] += 1
        }
        for status in ["succeeded", "errored", "canceled", "expired"] { found[status] = found[status] ?? 0 }
        #expect(counts == found, "\(id)")
        #expect(customIDs.count == counts.values.reduce(0, +))
        let created = Timestamp.parse(fields["created_at"] as! String)!
        let ended = Timestamp.parse(fields["ended_at"] as! String)!
        #expect(Timestamp.parse(fields["expires_at"] as! String)! == created + 86_400)
        #expect(ended > created && ended <= created + 86_400)
      } else {
        openAIBatches += 1
        let output = Self.lines(Self.file("\(id)_output.jsonl"))
        let errors = Self.lines(Self.file("\(id)_errors.jsonl"))
        #expect(
          counts == ["total": output.count + errors.count, "completed": output.count, "failed": errors.count])
        #expect(errors.count > 0)
      }
    }
    #expect((anthropicBatches, openAIBatches) == (10, 2))
  }

  @Test func theMapCoversEveryOpenAIRequestAndTheScenariosParse() throws {
    let map = try Attribution.parseMap(Self.file("openai-map.csv"), file: "openai-map.csv")
    var requests = 0
    for file in DemoDataSet.files() where file.name.hasPrefix("batch_") && file.name.hasSuffix(".jsonl") {
      for line in Self.lines(file.contents) {
        requests += 1
        #expect(map[Self.json(line)["custom_id"] as! String]?.job == "catalog-enrich")
      }
    }
    #expect(map.count == requests)
    #expect(Set(map.values.compactMap(\.tenant)).contains("müller-söhne"))

    let scenarios = try ScenarioFile.parse(Self.file("scenarios.toml"), file: "scenarios.toml")
    #expect(scenarios.daysPerMonth == 30)
    #expect(scenarios.workloads.isEmpty)
    let revenue = try CSVReader.records(Self.file("revenue-2026-10.csv")).dropFirst()
      .map { Money(parsing: $0.fields[1])! }.reduce(Money.zero, +)
    #expect(scenarios.finance == Finance(revenue: revenue, otherCOGS: Money(parsing: "1500")!))
    #expect(
      scenarios.changes.map(\.kind.name) == [
        "move-to-batch", "switch-model", "switch-model", "cache", "scale",
      ])
  }
}

/// A demo directory that cannot be made, or whose writing fails half way, leaves nothing behind.
@Suite struct DemoDirectoryFailureTests {
  static let prices = try! PriceBook.load()

  /// A write that fails from the `failAt`-th file on, as a full disk would.
  static func failingWrite(at failAt: Int) -> (Data, URL) throws -> Void {
    var written = 0
    return { data, url in
      written += 1
      guard written < failAt else {
        throw CocoaError(.fileWriteOutOfSpace, userInfo: [NSUnderlyingErrorKey: POSIXError(.ENOSPC)])
      }
      try data.write(to: url)
    }
  }

  @Test func aMissingParentIsAClearErrorAndCreatesNothing() throws {
    let scratch = DemoDataSetTests.directory()
    defer { DemoDataSetTests.remove(scratch) }
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    let target = scratch.appendingPathComponent("missing/x/y")
    #expect {
      _ = try DemoDataSet.install(in: target, prices: Self.prices)
    } throws: { error in
      let error = error as? DemoError
      return error?.exitStatus == 1
        && error?.description
          == "\(target.path): \(scratch.path)/missing/x does not exist; create it first or give another --dir. Nothing was written."
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == [])
  }

  @Test func aFailedWriteRemovesTheDirectoryItMade() throws {
    let directory = DemoDataSetTests.directory()
    defer { DemoDataSetTests.remove(directory) }
    #expect {
      _ = try DemoDataSet.install(in: directory, prices: Self.prices, write: Self.failingWrite(at: 6))
    } throws: { error in
      let error = error as? DemoError
      return error?.exitStatus == 1
        && error?.description
          == "\(directory.path): cannot write the demo files: No space left on device; the directory was removed again"
    }
    #expect(!FileManager.default.fileExists(atPath: directory.path))
  }

  @Test func aFailedWriteInAnEarlierDemoLeavesOnlyTheUsersFiles() throws {
    let directory = DemoDataSetTests.directory()
    defer { DemoDataSetTests.remove(directory) }
    _ = try DemoDataSet.install(in: directory, prices: Self.prices)
    try Data("mine".utf8).write(to: directory.appendingPathComponent("notes.txt"))
    #expect(throws: DemoError.self) {
      _ = try DemoDataSet.install(in: directory, prices: Self.prices, write: Self.failingWrite(at: 20))
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["notes.txt"])
  }
}
