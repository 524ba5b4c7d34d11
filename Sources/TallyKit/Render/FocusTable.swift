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
  ]

  static let providerNames = ["anthropic": "Anthropic", "openai": "OpenAI", "google": "Google"]
  static let serviceNames = ["anthropic": "Claude API", "openai": "OpenAI API", "google": "Gemini API"]

  public var table: ReportTable {
    let rows = charges.map { charge -> [Cell] in
      let provider = Self.providerNames[charge.provider] ?? charge.provider
      let context = charge.context
      let tokens = charge.meter != .webSearches
      let details = JSONValue.object([
        ("x_Mode", .string(charge.mode.rawValue)), ("x_ContextTier", .string(context)),
        ("x_Meter", .string(charge.meter.name)),
      ])
      let values: [Cell] = [
        .text(charge.provider), .text(provider), .text("USD"),
        .text(Timestamp.format(charge.billingPeriodStart)), .text(Timestamp.format(charge.billingPeriodEnd)),
        .text(Timestamp.format(charge.periodStart)), .text(Timestamp.format(charge.periodEnd)),
        .text("Usage"), .text(""),
        .text("\(charge.model) \(charge.meter.name), \(charge.mode.rawValue), \(context) context"),
        .text("Usage-Based"), .text(provider), .text(provider), .text(provider), .text(""),
        .text("AI and Machine Learning"), .text("Generative AI"),
        .text(Self.serviceNames[charge.provider] ?? provider + " API"),
        .text(charge.tenant), .text(charge.tenant), .text("Tenant"),
        .text(charge.model), .text(charge.meter.name),
        .text(
          "\(charge.model):\(charge.mode.rawValue):\(context):\(charge.meter.name):\(charge.priceEffectiveFrom)"
        ),
        .text(details.compact), .text("Standard"), .text(tokens ? "1000000 Tokens" : "1000 Searches"),
        .rate(charge.pricingQuantity), .rate(charge.listUnitPrice), .rate(charge.contractedUnitPrice),
        .text(tokens ? "Tokens" : "Searches"), .count(charge.quantity),
        .rate(charge.listCost), .rate(charge.cost), .rate(charge.cost), .rate(charge.cost),
        .text(JSONValue.object([("job", .string(charge.job))]).compact),
      ]
      return values
    }
    return ReportTable(name: "focus", columns: Self.columns.map { Column($0, title: $0) }, rows: rows)
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
