import Foundation
import Testing

/// `tally report budget` end to end: golden files on the demo ledger with
/// examples/budgets-2026-10.csv, the exit status on a ledger worked by hand, and the errors.
@Suite("Budgets")
struct BudgetCLITests {
  /// The demo ledger, made once.
  static let demoLedger: String = {
    let scratch = try! CLI.temporaryDirectory("tally-budget-demo")
    let result = try! CLI.run(["demo", "--dir", "d"], in: scratch)
    precondition(result.status == 0, "\(result)")
    return scratch.appendingPathComponent("d/tally.sqlite").path
  }()

  static let example = "examples/budgets-2026-10.csv"

  @Test func demoLedgerInEveryFormat() throws {
    for (format, ext) in [("table", "txt"), ("csv", "csv"), ("json", "json")] {
      let result = try CLI.run([
        "report", "budget", "--ledger", Self.demoLedger, "--budgets", Self.example, "--month", "2026-10",
        "--as-of", "2026-10-20", "--format", format,
      ])
      // Every status is in the example, and six of its eight lines alert.
      #expect(result.status == 1, "\(result)")
      #expect(
        result.stderr
          == "tally: 6 budgets alert: total (warning), tenant acme (over), tenant stark-labs (projected over 2026-10-31), tenant globex (warning), tenant (unattributed) (projected over), model claude-sonnet-4-5 (projected over 2026-10-25)\n"
      )
      assertGolden(result.stdout, named: "budget-2026-10.\(ext)")
    }
    // --as-of alone picks its month; the same report.
    let asOfOnly = try CLI.run([
      "report", "budget", "--ledger", Self.demoLedger, "--budgets", Self.example, "--as-of", "2026-10-20",
      "--format", "csv",
    ])
    let golden = try String(
      contentsOf: CLI.goldenDirectory.appendingPathComponent("budget-2026-10.csv"), encoding: .utf8)
    #expect(asOfOnly.stdout == golden)
    // Without either: the latest month with usage (October, ended), as of its last day.
    let latest = try CLI.run([
      "report", "budget", "--ledger", Self.demoLedger, "--budgets", Self.example, "--format", "json",
    ])
    #expect(
      latest.stdout.contains("\"as_of\": \"2026-10-31\",\n  \"days_elapsed\": 31,\n  \"days_in_month\": 31,"))
  }

  /// The ledger of `BudgetFixtures` in the unit tests, as an API log: steady spends $1.00 a day
  /// from 2026-10-01 to 10; ramp $0.50 a day to 2026-10-03, then $2.00 a day.
  static func handLedger() throws -> (directory: URL, ledger: String) {
    let directory = try CLI.temporaryDirectory("tally-budget")
    var lines: [String] = []
    for day in 1...10 {
      let date = "2026-10-\(day < 10 ? "0" : "")\(day)T12:00:00Z"
      for (tenant, job, output) in [
        ("steady", "chat", 200_000), ("ramp", "extract", day <= 3 ? 100_000 : 400_000),
      ] {
        lines.append(
          #"{"timestamp":"\#(date)","tenant":"\#(tenant)","job":"\#(job)","request_id":"\#(tenant)-\#(day)","model":"claude-haiku-4-5","usage":{"input_tokens":0,"output_tokens":\#(output)}}"#
        )
      }
    }
    let log = directory.appendingPathComponent("api-log.jsonl")
    try (lines.joined(separator: "\n") + "\n").write(to: log, atomically: true, encoding: .utf8)
    let ledger = directory.appendingPathComponent("tally.sqlite").path
    let ingest = try CLI.run(["ingest", "--ledger", ledger, log.path])
    #expect(ingest.status == 0, "\(ingest)")
    return (directory, ledger)
  }

  @Test func exitsOneWhenABudgetAlertsAndZeroOtherwise() throws {
    let (directory, ledger) = try Self.handLedger()
    func run(_ budgets: String, _ extra: [String] = []) throws -> CLIResult {
      let file = directory.appendingPathComponent("budgets-\(UUID().uuidString).csv")
      try budgets.write(to: file, atomically: true, encoding: .utf8)
      return try CLI.run(
        [
          "report", "budget", "--ledger", ledger, "--budgets", file.path, "--as-of", "2026-10-10", "--format",
          "csv",
        ]
          + extra)
    }
    let alerting = try run(
      "scope,name,monthly_budget_usd,alert_pct\ntenant,steady,40,\ntenant,ramp,50,\ntotal,,100,80\n")
    #expect(alerting.status == 1, "\(alerting)")
    #expect(
      alerting.stdout == """
        scope,name,budget_usd,alert_pct,actual_usd,used_pct,projected_usd,projected_7d_usd,variance_usd,overrun_date,status,alert,unpriced_requests
        tenant,steady,40.00,100.00,10.00,25.00,31.00,31.00,-9.00,,ok,no,0
        tenant,ramp,50.00,100.00,15.50,31.00,48.05,57.50,-1.95,2026-10-28,projected over,yes,0
        total,,100.00,80.00,25.50,25.50,79.05,88.50,-20.95,,warning,yes,0

        """)
    #expect(
      alerting.stderr == "tally: 2 budgets alert: tenant ramp (projected over 2026-10-28), total (warning)\n")

    let quiet = try run(
      "scope,name,monthly_budget_usd,alert_pct\ntenant,steady,40,\ntenant,ramp,60,\ntotal,,100,\n")
    #expect(quiet.status == 0, "\(quiet)")
    #expect(quiet.stderr == "")
    #expect(quiet.stdout.hasSuffix("total,,100.00,100.00,25.50,25.50,79.05,88.50,-20.95,,ok,no,0\n"))

    // Days are read in --tz: at UTC+14 each noon UTC is 02:00 the next day, so the ten days of
    // steady's spend fall on 2026-10-02 to 11, and nine of them by 2026-10-10.
    let kiritimati = try run(
      "scope,name,monthly_budget_usd\ntenant,steady,40\n", ["--tz", "Pacific/Kiritimati"])
    #expect(kiritimati.status == 0, "\(kiritimati)")
    // 9 x 31 / 10 = 27.90; 7d: 7 / 7 x 21 + 9 = 30.
    #expect(
      kiritimati.stdout.hasSuffix("\ntenant,steady,40.00,100.00,9.00,22.50,27.90,30.00,-12.10,,ok,no,0\n"))

    // A name the ledger does not know: a warning (its actual is zero); with --strict an error.
    let typo = try run("scope,name,monthly_budget_usd\ntenant,stedy,40\n")
    #expect(typo.status == 0, "\(typo)")
    #expect(
      typo.stderr.hasSuffix(
        ": no tenant \"stedy\" in the ledger, so its actual is $0; did you mean steady?\n"))
    #expect(typo.stdout.hasSuffix("tenant,stedy,40.00,100.00,0.00,0.00,0.00,0.00,-40.00,,ok,no,0\n"))
    let strict = try run("scope,name,monthly_budget_usd\ntenant,stedy,40\n", ["--strict"])
    #expect(strict.status == 65)
    #expect(strict.stdout == "")
    #expect(strict.stderr.hasSuffix("tally: --strict: 1 warning, no report written\n"))
  }

  @Test func badFilesAndArgumentsExitWithTheirStatus() throws {
    let (directory, ledger) = try Self.handLedger()
    let bad = directory.appendingPathComponent("bad.csv")
    try "scope,name,monthly_budget_usd,alert_pct\nteam,acme,10,\ntotal,,ten,\n".write(
      to: bad, atomically: true, encoding: .utf8)
    let good = directory.appendingPathComponent("good.csv")
    try "scope,name,monthly_budget_usd\ntotal,,100\n".write(to: good, atomically: true, encoding: .utf8)
    func run(_ arguments: [String]) throws -> CLIResult {
      try CLI.run(["report", "budget", "--ledger", ledger] + arguments, in: directory)
    }

    let badFile = try run(["--budgets", "bad.csv"])
    #expect(badFile.status == 65)
    #expect(badFile.stdout == "")
    #expect(
      badFile.stderr == """
        tally: bad.csv:2: column scope: "team" is not a scope; expected tenant, job, model or total
        tally: bad.csv:3: column monthly_budget_usd: "ten" is not a decimal number; write dollars like 1500 or 1234.56, without $ or thousands separators

        """)

    let outside = try run(["--budgets", "good.csv", "--month", "2026-10", "--as-of", "2026-11-01"])
    #expect(outside.status == 64)
    #expect(
      outside.stderr
        == "tally: --as-of 2026-11-01 is not in 2026-10: give a day from 2026-10-01 to 2026-10-31, or leave --as-of out\n"
    )
    let future = try run(["--budgets", "good.csv", "--month", "2999-01"])
    #expect(future.status == 64)
    #expect(future.stderr.hasPrefix("tally: --month 2999-01 has not begun (today is "))
    let window = try run(["--budgets", "good.csv", "--from", "2026-10-01"])
    #expect(window.status == 64)
    #expect(window.stderr.contains("give --month YYYY-MM and --as-of DATE, not --from/--to"))
    let missing = try run(["--budgets", "nowhere.csv"])
    #expect(missing.status == 64)
    #expect(missing.stderr.contains("--budgets nowhere.csv: no such file"))

    // Without --month: the month of the latest usage; it has ended, so as of its last day.
    let latest = try run(["--budgets", "good.csv", "--format", "json"])
    #expect(latest.status == 0, "\(latest)")
    #expect(latest.stdout.contains("\"month\": \"2026-10\",\n  \"as_of\": \"2026-10-31\","))
    #expect(latest.stdout.contains("\"projected_usd\": \"25.5\","))
  }
}
