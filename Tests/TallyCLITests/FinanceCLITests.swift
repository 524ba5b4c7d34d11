import Foundation
import Testing

/// `tally report chargeback`, `jobs` and `batches` end to end on the ingest fixtures: golden
/// files per format, the FOCUS export, exit statuses, and CSV that an independent reader
/// (Python's `csv` module) reads back exactly.
@Suite("Finance reports")
struct FinanceCLITests {
  typealias L = LedgerCLITests

  /// The fixtures of `LedgerCLITests.demoLedger()` plus the OpenAI error file (failed requests).
  static func ledger() throws -> String {
    let ledger = try L.demoLedger()
    let errors = try CLI.run([
      "ingest", "--ledger", ledger, L.fixture("openai-batch/batch_errors.jsonl"), "--date", "2026-11-02",
    ])
    #expect(errors.status == 0, "\(errors)")
    return ledger
  }

  static let revenue = CLI.fixturesDirectory.appendingPathComponent("revenue-2026-10.csv").path

  @Test func chargebackInEveryFormat() throws {
    let ledger = try Self.ledger()
    for (format, golden) in [
      ("table", "chargeback-2026-10.txt"), ("csv", "chargeback-2026-10.csv"),
      ("json", "chargeback-2026-10.json"),
      ("focus", "chargeback-2026-10-focus.csv"),
    ] {
      let result = try CLI.run([
        "report", "chargeback", "--ledger", ledger, "--month", "2026-10", "--revenue", Self.revenue,
        "--markup",
        "15", "--format", format, "--precision", "4",
      ])
      #expect(result.status == 0, "\(result)")
      assertGolden(result.stdout, named: golden)
      if format != "focus" {
        #expect(
          result.stderr.contains(
            "revenue but no usage in the period (check the tenant names match the ledger): newco"))
      }
    }
    // Without --month: the latest month with usage (November), the same as giving it.
    let latest = try CLI.run(["report", "chargeback", "--ledger", ledger, "--format", "csv"])
    let november = try CLI.run([
      "report", "chargeback", "--ledger", ledger, "--month", "2026-11", "--format", "csv",
    ])
    #expect(latest.stdout == november.stdout)
    #expect(latest.stdout.split(separator: "\n").count == 5)  // header and four tenants
  }

  /// The chargeback golden case for a spreadsheet in a decimal-comma locale: the figures of
  /// `chargeback-2026-10.csv`, `;`-separated, with decimal commas and a BOM first.
  @Test func chargebackForADecimalCommaSpreadsheet() throws {
    let ledger = try Self.ledger()
    let arguments = [
      "report", "chargeback", "--ledger", ledger, "--month", "2026-10", "--revenue", Self.revenue, "--markup",
      "15", "--format", "csv", "--precision", "4",
    ]
    let result = try CLI.run(arguments + ["--csv-delimiter", ";", "--decimal-comma", "--csv-bom"])
    #expect(result.status == 0, "\(result)")
    assertGolden(result.stdout, named: "chargeback-2026-10-semicolon-bom.csv")
    #expect(result.stdout.utf8.starts(with: [0xEF, 0xBB, 0xBF]))
    // `,` in a name needs no quotes with `;`; the formula stays neutralised.
    #expect(result.stdout.contains("\nInitech, Inc.;1;4210;1290;0;0;0,0460;25,8075;0;0,0529;;-0,0460;\n"))
    #expect(result.stdout.contains("\n'=cmd|' /C calc'!A0;1;"))
  }

  @Test func jobsAndBatchesInEveryFormat() throws {
    let ledger = try Self.ledger()
    for report in ["jobs", "batches"] {
      for (format, ext) in [("table", "txt"), ("csv", "csv"), ("json", "json")] {
        let result = try CLI.run([
          "report", report, "--ledger", ledger, "--format", format, "--precision", "4",
        ])
        #expect(result.status == 0, "\(result)")
        assertGolden(result.stdout, named: "\(report).\(ext)")
      }
    }
  }

  @Test func usageAndDataErrors() throws {
    let ledger = try Self.ledger()
    let bad = CLI.fixturesDirectory.appendingPathComponent("revenue-bad.csv").path
    let revenue = try CLI.run(["report", "chargeback", "--ledger", ledger, "--revenue", bad])
    #expect(revenue.status == 65)
    #expect(
      revenue.stderr == """
        tally: \(bad):3: column revenue_usd: "1,200" is not a decimal number; write dollars like 1234.56, without $ or thousands separators
        tally: \(bad):4: column tenant: empty; every line names a tenant

        """)
    for arguments in [
      ["--month", "2026-13"], ["--month", "2026-10", "--from", "2026-10-01"], ["--markup", "lots"],
      ["--revenue", "no-such.csv"],
    ] {
      let result = try CLI.run(["report", "chargeback", "--ledger", ledger] + arguments)
      #expect(result.status == 64, "\(arguments): \(result)")
    }
    let focusElsewhere = try CLI.run(["report", "jobs", "--ledger", ledger, "--format", "focus"])
    #expect(focusElsewhere.status == 64)
    #expect(
      focusElsewhere.stderr.hasPrefix(
        "Error: --format focus is a chargeback export: use it with tally report chargeback\n"))
  }

  /// Tenant names a spreadsheet would run as formulas, or that need quoting, read back through
  /// Python's csv module: formulas come back with the leading quote, everything else unchanged.
  @Test func hostileTenantNamesRoundTripThroughAnIndependentCSVReader() throws {
    let names = [
      "=HYPERLINK(\"http://x\",\"y\")", "+SUM(A1)", "-1+2", "@cmd", "\ttabbed", "\rreturn", "Comma, Inc",
      "Quote \"Q\" Ltd", "Line\nbreak", "東京 Ünïcødé", "plain",
    ]
    let directory = URL(fileURLWithPath: try L.ledgerPath()).deletingLastPathComponent()
    let log = directory.appendingPathComponent("hostile.jsonl")
    let lines = names.enumerated().map { index, name -> String in
      let tenant = String(
        data: try! JSONSerialization.data(withJSONObject: [name], options: []), encoding: .utf8)!
      return """
        {"timestamp":"2026-10-0\(index % 9 + 1)T10:00:00Z","tenant":\(tenant.dropFirst().dropLast()),"job":"j","request_id":"req_\(index)","usage":{"input_tokens":\(1000 * (index + 1)),"output_tokens":10},"model":"claude-haiku-4-5","provider":"anthropic"}
        """
    }
    try lines.joined(separator: "\n").write(to: log, atomically: true, encoding: .utf8)
    let ledger = directory.appendingPathComponent("tally.sqlite").path
    let ingest = try CLI.run(["ingest", "--ledger", ledger, log.path])
    #expect(ingest.status == 0, "\(ingest)")
    let expected = names.map { name in
      ["=", "+", "-", "@", "\t", "\r"].contains(where: {
        name.unicodeScalars.first == $0.unicodeScalars.first
      })
        ? "'" + name : name
    }
    for (arguments, column) in [
      (["report", "chargeback", "--month", "2026-10", "--format", "csv"], "tenant"),
      (["report", "chargeback", "--month", "2026-10", "--format", "focus"], "SubAccountName"),
      (["report", "spend", "--by", "tenant", "--format", "csv"], "tenant"),
    ] {
      let result = try CLI.run(arguments + ["--ledger", ledger])
      #expect(result.status == 0, "\(result)")
      let file = directory.appendingPathComponent("out.csv")
      try result.stdout.write(to: file, atomically: true, encoding: .utf8)
      let python = try CLI.run(
        [
          "python3", "-c",
          "import csv, json, sys; rows = csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')); print(json.dumps([r[sys.argv[2]] for r in rows]))",
          file.path, column,
        ], executable: URL(fileURLWithPath: "/usr/bin/env"))
      #expect(python.status == 0, "\(python)")
      let read = try JSONSerialization.jsonObject(with: Data(python.stdout.utf8)) as? [String]
      #expect(Set(read ?? []) == Set(expected), "\(arguments)")
      // FOCUS has an input and an output row per tenant.
      #expect(read?.count == names.count * (column == "SubAccountName" ? 2 : 1), "\(arguments)")
    }
  }
}
