import Foundation
import Testing

/// `tally report chargeback --statements DIR` on the demo data set.
@Suite("Statements")
struct StatementsCLITests {
  /// Column → sum over the rows of a CSV (read by `RoundingCLITests.parseCSV`).
  static func sums(_ rows: [[String: String]], _ columns: [String]) -> [String: Decimal] {
    var sums: [String: Decimal] = [:]
    for column in columns {
      sums[column] = rows.map { Decimal(string: $0[column] ?? "") ?? 0 }.reduce(0, +)
    }
    return sums
  }

  @Test func statementsAddUpToTheIndexAndTheIndexToTheChargeback() throws {
    let scratch = try UndoCLITests.demo()
    let arguments = [
      "report", "chargeback", "--month", "2026-10", "--ledger", "d/tally.sqlite", "--allocate-unattributed",
      "proportional", "--shared-costs",
      CLI.packageRoot.appendingPathComponent("examples/shared-costs-2026-10.csv").path,
      "--markup", "12.5",
    ]
    let chargeback = try CLI.run(arguments + ["--format", "csv"], in: scratch)
    #expect(chargeback.status == 0, "\(chargeback)")
    let written = try CLI.run(arguments + ["--format", "csv", "--statements", "out"], in: scratch)
    #expect(written.status == 0, "\(written)")
    #expect(written.stdout == chargeback.stdout)
    #expect(written.stderr == "tally: wrote 13 statements (CSV and Markdown) and index.csv to out\n")

    let index = RoundingCLITests.parseCSV(
      try String(contentsOf: scratch.appendingPathComponent("out/index.csv"), encoding: .utf8))
    let rows = RoundingCLITests.parseCSV(chargeback.stdout)
    let money = ["cost_usd", "allocated_usd", "total_cost_usd", "charge_usd"]
    let indexSums = Self.sums(index, money)
    let chargebackSums = Self.sums(rows, money)
    #expect(indexSums["total_cost_usd"] == chargebackSums["total_cost_usd"])
    #expect(indexSums["charge_usd"] == chargebackSums["charge_usd"])
    #expect(indexSums["total_cost_usd"] == Decimal(string: "654.92"))
    // (unattributed)'s direct cost, $1.96, is in the other tenants' allocations.
    #expect(indexSums["cost_usd"]! == chargebackSums["cost_usd"]! - Decimal(string: "1.96")!)
    #expect(indexSums["allocated_usd"]! == chargebackSums["allocated_usd"]! + Decimal(string: "1.96")!)
    // (unattributed) is allocated: no statement of its own.
    #expect(index.count == 13)
    #expect(!index.contains { $0["tenant"] == "(unattributed)" })

    for row in index {
      let file = row["csv_file"]!
      let lines = RoundingCLITests.parseCSV(
        try String(contentsOf: scratch.appendingPathComponent("out/\(file)"), encoding: .utf8))
      let amounts = lines.map { Decimal(string: $0["amount_usd"]!)! }
      #expect(lines.last?["line"] == "total")
      #expect(amounts.dropLast().reduce(0, +) == amounts.last, "\(file)")
      #expect(amounts.last == Decimal(string: row["charge_usd"]!), "\(file)")
      let markdown = try String(
        contentsOf: scratch.appendingPathComponent("out/\(row["markdown_file"]!)"), encoding: .utf8)
      #expect(markdown.contains("**Billed: $"), "\(file)")
    }
    let acme = try String(
      contentsOf: scratch.appendingPathComponent("out/0001-acme.md"), encoding: .utf8)
    #expect(
      acme.hasPrefix(
        "# Draft statement: acme\n\nPeriod: 2026-10-01 to 2026-10-31 (UTC). The month is not closed"))

    // Written again into the same directory: the files are replaced, nothing else is touched.
    try "mine".write(to: scratch.appendingPathComponent("out/notes.txt"), atomically: true, encoding: .utf8)
    let again = try CLI.run(arguments + ["--statements", "out"], in: scratch)
    #expect(again.status == 0, "\(again)")
    #expect(FileManager.default.fileExists(atPath: scratch.appendingPathComponent("out/notes.txt").path))
  }

  @Test func aDirectoryTallyDidNotWriteIsRefused() throws {
    let scratch = try UndoCLITests.demo()
    let result = try CLI.run(
      ["report", "chargeback", "--month", "2026-10", "--ledger", "d/tally.sqlite", "--statements", "d"],
      in: scratch)
    #expect(result.status == 64)
    #expect(
      result.stderr
        == "tally: --statements d: the directory is not empty and Tally did not write it; give a new or empty directory\n"
    )
  }

  /// A closed month's statements carry their statement numbers in the file names and titles;
  /// hostile tenant names stay inside the directory and are escaped in Markdown.
  @Test func closedMonthStatementsAreNumberedAndHostileNamesStayInside() throws {
    let scratch = try UndoCLITests.demo()
    let log = """
      {"timestamp":"2026-10-30T10:00:00Z","tenant":"../../evil","job":"j","request_id":"r1","usage":{"input_tokens":1000,"output_tokens":100},"model":"claude-sonnet-4-5","provider":"anthropic"}
      {"timestamp":"2026-10-30T10:00:00Z","tenant":"<script>alert(1)</script>|x","job":"j","request_id":"r2","usage":{"input_tokens":1000,"output_tokens":100},"model":"claude-sonnet-4-5","provider":"anthropic"}
      {"timestamp":"2026-10-30T10:00:00Z","tenant":"ACME","job":"j","request_id":"r3","usage":{"input_tokens":1000,"output_tokens":100},"model":"claude-sonnet-4-5","provider":"anthropic"}

      """
    try log.write(to: scratch.appendingPathComponent("hostile.jsonl"), atomically: true, encoding: .utf8)
    #expect(try CLI.run(["ingest", "hostile.jsonl", "--ledger", "d/tally.sqlite"], in: scratch).status == 0)
    let close = try CLI.run(
      ["close", "2026-10", "--ledger", "d/tally.sqlite"], in: scratch,
      environment: PeriodCloseCLITests.environment)
    #expect(close.status == 0, "\(close)")
    let result = try CLI.run(
      ["report", "chargeback", "--month", "2026-10", "--ledger", "d/tally.sqlite", "--statements", "out"],
      in: scratch)
    #expect(result.status == 0, "\(result)")
    let files = try FileManager.default.contentsOfDirectory(
      atPath: scratch.appendingPathComponent("out").path
    )
    .sorted()
    #expect(files.count == 2 * 17 + 2)
    #expect(files.contains("TALLY-2026-10-0001-unattributed.md"))
    #expect(files.contains("TALLY-2026-10-0002-evil.md"))
    #expect(files.contains("TALLY-2026-10-0003-script_alert_1_script_x.md"))
    #expect(files.contains("TALLY-2026-10-0004-ACME.csv"))
    #expect(files.contains("TALLY-2026-10-0005-acme.csv"))
    let markdown = try String(
      contentsOf: scratch.appendingPathComponent("out/TALLY-2026-10-0003-script_alert_1_script_x.md"),
      encoding: .utf8)
    #expect(markdown.hasPrefix("# Statement TALLY-2026-10-0003: &lt;script&gt;alert(1)&lt;/script&gt;\\|x\n"))
    #expect(markdown.contains("closed on 2026-11-03T09:00:00Z by finance"))
  }
}
