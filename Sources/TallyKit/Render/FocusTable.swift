import Foundation

extension FocusExport {
  /// FOCUS 1.2 columns: every mandatory one, the recommended ones that apply, and the
  /// conditional ones a usage-priced API has (SKU, pricing and consumed quantities, sub account,
  /// tags). Amounts are exact (never rounded: they are data, and a FOCUS tool sums them).
  public static let columns = [
    "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodStart", "BillingPeriodEnd",
    "ChargePeriodStart", "ChargePeriodEnd", "ChargeCategory", "ChargeClass", "ChargeDescription",
    "ChargeFrequency",
    "ProviderName", "PublisherName", "InvoiceIssuerName", "InvoiceId", "ServiceCategory",
    "ServiceSubcategory",
    "ServiceName", "SubAccountId", "SubAccountName", "SubAccountType", "SkuId", "SkuMeter", "SkuPriceId",
    "SkuPriceDetails", "PricingCategory", "PricingUnit", "PricingQuantity", "ListUnitPrice",
    "ContractedUnitPrice",
    "ConsumedUnit", "ConsumedQuantity", "ListCost", "ContractedCost", "EffectiveCost", "BilledCost", "Tags",
    "x_BillingPeriodStatus",
  ]

  /// FOCUS 1.3 adds the provider columns that replace `ProviderName` (still present, deprecated),
  /// after `PublisherName`, and the allocation columns, after `Tags`.
  public static let columns13: [String] = {
    var columns = FocusExport.columns
    columns.insert(
      contentsOf: ["ServiceProviderName", "HostProviderName"],
      at: columns.firstIndex(of: "PublisherName")! + 1)
    columns.insert(contentsOf: allocationColumns, at: columns.firstIndex(of: "Tags")! + 1)
    return columns
  }()

  static let allocationColumns = [
    "AllocatedMethodId", "AllocatedMethodDetails", "AllocatedResourceId", "AllocatedResourceName",
    "AllocatedTags",
  ]

  static let providerNames = ["anthropic": "Anthropic", "openai": "OpenAI", "google": "Google"]
  static let serviceNames = ["anthropic": "Claude API", "openai": "OpenAI API", "google": "Gemini API"]

  /// The 1.2 cells of a usage charge; with `ratio`, the part of it allocated to one tenant
  /// (quantities and costs times the ratio, exact; unit prices and dimensions unchanged).
  func usageCells(_ charge: FocusCharge, ratio: Decimal? = nil) -> [Cell] {
    let provider = Self.providerNames[charge.provider] ?? charge.provider
    let context = charge.context
    let tokens = charge.meter != .webSearches
    let details = JSONValue.object([
      ("x_Mode", .string(charge.mode.rawValue)), ("x_ContextTier", .string(context)),
      ("x_Meter", .string(charge.meter.name)),
    ])
    let part = { (value: Decimal) in ratio.map { value * $0 } ?? value }
    let month = charge.day.startOfMonth
    let consumed: Cell = ratio.map { .rate(Decimal(charge.quantity) * $0) } ?? .count(charge.quantity)
    return [
      .text(charge.provider), .text(provider), .text("USD"),
      .text(Timestamp.format(charge.billingPeriodStart)), .text(Timestamp.format(charge.billingPeriodEnd)),
      .text(Timestamp.format(charge.periodStart)), .text(Timestamp.format(charge.periodEnd)),
      .text("Usage"), .text(""),
      .text("\(charge.model) \(charge.meter.name), \(charge.mode.rawValue), \(context) context"),
      .text("Usage-Based"), .text(provider), .text(provider), .text(provider),
      .text(closed.invoiceId(month, tenant: charge.tenant)), .text("AI and Machine Learning"),
      .text("Generative AI"), .text(Self.serviceNames[charge.provider] ?? provider + " API"),
      .text(charge.tenant), .text(charge.tenant), .text("Tenant"),
      .text(charge.model), .text(charge.meter.name),
      .text(
        "\(charge.model):\(charge.mode.rawValue):\(context):\(charge.meter.name):\(charge.priceEffectiveFrom)"
      ),
      .text(details.compact), .text("Standard"), .text(tokens ? "1000000 Tokens" : "1000 Searches"),
      .rate(part(charge.pricingQuantity)), .rate(charge.listUnitPrice), .rate(charge.contractedUnitPrice),
      .text(tokens ? "Tokens" : "Searches"), consumed,
      .rate(part(charge.listCost)), .rate(part(charge.cost)), .rate(part(charge.cost)),
      .rate(part(charge.cost)),
      .text(JSONValue.object([("job", .string(charge.job))]).compact), .text(closed.status(month)),
    ]
  }

  /// 1.2 cells made 1.3: the service and host provider after `PublisherName`, then the
  /// allocation columns (`allocation` nil: all null).
  /// The host provider is the service provider (an API does not say where it runs), and
  /// "Not Applicable" for shared costs.
  static func upgraded(_ cells: [Cell], provider: String, host: String? = nil, allocation: [Cell]?) -> [Cell]
  {
    var cells = cells
    cells.insert(
      contentsOf: [.text(provider), .text(host ?? provider)], at: columns.firstIndex(of: "PublisherName")! + 1
    )
    cells.insert(
      contentsOf: allocation ?? allocationColumns.map { _ in .text("") },
      at: columns13.firstIndex(of: "Tags")! + 1)
    return cells
  }

  /// `AllocatedMethodId`, `AllocatedMethodDetails`, `AllocatedResourceId`, `AllocatedResourceName`,
  /// `AllocatedTags` of one target's part of an allocation.
  func allocationCells(_ result: AllocationResult, tenant: String, ratio: Decimal) -> [Cell] {
    let policy = result.policy
    var element: [(key: String, value: String)] = [("AllocatedRatio", ExactDecimal.plain(ratio))]
    switch policy.method {
    case .proportional, .floorPlusProportional:
      element.append(("UsageUnit", JSONValue.quoted("USD")))
      element.append(
        ("UsageQuantity", ExactDecimal.plain((directCosts[tenant] ?? .zero).value.displayDecimal)))
      if let floor = policy.weights.first(where: { $0.tenant == tenant })?.value {
        element.append(("x_FloorUsd", ExactDecimal.plain(floor.displayDecimal)))
      }
    case .even, .fixed:
      break
    }
    // AllocatedRatio and UsageQuantity are JSON numbers (FOCUS: Numeric), written exactly.
    let elementText =
      "{" + element.map { JSONValue.quoted($0.key) + ":" + $0.value }.joined(separator: ",") + "}"
    let details =
      "{\"Elements\":[\(elementText)],\"x_AllocationName\":\(JSONValue.quoted(policy.name))}"
    return [.text(Self.methodId(policy)), .text(details), .text(tenant), .text(tenant), .text("")]
  }

  /// `unattributed-even`, `unattributed-proportional`, `shared-<method>`: documented in
  /// docs/finance-review.md.
  static func methodId(_ policy: AllocationPolicy) -> String {
    (policy.isUnattributed ? "unattributed-" : "shared-") + policy.method.rawValue
  }

  public var table: ReportTable {
    guard version == .v1_3 else {
      return ReportTable(
        name: "focus", columns: Self.columns.map { Column($0, title: $0) },
        rows: charges.map { usageCells($0) } + correctionRows)
    }
    let split = allocations.first { $0.policy.isUnattributed && !$0.ratios.isEmpty }
    let splitRatios = split?.printedRatios ?? []
    var rows: [[Cell]] = []
    for charge in charges {
      let provider = Self.providerNames[charge.provider] ?? charge.provider
      guard let split, charge.tenant == unattributed else {
        rows.append(Self.upgraded(usageCells(charge), provider: provider, allocation: nil))
        continue
      }
      for (tenant, ratio) in splitRatios {
        rows.append(
          Self.upgraded(
            usageCells(charge, ratio: ratio), provider: provider,
            allocation: allocationCells(split, tenant: tenant, ratio: ratio)))
      }
    }
    rows += sharedCostRows
    rows += correctionRows.map {
      Self.upgraded($0, provider: "Tally", host: "Not Applicable", allocation: nil)
    }
    return ReportTable(name: "focus", columns: Self.columns13.map { Column($0, title: $0) }, rows: rows)
  }

  /// One row per prior-period adjustment (closed month x tenant) the month carries: FOCUS
  /// `ChargeClass` `Correction` of usage, charged for the closed month and billed in this one,
  /// its costs the adjustment (late usage plus repricing, exact). The provider is `Tally`: an
  /// adjustment is the difference between two of Tally's computations of a month.
  var correctionRows: [[Cell]] {
    guard let from = window.from, !adjustments.isEmpty else { return [] }
    let billingStart = Timestamp.format(window.start(of: from.startOfMonth))
    let billingEnd = Timestamp.format(window.start(of: from.startOfNextMonth))
    let status = closed.status(from.startOfMonth)
    return adjustments.map { adjustment in
      let cost = Cell.rate(adjustment.amount.value.displayDecimal)
      let details = JSONValue.object([
        ("x_LateRequests", .integer(adjustment.lateRequests)),
        ("x_LateUsage", .decimal(adjustment.lateUsage.value.displayDecimal)),
        ("x_Repricing", .decimal(adjustment.repricing.value.displayDecimal)),
      ])
      return [
        .text("tally"), .text("Tally"), .text("USD"), .text(billingStart), .text(billingEnd),
        .text(Timestamp.format(window.start(of: adjustment.month))),
        .text(Timestamp.format(window.start(of: adjustment.month.startOfNextMonth))), .text("Usage"),
        .text("Correction"), .text("prior-period adjustment of \(adjustment.monthName)"),
        .text("Usage-Based"),
        .text("Tally"), .text("Tally"), .text("Tally"),
        .text(closed.invoiceId(from.startOfMonth, tenant: adjustment.tenant)),
        .text("AI and Machine Learning"), .text("Generative AI"), .text("Prior-period adjustments"),
        .text(adjustment.tenant), .text(adjustment.tenant), .text("Tenant"), .text("prior-period-adjustment"),
        .text(""), .text("prior-period-adjustment:\(adjustment.monthName)"), .text(details.compact),
        .text(""),
        .text(""), .quantity(nil), .rate(nil), .rate(nil), .text(""), .quantity(nil), cost, cost, cost, cost,
        .text(""), .text(status),
      ]
    }
  }

  /// One row per shared cost and target tenant: a recurring purchase for the report's month,
  /// `BilledCost` the tenant's part (amount x `AllocatedRatio`, exact).
  var sharedCostRows: [[Cell]] {
    guard let from = window.from else { return [] }
    let start = Timestamp.format(window.start(of: from.startOfMonth))
    let end = Timestamp.format(window.start(of: from.startOfNextMonth))
    let month = String(from.description.prefix(7))
    let status = closed.status(from.startOfMonth)
    var rows: [[Cell]] = []
    for result in allocations where !result.policy.isUnattributed {
      let policy = result.policy
      let amount = policy.amount.value.displayDecimal
      let sku = String(policy.column.dropFirst("shared_".count).dropLast("_usd".count))
      for (tenant, ratio) in result.printedRatios {
        let cost = Cell.rate(amount * ratio)
        let cells: [Cell] = [
          .text("shared-costs"), .text("Shared costs"), .text("USD"), .text(start), .text(end), .text(start),
          .text(end), .text("Purchase"), .text(""),
          .text("\(policy.name), \(month), allocated \(policy.method.rawValue)"), .text("Recurring"),
          .text("Shared costs"), .text("Shared costs"), .text("Shared costs"),
          .text(closed.invoiceId(from.startOfMonth, tenant: tenant)),
          .text("AI and Machine Learning"), .text("Generative AI"), .text(policy.name),
          .text(""), .text(""), .text(""), .text(sku), .text(""), .text("\(sku):\(month)"), .text(""),
          .text("Standard"), .text("1 Month"), .rate(ratio), .rate(amount), .rate(amount),
          .text(""), .quantity(nil), cost, cost, cost, cost, .text(""), .text(status),
        ]
        rows.append(
          Self.upgraded(
            cells, provider: "Shared costs", host: "Not Applicable",
            allocation: allocationCells(result, tenant: tenant, ratio: ratio)))
      }
    }
    return rows
  }
}

extension JSONValue {
  /// On one line, without spaces: for JSON inside a CSV cell (FOCUS `Tags`).
  var compact: String {
    switch self {
    case .object(let members):
      "{" + members.map { JSONValue.quoted($0.key) + ":" + $0.value.compact }.joined(separator: ",") + "}"
    case .array(let items): "[" + items.map(\.compact).joined(separator: ",") + "]"
    case .string(let text): JSONValue.quoted(text)
    default: rendered().trimmingCharacters(in: .newlines)
    }
  }
}
