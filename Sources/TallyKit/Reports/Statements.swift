import Foundation

/// One line of a tenant's statement, rounded as shown: every amount is a cent figure, and the
/// lines of a statement add up exactly to its total, which is the tenant's chargeback total.
public struct StatementLine: Sendable, Equatable {
  public enum Kind: String, Sendable {
    case usage, allocation, adjustment, markup
  }
  public var kind: Kind
  /// Usage: the job and model; allocation: its name and method; adjustment: the closed month.
  public var job = ""
  public var model = ""
  public var description: String
  public var requests: Int?
  /// Rounded to the report's precision.
  public var amount: Decimal
}

/// One tenant's statement: its period, lines, total and the context finance files with it.
public struct Statement: Sendable {
  public var tenant: String
  /// The statement number of a closed month (`TALLY-2026-10-0007`); nil for an open month.
  public var number: String?
  /// The file name without extension: `0007-acme` (position in code-point order, then a safe
  /// form of the name).
  public var fileStem: String
  public var lines: [StatementLine]
  /// The chargeback's shown cells for the tenant.
  public var cost: Decimal
  public var allocated: Decimal
  public var adjustment: Decimal
  public var total: Decimal
  /// With `--markup`: the charge (the amount billed).
  public var charge: Decimal?

  /// What the tenant is billed: the charge with a markup, else the total cost.
  public var billed: Decimal { charge ?? total }
}

/// `tally report chargeback --statements DIR`: one statement per tenant of the chargeback and
/// an index whose totals are the chargeback's to the cent.
public struct StatementSet: Sendable {
  public var window: ReportWindow
  public var statements: [Statement]
  /// The closed month's record, when the window is a closed month.
  public var closed: ClosedPeriod?
  public var filter: ReportFilter
  public var prices: [PriceSource]
  public var precision: Int
  /// The allocations and their policies, as the chargeback printed them.
  public var allocations: [AllocationResult]
  public var markupPercent: Exact?

  /// Builds the statements from the chargeback (its shown cells are the totals) and the
  /// tenant x job x model spend of the same window and filter (the usage lines, allocated by
  /// largest remainder to the tenant's shown direct cost). `(unattributed)` gets a statement
  /// only when its cost is not allocated.
  public static func build(
    chargeback: ChargebackReport, lines spend: SpendReport, closed: ClosedPeriod?, numbers: [String: String],
    filter: ReportFilter, prices: [PriceSource], precision: Int
  ) -> StatementSet {
    precondition(spend.by == [.tenant, .job, .model], "statement lines are spend by tenant, job and model")
    let table = chargeback.table(precision: precision)
    func column(_ key: String) -> Int? { table.columns.firstIndex { $0.key == key } }
    let costColumn = column("cost_usd")!
    let totalColumn = column("total_cost_usd") ?? costColumn
    let chargeColumn = column("charge_usd")
    let adjustmentColumn = column("adjustment_usd")
    let allocatedUnattributed = chargeback.allocations.contains { $0.policy.isUnattributed }
    var usage: [String: [SpendRow]] = [:]
    for row in spend.rows { usage[spend.value(.tenant, of: row), default: []].append(row) }

    let tenants = zip(chargeback.rows, table.rows).filter { row, _ in
      !(row.tenant == unattributed && allocatedUnattributed)
    }.sorted { $0.0.tenant.utf8.lexicographicallyPrecedes($1.0.tenant.utf8) }
    let stems = StatementSet.fileStems(tenants.map(\.0.tenant), numbers: numbers)
    var statements: [Statement] = []
    for ((row, cells), stem) in zip(tenants, stems) {
      let cost = cells[costColumn].shown(precision: precision)
      let total = cells[totalColumn].shown(precision: precision)
      var lines: [StatementLine] = []
      // Usage lines add up to the shown direct cost.
      let usageRows = (usage[row.tenant] ?? []).compactMap { line in
        line.cost.map {
          (job: spend.value(.job, of: line), model: spend.value(.model, of: line), line, cost: $0)
        }
      }
      let amounts = Exact.allocate(
        usageRows.map { $0.cost.value }, precision: precision,
        names: usageRows.map { $0.job + "\u{1F}" + $0.model }, total: cost)
      for ((job, model, line, _), amount) in zip(usageRows, amounts) {
        lines.append(
          StatementLine(
            kind: .usage, job: job, model: model, description: "\(job) on \(model)", requests: line.requests,
            amount: amount))
      }
      var allocated = Decimal(0)
      for (component, result) in zip(chargeback.components, chargeback.allocations) {
        guard let index = column(component.column) else { continue }
        let amount = cells[index].shown(precision: precision)
        allocated += amount
        guard amount != 0 else { continue }
        let ratio = result.printedRatios.first { $0.tenant == row.tenant }?.ratio
        let share = ratio.map { ", share \(ExactDecimal.fixed($0 * 100, scale: 2))%" } ?? ""
        lines.append(
          StatementLine(
            kind: .allocation, job: result.policy.name, model: result.policy.method.rawValue,
            description: "\(result.policy.name) (\(result.policy.method.rawValue)\(share))", amount: amount))
      }
      var adjustment = Decimal(0)
      if let adjustmentColumn {
        adjustment = cells[adjustmentColumn].shown(precision: precision)
        let mine = chargeback.adjustments.filter { $0.tenant == row.tenant }
        let split = Exact.allocate(
          mine.map(\.amount.value), precision: precision, names: mine.map(\.monthName), total: adjustment)
        for (item, amount) in zip(mine, split) {
          lines.append(
            StatementLine(
              kind: .adjustment, job: item.monthName,
              description:
                "prior-period adjustment of \(item.monthName): late usage \(ExactDecimal.fixed(item.lateUsage.amount, scale: precision)) (\(item.lateRequests) request\(item.lateRequests == 1 ? "" : "s")), repricing \(ExactDecimal.fixed(item.repricing.amount, scale: precision))",
              requests: item.lateRequests, amount: amount))
        }
      }
      var charge: Decimal?
      if let chargeColumn {
        let billed = cells[chargeColumn].shown(precision: precision)
        charge = billed
        let percent = chargeback.markupPercent.map { ExactDecimal.plain($0.displayDecimal) } ?? ""
        lines.append(StatementLine(kind: .markup, description: "markup \(percent)%", amount: billed - total))
      }
      statements.append(
        Statement(
          tenant: row.tenant, number: numbers[row.tenant], fileStem: stem, lines: lines, cost: cost,
          allocated: allocated, adjustment: adjustment, total: total, charge: charge))
    }
    return StatementSet(
      window: chargeback.window, statements: statements, closed: closed, filter: filter, prices: prices,
      precision: precision, allocations: chargeback.allocations, markupPercent: chargeback.markupPercent)
  }

  /// File stems for tenant names in code-point order: the statement number and the name
  /// (`TALLY-2026-10-0002-acme`), or for a tenant without one (an open month) its position
  /// (`0001-acme`). The number makes every stem unique (also after case folding, on file
  /// systems that fold case); the name part keeps ASCII letters, digits, `-` and `_` (accents
  /// dropped, anything else `_`, runs collapsed, at most 60 characters), so no name can reach
  /// outside the directory.
  public static func fileStems(_ tenants: [String], numbers: [String: String] = [:]) -> [String] {
    tenants.enumerated().map { index, tenant in
      let number = String(index + 1)
      let folded = tenant.applyingTransform(.stripDiacritics, reverse: false) ?? tenant
      var safe = ""
      for scalar in folded.unicodeScalars {
        let keep =
          scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || scalar == "-" || scalar == "_")
        let character = keep ? Character(scalar) : "_"
        if character == "_", safe.last == "_" { continue }
        safe.append(character)
      }
      safe = String(safe.trimmingCharacters(in: CharacterSet(charactersIn: "_-")).prefix(60))
      let prefix = numbers[tenant] ?? String(repeating: "0", count: max(0, 4 - number.count)) + number
      return safe.isEmpty ? prefix : "\(prefix)-\(safe)"
    }
  }
}

extension Cell {
  /// The amount a table or CSV shows for the cell at `precision`; 0 for an empty cell.
  func shown(precision: Int) -> Decimal { shownValue(precision: precision)?.decimal ?? 0 }
}
