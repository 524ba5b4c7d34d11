import Foundation
import Testing

/// `report chargeback --allocate-unattributed --shared-costs` on the demo data set with
/// examples/shared-costs-2026-10.csv: golden files per format, every column adding up to the
/// cent, FOCUS 1.3 allocated rows summing exactly to their origin, and the file's errors.
@Suite("Allocation of shared and unattributed cost")
struct AllocationCLITests {
  typealias R = RoundingCLITests

  /// A demo directory with the example shared-costs file copied in, so paths print short.
  static let demo: URL = {
    let scratch = try! CLI.temporaryDirectory("tally-allocation")
    let result = try! CLI.run(["demo", "--dir", "d"], in: scratch)
    precondition(result.status == 0, "\(result)")
    let directory = scratch.appendingPathComponent("d")
    try! FileManager.default.copyItem(
      at: CLI.packageRoot.appendingPathComponent("examples/shared-costs-2026-10.csv"),
      to: directory.appendingPathComponent("shared-costs-2026-10.csv"))
    return directory
  }()

  static func run(_ arguments: [String]) throws -> CLIResult {
    try CLI.run(arguments + ["--ledger", "tally.sqlite"], in: demo)
  }

  static let allocated = [
    "report", "chargeback", "--month", "2026-10", "--shared-costs", "shared-costs-2026-10.csv",
    "--allocate-unattributed", "proportional",
  ]
  static let withRevenue = allocated + ["--revenue", "revenue-2026-10.csv", "--markup", "20"]

  @Test func goldenFiles() throws {
    for (format, golden) in [
      ("table", "chargeback-allocated-2026-10.txt"), ("csv", "chargeback-allocated-2026-10.csv"),
      ("json", "chargeback-allocated-2026-10.json"),
    ] {
      let result = try Self.run(Self.withRevenue + ["--format", format])
      #expect(result.status == 0, "\(result)")
      assertGolden(result.stdout, named: golden)
    }
    // FOCUS 1.3 of two tenants and (unattributed) for one job, to keep the file small.
    let focus = try Self.run(
      Self.allocated + [
        "--format", "focus", "--focus-version", "1.3", "--where", "tenant=(unattributed),soylent,cyberdyne",
        "--where", "job=summarize",
      ])
    #expect(focus.status == 0, "\(focus)")
    assertGolden(focus.stdout, named: "chargeback-allocated-2026-10-focus13.csv")
  }

  /// The hand check of the golden files' figures: direct $344.92, allocated $310.00 (seats
  /// $150, platform overhead $60, reserved capacity $100; the unattributed $1.96 nets to zero),
  /// total $654.92; every rounded column sums to its rounded total.
  @Test func everyColumnAddsUpToTheCent() throws {
    let csv = try Self.run(Self.withRevenue + ["--format", "csv"])
    let json = try Self.run(Self.withRevenue + ["--format", "json"])
    let rows = R.parseCSV(csv.stdout)
    let totals = try R.totals(json.stdout)
    func sum(_ key: String) -> Decimal { rows.reduce(0) { $0 + R.decimal($1[key]) } }
    let parts = [
      "allocated_unattributed_usd", "shared_seats_usd", "shared_platform_overhead_usd",
      "shared_reserved_capacity_usd",
    ]
    for key in ["cost_usd", "share_pct", "charge_usd", "revenue_usd"] + parts {
      #expect(sum(key) == R.cents(totals[key]!), "\(key)")
    }
    #expect(sum("cost_usd") == Decimal(string: "344.92")!)
    #expect(sum("allocated_unattributed_usd") == 0)
    #expect(sum("shared_seats_usd") == 150)
    #expect(sum("shared_platform_overhead_usd") == 60)
    #expect(sum("shared_reserved_capacity_usd") == 100)
    #expect(sum("allocated_usd") == 310)
    #expect(sum("total_cost_usd") == Decimal(string: "654.92")!)
    #expect(sum("gross_margin_usd") == R.cents(totals["revenue_usd"]!) - Decimal(string: "654.92")!)
    for row in rows {
      let allocated = parts.reduce(Decimal(0)) { $0 + R.decimal(row[$1]) }
      #expect(R.decimal(row["allocated_usd"]) == allocated, "\(row)")
      #expect(
        R.decimal(row["total_cost_usd"]) == R.decimal(row["cost_usd"]) + R.decimal(row["allocated_usd"]),
        "\(row)")
      #expect(
        R.decimal(row["gross_margin_usd"]) == R.decimal(row["revenue_usd"])
          - R.decimal(row["total_cost_usd"]),
        "\(row)")
    }
    let unattributed = try #require(rows.first { $0["tenant"] == "(unattributed)" })
    #expect(unattributed["cost_usd"] == "1.96")
    #expect(unattributed["allocated_unattributed_usd"] == "-1.96")
    #expect(unattributed["total_cost_usd"] == "0.00")
    #expect(unattributed["shared_platform_overhead_usd"] == "0.00")
    // Seats are fixed 60/40; the reserved capacity's floors come first.
    let engineering = try #require(rows.first { $0["tenant"] == "engineering" })
    #expect(engineering["shared_seats_usd"] == "90.00")
    let stark = try #require(rows.first { $0["tenant"] == "stark-labs" })
    #expect(R.decimal(stark["shared_reserved_capacity_usd"]) > 15)

    // JSON: the policy, exact, with ratios that sum to 1.
    let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
    let allocations = try #require(object["allocations"] as? [[String: Any]])
    #expect(allocations.map { $0["column"] as? String } == parts)
    #expect(
      allocations.map { $0["method"] as? String } == [
        "proportional", "fixed", "proportional", "floor+proportional",
      ])
    #expect(allocations[1]["amount_usd"] as? String == "150")
    #expect(allocations[1]["weights"] as? [String: String] == ["engineering": "0.6", "data-science": "0.4"])
    for allocation in allocations {
      let ratios = try #require(allocation["ratios"] as? [String: String])
      #expect(ratios.values.reduce(Decimal(0)) { $0 + Decimal(string: $1)! } == 1, "\(allocation)")
      #expect(ratios["(unattributed)"] == nil)
    }
  }

  /// Every `(unattributed)` usage row of FOCUS 1.2 becomes one row per tenant in 1.3 whose costs
  /// and quantities sum exactly to it, with ratios summing to 1; shared costs sum to their amounts.
  @Test func focus13SplitRowsSumToTheirOrigin() throws {
    let plain = try Self.run(["report", "chargeback", "--month", "2026-10", "--format", "focus"])
    let explicit = try Self.run(
      ["report", "chargeback", "--month", "2026-10", "--format", "focus", "--focus-version", "1.2"])
    #expect(plain.stdout == explicit.stdout, "1.2 stays the default")
    let split = try Self.run(Self.allocated + ["--format", "focus", "--focus-version", "1.3"])
    #expect(split.status == 0, "\(split)")
    let before = R.parseCSV(plain.stdout)
    let after = R.parseCSV(split.stdout)
    func key(_ row: [String: String]) -> String {
      [row["ChargePeriodStart"]!, row["SkuPriceId"]!, row["Tags"]!].joined(separator: "|")
    }
    var origins: [String: (cost: Decimal, list: Decimal, quantity: Decimal)] = [:]
    for row in before where row["SubAccountId"] == "(unattributed)" {
      origins[key(row)] = (
        R.decimal(row["BilledCost"]), R.decimal(row["ListCost"]), R.decimal(row["ConsumedQuantity"])
      )
    }
    #expect(origins.count > 50)
    var parts: [String: (cost: Decimal, list: Decimal, quantity: Decimal, ratio: Decimal, rows: Int)] = [:]
    for row in after where row["AllocatedMethodId"] == "unattributed-proportional" {
      #expect(row["SubAccountId"] == "(unattributed)", "a split row keeps its origin's dimensions")
      #expect(row["AllocatedResourceId"] != "(unattributed)")
      let details =
        try JSONSerialization.jsonObject(with: Data(row["AllocatedMethodDetails"]!.utf8)) as! [String: Any]
      let element = (details["Elements"] as! [[String: Any]])[0]
      let ratio = Decimal(string: "\(element["AllocatedRatio"]!)")!
      var part = parts[key(row), default: (0, 0, 0, 0, 0)]
      part.cost += R.decimal(row["BilledCost"])
      part.list += R.decimal(row["ListCost"])
      part.quantity += R.decimal(row["ConsumedQuantity"])
      part.ratio += ratio
      part.rows += 1
      parts[key(row)] = part
    }
    #expect(Set(parts.keys) == Set(origins.keys))
    for (key, origin) in origins {
      let part = try #require(parts[key])
      #expect(part.rows == 13, "\(key)")
      #expect(part.cost == origin.cost, "\(key)")
      #expect(part.list == origin.list, "\(key)")
      #expect(part.quantity == origin.quantity, "\(key)")
      // Decimal(string:) of a JSON number may lose the last of 20 digits: compare to 1e-18.
      #expect(abs(part.ratio - 1) < Decimal(string: "1e-18")!, "\(key)")
    }
    // Every other usage row is as in 1.2.
    #expect(
      after.filter { $0["ChargeCategory"] == "Usage" && $0["AllocatedMethodId"] == "" }.count == before.count
        - origins.count)
    var shared: [String: Decimal] = [:]
    for row in after where row["ChargeCategory"] == "Purchase" {
      #expect(row["ChargeFrequency"] == "Recurring")
      #expect(row["ChargePeriodStart"] == "2026-10-01T00:00:00Z")
      #expect(row["ChargePeriodEnd"] == "2026-11-01T00:00:00Z")
      shared[row["ServiceName"]!, default: 0] += R.decimal(row["BilledCost"])
    }
    #expect(shared == ["seats": 150, "platform overhead": 60, "reserved capacity": 100])
  }

  @Test func fileAndPeriodErrors() throws {
    try """
    name,amount_usd,method,weights
    seats,150.00,fixed,engineering:0.333;data-science:0.333;acme:0.333
    reserved capacity,100,floor+proportional,acme:80;globex:30
    overhead,60,proportionall,

    """.write(to: Self.demo.appendingPathComponent("bad-shared.csv"), atomically: true, encoding: .utf8)
    let bad = try Self.run(["report", "chargeback", "--month", "2026-10", "--shared-costs", "bad-shared.csv"])
    #expect(bad.status == 65)
    #expect(
      bad.stderr == """
        tally: bad-shared.csv:2: column weights: the shares sum to 0.999, not 1; they must add up exactly (for thirds write 0.334;0.333;0.333)
        tally: bad-shared.csv:3: column weights: the floors sum to $110.00, above the amount $100.00; lower the floors or raise amount_usd
        tally: bad-shared.csv:4: column method: unknown method "proportionall" (did you mean proportional?); methods are even, proportional, fixed or floor+proportional

        """)
    #expect(bad.stdout == "")

    let week = try Self.run([
      "report", "chargeback", "--from", "2026-10-01", "--to", "2026-10-07", "--shared-costs",
      "shared-costs-2026-10.csv",
    ])
    #expect(week.status == 64)
    #expect(
      week.stderr
        == "tally: --shared-costs: shared-costs-2026-10.csv holds monthly amounts, and the chargeback covers 2026-10-01 to 2026-10-07 (7 days): give --month 2026-10\n"
    )
    let otherMonth = try Self.run([
      "report", "chargeback", "--month", "2026-09", "--shared-costs", "shared-costs-2026-10.csv",
    ])
    #expect(otherMonth.status == 64)
    #expect(otherMonth.stderr.contains("give --month 2026-10, or the shared-costs file for 2026-09"))
    // The unattributed cost alone needs no whole month.
    let unattributedOnly = try Self.run([
      "report", "chargeback", "--from", "2026-10-01", "--to", "2026-10-07", "--allocate-unattributed", "even",
      "--format", "csv",
    ])
    #expect(unattributedOnly.status == 0, "\(unattributedOnly)")
    #expect(unattributedOnly.stdout.contains(",allocated_unattributed_usd,allocated_usd,total_cost_usd,"))

    let focus12 = try Self.run(Self.allocated + ["--format", "focus"])
    #expect(focus12.status == 64)
    #expect(focus12.stderr.contains("FOCUS 1.2 has no allocation columns: give --focus-version 1.3"))
    let versionAlone = try Self.run(["report", "chargeback", "--focus-version", "1.3"])
    #expect(versionAlone.status == 64)
    #expect(versionAlone.stderr.contains("--focus-version goes with --format focus"))
  }

  @Test func aCloseTenantNameWarns() throws {
    try "name,amount_usd,method,weights\nseats,100,fixed,acmee:0.5;engineering:0.5\n".write(
      to: Self.demo.appendingPathComponent("typo-shared.csv"), atomically: true, encoding: .utf8)
    let result = try Self.run([
      "report", "chargeback", "--month", "2026-10", "--shared-costs", "typo-shared.csv", "--format", "csv",
    ])
    #expect(result.status == 0, "\(result)")
    #expect(
      result.stderr
        == "tally: warning: shared costs: seats (line 2) names acmee, which has no usage in the period (did you mean acme?)\n"
    )
    #expect(result.stdout.contains("\nacmee,0,0,0,0,0,0.00,50.00,50.00,50.00,"))
    let strict = try Self.run([
      "report", "chargeback", "--month", "2026-10", "--shared-costs", "typo-shared.csv", "--strict",
    ])
    #expect(strict.status == 65)
  }
}
