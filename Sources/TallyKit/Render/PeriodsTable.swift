import Foundation

extension PeriodsReport {
  /// One row per month ever closed: its status, latest close, closed figures, late usage and
  /// adjustments (posted to later closes, and pending).
  public var table: ReportTable {
    let columns = [
      Column("month", title: "Month"), Column("status", title: "Status"),
      Column("closed_at", title: "Closed at", dropPriority: 2),
      Column("closed_by", title: "By", dropPriority: 2),
      Column("requests", title: "Requests"), Column("cost_usd", title: "Cost as closed"),
      Column("late_requests", title: "Late requests"),
      Column("posted_adjustment_usd", title: "Posted adj.", dropPriority: 1),
      Column("pending_adjustment_usd", title: "Pending adj."),
      Column("note", title: "Note", dropPriority: 3),
    ]
    let rows = periods.map { period -> [Cell] in
      let posted = self.posted.filter { $0.month == period.month }.map { $0.lateUsage + $0.repricing }.sum()
      let pending = self.pending.filter { $0.month == period.month }.map(\.amount).sum()
      return [
        .text(period.name), .text(period.status), .text(period.closedAt), .text(period.closedBy),
        .count(period.requests), .money(period.cost), .count(lateRequests[period.month] ?? 0), .money(posted),
        .money(period.isClosed ? pending : nil), .text(period.note ?? ""),
      ]
    }
    var header: [(key: String, value: JSONValue)] = [
      ("first_open_month", firstOpenMonth.map { .string(String($0.description.prefix(7))) } ?? .null)
    ]
    header.append(("pending_adjustment_usd", .decimal(pending.map(\.amount).sum().amount)))
    return ReportTable(
      name: "periods", columns: columns, rows: rows, header: header,
      trailer: [
        (
          "adjustments",
          .array(
            adjustmentsTable.rows.map { row in
              .object(zip(adjustmentsTable.columns, row).map { ($0.key, $1.json) })
            })
        )
      ])
  }

  /// The pending adjustments, one row per closed month and tenant (`tally periods --adjustments`).
  public var adjustmentsTable: ReportTable {
    let goesTo = firstOpenMonth.map { String($0.description.prefix(7)) } ?? ""
    let columns = [
      Column("month", title: "Closed month"), Column("tenant", title: "Tenant"),
      Column("late_requests", title: "Late requests"),
      Column("late_usage_usd", title: "Late usage", rounding: .allocated),
      Column("repricing_usd", title: "Repricing", rounding: .allocated),
      Column("adjustment_usd", title: "Adjustment", rounding: .sum("late_usage_usd", plus: "repricing_usd")),
      Column("unpriced_requests", title: "Unpriced"), Column("posted_to", title: "Goes to"),
    ]
    let rows = pending.map { adjustment -> [Cell] in
      [
        .text(adjustment.monthName), .text(adjustment.tenant), .count(adjustment.lateRequests),
        .money(adjustment.lateUsage), .money(adjustment.repricing), .money(adjustment.amount),
        .count(adjustment.unpricedRequests), .text(goesTo),
      ]
    }
    let totals: [Cell] = [
      .text("Total"), .text(""), .count(pending.map(\.lateRequests).reduce(0, +)),
      .money(pending.map(\.lateUsage).sum()), .money(pending.map(\.repricing).sum()),
      .money(pending.map(\.amount).sum()), .count(pending.map(\.unpricedRequests).reduce(0, +)), .text(""),
    ]
    return ReportTable(name: "adjustments", columns: columns, rows: rows, totals: totals)
  }

  /// Under the table: where pending adjustments go, or that none are pending.
  public var notes: [String] {
    guard let firstOpenMonth else { return ["No month is closed: close one with tally close YYYY-MM.\n"] }
    let month = String(firstOpenMonth.description.prefix(7))
    guard !pending.isEmpty else { return ["No prior-period adjustment is pending.\n"] }
    return [
      "Pending prior-period adjustments go to \(month) (its chargeback shows them; closing \(month) posts them); per tenant: tally periods --adjustments.\n"
    ]
      + tableChanges.sorted { $0.key < $1.key }.map { closed, changes in
        "\(String(closed.description.prefix(7))) is repriced because its price tables differ now: \(changes.joined(separator: "; ")).\n"
      }
  }
}
