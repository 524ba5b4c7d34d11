import Foundation
import Testing

@testable import TallyKit

/// Allocation of shared and unattributed cost, worked by hand: each method to the cent, ties,
/// and the shared-costs file's checks.
@Suite("Allocation")
struct AllocationTests {
  static let october = try! ReportWindow(month: "2026-10")

  /// A chargeback of tenants with the given direct costs (`nil`: all unpriced).
  static func chargeback(
    _ costs: [(String, String?)], unattributed method: AllocationMethod? = nil,
    shared: [AllocationPolicy] = [],
    markup: Exact? = nil
  ) throws -> ChargebackReport {
    let spend = SpendReport(
      by: [.tenant], window: october,
      rows: costs.map { name, cost in
        var row = SpendRow(values: [name])
        row.requests = 1
        row.cost = cost.map { Money(parsing: $0)! }
        row.listCost = row.cost
        row.unpricedRequests = cost == nil ? 1 : 0
        return row
      }, unpricedModels: [:])
    return try ChargebackReport(
      spend: spend, revenue: nil, markupPercent: markup,
      allocation: ChargebackAllocationOptions(unattributed: method, sharedCosts: shared))
  }

  /// The CSV as tenant → column → cell.
  static func csv(_ report: ChargebackReport) -> [String: [String: String]] {
    let lines = report.table(precision: 2).renderCSV().split(separator: "\n").map {
      $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }
    let header = lines[0]
    return Dictionary(
      uniqueKeysWithValues: lines.dropFirst().map {
        ($0[0], Dictionary(uniqueKeysWithValues: zip(header, $0)))
      })
  }

  static func policy(
    _ name: String, _ amount: String, _ method: AllocationMethod, _ weights: [(String, String)] = [],
    line: Int = 2
  ) -> AllocationPolicy {
    AllocationPolicy(
      name: name, column: AllocationPolicy.sharedColumn(for: name)!, amount: Money(parsing: amount)!,
      method: method, weights: weights.map { ($0.0, Exact(ExactDecimal.parse($0.1)!)) }, line: line)
  }

  @Test func evenSplitGivesTheSpareCentToTheFirstTenantByName() throws {
    let report = try Self.chargeback(
      [("charlie", "3"), ("alpha", "1"), ("bravo", "2")], shared: [Self.policy("seats", "100.00", .even)])
    let rows = Self.csv(report)
    #expect(rows["alpha"]?["shared_seats_usd"] == "33.34")
    #expect(rows["bravo"]?["shared_seats_usd"] == "33.33")
    #expect(rows["charlie"]?["shared_seats_usd"] == "33.33")
    // Exact: a third of $100 each.
    let third = Money(Exact(100) / 3)
    #expect(report.allocations[0].amounts.map(\.amount) == [third, third, third])
    #expect(report.allocations[0].ratios.map(\.ratio).reduce(Exact(0), +) == 1)
    // Total = direct + allocated, from the shown cells; the column sums to the shown total.
    #expect(rows["alpha"]?["total_cost_usd"] == "34.34")
    #expect(rows["charlie"]?["allocated_usd"] == "33.33")
    let header = report.table(precision: 2).renderCSV().split(separator: "\n")[0]
    #expect(
      header
        == "tenant,requests,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,cost_usd,shared_seats_usd,allocated_usd,total_cost_usd,share_pct,unpriced_requests"
    )
    // The terminal table shows only the sum and the total.
    let table = report.table(precision: 2).renderTable()
    #expect(table.contains("Direct  Allocated    Total"))
    #expect(!table.contains("shared_seats_usd"))
    #expect(
      table.contains(
        "Total           3      0       0            0             0   $6.00    $100.00  $106.00  100.00%"))
  }

  /// $10 by direct cost 2:2:2:1: 20/7 each for alpha, bravo and charlie, 10/7 for delta.
  /// Floors 2.85 x 3 + 1.42 = 9.97; delta's remainder (.00857) is the largest, then alpha,
  /// bravo and charlie tie (.00714, equal exact values) and the cents go by name.
  @Test func proportionalBreaksTiesByName() throws {
    let report = try Self.chargeback(
      [("charlie", "2"), ("bravo", "2"), ("alpha", "2"), ("delta", "1")],
      shared: [Self.policy("platform overhead", "10", .proportional)])
    let rows = Self.csv(report)
    let key = "shared_platform_overhead_usd"
    #expect(
      ["alpha", "bravo", "charlie", "delta"].map { rows[$0]?[key] } == ["2.86", "2.86", "2.85", "1.43"])
    let result = report.allocations[0]
    #expect(result.amount(for: "alpha") == Money(Exact(20) / 7))
    #expect(result.amount(for: "delta") == Money(Exact(10) / 7))
    #expect(result.amounts.map(\.amount).sum() == Money(parsing: "10")!)
    #expect(result.ratios.map(\.ratio) == [Exact(2) / 7, Exact(2) / 7, Exact(2) / 7, Exact(1) / 7])
    // Printed ratios terminate and sum to exactly 1: the last by name takes the remainder.
    let printed = result.printedRatios.map(\.ratio)
    #expect(printed.reduce(0, +) == 1)
    #expect(ExactDecimal.plain(printed[0]) == "0.28571428571428571429")
    #expect(ExactDecimal.plain(printed[3]) == "0.14285714285714285713")
  }

  @Test func fixedSharesGoToTheListedTenantsEvenWithoutUsage() throws {
    let report = try Self.chargeback(
      [("alpha", "5"), ("bravo", "1")],
      shared: [Self.policy("seats", "150", .fixed, [("alpha", "0.6"), ("newteam", "0.4")])])
    let rows = Self.csv(report)
    #expect(rows["alpha"]?["shared_seats_usd"] == "90.00")
    #expect(rows["bravo"]?["shared_seats_usd"] == "0.00")
    #expect(rows["newteam"]?["cost_usd"] == "0.00")
    #expect(rows["newteam"]?["shared_seats_usd"] == "60.00")
    #expect(rows["newteam"]?["total_cost_usd"] == "60.00")
    #expect(report.allocationWarnings.isEmpty, "newteam is not close to a known tenant")

    let typo = try Self.chargeback(
      [("acme", "5")], shared: [Self.policy("seats", "10", .fixed, [("acmee", "1")], line: 4)])
    #expect(
      typo.allocationWarnings == [
        "shared costs: seats (line 4) names acmee, which has no usage in the period (did you mean acme?)"
      ])
  }

  /// $100: floors alpha $30, bravo $20; the other $50 by direct cost 3:1:1 (alpha 30, bravo 10,
  /// charlie 10). alpha 60, bravo 30, charlie 10: ratios 0.6, 0.3, 0.1.
  @Test func floorPlusProportionalWorkedByHand() throws {
    let report = try Self.chargeback(
      [("alpha", "3"), ("bravo", "1"), ("charlie", "1")],
      shared: [
        Self.policy("reserved capacity", "100", .floorPlusProportional, [("alpha", "30"), ("bravo", "20")])
      ])
    let result = report.allocations[0]
    #expect(result.amounts.map(\.tenant) == ["alpha", "bravo", "charlie"])
    #expect(result.amounts.map(\.amount) == ["60", "30", "10"].map { Money(parsing: $0)! })
    #expect(
      result.ratios.map(\.ratio) == [
        Exact(Decimal(string: "0.6")!), Exact(Decimal(string: "0.3")!), Exact(Decimal(string: "0.1")!),
      ])
    #expect(result.floors == Money(parsing: "50"))
    #expect(
      Allocation.describe(result)
        == "reserved capacity $100.00: floors (alpha $30.00, bravo $20.00), then $50.00 proportional to direct cost over 3 tenants (alpha 60.0%, bravo 30.0%, charlie 10.0%)"
    )
    // Share and markup are of the total: alpha 3 + 60 of 105.
    let marked = try Self.chargeback(
      [("alpha", "3"), ("bravo", "1"), ("charlie", "1")],
      shared: [
        Self.policy("reserved capacity", "100", .floorPlusProportional, [("alpha", "30"), ("bravo", "20")])
      ], markup: 10)
    let rows = Self.csv(marked)
    #expect(rows["alpha"]?["total_cost_usd"] == "63.00")
    #expect(rows["alpha"]?["share_pct"] == "60.00")
    #expect(rows["alpha"]?["charge_usd"] == "69.30")
  }

  @Test func floorsAboveTheAmountAndNobodyToSpreadOverAreErrors() throws {
    let policy = Self.policy(
      "reserved capacity", "100", .floorPlusProportional, [("alpha", "80"), ("bravo", "30")], line: 3)
    #expect(throws: AllocationError.self) {
      try Allocation.allocate(policy, directCosts: [("alpha", Money(parsing: "1"))])
    }
    do {
      _ = try Allocation.allocate(
        Self.policy("overhead", "5", .proportional, line: 7), directCosts: [("alpha", nil)])
      Issue.record("expected an error")
    } catch {
      #expect(error.line == 7)
      #expect(error.description.hasPrefix("overhead: nothing to spread $5.00 over"))
    }
  }

  /// alpha $0.336, bravo $0.335, (unattributed) $0.334: the cost column's cent goes to alpha,
  /// so (unattributed) shows $0.33. Spread evenly, $0.167 each would show 0.17 + 0.17 = 0.34;
  /// allocated against the shown $0.33 they show 0.17 (alpha, by name) and 0.16, the column
  /// sums to zero and (unattributed)'s total is $0.00.
  @Test func unattributedAllocationLeavesTheUnattributedTotalAtZero() throws {
    let report = try Self.chargeback(
      [("alpha", "0.336"), ("bravo", "0.335"), (unattributed, "0.334")], unattributed: .even)
    let rows = Self.csv(report)
    let key = AllocationPolicy.unattributedColumn
    #expect(rows[unattributed]?["cost_usd"] == "0.33")
    #expect(rows[unattributed]?[key] == "-0.33")
    #expect(rows[unattributed]?["total_cost_usd"] == "0.00")
    #expect(rows[unattributed]?["share_pct"] == "0.00")
    #expect(rows["alpha"]?[key] == "0.17")
    #expect(rows["bravo"]?[key] == "0.16")
    #expect(rows["alpha"]?["total_cost_usd"] == "0.51")
    #expect(rows["bravo"]?["total_cost_usd"] == "0.49")
    // Exact: minus the cost on (unattributed), half each on the tenants, zero in total.
    #expect(report.rows.first { $0.tenant == unattributed }?.total == .zero)
    #expect(report.components[0].total == .zero)
    #expect(report.grandTotal == Money(parsing: "1.005"))
    let json = report.table.renderJSON()
    #expect(json.contains("\"allocated_unattributed_usd\": \"-0.334\""))
    #expect(json.contains("\"allocated_unattributed_usd\": \"0.167\""))
    // Unpriced tenants get nothing by direct cost, and are named.
    let unpriced = try Self.chargeback(
      [("alpha", "1"), ("ghost", nil), (unattributed, "1")], unattributed: .proportional)
    #expect(unpriced.allocations[0].amounts.map(\.tenant) == ["alpha"])
    #expect(unpriced.allocationWarnings.contains { $0.hasSuffix(": ghost") })
  }

  @Test func withoutAllocationsTheReportIsUnchanged() throws {
    let plain = try Self.chargeback([("alpha", "1"), ("bravo", "2")])
    #expect(plain.components.isEmpty)
    #expect(!plain.table.columns.contains { $0.key == "total_cost_usd" })
    #expect(plain.table.trailer.isEmpty)
  }

  @Test func columnNamesAreSlugs() {
    #expect(AllocationPolicy.sharedColumn(for: "Platform Overhead (EU)") == "shared_platform_overhead_eu_usd")
    #expect(AllocationPolicy.sharedColumn(for: "  seats  ") == "shared_seats_usd")
    #expect(
      AllocationPolicy.sharedColumn(for: "Reserved-Capacity 2026") == "shared_reserved_capacity_2026_usd")
    #expect(AllocationPolicy.sharedColumn(for: "(!)") == nil)
  }

  @Test func sharedCostsFileListsEveryProblemWithItsLine() throws {
    let text = """
      name,amount_usd,method,weights
      seats,150.00,fixd,
      Seats!,1,even,
      thirds,90,fixed,acme:0.333;globex:0.333;initech:0.333
      floors,100,floor+proportional,acme:60;globex:50
      overhead,10,proportional,acme:1
      twice,10,fixed,acme:0.5;acme:0.5
      missing,10,floor+proportional,
      malformed,10,fixed,acme=1
      negative,-5,even,
      """
    #expect(throws: SharedCostsFileError.self) { try SharedCostsFile.parse(text, file: "s.csv") }
    do {
      _ = try SharedCostsFile.parse(text, file: "s.csv")
    } catch {
      #expect(
        error.problems == [
          #"s.csv:2: column method: unknown method "fixd" (did you mean fixed?); methods are even, proportional, fixed or floor+proportional"#,
          #"s.csv:3: column name: "Seats!" and "seats" on line 2 both make the column shared_seats_usd; give each shared cost its own name"#,
          "s.csv:4: column weights: the shares sum to 0.999, not 1; they must add up exactly (for thirds write 0.334;0.333;0.333)",
          "s.csv:5: column weights: the floors sum to $110.00, above the amount $100.00; lower the floors or raise amount_usd",
          "s.csv:6: column weights: proportional takes no weights (it spreads over every tenant with direct cost); leave the column empty, or use fixed or floor+proportional",
          "s.csv:7: column weights: acme appears twice; give each tenant once",
          "s.csv:8: column weights: floor+proportional needs weights written tenant:value;tenant:value (dollar floors)",
          #"s.csv:9: column weights: "acme=1" is not tenant:value; separate entries with ;"#,
          "s.csv:10: column amount_usd: -5 is negative; a shared cost is zero or more",
        ])
    }
    let good = try SharedCostsFile.parse(
      "name,amount_usd,method,weights\nseats,150,fixed,a:0.6; b:0.4\nPlatform overhead,60.50,proportional,\n",
      file: "shared-costs-2026-10.csv")
    #expect(good.month == "2026-10")
    #expect(good.policies.map(\.column) == ["shared_seats_usd", "shared_platform_overhead_usd"])
    #expect(good.policies[0].weights.map(\.tenant) == ["a", "b"])
    #expect(good.policies[1].amount == Money(parsing: "60.5"))
    #expect(good.policies[1].line == 3)
  }

  @Test func sharedCostsNeedAWholeMonth() throws {
    let file = try SharedCostsFile.parse("name,amount_usd,method,weights\n", file: "shared.csv")
    #expect(throws: ReportError.self) {
      try file.checkPeriod(
        try ReportWindow(from: CivilDate(parsing: "2026-10-01"), to: CivilDate(parsing: "2026-10-15")),
        report: "the chargeback")
    }
    try file.checkPeriod(Self.october, report: "the chargeback")
  }

  @Test func allocateReachesAGivenTotal() {
    // 0.167 + 0.167 against 0.33: the cent goes by name; against 0.36 each gets a cent more.
    let values = [Exact(Decimal(string: "0.167")!), Exact(Decimal(string: "0.167")!)]
    #expect(
      Exact.allocate(values, names: ["b", "a"], total: Decimal(string: "0.33")!)
        == [0.16, 0.17].map { Decimal($0) }.map { ExactDecimal.rounded($0, scale: 2) })
    #expect(
      Exact.allocate(values, names: ["a", "b"], total: Decimal(string: "0.36")!).reduce(0, +) == Decimal(
        string: "0.36")!)
    #expect(
      Exact.allocate(values, names: ["a", "b"], total: Decimal(string: "0.31")!).reduce(0, +) == Decimal(
        string: "0.31")!)
  }
}
