import Foundation
import Testing

/// Output a crafted input cannot turn against the person reading it, and a demo directory that
/// cannot be made.
@Suite("Hardening")
struct HardeningCLITests {
  /// An API log whose tenant names carry terminal control sequences.
  static func hostileLedger() throws -> (ledger: String, directory: URL) {
    let directory = try CLI.temporaryDirectory()
    let names = ["evil\u{1B}]0;pwned\u{07}", "hide\rme", "plain"]
    let lines = try names.enumerated().map { index, name -> String in
      let tenant = String(decoding: try JSONSerialization.data(withJSONObject: [name]), as: UTF8.self)
      return """
        {"timestamp":"2026-10-0\(index + 1)T10:00:00Z","tenant":\(tenant.dropFirst().dropLast()),"job":"j","request_id":"req_\(index)","usage":{"input_tokens":1000,"output_tokens":10},"model":"claude-haiku-4-5","provider":"anthropic"}
        """
    }
    let log = directory.appendingPathComponent("hostile.jsonl")
    try lines.joined(separator: "\n").write(to: log, atomically: true, encoding: .utf8)
    let ledger = directory.appendingPathComponent("tally.sqlite").path
    let ingest = try CLI.run(["ingest", "--ledger", ledger, log.path])
    #expect(ingest.status == 0, "\(ingest)")
    return (ledger, directory)
  }

  @Test func controlCharactersInTenantNamesAreShownEscaped() throws {
    let (ledger, _) = try Self.hostileLedger()
    let table = try CLI.run(["report", "spend", "--by", "tenant", "--ledger", ledger])
    #expect(table.status == 0, "\(table)")
    // The title, the prices, the column titles, the rule, then the rows.
    let tenants = table.stdout.split(separator: "\n").dropFirst(4).prefix(3).map {
      String($0.prefix { $0 != " " })
    }
    #expect(tenants == [#"evil\e]0;pwned\x07"#, #"hide\rme"#, "plain"])
    #expect(!table.stdout.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })

    let csv = try CLI.run(["report", "spend", "--by", "tenant", "--format", "csv", "--ledger", ledger])
    #expect(csv.stdout.contains("\nevil\\e]0;pwned\\x07,1,"))
    #expect(csv.stdout.contains("\n\"hide\rme\",1,"))

    let json = try CLI.run(["report", "spend", "--by", "tenant", "--format", "json", "--ledger", ledger])
    #expect(json.stdout.contains(#""tenant": "evil\u001b]0;pwned\u0007""#))
  }

  @Test func aDemoDirectoryUnderAMissingParentIsAClearErrorAndLeavesNothing() throws {
    let scratch = try CLI.temporaryDirectory("tally-demo")
    let result = try CLI.run(["demo", "--dir", "missing/x/y"], in: scratch)
    #expect(result.status == 1)
    #expect(result.stdout == "")
    #expect(
      result.stderr
        == "tally: \(scratch.path)/missing/x/y: \(scratch.path)/missing/x does not exist; create it first or give another --dir. Nothing was written.\n"
    )
    #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == [])
  }

  /// The poisoned-ledger reproduction: two ingests of 5e18 input tokens in one slot used to
  /// overflow the rollup into a REAL and crash every report. Now each file is refused at its
  /// line and the ledger stays usable.
  @Test func hugeTokenCountsAreRefusedAtTheirLineAndReportsStillRun() throws {
    let directory = try CLI.temporaryDirectory()
    let ledger = directory.appendingPathComponent("p.sqlite").path
    func log(_ id: String, _ time: String, input: String) throws -> String {
      let path = directory.appendingPathComponent("\(id).jsonl").path
      try """
      {"timestamp":"\(time)","request_id":"\(id)","response":{"id":"m\(id)","type":"message","model":"claude-sonnet-4-5-20250929","usage":{"input_tokens":\(input),"output_tokens":1}}}

      """.write(toFile: path, atomically: true, encoding: .utf8)
      return path
    }
    let fine = try CLI.run([
      "ingest", "--ledger", ledger, try log("ok", "2026-10-01T09:00:00Z", input: "1000"),
    ])
    #expect(fine.status == 0, "\(fine)")
    for (id, time) in [("a1", "2026-10-01T10:00:00Z"), ("b1", "2026-10-01T10:01:00Z")] {
      let file = try log(id, time, input: "5000000000000000000")
      let result = try CLI.run(["ingest", "--ledger", ledger, file])
      #expect(result.status == 65)
      #expect(
        result.stderr.hasPrefix(
          "tally: \(file):1: response.usage.input_tokens: 5000000000000000000 is more than 10^12 tokens"),
        "\(result)")
    }
    for report in [["report", "spend"], ["report", "chargeback"], ["report", "jobs"]] {
      let result = try CLI.run(report + ["--ledger", ledger, "--format", "csv"])
      #expect(result.status == 0, "\(report): \(result)")
    }
    let spend = try CLI.run(["report", "spend", "--ledger", ledger, "--format", "csv"])
    #expect(spend.stdout.contains("2026-10,claude-sonnet-4-5-20250929,1,1000,0,0,0,1,0,0,0,0.00,0.00,0.00,0"))
  }

  /// A usage report row of 2^63 - 1 tokens used to crash reconcile when summed.
  @Test func aUsageReportRowTooLargeToSumIsRefused() throws {
    let directory = try CLI.temporaryDirectory()
    let report = directory.appendingPathComponent("usage.json")
    try """
    {"data":[{"starting_at":"2026-10-01T00:00:00Z","ending_at":"2026-10-02T00:00:00Z","results":[{"uncached_input_tokens":10,"output_tokens":9223372036854775807,"cache_read_input_tokens":0,"model":"claude-sonnet-4-5-20250929"}]}],"has_more":false,"next_page":null}
    """.write(to: report, atomically: true, encoding: .utf8)
    let result = try CLI.run([
      "ingest", "--ledger", directory.appendingPathComponent("l.sqlite").path, report.path,
      "--format", "anthropic-usage-report",
    ])
    #expect(result.status == 65, "\(result)")
    #expect(
      result.stderr.contains(
        "data[0].results[0].output_tokens: 9223372036854775807 is more than 10^15, too many for one report row"
      ),
      "\(result)")
  }
}
