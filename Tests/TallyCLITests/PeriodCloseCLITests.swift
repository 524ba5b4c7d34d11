import Foundation
import Testing

/// `tally close`, `tally reopen` and `tally periods` on the demo data set: October 2026 costs
/// $344.92 over 4,859 requests.
@Suite("Period close")
struct PeriodCloseCLITests {
  /// Who closes, and when (2026-11-03T09:00:00Z).
  static let environment: [String: String?] = ["USER": "finance", "SOURCE_DATE_EPOCH": "1793696400"]

  static func run(_ arguments: [String], in scratch: URL) throws -> CLIResult {
    try CLI.run(arguments + ["--ledger", "d/tally.sqlite"], in: scratch, environment: environment)
  }

  /// A late API-log line for October (acme: 100,000 input and 20,000 output tokens on
  /// claude-sonnet-4-5, $0.30 + $0.30) and one for November.
  static let lateFile = """
    {"timestamp":"2026-10-30T10:00:00Z","tenant":"acme","job":"summarize","request_id":"req_late_1","usage":{"input_tokens":100000,"output_tokens":20000},"model":"claude-sonnet-4-5","provider":"anthropic"}
    {"timestamp":"2026-11-02T10:00:00Z","tenant":"acme","job":"summarize","request_id":"req_nov_1","usage":{"input_tokens":100000,"output_tokens":20000},"model":"claude-sonnet-4-5","provider":"anthropic"}

    """

  static func octoberTotal(_ scratch: URL) throws -> String {
    let report = try run(["report", "chargeback", "--month", "2026-10", "--format", "csv"], in: scratch)
    let costs = report.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",")[6] }
    return costs.map { Decimal(string: String($0))! }.reduce(0, +).description
  }

  @Test func aClosedMonthKeepsItsFiguresAndALateFileBecomesAnAdjustment() throws {
    let scratch = try UndoCLITests.demo()
    #expect(try Self.octoberTotal(scratch) == "344.92")
    let close = try Self.run(["close", "2026-10", "--note", "invoiced 2026-11-03"], in: scratch)
    #expect(close.status == 0, "\(close)")
    #expect(
      close.stderr
        == "tally: closed 2026-10: 4,859 requests, 14 tenants, $344.92 (by finance at 2026-11-03T09:00:00Z)\n"
    )
    let again = try Self.run(["close", "2026-10"], in: scratch)
    #expect(again.status == 64)
    #expect(
      again.stderr
        == "tally: 2026-10 is already closed (on 2026-11-03T09:00:00Z by finance); to change it, reopen it first: tally reopen 2026-10 --reason TEXT\n"
    )

    try Self.lateFile.write(
      to: scratch.appendingPathComponent("late.jsonl"), atomically: true, encoding: .utf8)
    let ingest = try Self.run(["ingest", "late.jsonl"], in: scratch)
    #expect(ingest.status == 0, "\(ingest)")
    #expect(
      ingest.stderr.contains(
        "tally: warning: late.jsonl: 1 billed request in 2026-10, which is closed: kept out of its closed figures, it is a prior-period adjustment in the first open month (tally periods)"
      ), "\(ingest.stderr)")
    #expect(try Self.octoberTotal(scratch) == "344.92")
    let heading = try Self.run(["report", "chargeback", "--month", "2026-10"], in: scratch)
    #expect(
      heading.stdout.contains(
        "Closed: 2026-10 (by finance at 2026-11-03T09:00:00Z): its figures are as closed; later usage and price changes are prior-period adjustments in 2026-11 (tally periods).\n"
      ))

    let periods = try Self.run(["periods", "--format", "csv"], in: scratch)
    #expect(
      periods.stdout == """
        month,status,closed_at,closed_by,requests,cost_usd,late_requests,posted_adjustment_usd,pending_adjustment_usd,note
        2026-10,closed,2026-11-03T09:00:00Z,finance,4859,344.92,1,0.00,0.60,invoiced 2026-11-03

        """)
    let adjustments = try Self.run(["periods", "--adjustments", "--format", "csv"], in: scratch)
    #expect(
      adjustments.stdout == """
        month,tenant,late_requests,late_usage_usd,repricing_usd,adjustment_usd,unpriced_requests,posted_to
        2026-10,acme,1,0.60,0.00,0.60,0,2026-11

        """)

    // November, the first open month, carries October's adjustment for acme.
    let november = try Self.run(
      ["report", "chargeback", "--month", "2026-11", "--format", "csv"], in: scratch)
    #expect(
      november.stdout == """
        tenant,requests,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,cost_usd,adjustment_usd,total_cost_usd,share_pct,unpriced_requests
        acme,1,100000,20000,0,0,0.60,0.60,1.20,100.00,0

        """)
    let focus = try Self.run(
      ["report", "chargeback", "--month", "2026-11", "--format", "focus"], in: scratch)
    let correction = try #require(focus.stdout.split(separator: "\n").last)
    #expect(
      correction.hasPrefix(
        "tally,Tally,USD,2026-11-01T00:00:00Z,2026-12-01T00:00:00Z,2026-10-01T00:00:00Z,2026-11-01T00:00:00Z,Usage,Correction,prior-period adjustment of 2026-10,"
      ))
    #expect(correction.hasSuffix(",0.6,0.6,0.6,0.6,,Open"), "\(correction)")
    let octoberFocus = try Self.run(
      ["report", "chargeback", "--month", "2026-10", "--format", "focus"], in: scratch)
    let acme = try #require(
      octoberFocus.stdout.split(separator: "\n").first { $0.contains(",acme,acme,Tenant,") })
    #expect(acme.contains(",TALLY-2026-10-0002,") && acme.hasSuffix(",Closed"), "\(acme)")

    let reopen = try Self.run(["reopen", "2026-10", "--reason", "late batch file"], in: scratch)
    #expect(reopen.status == 0, "\(reopen)")
    #expect(reopen.stderr == "tally: reopened 2026-10 (by finance at 2026-11-03T09:00:00Z)\n")
    #expect(try Self.octoberTotal(scratch) == "345.52")
    let reopened = try Self.run(["periods", "--format", "csv"], in: scratch)
    #expect(
      reopened.stdout.hasSuffix(
        "2026-10,open,2026-11-03T09:00:00Z,finance,4859,344.92,0,0.00,,invoiced 2026-11-03\n"))
  }

  @Test func aPriceTableGivenLaterDoesNotRepriceAClosedMonth() throws {
    let scratch = try UndoCLITests.demo()
    #expect(try Self.run(["close", "2026-10"], in: scratch).status == 0)
    let contract = """
      provider,model,aliases,effective_from,effective_to,min_input_tokens,input,output,cache_write_5m,cache_write_1h,cache_read,batch_input,batch_output,batch_cache_write_5m,batch_cache_write_1h,batch_cache_read,web_search_per_1k,notes
      anthropic,claude-sonnet-4-5,,2026-10-01,,0,2.70,13.50,3.375,5.40,0.27,1.35,6.75,1.6875,2.70,0.135,10,negotiated

      """
    try contract.write(
      to: scratch.appendingPathComponent("contract.csv"), atomically: true, encoding: .utf8)
    let report = try Self.run(
      ["report", "chargeback", "--month", "2026-10", "--format", "json", "--pricing", "contract.csv"],
      in: scratch)
    #expect(report.stdout.contains("\"cost_usd\": \"344.917828925\""), "\(report.stdout.suffix(400))")
    let pending = try Self.run(["periods", "--format", "json", "--pricing", "contract.csv"], in: scratch)
    // 10% off the base tier of claude-sonnet-4-5, whose October usage there costs $289.1840958
    // at the bundled rates (`report spend --by model,context`).
    #expect(
      pending.stdout.contains("\"pending_adjustment_usd\": \"-28.91840958\""), "\(pending.stdout.prefix(300))"
    )
  }

  @Test func reopenNeedsAReasonAndOnlyTheLatestClosedMonth() throws {
    let scratch = try UndoCLITests.demo()
    let notClosed = try Self.run(["reopen", "2026-10", "--reason", "typo"], in: scratch)
    #expect(notClosed.status == 64)
    #expect(notClosed.stderr == "tally: 2026-10 is not closed\n")
    let noReason = try Self.run(["reopen", "2026-10", "--reason", " "], in: scratch)
    #expect(noReason.status == 64)
    #expect(
      noReason.stderr.hasPrefix(
        "Error: --reason: say why 2026-10 is reopened; it is recorded with the month\n"))
    let notEnded = try Self.run(["close", "2026-11"], in: scratch)
    #expect(notEnded.status == 64)
    #expect(
      notEnded.stderr
        == "tally: 2026-11 has not ended (today is 2026-11-03, UTC): a month can be closed from its next month on\n"
    )
  }
}

extension PeriodCloseCLITests {
  /// A month closed with a chargeback policy is charged back with it when no option says
  /// otherwise: its chargeback (and statements) can be made again as invoiced.
  @Test func aMonthClosedWithAPolicyIsChargedBackWithIt() throws {
    let scratch = try UndoCLITests.demo()
    let sharedCosts = CLI.packageRoot.appendingPathComponent("examples/shared-costs-2026-10.csv").path
    let policy = ["--allocate-unattributed", "proportional", "--shared-costs", sharedCosts, "--markup", "10"]
    let before = try Self.run(
      ["report", "chargeback", "--month", "2026-10", "--format", "csv"] + policy, in: scratch)
    let close = try Self.run(["close", "2026-10"] + policy, in: scratch)
    #expect(close.status == 0, "\(close)")
    #expect(
      close.stderr.hasSuffix(
        "tally: chargeback policy kept with 2026-10: --allocate-unattributed proportional --shared-costs shared-costs-2026-10.csv --markup 10 (total $654.92, charged $720.41)\n"
      ), "\(close.stderr)")
    let after = try Self.run(["report", "chargeback", "--month", "2026-10", "--format", "csv"], in: scratch)
    #expect(after.status == 0, "\(after)")
    #expect(after.stdout == before.stdout)
    let table = try Self.run(["report", "chargeback", "--month", "2026-10"], in: scratch)
    #expect(
      table.stdout.contains(
        "Policy as 2026-10 was closed: --allocate-unattributed proportional --shared-costs shared-costs-2026-10.csv --markup 10.\n"
      ))
    let other = try Self.run(["report", "chargeback", "--month", "2026-10", "--markup", "5"], in: scratch)
    #expect(
      other.stderr
        == "tally: warning: 2026-10 was closed with the policy --allocate-unattributed proportional --shared-costs shared-costs-2026-10.csv --markup 10; this report applies the options given instead\n"
    )
  }
}

extension PeriodCloseCLITests {
  /// Golden files of every period-close output on the demo: October closed with its policy, a
  /// late file for acme, then `periods` in every format, the adjustments, November's chargeback
  /// with the adjustment (table, JSON) and acme's statement of October (Markdown, CSV).
  @Test func periodCloseOutputsInEveryFormat() throws {
    let scratch = try UndoCLITests.demo()
    let sharedCosts = CLI.packageRoot.appendingPathComponent("examples/shared-costs-2026-10.csv").path
    #expect(
      try Self.run(
        [
          "close", "2026-10", "--note", "invoiced", "--allocate-unattributed", "proportional",
          "--shared-costs", sharedCosts,
        ],
        in: scratch
      ).status == 0)
    try Self.lateFile.write(
      to: scratch.appendingPathComponent("late.jsonl"), atomically: true, encoding: .utf8)
    #expect(try Self.run(["ingest", "late.jsonl"], in: scratch).status == 0)
    for (arguments, golden) in [
      (["periods"], "periods.txt"), (["periods", "--format", "csv"], "periods.csv"),
      (["periods", "--format", "json"], "periods.json"),
      (["periods", "--adjustments"], "periods-adjustments.txt"),
      (["report", "chargeback", "--month", "2026-11"], "chargeback-2026-11-adjusted.txt"),
      (
        ["report", "chargeback", "--month", "2026-11", "--format", "json"], "chargeback-2026-11-adjusted.json"
      ),
    ] {
      let result = try Self.run(arguments, in: scratch)
      #expect(result.status == 0, "\(result)")
      assertGolden(result.stdout, named: golden)
    }
    let statements = try Self.run(
      ["report", "chargeback", "--month", "2026-10", "--statements", "out", "--format", "csv"], in: scratch)
    #expect(statements.status == 0, "\(statements)")
    for (file, golden) in [
      ("TALLY-2026-10-0002-acme.md", "statement-2026-10-acme.md"),
      ("TALLY-2026-10-0002-acme.csv", "statement-2026-10-acme.csv"),
      ("index.csv", "statements-2026-10-index.csv"),
    ] {
      assertGolden(
        try String(contentsOf: scratch.appendingPathComponent("out/\(file)"), encoding: .utf8), named: golden)
    }
  }
}
