import Foundation
import GRDB
import Testing

@testable import TallyKit

/// Attribution by rule on `Fixtures/ingest/attribution/msgbatch_01Attribution_results.jsonl`:
/// six requests whose custom_ids are `acme__summarize__0001`, `acme__classify__0002`, `req-1`,
/// `req-2` (both in `prefix-map.csv`, req-2 with a tenant only), `zzz-9`, and
/// `42-globex__extract__0003`.
@Suite struct AttributionTests {
  typealias F = IngestFixtures
  static let file = F.path("attribution/msgbatch_01Attribution_results.jsonl")

  static func options(
    pattern: String? = nil, map: Bool = false, tenant: String? = nil, job: String? = nil
  ) throws -> IngestOptions {
    var options = IngestOptions()
    options.date = CivilDate(parsing: "2026-10-05")
    if let pattern { options.attribution.idPattern = try IDPattern(pattern) }
    if map {
      options.attribution.map = try Attribution.parseMap(
        String(contentsOfFile: F.path("attribution/prefix-map.csv"), encoding: .utf8), file: "prefix-map.csv")
    }
    options.attribution.tenant = tenant
    options.attribution.job = job
    return options
  }

  static func counts(
    record: Int = 0, map: Int = 0, pattern: Int = 0, flags: Int = 0, unattributed: Int
  ) -> [Int] {
    [record, map, pattern, flags, unattributed]
  }

  static func counts(_ summary: IngestSummary) -> [Int] {
    let counts = summary.attribution
    return [counts.record, counts.map, counts.pattern, counts.flags, counts.unattributed]
  }

  /// Tenant/job → billed requests.
  static func attributed(_ ledger: Ledger) throws -> [String] {
    try F.spend(ledger, by: [.tenant, .job]).rows.map {
      "\($0.values[0])/\($0.values[1])=\($0.requests)"
    }
  }

  @Test func aPrefixPatternIsSearchedInTheId() throws {
    let (ledger, _) = try F.ledger()
    let summary = try F.ingest(
      Self.file, into: ledger, try Self.options(pattern: #"(?<tenant>[a-z]+)__(?<job>[a-z]+)"#, map: true))
    #expect(Self.counts(summary) == Self.counts(map: 2, pattern: 3, unattributed: 1))
    #expect(summary.attribution.warnings(file: Self.file) == [])
    #expect(
      try Self.attributed(ledger) == [
        "(unattributed)/(unattributed)=1", "Initech, Inc./(unattributed)=1", "acme/classify=1",
        "acme/summarize=1", "globex/classify=1", "globex/extract=1",
      ])
  }

  @Test func anAnchoredPatternMatchesOnlyWholeIds() throws {
    let (ledger, _) = try F.ledger()
    let summary = try F.ingest(
      Self.file, into: ledger,
      try Self.options(pattern: #"^(?<tenant>[a-z]+)__(?<job>[a-z]+)__\d+$"#, map: true))
    #expect(Self.counts(summary) == Self.counts(map: 2, pattern: 2, unattributed: 2))
    #expect(
      try Self.attributed(ledger) == [
        "(unattributed)/(unattributed)=2", "Initech, Inc./(unattributed)=1", "acme/classify=1",
        "acme/summarize=1", "globex/classify=1",
      ])
  }

  @Test func flagsFillWhatTheOtherRulesLeft() throws {
    let (ledger, _) = try F.ledger()
    let summary = try F.ingest(
      Self.file, into: ledger,
      try Self.options(
        pattern: #"^(?<tenant>[a-z]+)__(?<job>[a-z]+)__\d+$"#, map: true, tenant: "walk-in", job: "misc"))
    // req-2 takes its tenant from the map and its job from --job: it counts under both.
    #expect(Self.counts(summary) == Self.counts(map: 2, pattern: 2, flags: 3, unattributed: 0))
    #expect(
      try Self.attributed(ledger) == [
        "Initech, Inc./misc=1", "acme/classify=1", "acme/summarize=1", "globex/classify=1", "walk-in/misc=2",
      ])
  }

  /// `api-log/mixed.jsonl`: nine of its ten lines name tenant and job, one names neither.
  @Test func recordFieldsComeFirstAndCount() throws {
    var options = IngestOptions()
    options.attribution.tenant = "walk-in"
    let summary = try F.ingest(F.path("api-log/mixed.jsonl"), into: try F.ledger().0, options)
    #expect(summary.attribution.records == 10)
    #expect(Self.counts(summary) == Self.counts(record: 9, flags: 1, unattributed: 0))
    let alone = try F.ingest(F.path("api-log/mixed.jsonl"), into: try F.ledger().0)
    #expect(Self.counts(alone) == Self.counts(record: 9, unattributed: 1))
  }

  @Test func aPatternThatMatchesNothingWarns() throws {
    let (ledger, _) = try F.ledger()
    let summary = try F.ingest(Self.file, into: ledger, try Self.options(pattern: #"^(?<tenant>[A-Z]+)-"#))
    #expect(Self.counts(summary) == Self.counts(unattributed: 6))
    #expect(
      summary.attribution.warnings(file: "batch.jsonl") == [
        #"--id-pattern matched none of the 6 custom_ids of batch.jsonl; every record of it is (unattributed). Example id: "acme__summarize__0001""#
      ])
    let withMap = try F.ingest(
      Self.file, into: try F.ledger().0, try Self.options(pattern: #"^(?<tenant>[A-Z]+)-"#, map: true))
    // req-2 lacks only a job, which this pattern cannot give: the pattern is not tried on it.
    #expect(
      withMap.attribution.warnings(file: "batch.jsonl") == [
        #"--id-pattern matched none of the 4 custom_ids of batch.jsonl; 4 of its 6 records are (unattributed). Example id: "acme__summarize__0001""#
      ])
  }

  @Test func aMapThatMatchesNothingWarns() throws {
    let directory = URL(fileURLWithPath: try F.ledger().1).deletingLastPathComponent()
    let map = directory.appendingPathComponent("other-map.csv")
    try "custom_id,tenant,job\nnot-here,acme,x\n".write(to: map, atomically: true, encoding: .utf8)
    var options = try Self.options(tenant: "walk-in")
    options.attribution.map = try Attribution.parseMap(
      String(contentsOf: map, encoding: .utf8), file: map.path)
    let summary = try F.ingest(Self.file, into: try F.ledger().0, options)
    #expect(
      summary.attribution.warnings(file: "batch.jsonl") == [
        #"--map matched none of the 6 custom_ids of batch.jsonl; the other rules attributed its records. Example id: "acme__summarize__0001""#
      ])
  }

  @Test func aPatternOutOfStepsFailsTheFileNamingTheId() throws {
    let (ledger, path) = try F.ledger()
    let file = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(
      "msgbatch_01Long_results.jsonl")
    let id = String(repeating: "a", count: 2_000)
    try """
    {"custom_id":"ok__1","result":{"type":"canceled"}}
    {"custom_id":"\(id)","result":{"type":"canceled"}}

    """.write(to: file, atomically: true, encoding: .utf8)
    var options = try Self.options()
    options.attribution.idPattern = try IDPattern(#"(?<tenant>[a-z]{1,1000})x"#)
    let error = #expect(throws: IngestFailure.self) { try F.ingest(file.path, into: ledger, options) }
    guard case .usage(let message) = error else {
      Issue.record("expected a usage error, not \(String(describing: error))")
      return
    }
    #expect(
      message
        == "\(file.path):2: custom_id \"\(String(repeating: "a", count: 79))…\": --id-pattern gave up after 100000 steps; simplify the pattern (anchor it with ^ and $, and use classes that cannot overlap, such as [a-z]+_ rather than .*_); nothing of the file was written"
    )
    #expect(try ledger.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM request") } == 0)
  }
}
