import Foundation

/// How an allocated amount is spread over tenants (finance practice §3.1).
public enum AllocationMethod: String, CaseIterable, Sendable {
  /// Equal shares over the tenants with direct cost.
  case even
  /// Shares in proportion to direct cost, over the tenants with direct cost.
  case proportional
  /// The listed tenants with the listed shares, which sum to exactly 1.
  case fixed
  /// Each listed tenant first gets its dollar floor; the rest of the amount is spread in
  /// proportion to direct cost over the tenants with direct cost.
  case floorPlusProportional = "floor+proportional"

  /// Whether the method takes `tenant:value` weights (and needs them).
  public var takesWeights: Bool { self == .fixed || self == .floorPlusProportional }

  /// Whether the method spreads over the tenants with direct cost (all but `fixed`).
  var spreadsOverDirectCost: Bool { self != .fixed }
}

/// One amount to allocate to tenants: a shared cost of the `--shared-costs` file, or the
/// unattributed cost (`--allocate-unattributed`).
public struct AllocationPolicy: Sendable {
  /// The shared cost's name as written, or `(unattributed)`.
  public var name: String
  /// The CSV and JSON column of the allocated amounts: `shared_<slug>_usd` or
  /// `allocated_unattributed_usd`.
  public var column: String
  public var amount: Money
  public var method: AllocationMethod
  /// `fixed`: shares summing to 1; `floor+proportional`: dollar floors. Empty otherwise. In the
  /// order written.
  public var weights: [(tenant: String, value: Exact)]
  /// The line of the shared-costs file; nil for the unattributed cost.
  public var line: Int?

  public init(
    name: String, column: String, amount: Money, method: AllocationMethod,
    weights: [(tenant: String, value: Exact)] = [], line: Int? = nil
  ) {
    self.name = name
    self.column = column
    self.amount = amount
    self.method = method
    self.weights = weights
    self.line = line
  }

  /// Whether this is `--allocate-unattributed` (its origin is the `(unattributed)` row).
  public var isUnattributed: Bool { column == AllocationPolicy.unattributedColumn }

  public static let unattributedColumn = "allocated_unattributed_usd"

  /// The policy that spreads the unattributed cost `amount` with `method`.
  public static func unattributed(_ amount: Money, method: AllocationMethod) -> AllocationPolicy {
    AllocationPolicy(name: TallyKit.unattributed, column: unattributedColumn, amount: amount, method: method)
  }

  /// `shared_<slug>_usd`: the name lowercased, every run of characters other than a-z and 0-9
  /// turned into one `_`, trimmed of `_`. Nil when nothing is left.
  public static func sharedColumn(for name: String) -> String? {
    var slug = ""
    for scalar in name.lowercased().unicodeScalars {
      if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
        slug.unicodeScalars.append(scalar)
      } else if !slug.isEmpty, !slug.hasSuffix("_") {
        slug += "_"
      }
    }
    while slug.hasSuffix("_") { slug.removeLast() }
    return slug.isEmpty ? nil : "shared_\(slug)_usd"
  }
}

/// An allocation made: what each target tenant gets and its share of the amount.
public struct AllocationResult: Sendable {
  public let policy: AllocationPolicy
  /// Every target in tenant-name order (code points) with its exact amount; the amounts sum
  /// exactly to the policy's amount.
  public let amounts: [(tenant: String, amount: Money)]
  /// Every target in tenant-name order with its exact share of the amount; the shares sum to
  /// exactly 1.
  public let ratios: [(tenant: String, ratio: Exact)]
  /// `floor+proportional`: the floors' sum and the rest spread by direct cost.
  public let floors: Money?
  /// How many tenants the even or proportional part spreads over.
  public let spreadCount: Int

  /// What `tenant` gets (zero when it is not a target).
  public func amount(for tenant: String) -> Money {
    amountsByTenant[tenant] ?? .zero
  }

  private let amountsByTenant: [String: Money]

  init(
    policy: AllocationPolicy, amounts: [(tenant: String, amount: Money)],
    ratios: [(tenant: String, ratio: Exact)],
    floors: Money?, spreadCount: Int
  ) {
    self.policy = policy
    self.amounts = amounts
    self.ratios = ratios
    self.floors = floors
    self.spreadCount = spreadCount
    self.amountsByTenant = Dictionary(amounts.map { ($0.tenant, $0.amount) }, uniquingKeysWith: +)
  }

  /// The ratios as decimals that sum to exactly 1, for files that need a terminating decimal
  /// (JSON `ratios`, FOCUS `AllocatedRatio`): each ratio as `Exact` prints it (exact when it
  /// terminates, else rounded to 20 decimals), except the last target in name order, which
  /// gets 1 minus the others. Costs split by these ratios then sum exactly to their origin.
  public var printedRatios: [(tenant: String, ratio: Decimal)] {
    guard !ratios.isEmpty else { return [] }
    if ratios.allSatisfy(\.ratio.terminates) { return ratios.map { ($0.tenant, $0.ratio.decimal) } }
    var printed = ratios.dropLast().map { ($0.tenant, $0.ratio.displayDecimal) }
    printed.append((ratios.last!.tenant, 1 - printed.map(\.1).reduce(0, +)))
    return printed
  }
}

/// A policy that cannot be applied to the period's costs, with what to do.
public struct AllocationError: Error, Sendable, CustomStringConvertible {
  public let description: String
  /// The shared-costs file's line of the policy, if it has one.
  public let line: Int?
  public init(_ description: String, line: Int? = nil) {
    self.description = description
    self.line = line
  }
}

/// The pure allocation of shared and unattributed cost: from each tenant's direct cost and a
/// policy to the amount each tenant gets.
///
/// Amounts are exact rationals (`Money / Exact`); rounding happens only when a report is
/// presented (`ReportTable.presented`, largest remainder per column).
public enum Allocation {
  /// The tenants even and proportional methods spread over: direct priced cost above zero,
  /// never `(unattributed)`. In tenant-name order.
  public static func spreadTargets(_ directCosts: [(tenant: String, cost: Money?)]) -> [(
    tenant: String, cost: Money
  )] {
    directCosts.compactMap { row in
      guard row.tenant != unattributed, let cost = row.cost, Money.zero < cost else { return nil }
      return (row.tenant, cost)
    }.sorted { $0.tenant < $1.tenant }
  }

  /// Allocates `policy.amount` over the tenants of `directCosts` (one entry per tenant).
  ///
  /// - `even`: `amount / n` each over the spread targets.
  /// - `proportional`: `amount x cost / total cost` over the spread targets.
  /// - `fixed`: `amount x share` to each listed tenant (the shares sum to 1, checked when read).
  /// - `floor+proportional`: each listed tenant its floor, then `amount - floors` proportionally
  ///   over the spread targets.
  ///
  /// The last target in name order gets the amount minus the others, so the amounts sum
  /// exactly to `amount` even where a ratio's denominator is too large to stay exact.
  /// Throws when an amount above zero has nobody to spread over.
  public static func allocate(_ policy: AllocationPolicy, directCosts: [(tenant: String, cost: Money?)])
    throws(AllocationError) -> AllocationResult
  {
    let spread = policy.method.spreadsOverDirectCost ? spreadTargets(directCosts) : []
    let spreadTotal = spread.map(\.cost).sum()
    var shares: [String: Money] = [:]
    var floors: Money?
    var spreadAmount = policy.amount
    switch policy.method {
    case .fixed:
      for (tenant, share) in policy.weights {
        shares[tenant, default: .zero] = shares[tenant, default: .zero] + policy.amount * share
      }
    case .floorPlusProportional:
      let floorSum = Money(policy.weights.map(\.value).reduce(Exact(0), +))
      floors = floorSum
      spreadAmount = policy.amount - floorSum
      guard !(spreadAmount < .zero) else {
        throw AllocationError(
          "\(policy.name): the floors sum to \(floorSum.terminal()), above the amount \(policy.amount.terminal())",
          line: policy.line)
      }
      for (tenant, floor) in policy.weights {
        shares[tenant, default: .zero] = shares[tenant, default: .zero] + Money(floor)
      }
    case .even, .proportional:
      break
    }
    if policy.method.spreadsOverDirectCost, !spreadAmount.isZero {
      guard !spread.isEmpty else {
        throw AllocationError(
          "\(policy.name): nothing to spread \(spreadAmount.terminal()) over: no tenant has priced direct cost in the period; use fixed weights, or check the period",
          line: policy.line)
      }
      for (tenant, cost) in spread {
        let part =
          policy.method == .even
          ? spreadAmount / Exact(Decimal(spread.count)) : spreadAmount * cost.value / spreadTotal.value
        shares[tenant, default: .zero] = shares[tenant, default: .zero] + part
      }
    } else if policy.method.spreadsOverDirectCost {
      // Nothing to spread (a zero amount): the targets still have their ratios, with no amount.
      for (tenant, _) in spread where shares[tenant] == nil { shares[tenant] = .zero }
    }
    var amounts = shares.map { (tenant: $0.key, amount: $0.value) }.sorted { $0.tenant < $1.tenant }
    if amounts.count > 1, !policy.amount.isZero {
      amounts[amounts.count - 1].amount = policy.amount - amounts.dropLast().map(\.amount).sum()
    }

    // Ratios: each target's share of the amount; with no amount, the method's own weights.
    var ratios: [(tenant: String, ratio: Exact)]
    if !policy.amount.isZero {
      ratios = amounts.map { ($0.tenant, $0.amount.value / policy.amount.value) }
    } else {
      switch policy.method {
      case .fixed: ratios = policy.weights.map { ($0.tenant, $0.value) }.sorted { $0.0 < $1.0 }
      case .even: ratios = spread.map { ($0.tenant, 1 / Exact(Decimal(spread.count))) }
      case .proportional, .floorPlusProportional:
        ratios = spreadTotal.isZero ? [] : spread.map { ($0.tenant, $0.cost.value / spreadTotal.value) }
      }
    }
    if ratios.count > 1 {
      ratios[ratios.count - 1].ratio = 1 - ratios.dropLast().map(\.ratio).reduce(Exact(0), +)
    }
    return AllocationResult(
      policy: policy, amounts: amounts, ratios: ratios, floors: floors, spreadCount: spread.count)
  }

  /// One line of the allocation policy as printed under the chargeback table:
  /// `platform overhead $1,200.00: proportional to direct cost over 7 tenants (acme 41.2%, ...)`.
  public static func describe(_ result: AllocationResult) -> String {
    let policy = result.policy
    let tenants = { (count: Int) in "\(count) tenant\(count == 1 ? "" : "s")" }
    let how: String
    switch policy.method {
    case .even: how = "even split over \(tenants(result.spreadCount))"
    case .proportional: how = "proportional to direct cost over \(tenants(result.spreadCount))"
    case .fixed: how = "fixed shares for \(tenants(policy.weights.count))"
    case .floorPlusProportional:
      let floors = policy.weights.map { "\($0.tenant) \(Money($0.value).terminal())" }.joined(separator: ", ")
      let rest = policy.amount - (result.floors ?? .zero)
      how =
        "floors (\(floors)), then \(rest.terminal()) proportional to direct cost over \(tenants(result.spreadCount))"
    }
    let byShare = result.ratios.sorted { $0.ratio != $1.ratio ? $0.ratio > $1.ratio : $0.tenant < $1.tenant }
    let shares = byShare.map { "\($0.tenant) \(ExactDecimal.fixed(($0.ratio * 100).decimal, scale: 1))%" }
    let list = shares.isEmpty ? "" : " (\(shares.joined(separator: ", ")))"
    return "\(policy.name) \(policy.amount.terminal()): \(how)\(list)"
  }
}
