import Foundation
import Testing

/// Issue 19's reproductions on the demo data set, each with its new behaviour: one revenue for
/// one month, filters that cannot silently empty a report, suggestions, `--strict`, `--markup`
/// units, `--sort`/`--top`, and the context every export carries.
@Suite("Guard rails")
struct GuardRailsCLITests {
  static let demo: URL = {
    let scratch = try! CLI.temporaryDirectory("tally-guard-rails")
    let result = try! CLI.run(["demo", "--dir", "d"], in: scratch)
    precondition(result.status == 0, "\(result)")
    return scratch.appendingPathComponent("d")
  }()

  static func run(_ arguments: [String]) throws -> CLIResult {
    try CLI.run(arguments + ["--ledger", "tally.sqlite"], in: demo)
  }

  /// Writes `text` into the demo directory as `name`.
  static func write(_ name: String, _ text: String) throws {
    try text.write(to: demo.appendingPathComponent(name), atomically: true, encoding: .utf8)
  }

  // MARK: One revenue, one period

  @Test func aRevenueFileThatDisagreesWithTheScenariosFinanceIsAnErrorNamingBoth() throws {
    let revenue = try String(
      contentsOf: Self.demo.appendingPathComponent("revenue-2026-10.csv"), encoding: .utf8)
    try Self.write(
      "revenue-oct.csv",
      revenue.split(separator: "\n").filter { !$0.hasPrefix("acme,") }.joined(separator: "\n"))
    let result = try Self.run(["whatif", "scenarios.toml", "--revenue", "revenue-oct.csv"])
    #expect(result.status == 65)
    #expect(result.stdout == "")
    #expect(
      result.stderr
        == "tally: scenarios.toml: [finance] revenue is $9,125.00 a month, and revenue-oct.csv totals $6,225.00: the margin and the per-tenant block would use two revenues; make them agree or leave one out\n"
    )
    // The demo's own revenue file agrees with [finance]: accepted.
    let agreeing = try Self.run([
      "whatif", "scenarios.toml", "--revenue", "revenue-2026-10.csv", "--format", "csv",
    ])
    #expect(agreeing.status == 0, "\(agreeing)")
  }

  @Test func aWeekOfCostAgainstAMonthOfRevenueIsRefused() throws {
    let whatif = try Self.run([
      "whatif", "scenarios.toml", "--revenue", "revenue-2026-10.csv", "--from", "2026-10-01", "--to",
      "2026-10-07",
    ])
    #expect(whatif.status == 64)
    #expect(
      whatif.stderr
        == "tally: --revenue: revenue-2026-10.csv is revenue for 2026-10, and the baseline covers 2026-10-01 to 2026-10-07 (7 days); margins compare the same month of revenue and cost: give --month 2026-10\n"
    )
    let chargeback = try Self.run([
      "report", "chargeback", "--from", "2026-10-01", "--to", "2026-10-07", "--revenue",
      "revenue-2026-10.csv",
    ])
    #expect(chargeback.status == 64)
    #expect(
      chargeback.stderr.hasPrefix(
        "tally: --revenue: revenue-2026-10.csv is revenue for 2026-10, and the chargeback covers 2026-10-01 to 2026-10-07 (7 days)"
      ))
    let otherMonth = try Self.run([
      "report", "chargeback", "--month", "2026-09", "--revenue", "revenue-2026-10.csv",
    ])
    #expect(otherMonth.status == 64)
    #expect(otherMonth.stderr.hasSuffix("give --month 2026-10, or the revenue file for 2026-09\n"))
  }

  @Test func aRevenueFileThatNamesNoMonthIsReadForTheReportsMonthWithAWarning() throws {
    let revenue = try String(
      contentsOf: Self.demo.appendingPathComponent("revenue-2026-10.csv"), encoding: .utf8)
    try Self.write("revenue.csv", revenue)
    let named = try Self.run([
      "report", "chargeback", "--month", "2026-10", "--revenue", "revenue-2026-10.csv", "--format", "csv",
    ])
    let unnamed = try Self.run([
      "report", "chargeback", "--month", "2026-10", "--revenue", "revenue.csv", "--format", "csv",
    ])
    #expect(unnamed.status == 0)
    #expect(unnamed.stdout == named.stdout)
    #expect(
      unnamed.stderr.hasPrefix(
        "tally: warning: revenue.csv does not say which month it is for (no YYYY-MM in its name, no --revenue-month): read as revenue for 2026-10\n"
      ))
    let told = try Self.run([
      "report", "chargeback", "--month", "2026-10", "--revenue", "revenue.csv", "--revenue-month", "2026-10",
      "--format", "csv",
    ])
    #expect(told.stdout == named.stdout)
    #expect(!told.stderr.contains("does not say which month"))
    let wrong = try Self.run([
      "report", "chargeback", "--month", "2026-10", "--revenue", "revenue.csv", "--revenue-month", "2026-09",
    ])
    #expect(wrong.status == 64)
  }

  @Test func revenueNamesAreTrimmedAndAMisspeltOneGetsASuggestion() throws {
    try Self.write(
      "revenue-typo-2026-10.csv",
      "tenant,revenue_usd\n  acme  ,2900.00\nstark-lab,49.00\n")
    let result = try Self.run([
      "report", "chargeback", "--month", "2026-10", "--revenue", "revenue-typo-2026-10.csv", "--format",
      "csv",
    ])
    #expect(result.status == 0)
    #expect(
      result.stdout.contains(
        "\nacme,960,21892741,1302061,12485824,2546542,55.27,16.02,0,2900.00,2844.73,98.09\n"))
    #expect(
      result.stderr.contains(
        "revenue but no usage in the period (check the tenant names match the ledger): stark-lab (did you mean stark-labs?)"
      ))
    let strict = try Self.run([
      "report", "chargeback", "--month", "2026-10", "--revenue", "revenue-typo-2026-10.csv", "--strict",
    ])
    #expect(strict.status == 65)
    #expect(strict.stdout == "")
    #expect(strict.stderr.hasSuffix("tally: --strict: 2 warnings, no report written\n"))
  }

  // MARK: Filters you can trust

  @Test func valuesOfOneDimensionAreAlternativesAndDimensionsMustAllHold() throws {
    let repeated = try Self.run([
      "report", "spend", "--by", "tenant", "--where", "tenant=acme", "--where", "tenant=globex", "--format",
      "csv",
    ])
    let listed = try Self.run([
      "report", "spend", "--by", "tenant", "--where", "tenant=acme,globex", "--format", "csv",
    ])
    #expect(repeated.status == 0)
    #expect(repeated.stdout == listed.stdout)
    #expect(
      repeated.stdout.split(separator: "\n").dropFirst().map { String($0.prefix { $0 != "," }) } == [
        "acme", "globex",
      ])
    let both = try Self.run([
      "report", "spend", "--by", "tenant,job", "--month", "2026-10", "--where", "tenant=acme", "--where",
      "job=support-chat", "--format", "csv",
    ])
    #expect(
      both.stdout.split(separator: "\n").dropFirst()
        == ["acme,support-chat,356,230416,2415242,0,11234920,209311,0,0,0,16.26,16.26,0.00,0"])
    let json = try Self.run([
      "report", "jobs", "--month", "2026-10", "--where", "tenant=acme,globex", "--format", "json",
    ])
    #expect(
      json.stdout.contains("\"where\": {\n    \"tenant\": [\n      \"acme\",\n      \"globex\"\n    ]\n  },"))
  }

  @Test(arguments: [
    ("tenant=acmee", "--where tenant=acmee: no tenant \"acmee\" in the ledger; did you mean acme?"),
    ("tenant=Acme", "--where tenant=Acme: no tenant \"Acme\" in the ledger; did you mean acme?"),
    (
      "tenant=stark-lab",
      "--where tenant=stark-lab: no tenant \"stark-lab\" in the ledger; did you mean stark-labs?"
    ),
    (
      "model=claude-sonnet-4.5",
      "--where model=claude-sonnet-4.5: no model \"claude-sonnet-4.5\" in the ledger; did you mean claude-sonnet-4-5 or claude-sonnet-5?"
    ),
  ])
  func aValueTheLedgerHasNeverSeenIsAnErrorWithTheClosestKnownValues(filter: String, message: String) throws {
    for report in [
      ["report", "spend"], ["report", "jobs"], ["report", "chargeback"], ["report", "opportunities"],
    ] {
      let result = try Self.run(report + ["--where", filter])
      #expect(result.status == 65, "\(report)")
      #expect(result.stdout == "")
      #expect(result.stderr == "tally: \(message)\n")
    }
  }

  @Test func aKnownValueWithNoUsageInTheWindowSaysWhereItsUsageIs() throws {
    let result = try Self.run([
      "report", "spend", "--where", "tenant=acme", "--month", "2026-11", "--format", "csv",
    ])
    #expect(result.status == 0)
    #expect(
      result.stderr
        == "tally: warning: the report has no rows where tenant = acme from 2026-11-01 to 2026-11-30; the ledger has usage where tenant = acme from 2026-09 to 2026-10 (UTC months)\n"
    )
    let strict = try Self.run(["report", "spend", "--where", "tenant=acme", "--month", "2026-11", "--strict"])
    #expect(strict.status == 65)
  }

  @Test func everyLedgerReportFiltersAlike() throws {
    func total(_ arguments: [String]) throws -> String {
      let result = try Self.run(
        arguments + ["--month", "2026-10", "--where", "job=support-chat", "--format", "json"])
      #expect(result.status == 0, "\(result)")
      let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
      let totals = object["totals"] as! [String: Any]
      return (totals["cost_usd"] ?? totals["sync_cost_usd"]) as! String
    }
    let spend = try total(["report", "spend", "--by", "tenant"])
    #expect(spend == "58.3339143")
    #expect(try total(["report", "chargeback"]) == spend)
    #expect(try total(["report", "jobs"]) == spend)
    // All of support-chat is sync: opportunities sees the same traffic.
    #expect(try total(["report", "opportunities"]) == spend)
  }

  // MARK: One vocabulary

  @Test func markupBelowOnePercentWarnsAndAPercentSignIsAccepted() throws {
    let small = try Self.run([
      "report", "chargeback", "--month", "2026-10", "--markup", "0.2", "--format", "csv",
    ])
    #expect(small.status == 0)
    #expect(
      small.stderr
        == "tally: warning: --markup 0.2 is a markup of 0.2%, not 20%; write --markup 20 for that\n")
    let plain = try Self.run([
      "report", "chargeback", "--month", "2026-10", "--markup", "20", "--format", "csv",
    ])
    let sign = try Self.run([
      "report", "chargeback", "--month", "2026-10", "--markup", "20%", "--format", "csv",
    ])
    #expect(sign.stdout == plain.stdout)
    #expect(plain.stdout.contains("\nstark-labs,313,28187237,1424931,2110856,511364,56.97,16.52,0,68.37\n"))
  }

  @Test func monthWorksOnEveryLedgerReport() throws {
    for report in [
      ["report", "spend"], ["report", "jobs"], ["report", "batches"], ["report", "opportunities"],
    ] {
      let month = try Self.run(report + ["--month", "2026-10", "--format", "csv"])
      let days = try Self.run(report + ["--from", "2026-10-01", "--to", "2026-10-31", "--format", "csv"])
      #expect(month.status == 0, "\(report)")
      #expect(month.stdout == days.stdout, "\(report)")
    }
    let both = try Self.run(["report", "jobs", "--month", "2026-10", "--from", "2026-10-01"])
    #expect(both.status == 64)
    #expect(both.stderr.hasPrefix("Error: give either --month or --from/--to, not both\n"))
  }

  @Test func sortAndTopKeepTheRowsAddingUpToTheTotals() throws {
    let result = try Self.run([
      "report", "spend", "--by", "tenant", "--month", "2026-10", "--sort", "cost_usd", "--top", "3",
      "--format", "csv",
    ])
    #expect(result.status == 0)
    #expect(
      result.stdout.split(separator: "\n").map { $0.split(separator: ",").first.map(String.init) ?? "" }
        == ["tenant", "stark-labs", "acme", "globex", "(11 others)"])
    let costs = result.stdout.split(separator: "\n").dropFirst().map {
      Decimal(string: String($0.split(separator: ",")[11]))!
    }
    #expect(costs.reduce(0, +) == Decimal(string: "344.92"))
    let ascending = try Self.run([
      "report", "jobs", "--month", "2026-10", "--sort", "job:asc", "--format", "csv",
    ])
    #expect(
      ascending.stdout.split(separator: "\n").dropFirst().map { String($0.prefix { $0 != "," }) }
        == [
          "analytics", "catalog-enrich", "claude-code", "contract-review", "nightly-classify", "summarize",
          "support-chat",
        ])
    let unknown = try Self.run(["report", "spend", "--sort", "cots_usd"])
    #expect(unknown.status == 64)
    #expect(
      unknown.stderr.hasPrefix(
        "tally: --sort: this report has no column \"cots_usd\"; did you mean cost_usd?"))
  }

  // MARK: Suggestions and context

  @Test func mistypedCommandsAndZonesGetSuggestions() throws {
    let command = try CLI.run(["reprot"])
    #expect(command.status == 64)
    #expect(
      command.stderr
        == "tally: unknown command 'tally reprot'; did you mean report? Commands: demo, ingest, report, pricing, estimate, whatif, reconcile, review, close, reopen, periods, ledger.\n"
    )
    let sub = try CLI.run(["report", "spnd"])
    #expect(sub.status == 64)
    #expect(sub.stderr.hasPrefix("tally: unknown command 'tally report spnd'; did you mean spend?"))
    let zone = try Self.run(["report", "spend", "--tz", "Berlin"])
    #expect(zone.status == 64)
    #expect(zone.stderr.hasPrefix("Error: --tz: unknown time zone \"Berlin\"; did you mean Europe/Berlin?\n"))
  }

  @Test func shellCompletionsCompleteFileNames() throws {
    let bash = try CLI.run(["--generate-completion-script", "bash"])
    #expect(bash.status == 0)
    for (option, pattern) in [
      ("--ledger", "sqlite"), ("--revenue", "csv"), ("--pricing", "csv"), ("--batch", "json"),
    ] {
      #expect(
        bash.stdout.contains(
          "    '\(option)')\n        __tally_add_completions -o plusdirs -fX '!*.@(\(pattern))'"),
        "\(option)")
    }
  }

  @Test func everyExportSaysWhatItCovers() throws {
    let table = try Self.run([
      "report", "spend", "--by", "tenant", "--tz", "Europe/Berlin", "--where", "job=summarize",
    ])
    #expect(
      table.stdout.hasPrefix(
        "Spend by tenant, 2026-09-01 to 2026-10-31 (Europe/Berlin), all usage in the ledger, where job = summarize:\n"
      ))
    let json = try Self.run(["report", "spend", "--by", "tenant", "--format", "json"])
    let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
    #expect(object["schema_version"] as? Int == 2)
    #expect(object["title"] as? String == "Spend by tenant")
    #expect(object["from"] as? String == "2026-09-01")
    #expect(object["to"] as? String == "2026-10-31")
    #expect(object["tz"] as? String == "UTC")
    #expect((object["where"] as? [String: Any])?.isEmpty == true)
    #expect((object["warnings"] as? [Any])?.isEmpty == true)
  }
}
