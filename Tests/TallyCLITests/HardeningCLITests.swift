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
    let tenants = table.stdout.split(separator: "\n").dropFirst(2).prefix(3).map {
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
}
