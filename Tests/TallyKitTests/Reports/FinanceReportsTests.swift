import Foundation
import Testing

@testable import TallyKit

/// A small ledger written record by record, with costs worked out by hand:
///
/// Haiku 4.5 output is $5 per million sync, $2.50 batch; input $1 / $0.50.
/// - alpha: 67,000 sync output tokens = $0.335 (job summarize)
/// - bravo: 67,000 sync output tokens = $0.335 (job summarize)
/// - charlie: 66,000 batch output tokens in msgbatch_A = $0.165, list $0.33 (job classify),
///   plus an errored and an expired result in the same batch
/// - no tenant: 1,000 input tokens of `mystery-model` (unpriced), job classify
/// All on 2026-10-05 UTC; priced total $0.835.
enum FinanceFixtures {
  static let day = Timestamp.parse("2026-10-05T10:00:00Z")!
  static let batchCreated = Timestamp.parse("2026-10-05T02:00:00Z")!

  static func record(
    _ key: String, tenant: String?, job: String?, model: String? = "claude-haiku-4-5", mode: Mode = .sync,
    status: RequestStatus = .succeeded, tokens: TokenCounts = TokenCounts(), batch: String? = nil
  ) -> UsageRecord {
    UsageRecord(
      key: key, provider: "anthropic", model: model, mode: mode,
      timestamp: mode == .batch ? batchCreated : day,
      status: status, tenant: tenant, job: job, batchID: batch, tokens: tokens)
  }

  static let records = [
    record("api:1", tenant: "alpha", job: "summarize", tokens: TokenCounts(output: 67_000)),
    record("api:2", tenant: "bravo", job: "summarize", tokens: TokenCounts(output: 67_000)),
    record(
      "b:1", tenant: "charlie", job: "classify", mode: .batch, tokens: TokenCounts(output: 66_000),
      batch: "msgbatch_A"),
    record(
      "b:2", tenant: "charlie", job: "classify", model: nil, mode: .batch, status: .errored,
      batch: "msgbatch_A"),
    record(
      "b:3", tenant: "charlie", job: "classify", model: nil, mode: .batch, status: .expired,
      batch: "msgbatch_A"),
    record("api:3", tenant: nil, job: "classify", model: "mystery-model", tokens: TokenCounts(input: 1_000)),
  ]

  static func ledger() throws -> Ledger {
    try ledger(
      with: records,
      batches: [
        BatchInfo(
          id: "msgbatch_A", provider: "anthropic", createdAt: batchCreated, endedAt: batchCreated + 90 * 60,
          status: "ended")
      ])
  }

  /// A fresh ledger holding `records` (and `batches`), as one ingested source.
  static func ledger(with records: [UsageRecord], batches: [BatchInfo] = []) throws -> Ledger {
    let (ledger, _) = try IngestFixtures.ledger()
    try ledger.transaction { writer in
      let source = try writer.addSource(path: "fixture", contentHash: "", format: "api-log", ingestedAt: "")
      for batch in batches { try writer.upsert(batch: batch) }
      for record in records {
        _ = try writer.insert(
          record, modelID: IngestFixtures.prices.resolve(record.model ?? "")?.id, sourceID: source)
      }
      try writer.finishSource(
        source, contentHash: "", format: "api-log", summary: IngestSummary(file: "fixture"))
    }
    return ledger
  }

  static let october = try! ReportWindow(month: "2026-10")
}

@Suite struct FinanceReportsTests {
  typealias F = FinanceFixtures

  @Test func chargebackAllocatesRoundingSoColumnsAddUp() throws {
    let revenue = try RevenueFile.parse(
      "tenant,revenue_usd\nalpha,10.00\nbravo,0.30\necho,5\n", file: "rev.csv")
    let report = try ChargebackReport.build(
      ledger: try F.ledger(), prices: IngestFixtures.prices, window: F.october, revenue: revenue,
      markupPercent: Exact(10))
    #expect(report.rows.map(\.tenant) == ["alpha", "bravo", "charlie", "echo", unattributed])
    #expect(report.totalCost == Money(parsing: "0.835")!)
    #expect(report.revenueWithoutUsage == ["echo"])
    #expect(report.usageWithoutRevenue == ["charlie", unattributed])
    // Shares are 40.1197…, 40.1197… and 19.7604…: rounded each they sum to 99.99; allocated, 100.00.
    // The margin is the rounded revenue minus the allocated cost (bravo: 0.30 - 0.34).
    #expect(
      report.table(precision: 2).renderCSV() == """
        tenant,requests,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,cost_usd,share_pct,unpriced_requests,charge_usd,revenue_usd,gross_margin_usd,gross_margin_pct
        alpha,1,0,67000,0,0,0.34,40.12,0,0.37,10.00,9.66,96.65
        bravo,1,0,67000,0,0,0.34,40.12,0,0.37,0.30,-0.04,-11.67
        charlie,1,0,66000,0,0,0.16,19.76,0,0.18,,-0.16,
        echo,0,0,0,0,0,0.00,0.00,0,0.00,5.00,5.00,100.00
        (unattributed),1,1000,0,0,0,,,1,,,,

        """)
    // At one decimal the total 0.835 is 0.8: the floors 0.3 + 0.3 + 0.1 leave one unit, which goes
    // to the largest remainder (charlie's 0.065).
    let oneDecimal = report.table(precision: 1).renderCSV(precision: 1).split(separator: "\n").map {
      $0.split(separator: ",", omittingEmptySubsequences: false)[6]
    }
    #expect(oneDecimal == ["cost_usd", "0.3", "0.3", "0.2", "0.0", ""])
  }

  @Test func chargebackRoundedColumnsSumToTheRoundedTotalWhereNaiveRoundingDoesNot() throws {
    // Three tenants of $0.335, $0.335 and $0.33: naive half-even rounding gives
    // 0.34 + 0.34 + 0.33 = 1.01 but the total is $1.00.
    let spend = SpendReport(
      by: [.tenant], window: F.october,
      rows: [("a", "0.335"), ("b", "0.335"), ("c", "0.33")].map { name, cost in
        var row = SpendRow(values: [name])
        row.requests = 1
        row.cost = Money(parsing: cost)!
        row.listCost = row.cost
        return row
      }, unpricedModels: [:])
    let report = ChargebackReport(spend: spend, revenue: nil, markupPercent: nil)
    let table = report.table(precision: 2)
    let costs = table.renderCSV().split(separator: "\n").dropFirst().map {
      $0.split(separator: ",", omittingEmptySubsequences: false)[6]
    }
    #expect(costs == ["0.34", "0.33", "0.33"])
    #expect(
      table.renderTable().hasSuffix(
        "\nTotal          3      0       0            0             0  $1.00  100.00%         0\n"))
    // JSON keeps the exact values.
    #expect(table.renderJSON().contains("\"cost_usd\": \"0.335\""))
  }

  @Test func chargebackJSONIsExact() throws {
    let revenue = try RevenueFile.parse("tenant,revenue_usd\nbravo,0.30\n", file: "rev.csv")
    let report = try ChargebackReport.build(
      ledger: try F.ledger(), prices: IngestFixtures.prices, window: F.october, revenue: revenue,
      markupPercent: nil)
    let json = report.table(precision: 2).renderJSON()
    #expect(json.contains("\"share_pct\": \"40.11976047904191616766\""))
    #expect(json.contains("\"gross_margin_usd\": \"-0.035\""))
    #expect(json.contains("\"gross_margin_pct\": \"-11.66666666666666666667\""))
    #expect(json.contains("\"totals\": {\n    \"requests\": 4,"))
    #expect(json.contains("\"revenue_usd\": null"))
  }

  @Test func revenueFileErrorsNameFileLineAndColumn() {
    let text = "tenant,revenue_usd\nacme,\"1,200.00\"\n,5\nglobex,-3\nacme,4\nacme,4\ninitech\n"
    #expect(throws: RevenueFileError.self) { try RevenueFile.parse(text, file: "rev.csv") }
    do {
      _ = try RevenueFile.parse(text, file: "rev.csv")
    } catch {
      #expect(
        error.problems == [
          "rev.csv:2: column revenue_usd: \"1,200.00\" is not a decimal number; write dollars like 1234.56, without $ or thousands separators",
          "rev.csv:3: column tenant: empty; every line names a tenant",
          "rev.csv:4: column revenue_usd: -3 is negative; revenue is zero or more",
          "rev.csv:6: column tenant: \"acme\" already has revenue on line 5",
          "rev.csv:7: expected 2 fields, found 1",
        ])
    }
    #expect(throws: RevenueFileError.self) {
      try RevenueFile.parse("customer,amount\nacme,1\n", file: "r.csv")
    }
  }

  @Test func jobsCountBilledFailedBatchShareAndCostPerRequest() throws {
    let report = try JobsReport.build(
      ledger: try F.ledger(), prices: IngestFixtures.prices, window: F.october)
    #expect(
      report.table.renderCSV() == """
        job,requests,billed_requests,failed_requests,batch_share_pct,avg_input_tokens,avg_output_tokens,cost_usd,cost_per_request_usd,unpriced_requests
        summarize,2,2,0,0.00,0,67000,0.67,0.34,0
        classify,4,2,2,50.00,500,33000,0.17,0.16,1

        """)
    // classify: $0.165 (0.16 half-to-even) over its one priced billed request; the unpriced
    // one and the failed ones are not counted.
    #expect(report.rows[1].costPerRequest == Money(parsing: "0.165"))
    #expect(report.totals.requests == 6)
  }

  @Test func batchesShowOutcomesTurnaroundCostAndSavings() throws {
    let report = try BatchesReport.build(
      ledger: try F.ledger(), prices: IngestFixtures.prices, window: F.october)
    #expect(
      report.table.renderCSV() == """
        batch,created_at,ended_at,turnaround_minutes,requests,succeeded,errored,canceled,expired,cost_usd,batch_savings_usd,unpriced_requests
        msgbatch_A,2026-10-05T02:00:00Z,2026-10-05T03:30:00Z,90,3,1,1,0,1,0.16,0.16,0

        """)
    let berlin = try BatchesReport.build(
      ledger: try F.ledger(), prices: IngestFixtures.prices,
      window: try ReportWindow(month: "2026-10", zone: "Europe/Berlin"))
    #expect(
      berlin.table.renderCSV().contains("msgbatch_A,2026-10-05T04:00:00+02:00,2026-10-05T05:30:00+02:00,90,"))
  }

  @Test func focusExportHasEveryMandatoryColumnAndAddsUpToTheChargeback() throws {
    let export = try FocusExport.build(
      ledger: try F.ledger(), prices: IngestFixtures.prices, window: F.october)
    #expect(export.unpricedModels == ["mystery-model": 1])
    let csv = export.table.renderCSV()
    let records = try CSVReader.records(csv)
    let header = records[0].fields
    let spec = try String(
      contentsOf: IngestFixtures.root.deletingLastPathComponent().appendingPathComponent(
        "focus/focus-1.2-columns.txt"),
      encoding: .utf8
    ).replacingOccurrences(of: "\r", with: "").split(separator: "\n").map {
      $0.split(separator: "|").map(String.init)
    }
    let known = Set(spec.map { $0[1] })
    let mandatory = spec.filter { $0[0] == "Mandatory" }.map { $0[1] }
    let notNull = spec.filter { $0[3] == "nulls=False" }.map { $0[1] }
    #expect(Set(mandatory).isSubset(of: Set(header)))
    // Custom columns are allowed when prefixed `x_` (FOCUS: "Custom columns").
    #expect(Set(header.filter { !$0.hasPrefix("x_") }).isSubset(of: known))
    let rows = records.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0.fields)) }
    #expect(rows.count == 3)  // alpha output, bravo output, charlie batch output
    for row in rows {
      for column in notNull where header.contains(column) {
        #expect(!(row[column] ?? "").isEmpty, "\(column)")
      }
      #expect(row["ChargePeriodStart"] == "2026-10-05T00:00:00Z")
      #expect(row["ChargePeriodEnd"] == "2026-10-06T00:00:00Z")
      #expect(row["BillingPeriodStart"] == "2026-10-01T00:00:00Z")
      #expect(row["BillingPeriodEnd"] == "2026-11-01T00:00:00Z")
      let quantity = ExactDecimal.parse(row["PricingQuantity"]!)!
      #expect(quantity * ExactDecimal.parse(row["ListUnitPrice"]!)! == ExactDecimal.parse(row["ListCost"]!)!)
      #expect(
        quantity * ExactDecimal.parse(row["ContractedUnitPrice"]!)! == ExactDecimal.parse(row["BilledCost"]!)!
      )
    }
    let charlie = rows.first { $0["SubAccountId"] == "charlie" }!
    #expect(charlie["BilledCost"] == "0.165")
    #expect(charlie["ListCost"] == "0.33")
    #expect(charlie["ConsumedQuantity"] == "66000")
    #expect(charlie["PricingQuantity"] == "0.066")
    #expect(charlie["SkuId"] == "claude-haiku-4-5-20251001")
    #expect(charlie["Tags"] == "{\"job\":\"classify\"}")
    #expect(charlie["ServiceCategory"] == "AI and Machine Learning")
    let billed = rows.compactMap { ExactDecimal.parse($0["BilledCost"]!) }.reduce(0, +)
    #expect(billed == Decimal(string: "0.835"))
  }
}
