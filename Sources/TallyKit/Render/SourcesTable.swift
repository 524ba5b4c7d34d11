import Foundation

extension LedgerSource {
  /// The options as `key=value` pairs in key order (`batch=msgbatch_X.json id_pattern=...`).
  public var optionsDescription: String {
    options.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
  }

  /// `ingested`, or `removed <time>`.
  public var status: String { removedAt.map { "removed \($0)" } ?? "ingested" }
}

/// `tally ledger sources`: one row per ingested file, with a totals row of the counts.
public func sourcesTable(_ sources: [LedgerSource]) -> ReportTable {
  let columns = [
    Column("id", title: "Id"),
    Column("path", title: "Path"),
    Column("format", title: "Format", dropPriority: 2),
    Column("ingested_at", title: "Ingested", dropPriority: 3),
    Column("batch", title: "Batch", dropPriority: 4),
    Column("options", title: "Options", dropPriority: 5),
    Column("read", title: "Read"),
    Column("new", title: "New"),
    Column("duplicates", title: "Duplicates", dropPriority: 1),
    Column("not_billed", title: "Not billed", dropPriority: 1),
    Column("invalid", title: "Invalid", dropPriority: 1),
    Column("status", title: "Status"),
  ]
  let rows: [[Cell]] = sources.map { source in
    [
      .count(Int(source.id)), .text(source.path), .text(source.format), .text(source.ingestedAt),
      .text(source.batchID ?? ""), .text(source.optionsDescription), .count(source.read), .count(source.new),
      .count(source.duplicates), .count(source.notBilled), .count(source.invalid), .text(source.status),
    ]
  }
  func total(_ value: (LedgerSource) -> Int) -> Cell { .count(sources.reduce(0) { $0 + value($1) }) }
  let totals: [Cell] = [
    .text("Total"), .text(""), .text(""), .text(""), .text(""), .text(""), total(\.read), total(\.new),
    total(\.duplicates), total(\.notBilled), total(\.invalid), .text(""),
  ]
  return ReportTable(name: "sources", columns: columns, rows: rows, totals: totals)
}
