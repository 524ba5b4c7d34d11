import Foundation

/// What a FOCUS row charges for: one token category, or web searches.
public enum FocusMeter: Hashable, Sendable, Comparable {
  case tokens(TokenCategory)
  case webSearches

  var name: String {
    switch self {
    case .tokens(.input): "input tokens"
    case .tokens(.cacheWrite5m): "cache write 5m tokens"
    case .tokens(.cacheWrite1h): "cache write 1h tokens"
    case .tokens(.cacheRead): "cache read tokens"
    case .tokens(.output): "output tokens"
    case .tokens(.audioInput): "audio input tokens"
    case .tokens(.audioOutput): "audio output tokens"
    case .webSearches: "web searches"
    }
  }

  var order: Int {
    switch self {
    case .tokens(let category): TokenCategory.allCases.firstIndex(of: category)!
    case .webSearches: TokenCategory.allCases.count
    }
  }

  public static func < (lhs: FocusMeter, rhs: FocusMeter) -> Bool { lhs.order < rhs.order }
}

/// One charge of the FOCUS export: a day x tenant x job x model x mode x context tier x meter,
/// at one pair of rates.
public struct FocusCharge: Hashable, Sendable {
  /// The charge period: the local day's first instant and the next day's.
  public var day: CivilDate
  public var periodStart: Int64
  public var periodEnd: Int64
  public var billingPeriodStart: Int64
  public var billingPeriodEnd: Int64
  public var provider: String
  public var tenant: String
  public var job: String
  public var model: String
  public var mode: Mode
  public var context: String
  public var meter: FocusMeter
  /// USD per pricing unit (1M tokens or 1K searches) at sync rates and at the rates paid.
  public var listUnitPrice: Decimal
  public var contractedUnitPrice: Decimal
  /// The first day of the price-table row the rates come from.
  public var priceEffectiveFrom: CivilDate
  /// Tokens or searches.
  public var quantity = 0

  /// Tokens are priced per million, searches per thousand.
  /// Orders tiers by their lower end (`0-200k` before `200k+`).
  var contextOrder: Int { Int(context.prefix { $0.isNumber }) ?? 0 }

  /// `quantity` in pricing units (10^6 tokens, 10^3 searches): a shift of the decimal point.
  public var pricingQuantity: Decimal {
    Decimal(sign: .plus, exponent: meter == .webSearches ? -3 : -6, significand: Decimal(quantity))
  }
  public var listCost: Decimal { pricingQuantity * listUnitPrice }
  /// Cost at the rates paid: FOCUS `BilledCost`, `EffectiveCost` and `ContractedCost`.
  public var cost: Decimal { pricingQuantity * contractedUnitPrice }
}

/// The FOCUS version of the export (`--focus-version`).
public enum FocusVersion: String, CaseIterable, Sendable {
  /// The default: no allocation columns.
  case v1_2 = "1.2"
  /// Adds `ServiceProviderName`, `HostProviderName` and the allocation columns, and carries
  /// allocations as split rows.
  case v1_3 = "1.3"
}

/// The FinOps FOCUS export of `tally report chargeback --format focus`: the ledger's priced
/// usage as cost and usage rows a FinOps tool loads as is (FOCUS 1.2, or 1.3 with allocations).
public struct FocusExport: Sendable {
  public let window: ReportWindow
  public let charges: [FocusCharge]
  /// Usage left out because it cannot be priced: model → requests.
  public let unpricedModels: [String: Int]
  public var version: FocusVersion = .v1_2
  /// FOCUS 1.3: the chargeback's allocations. The unattributed one splits every
  /// `(unattributed)` charge into one row per target; shared costs become rows of their own.
  public var allocations: [AllocationResult] = []
  /// Each tenant's direct cost, for `AllocatedMethodDetails` (`UsageQuantity` of allocations
  /// by direct cost).
  public var directCosts: [String: Money] = [:]
  /// Prior-period adjustments the month carries: `Correction` rows.
  public var adjustments: [TenantAdjustment] = []
  /// Which months are closed, and their tenants' statement numbers (`InvoiceId`).
  public var closed = ClosedMonths()

  /// The closed months of a ledger: `x_BillingPeriodStatus` is `Closed` for their rows and
  /// `InvoiceId` the tenant's statement number.
  public struct ClosedMonths: Sendable {
    /// First day of a closed month → tenant → statement number.
    public var invoiceIds: [CivilDate: [String: String]] = [:]

    public init() {}

    public init(ledger: Ledger) throws {
      for period in try ledger.periods() where period.isClosed {
        invoiceIds[period.month] = try ledger.statementNumbers(period.month)
      }
    }

    func status(_ month: CivilDate) -> String { invoiceIds[month] == nil ? "Open" : "Closed" }
    func invoiceId(_ month: CivilDate, tenant: String) -> String { invoiceIds[month]?[tenant] ?? "" }
  }

  public init(window: ReportWindow, charges: [FocusCharge], unpricedModels: [String: Int]) {
    self.window = window
    self.charges = charges
    self.unpricedModels = unpricedModels
  }

  /// The export with the chargeback's allocations, as FOCUS 1.3 (`allocations` may be empty).
  public func withAllocations(of chargeback: ChargebackReport) -> FocusExport {
    var export = self
    export.version = .v1_3
    export.allocations = chargeback.allocations
    export.directCosts = Dictionary(
      chargeback.rows.compactMap { row in row.cost.map { (row.tenant, $0) } }, uniquingKeysWith: +)
    return export
  }

  public static func build(
    ledger: Ledger, prices: PriceBook, window: ReportWindow, filter: ReportFilter = ReportFilter()
  ) throws -> FocusExport {
    var query = UsageQuery(zone: window)
    query.prices = prices
    query.groupBy = [.job, .provider, .tenant]
    query.grain = .day
    (query.from, query.to) = window.instants
    filter.apply(to: &query, prices: prices)
    var pricer = UsagePricer(prices: prices)
    var charges: [FocusCharge: Int] = [:]
    var unpricedModels: [String: Int] = [:]
    for aggregate in try ledger.usage(query) where filter.accepts(aggregate, window: window, pricer: &pricer)
    {
      // Priced as a whole first: a missing batch, web-search or audio rate makes the usage unpriced.
      guard case .success(let priced) = pricer.price(aggregate),
        let paid = priced.card.rates(for: aggregate.mode)
      else {
        unpricedModels[aggregate.model, default: 0] += aggregate.requests
        continue
      }
      let card = priced.card
      let day = window.localDay(aggregate.bucketStart)
      // The pricer priced every nonzero category, so each has both rates.
      var meters: [(FocusMeter, Int, Decimal, Decimal)] = TokenCategory.allCases.compactMap { category in
        guard let list = card.sync[category], let actual = paid[category] else { return nil }
        return (.tokens(category), aggregate.usage.tokens[category], list, actual)
      }
      if aggregate.usage.webSearches > 0, let list = card.webSearchRate(for: .sync),
        let actual = card.webSearchRate(for: aggregate.mode)
      {
        meters.append((.webSearches, aggregate.usage.webSearches, list, actual))
      }
      for (meter, quantity, list, actual) in meters where quantity > 0 {
        let charge = FocusCharge(
          day: day, periodStart: window.start(of: day), periodEnd: window.start(of: day.adding(days: 1)),
          billingPeriodStart: window.start(of: day.startOfMonth),
          billingPeriodEnd: window.start(of: day.startOfNextMonth),
          provider: aggregate.provider, tenant: aggregate.label(of: .tenant), job: aggregate.label(of: .job),
          model: aggregate.model, mode: aggregate.mode, context: priced.context, meter: meter,
          listUnitPrice: list, contractedUnitPrice: actual, priceEffectiveFrom: card.effectiveFrom)
        charges[charge, default: 0] += quantity
      }
    }
    // Sort keys computed once per row, not once per comparison.
    struct Keyed {
      var names: (Int, String, String, String, String)
      var rest: (String, Int, Int, Int)
      var charge: FocusCharge
    }
    var keyed: [Keyed] = []
    keyed.reserveCapacity(charges.count)
    for (charge, quantity) in charges {
      var charge = charge
      charge.quantity = quantity
      let names = (charge.day.daysSinceEpoch, charge.tenant, charge.job, charge.provider, charge.model)
      let rest = (
        charge.mode.rawValue, charge.contextOrder, charge.meter.order,
        charge.priceEffectiveFrom.daysSinceEpoch
      )
      keyed.append(Keyed(names: names, rest: rest, charge: charge))
    }
    keyed.sort { (l: Keyed, r: Keyed) -> Bool in
      if l.names != r.names { return l.names < r.names }
      return l.rest < r.rest
    }
    let rows = keyed.map(\.charge)
    return FocusExport(window: window, charges: rows, unpricedModels: unpricedModels)
  }

  public var warnings: [String] {
    guard !unpricedModels.isEmpty else { return [] }
    return [
      "unpriced usage is not in the FOCUS export (FOCUS costs cannot be empty): \(unpricedModelList(unpricedModels)); add their rates with --pricing FILE"
    ]
  }
}
