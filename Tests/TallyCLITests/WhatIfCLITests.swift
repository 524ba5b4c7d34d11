import Foundation
import Testing

/// `tally whatif` and `tally report opportunities` end to end on the demo data set: default
/// windows, exit statuses and messages. Their output in every format is pinned by reports/.
@Suite("What-if")
struct WhatIfCLITests {
  /// A fresh demo directory (data set plus ledger).
  static func demo() throws -> URL {
    let scratch = try CLI.temporaryDirectory("tally-whatif")
    let result = try CLI.run(["demo", "--dir", "d"], in: scratch)
    #expect(result.status == 0, "\(result)")
    return scratch.appendingPathComponent("d")
  }

  @Test func defaultsToTheLastFullMonthWithUsage() throws {
    let demo = try Self.demo()
    let whatif = try CLI.run(["whatif", "scenarios.toml", "--ledger", "tally.sqlite"], in: demo)
    #expect(whatif.status == 0, "\(whatif)")
    #expect(
      whatif.stdout.hasPrefix(
        "What-if scenarios.toml on ledger usage 2026-10-01 to 2026-10-31 (31 days), at each day's rates:\n"))
    // Same as the explicit window in reports/.
    let explicit = try String(
      contentsOf: CLI.packageRoot.appendingPathComponent("reports/whatif-2026-10.txt"), encoding: .utf8)
    #expect(whatif.stdout == explicit.replacingOccurrences(of: "demo/scenarios.toml", with: "scenarios.toml"))

    let opportunities = try CLI.run(
      ["report", "opportunities", "--ledger", "tally.sqlite", "--by", "job,tenant", "--format", "csv"],
      in: demo)
    #expect(opportunities.status == 0, "\(opportunities)")
    let lines = opportunities.stdout.split(separator: "\n")
    // The engineering team's Claude Code sessions rank first (interactive: the verdict's pilot
    // is what tells), then acme's support chat.
    #expect(lines.count == 27)
    #expect(lines[1].hasPrefix("1,claude-code,engineering,461,31.76,15.88,15.88,15.37,-69.67,9.21,0,"))
    #expect(lines[2].hasPrefix("2,support-chat,acme,356,16.26,8.13,8.13,7.87,-10.89,4.71,0,"))
  }

  @Test func usageErrorsExit64AndBadScenariosExit65() throws {
    let demo = try Self.demo()
    func run(_ arguments: [String]) throws -> CLIResult { try CLI.run(arguments, in: demo) }
    let ledger = ["--ledger", "tally.sqlite"]

    let halfWindow = try run(["whatif", "scenarios.toml", "--from", "2026-10-01"] + ledger)
    #expect(halfWindow.status == 64)
    #expect(
      halfWindow.stderr.contains("give both --from and --to: the projection scales a window of known length"))

    let revenueByJob = try run(
      ["whatif", "scenarios.toml", "--revenue", "revenue-2026-10.csv", "--by", "job"] + ledger)
    #expect(revenueByJob.status == 64)
    #expect(revenueByJob.stderr.contains("--revenue gives each tenant's margin: use it with --by tenant"))

    let byWorkload = try run(["whatif", "scenarios.toml", "--by", "workload"] + ledger)
    #expect(byWorkload.status == 64)
    #expect(byWorkload.stderr.contains("--by workload needs a file with [[workload]] entries"))

    let noLedger = try run(["whatif", "scenarios.toml", "--ledger", "missing.sqlite"])
    #expect(noLedger.status == 64)
    #expect(
      noLedger.stderr.contains("no ledger at missing.sqlite and no [[workload]] entries in scenarios.toml"))
    #expect(!FileManager.default.fileExists(atPath: demo.appendingPathComponent("missing.sqlite").path))

    let workloadsWithWindow = try CLI.run(
      ["whatif", "examples/workloads.toml", "--from", "2026-10-01", "--to", "2026-10-31"])
    #expect(workloadsWithWindow.status == 64)
    #expect(workloadsWithWindow.stderr.contains("declares [[workload]] entries, which are the baseline"))

    let typo = try String(contentsOf: demo.appendingPathComponent("scenarios.toml"), encoding: .utf8)
      .replacingOccurrences(of: "job = \"summarize\"", with: "job = \"sumarize\"")
    try typo.write(to: demo.appendingPathComponent("typo.toml"), atomically: true, encoding: .utf8)
    let bad = try run(["whatif", "typo.toml"] + ledger)
    #expect(bad.status == 65)
    #expect(
      bad.stderr
        == "tally: typo.toml:12: change 1 (move-to-batch): where { job = \"sumarize\" } matches no usage; the jobs at this point are \"analytics\", \"catalog-enrich\", \"claude-code\", \"contract-review\", \"nightly-classify\", \"summarize\", \"support-chat\"\n"
    )
    #expect(bad.stdout == "")
  }
}
