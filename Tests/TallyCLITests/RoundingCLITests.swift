import Foundation
import Testing

/// Issue 19 guard rails on the demo data set: every report's rounded money columns add up to its
/// rounded totals in CSV, derived columns are the difference of the shown cells, and whatif shows
/// the worst case of a move to batch exactly as `report opportunities` does.
@Suite("Rounding and risk")
struct RoundingCLITests {
  /// A column of a CSV export and what its cells must add up to.
  enum Rule {
    /// Sums to the JSON total rounded half-to-even to cents.
    case allocated(String)
    /// Each row is `minuend - subtrahend` of its shown cells, so it sums to the difference of
    /// their rounded totals.
    case difference(String, String, String)
    /// Each row is `augend + addend` of its shown cells (a what-if's scenario: baseline plus the
    /// allocated delta), so it sums to the sum of their rounded totals.
    case sum(String, String, String)
  }

  static let demo: URL = {
    let scratch = try! CLI.temporaryDirectory("tally-rounding")
    let result = try! CLI.run(["demo", "--dir", "d"], in: scratch)
    precondition(result.status == 0, "\(result)")
    return scratch.appendingPathComponent("d")
  }()

  static func run(_ arguments: [String]) throws -> String {
    let result = try CLI.run(arguments + ["--ledger", "tally.sqlite"], in: demo)
    #expect(result.status == 0, "\(result)")
    return result.stdout
  }

  /// RFC 4180 rows of `text`, as dictionaries keyed by the header.
  static func parseCSV(_ text: String) -> [[String: String]] {
    var records: [[String]] = []
    var record: [String] = []
    var field = ""
    var quoted = false
    var characters = Array(text)[...]
    while let character = characters.popFirst() {
      if quoted {
        if character == "\"" {
          if characters.first == "\"" { field.append("\""); characters.removeFirst() } else { quoted = false }
        } else {
          field.append(character)
        }
      } else if character == "\"" {
        quoted = true
      } else if character == "," {
        record.append(field)
        field = ""
      } else if character == "\n" {
        record.append(field)
        records.append(record)
        (record, field) = ([], "")
      } else {
        field.append(character)
      }
    }
    guard let header = records.first else { return [] }
    return records.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
  }

  static func decimal(_ text: String?) -> Decimal { text.flatMap { Decimal(string: $0) } ?? 0 }

  static func cents(_ value: Decimal) -> Decimal {
    var input = value
    var result = Decimal()
    NSDecimalRound(&result, &input, 2, .bankers)
    return result
  }

  /// The JSON `totals` member, as exact decimals.
  static func totals(_ json: String) throws -> [String: Decimal] {
    let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
    let totals = object["totals"] as! [String: Any]
    return totals.compactMapValues { ($0 as? String).flatMap { Decimal(string: $0) } }
  }

  /// Checks every rule on the CSV and JSON of one report; returns the rows.
  @discardableResult
  static func expectAddsUp(
    _ arguments: [String], _ rules: [Rule], sourceLocation: SourceLocation = #_sourceLocation
  )
    throws -> [[String: String]]
  {
    let rows = parseCSV(try run(arguments + ["--format", "csv"]))
    let totals = try totals(try run(arguments + ["--format", "json"]))
    #expect(!rows.isEmpty, sourceLocation: sourceLocation)
    func sum(_ key: String) -> Decimal { rows.reduce(0) { $0 + decimal($1[key]) } }
    for rule in rules {
      switch rule {
      case .allocated(let key):
        #expect(totals[key] != nil, "no total \(key)", sourceLocation: sourceLocation)
        #expect(sum(key) == cents(totals[key] ?? 0), "\(key): \(arguments)", sourceLocation: sourceLocation)
      case .difference(let key, let minuend, let subtrahend):
        for row in rows where row[key] != "" {
          #expect(
            decimal(row[key]) == decimal(row[minuend]) - decimal(row[subtrahend]), "\(key) in \(row)",
            sourceLocation: sourceLocation)
        }
        #expect(
          sum(key) == cents(totals[minuend] ?? 0) - cents(totals[subtrahend] ?? 0), "\(key): \(arguments)",
          sourceLocation: sourceLocation)
      case .sum(let key, let augend, let addend):
        for row in rows where row[key] != "" {
          #expect(
            decimal(row[key]) == decimal(row[augend]) + decimal(row[addend]), "\(key) in \(row)",
            sourceLocation: sourceLocation)
        }
        #expect(
          sum(key) == cents(totals[augend] ?? 0) + cents(totals[addend] ?? 0), "\(key): \(arguments)",
          sourceLocation: sourceLocation)
      }
    }
    return rows
  }

  /// The reproduction: by tenant, week and model the CSV summed to $442.87 against a
  /// $442.78 total (list $759.71 against $759.61, savings $316.79 against $316.83). Since the
  /// demo gained the internal teams' LiteLLM and Claude Code usage the totals are $501.17, list
  /// $818.01, savings $316.84.
  @Test func spendByTenantWeekModelAddsUpToTheCent() throws {
    let rows = try Self.expectAddsUp(
      ["report", "spend", "--by", "tenant,week,model"],
      [
        .allocated("list_cost_usd"), .allocated("cost_usd"),
        .difference("batch_savings_usd", "list_cost_usd", "cost_usd"),
      ])
    #expect(rows.reduce(0) { $0 + Self.decimal($1["cost_usd"]) } == Decimal(string: "501.17")!)
    #expect(rows.reduce(0) { $0 + Self.decimal($1["list_cost_usd"]) } == Decimal(string: "818.01")!)
    #expect(rows.reduce(0) { $0 + Self.decimal($1["batch_savings_usd"]) } == Decimal(string: "316.84")!)
    // tyrell's October in spend by tenant for the month is allocated against the chargeback's
    // total, so it is the chargeback's $37.10.
    let october = Self.parseCSV(
      try Self.run([
        "report", "spend", "--by", "tenant", "--from", "2026-10-01", "--to", "2026-10-31", "--format", "csv",
      ]))
    let chargeback = Self.parseCSV(
      try Self.run(["report", "chargeback", "--month", "2026-10", "--format", "csv"]))
    #expect(october.first { $0["tenant"] == "tyrell" }?["cost_usd"] == "37.10")
    #expect(chargeback.first { $0["tenant"] == "tyrell" }?["cost_usd"] == "37.10")
  }

  /// whatif scenarios.toml: the deltas rounded one by one, 12.14 + 30.48 + 0.90 - 0.80 + 0.09, sum
  /// to 42.81 against a $42.80 total (42.797318525); catalog-enrich (0.0857...) gives up the cent.
  /// claude-code and analytics (the internal teams) are in no change: their deltas are 0.00.
  @Test func whatifAddsUpInEveryColumn() throws {
    let rows = try Self.expectAddsUp(
      ["whatif", "scenarios.toml"],
      [
        .allocated("baseline_cost_usd"), .allocated("delta_usd"),
        .sum("scenario_cost_usd", "baseline_cost_usd", "delta_usd"),
      ])
    #expect(rows.map { $0["delta_usd"]! } == ["12.14", "30.48", "0.00", "0.90", "0.00", "-0.80", "0.08"])
    try Self.expectAddsUp(
      ["whatif", "scenarios.toml", "--revenue", "revenue-2026-10.csv"],
      [
        .allocated("baseline_cost_usd"), .allocated("delta_usd"), .allocated("revenue_usd"),
        .sum("scenario_cost_usd", "baseline_cost_usd", "delta_usd"),
        .difference("baseline_gross_margin_usd", "revenue_usd", "baseline_cost_usd"),
        .difference("scenario_gross_margin_usd", "revenue_usd", "scenario_cost_usd"),
      ])
    try Self.expectAddsUp(
      ["whatif", "scenarios.toml", "--by", "tenant,job,model"],
      [
        .allocated("baseline_cost_usd"), .allocated("delta_usd"),
        .sum("scenario_cost_usd", "baseline_cost_usd", "delta_usd"),
      ])
  }

  @Test func jobsBatchesOpportunitiesAndChargebackAddUp() throws {
    try Self.expectAddsUp(
      ["report", "jobs", "--from", "2026-09-01", "--to", "2026-10-31"], [.allocated("cost_usd")])
    try Self.expectAddsUp(["report", "batches"], [.allocated("cost_usd"), .allocated("batch_savings_usd")])
    try Self.expectAddsUp(
      ["report", "opportunities", "--by", "job,tenant"],
      [
        .allocated("sync_cost_usd"), .allocated("savings_usd"),
        .difference("batch_cost_usd", "sync_cost_usd", "savings_usd"), .allocated("monthly_savings_usd"),
        .allocated("worst_case_monthly_savings_usd"), .allocated("share_of_spend_pct"),
      ])
    try Self.expectAddsUp(
      ["report", "chargeback", "--month", "2026-10", "--revenue", "revenue-2026-10.csv", "--markup", "20"],
      [
        .allocated("cost_usd"), .allocated("share_pct"), .allocated("charge_usd"), .allocated("revenue_usd"),
        .difference("gross_margin_usd", "revenue_usd", "cost_usd"),
      ])
  }

  @Test func estimateAddsUp() throws {
    let arguments = ["estimate", "examples/workloads.toml", "--at", "2026-11-21"]
    let csv = try CLI.run(arguments + ["--format", "csv"])
    let json = try CLI.run(arguments + ["--format", "json"])
    let rows = Self.parseCSV(csv.stdout)
    let totals = try Self.totals(json.stdout)
    for key in ["requests", "input_tokens", "output_tokens", "sync_cost_usd", "batch_cost_usd"] {
      #expect(rows.reduce(0) { $0 + Self.decimal($1[key]) } == Self.cents(totals[key]!), "\(key)")
    }
    for row in rows {
      #expect(
        Self.decimal(row["savings_usd"]) == Self.decimal(row["sync_cost_usd"])
          - Self.decimal(row["batch_cost_usd"]))
    }
  }

  /// Moving support-chat to batch: whatif's worst case is opportunities' worst case, exactly in
  /// JSON and to the cent as shown, with whatif's sign (scenario minus baseline).
  @Test func whatifWorstCaseOfMovingSupportChatIsOpportunitiesWorstCase() throws {
    try """
    [[change]]
    kind = "move-to-batch"
    where = { job = "support-chat" }

    """.write(to: Self.demo.appendingPathComponent("support-chat.toml"), atomically: true, encoding: .utf8)
    let opportunities = Self.parseCSV(try Self.run(["report", "opportunities", "--format", "csv"]))
    let supportChat = try #require(opportunities.first { $0["job"] == "support-chat" })
    #expect(supportChat["worst_case_monthly_savings_usd"] == "-37.11")
    #expect(supportChat["monthly_savings_usd"] == "28.23")

    let whatifJSON =
      try JSONSerialization.jsonObject(
        with: Data(try Self.run(["whatif", "support-chat.toml", "--format", "json"]).utf8)) as! [String: Any]
    let monthly = whatifJSON["monthly"] as! [String: String]
    let opportunitiesJSON =
      try JSONSerialization.jsonObject(
        with: Data(try Self.run(["report", "opportunities", "--format", "json"]).utf8)) as! [String: Any]
    let row = (opportunitiesJSON["rows"] as! [[String: Any]]).first {
      $0["job"] as? String == "support-chat"
    }!
    let worstSavings = Decimal(string: row["worst_case_monthly_savings_usd"] as! String)!
    let savings = Decimal(string: row["monthly_savings_usd"] as! String)!
    #expect(Decimal(string: monthly["worst_case_delta_usd"]!)! == -worstSavings)
    #expect(Decimal(string: monthly["delta_usd"]!)! == -savings)
    #expect(Decimal(string: monthly["savings_usd"]!)! == savings)
    #expect((whatifJSON["assumptions"] as! [String]) == (opportunitiesJSON["assumptions"] as! [String]))

    let projection = Self.parseCSV(
      try Self.run(["whatif", "support-chat.toml", "--format", "csv", "--section", "projection"]))
    #expect(projection[0]["period"] == "Per month (30 days)")
    #expect(projection[0]["worst_case_delta_usd"] == "37.11")
    #expect(projection[0]["worst_case_scenario_cost_usd"] == "370.90")
    // The delta is rounded on its own (opportunities' 28.23, with whatif's sign), and the
    // scenario is the shown baseline plus it: 333.79 - 28.23 = 305.56.
    #expect(projection[0]["delta_usd"] == "-28.23")
    #expect(projection[0]["scenario_cost_usd"] == "305.56")

    let table = try Self.run(["whatif", "support-chat.toml"])
    #expect(table.contains("Worst case  Worst delta"))
    #expect(
      table.contains("Per month (30 days)    $333.79    $305.56   -$28.23   -8.46%     $370.90       $37.11"))
    #expect(
      table.contains("- Batch cache hits are best-effort: the worst case counts every cache read as a miss"))
  }

  /// One sign in whatif: a cheaper scenario has a negative delta in every block.
  @Test func whatifHasOneSignConvention() throws {
    let table = try CLI.run(["whatif", "examples/workloads.toml", "--at", "2026-11-21"]).stdout
    #expect(!table.contains("Savings"))
    // The delta, -747.84453125 exactly, is rounded on its own; the scenario is the baseline plus it.
    #expect(table.contains("Total            $1,310.36   $562.52  -$747.84  -57.07%"))
    #expect(table.contains("Per month (30 days)   $1,310.36    $562.52    -$747.84  -57.07%"))
  }

  @Test func whatifOnWorkloadsGroupsByWorkload() throws {
    let csv = try CLI.run(["whatif", "examples/workloads.toml", "--at", "2026-11-21", "--format", "csv"])
      .stdout
    let rows = Self.parseCSV(csv)
    #expect(csv.hasPrefix("workload,baseline_cost_usd,"))
    #expect(rows.map { $0["workload"]! } == ["contract-review", "claims-triage", "weekly-digest"])
    #expect(!csv.contains("(unattributed)"))
    let byJob = try CLI.run([
      "whatif", "examples/workloads.toml", "--at", "2026-11-21", "--by", "job", "--format", "csv",
    ])
    #expect(byJob.stdout.hasPrefix("job,baseline_cost_usd,"))
  }

  @Test func sectionIsACSVOptionAndNamesTheBlocks() throws {
    let table = try CLI.run([
      "whatif", "examples/workloads.toml", "--at", "2026-11-21", "--section", "projection",
    ])
    #expect(table.status == 64)
    #expect(table.stderr.contains("--section chooses the CSV block: use it with --format csv"))
    let estimate = try CLI.run(
      [
        "estimate", "examples/workloads.toml", "--at", "2026-11-21", "--format", "csv", "--section",
        "projection",
      ])
    #expect(estimate.status == 64)
    #expect(estimate.stderr.contains("--section projection: this report's blocks are rows, margin and all"))
    try "[[change]]\nkind = \"scale\"\nfactor = 2\n".write(
      to: Self.demo.appendingPathComponent("no-finance.toml"), atomically: true, encoding: .utf8)
    let noFinance = try CLI.run(
      ["whatif", "no-finance.toml", "--format", "csv", "--section", "margin", "--ledger", "tally.sqlite"],
      in: Self.demo)
    #expect(noFinance.status == 64)
    #expect(
      noFinance.stderr.contains("no-finance.toml has no [finance] table, so the report has no margin block"))
    let all = try CLI.run(
      ["whatif", "no-finance.toml", "--format", "csv", "--section", "all", "--ledger", "tally.sqlite"],
      in: Self.demo)
    #expect(all.status == 0)
    #expect(all.stdout.contains("\n\nsection,period,baseline_cost_usd,"))
    #expect(!all.stdout.contains("margin,"))
    let rows = try CLI.run(["whatif", "examples/workloads.toml", "--at", "2026-11-21", "--format", "csv"])
      .stdout
    let explicit = try CLI.run(
      ["whatif", "examples/workloads.toml", "--at", "2026-11-21", "--format", "csv", "--section", "rows"])
      .stdout
    #expect(rows == explicit)
  }
}
