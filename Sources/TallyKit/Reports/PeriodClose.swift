import Foundation

/// A chargeback's policy as options: the shared costs, the allocation they make, the markup.
public struct ChargebackPolicyOptions: Sendable {
  public var sharedCosts: SharedCostsFile?
  public var allocation: ChargebackAllocationOptions
  public var markup: Exact?
}

extension ClosePolicy {
  /// The options the policy stands for: the stored shared-costs text parsed again.
  public func options() throws(SourceProblems) -> ChargebackPolicyOptions {
    let sharedCosts = try sharedCostsText.map { text throws(SourceProblems) in
      try SharedCostsFile.parse(text, file: sharedCostsFile ?? "shared costs")
    }
    let markup = markupPercent.flatMap { text in
      ExactDecimal.parse(text.hasSuffix("%") ? String(text.dropLast()) : text).map(Exact.init)
    }
    return ChargebackPolicyOptions(
      sharedCosts: sharedCosts,
      allocation: ChargebackAllocationOptions(
        unattributed: allocateUnattributed.flatMap(AllocationMethod.init(rawValue:)),
        sharedCosts: sharedCosts?.policies ?? []),
      markup: markup)
  }
}

/// What `tally close` asks for: the month, the prices to close it with, who closes it and when,
/// and the options.
public struct CloseRequest: Sendable {
  public var month: CivilDate
  /// The book reports price with (earlier closed months spliced in or not: they are earlier),
  /// and its tables as text, bundled ones marked.
  public var current: PriceBook
  public var tables: [(file: String, bundled: Bool, text: String)]
  public var by: String
  public var at: String
  public var note: String?
  /// Today (UTC): a month closes once it has ended.
  public var today: CivilDate
  public var allowUnpriced = false
  public var policy = ClosePolicy()

  public init(
    month: CivilDate, current: PriceBook, tables: [(file: String, bundled: Bool, text: String)], by: String,
    at: String, note: String? = nil, today: CivilDate, allowUnpriced: Bool = false,
    policy: ClosePolicy = ClosePolicy()
  ) {
    self.month = month
    self.current = current
    self.tables = tables
    self.by = by
    self.at = at
    self.note = note
    self.today = today
    self.allowUnpriced = allowUnpriced
    self.policy = policy
  }
}

/// One tenant's prior-period adjustment of a closed month: what the month costs now minus what
/// it cost when closed (and minus what earlier closes already posted).
public struct TenantAdjustment: Sendable, Equatable {
  /// The first day of the closed month it corrects.
  public var month: CivilDate
  public var tenant: String
  /// Usage ingested after the close, at the rates in force (current tables).
  public var lateUsage = Money.zero
  /// The closed usage priced by the current tables minus its closed cost.
  public var repricing = Money.zero
  /// Billed requests ingested after the close.
  public var lateRequests = 0
  /// Late requests that cannot be priced (left out of `lateUsage`).
  public var unpricedRequests = 0

  public var amount: Money { lateUsage + repricing }
  public var monthName: String { String(month.description.prefix(7)) }
}

/// A period-close problem found by checking the request against the ledger: exit 65.
public struct PeriodError: Error, Sendable, CustomStringConvertible {
  public let description: String
  public init(_ description: String) { self.description = description }
}

/// Period close: which months are closed, what their books say, and how later usage and price
/// changes become prior-period adjustments of the first open month.
///
/// A closed month's facts are frozen by the ledger (requests ingested later are kept out of
/// the rollups as late), and its prices by the tables stored at the close (`prices`), so every
/// report on it shows its figures as closed. What it would cost now, minus what it cost as
/// closed, minus what later closes already posted, is its pending adjustment; closing the
/// first open month posts it there.
public enum PeriodBooks {
  /// The statement (invoice) number of the `index`th tenant (by name) of a closed month:
  /// `TALLY-2026-10-0007`.
  public static func statementNumber(month: CivilDate, index: Int) -> String {
    let number = String(index)
    return
      "TALLY-\(month.description.prefix(7))-\(String(repeating: "0", count: max(0, 4 - number.count)))\(number)"
  }

  /// Parses `YYYY-MM` into the month's first day.
  public static func month(_ text: String) throws(ReportError) -> CivilDate {
    guard let from = try ReportWindow(month: text).from else { throw ReportError("bad month \(text)") }
    return from
  }

  static func name(_ month: CivilDate) -> String { String(month.description.prefix(7)) }

  /// The tables of a closed month, loaded.
  static func book(of month: CivilDate, ledger: Ledger) throws -> PriceBook {
    let tables = try ledger.closedPriceTables(month)
    do {
      return try PriceBook.load(tables: tables)
    } catch {
      throw PeriodError(
        "the price tables \(name(month)) was closed with no longer load: \(error.description)")
    }
  }

  /// The price book every report reads the ledger with: `current`, except that each closed
  /// month is priced by the tables it was closed with (a month closed with the same tables as
  /// `current` needs nothing).
  public static func prices(ledger: Ledger, current: PriceBook) throws -> PriceBook {
    let signatures = try ledger.closedPriceSignatures()
    let currentSignature = current.sources.map(\.signature)
    var months: [(month: CivilDate, book: PriceBook)] = []
    var books: [[String]: PriceBook] = [:]
    for period in try ledger.periods() where period.isClosed {
      let signature = signatures[period.month] ?? []
      guard signature != currentSignature else { continue }
      let book = try books[signature] ?? book(of: period.month, ledger: ledger)
      books[signature] = book
      months.append((period.month, book))
    }
    return current.splicing(months: months)
  }

  /// How the current tables differ from those a closed month was closed with, one phrase per
  /// table (`contract.csv was given then, not now`, `pricing/anthropic.csv has changed`): why
  /// the month would be repriced. Empty when they are the same.
  public static func tableChanges(of month: CivilDate, ledger: Ledger, current: PriceBook) throws -> [String]
  {
    let closed = (try ledger.closedPriceSignatures()[month] ?? []).map {
      $0.split(separator: "\u{1F}").map(String.init)
    }
    let now = current.sources.map { [$0.file, String($0.bundled), $0.hash] }
    guard closed != now else { return [] }
    var changes: [String] = []
    for table in closed where !now.contains(where: { $0[0] == table[0] }) {
      changes.append("\(table[0]) was given then, not now")
    }
    for table in now {
      guard let then = closed.first(where: { $0[0] == table[0] }) else {
        changes.append("\(table[0]) is given now, not then")
        continue
      }
      if then != table { changes.append("\(table[0]) has changed") }
    }
    return changes.isEmpty ? ["the tables are given in another order"] : changes
  }

  /// The month after the latest closed one: where pending adjustments go. Nil when no month
  /// is closed.
  public static func firstOpenMonth(_ periods: [ClosedPeriod]) -> CivilDate? {
    periods.filter(\.isClosed).map(\.month).max()?.startOfNextMonth
  }

  /// Every closed month's pending adjustment per tenant (nonzero ones), oldest month first,
  /// then by tenant name. `current` is the book the month would be priced with now.
  public static func pendingAdjustments(ledger: Ledger, current: PriceBook) throws -> [TenantAdjustment] {
    let periods = try ledger.periods().filter(\.isClosed)
    guard !periods.isEmpty else { return [] }
    let late = try ledger.lateRequestCounts()
    let posted = try ledger.postedAdjustments()
    let signatures = try ledger.closedPriceSignatures()
    var adjustments: [TenantAdjustment] = []
    for period in periods {
      let window = try ReportWindow(month: period.name)
      var tenants: [String: TenantAdjustment] = [:]
      func adjust(_ tenant: String, _ change: (inout TenantAdjustment) -> Void) {
        change(&tenants[tenant, default: TenantAdjustment(month: period.month, tenant: tenant)])
      }
      if signatures[period.month] != current.sources.map(\.signature) {
        let now = try SpendReport.build(ledger: ledger, prices: current, by: [.tenant], window: window)
        var closed: [String: Money] = [:]
        for figure in try ledger.closedFigures(period.month) {
          closed[figure.tenant] = (closed[figure.tenant] ?? .zero) + (figure.cost ?? .zero)
        }
        for row in now.rows {
          let tenant = now.value(.tenant, of: row)
          adjust(tenant) { $0.repricing = $0.repricing + (row.cost ?? .zero) - (closed[tenant] ?? .zero) }
        }
        for (tenant, cost) in closed where !now.rows.contains(where: { now.value(.tenant, of: $0) == tenant })
        {
          adjust(tenant) { $0.repricing = $0.repricing - cost }
        }
      }
      if late[period.month] != nil {
        let usage = try SpendReport.build(
          ledger: ledger, prices: current, by: [.tenant], window: window, facts: .lateOnly)
        for row in usage.rows {
          adjust(usage.value(.tenant, of: row)) {
            $0.lateUsage = $0.lateUsage + (row.cost ?? .zero)
            $0.lateRequests += row.requests
            $0.unpricedRequests += row.unpricedRequests
          }
        }
      }
      for posting in posted where posting.month == period.month {
        adjust(posting.tenant) {
          $0.lateUsage = $0.lateUsage - posting.lateUsage
          $0.repricing = $0.repricing - posting.repricing
          $0.lateRequests -= posting.lateRequests
        }
      }
      adjustments += tenants.values.filter {
        !$0.amount.isZero || !$0.lateUsage.isZero || $0.unpricedRequests > 0
      }
      .sorted { $0.tenant.utf8.lexicographicallyPrecedes($1.tenant.utf8) }
    }
    return adjustments
  }

  /// The chargeback policy of `window` when it is a closed month closed with one: what
  /// `report chargeback` (without allocation options) and `review` apply to it.
  public static func closedPolicy(for window: ReportWindow, ledger: Ledger) throws -> ClosePolicy? {
    guard window.wholeMonth != nil, let first = window.from,
      try ledger.periods().contains(where: { $0.month == first && $0.isClosed }),
      let policy = try ledger.closedPolicy(first), !policy.isEmpty
    else { return nil }
    return policy
  }

  /// The prior-period adjustments a chargeback of `window` carries: those posted to it when it
  /// is a closed month, the pending ones when it is the first open month, else none (and none
  /// for a window that is not one calendar month).
  public static func adjustments(for window: ReportWindow, ledger: Ledger, current: PriceBook) throws
    -> [TenantAdjustment]
  {
    guard let name = window.wholeMonth else { return [] }
    let month = try self.month(name)
    let periods = try ledger.periods()
    if periods.contains(where: { $0.month == month && $0.isClosed }) {
      return try ledger.postedAdjustments().filter { $0.postedTo == month }.map {
        TenantAdjustment(
          month: $0.month, tenant: $0.tenant, lateUsage: $0.lateUsage, repricing: $0.repricing,
          lateRequests: $0.lateRequests)
      }
    }
    guard firstOpenMonth(periods) == month else { return [] }
    return try pendingAdjustments(ledger: ledger, current: current)
  }

  /// Checks that `month` may be closed now and computes what closing it stores. `current` is
  /// the book reports price with (closed months already spliced in is fine: they are earlier),
  /// `tables` its tables as text. Throws `ReportError` for a month that cannot be closed as
  /// asked, `PeriodError` for one whose books are not ready (unpriced usage).
  public static func prepareClose(_ request: CloseRequest, ledger: Ledger) throws -> PeriodClose {
    let (month, current, today) = (request.month, request.current, request.today)
    let periods = try ledger.periods()
    let monthName = name(month)
    if let period = periods.first(where: { $0.month == month }), period.isClosed {
      throw ReportError(
        "\(monthName) is already closed (on \(period.closedAt) by \(period.closedBy)); to change it, reopen it first: tally reopen \(monthName) --reason TEXT"
      )
    }
    guard month.startOfNextMonth <= today else {
      throw ReportError(
        "\(monthName) has not ended (today is \(today), UTC): a month can be closed from its next month on")
    }
    if let latest = periods.filter(\.isClosed).map(\.month).max() {
      if month < latest {
        throw ReportError(
          "\(monthName) is before \(name(latest)), which is closed: months close in order (a correction to \(monthName) is a prior-period adjustment in \(name(latest.startOfNextMonth)))"
        )
      }
      if month != latest.startOfNextMonth {
        throw ReportError(
          "close \(name(latest.startOfNextMonth)) first: months close in order, and \(name(latest)) is the latest closed month"
        )
      }
    }
    let window = try ReportWindow(month: monthName)
    let books = try prices(ledger: ledger, current: current)
    let spend = try SpendReport.build(
      ledger: ledger, prices: books, by: [.tenant, .job, .model], window: window)
    let unpriced = spend.totals.unpricedRequests
    if unpriced > 0 && !request.allowUnpriced {
      throw PeriodError(
        "\(monthName) has \(unpriced) unpriced request\(unpriced == 1 ? "" : "s") (\(unpricedModelList(spend.unpricedModels))): add their rates with --pricing FILE, or close with --allow-unpriced to leave them out of the closed figures"
      )
    }
    let figures = spend.rows.map { row in
      ClosedFigure(
        tenant: spend.value(.tenant, of: row), job: spend.value(.job, of: row),
        model: spend.value(.model, of: row), requests: row.requests,
        cost: row.cost,
        listCost: row.listCost, unpricedRequests: row.unpricedRequests)
    }
    let postings = try pendingAdjustments(ledger: ledger, current: current).map {
      PostedAdjustment(
        month: $0.month, postedTo: month, tenant: $0.tenant, lateRequests: $0.lateRequests,
        lateUsage: $0.lateUsage, repricing: $0.repricing)
    }
    var close = PeriodClose(
      month: month, closedAt: request.at, closedBy: request.by, note: request.note, figures: figures,
      priceTables: request.tables, postings: postings)
    close.policy = request.policy
    return close
  }

  /// Closes a month (see `prepareClose`) in one transaction. A request ingested between the
  /// figures and the write would be in neither: the close is then computed again.
  public static func close(_ request: CloseRequest, ledger: Ledger) throws -> PeriodClose {
    struct Moved: Error {}
    for _ in 0..<5 {
      let before = try ledger.highWaterMark()
      let close = try prepareClose(request, ledger: ledger)
      do {
        try ledger.transaction { writer in
          guard try writer.highWaterMark() == before else { throw Moved() }
          try writer.close(close)
        }
        return close
      } catch is Moved {
        continue
      }
    }
    throw PeriodError("the ledger kept changing while \(name(request.month)) was being closed; try again")
  }

  /// Reopens the latest closed month, recording why.
  public static func reopen(month: CivilDate, ledger: Ledger, by: String, at: String, reason: String) throws {
    let periods = try ledger.periods()
    let monthName = name(month)
    guard periods.first(where: { $0.month == month })?.isClosed == true else {
      throw ReportError("\(monthName) is not closed")
    }
    let latest = periods.filter(\.isClosed).map(\.month).max()!
    guard latest == month else {
      throw ReportError(
        "only the latest closed month can be reopened: \(name(latest)) (reopen it first to reach \(monthName))"
      )
    }
    guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
      throw ReportError("--reason: say why \(monthName) is reopened; it is recorded with the month")
    }
    try ledger.transaction { writer in try writer.reopen(month, at: at, by: by, reason: reason) }
  }
}

/// `tally periods`: every month ever closed, with its latest close, what was ingested for it
/// since, and the prior-period adjustments pending.
public struct PeriodsReport: Sendable {
  public let periods: [ClosedPeriod]
  /// Billed requests ingested after the close, per closed month.
  public let lateRequests: [CivilDate: Int]
  public let posted: [PostedAdjustment]
  public let pending: [TenantAdjustment]
  /// Where pending adjustments go: the month after the latest closed one.
  public let firstOpenMonth: CivilDate?
  /// For each closed month with a pending repricing, how its tables differ from the current.
  public let tableChanges: [CivilDate: [String]]

  public static func build(ledger: Ledger, current: PriceBook) throws -> PeriodsReport {
    let periods = try ledger.periods()
    let pending = try PeriodBooks.pendingAdjustments(ledger: ledger, current: current)
    var changes: [CivilDate: [String]] = [:]
    for month in Set(pending.filter { !$0.repricing.isZero }.map(\.month)) {
      changes[month] = try PeriodBooks.tableChanges(of: month, ledger: ledger, current: current)
    }
    return PeriodsReport(
      periods: periods, lateRequests: try ledger.lateRequestCounts(), posted: try ledger.postedAdjustments(),
      pending: pending, firstOpenMonth: PeriodBooks.firstOpenMonth(periods), tableChanges: changes)
  }
}
