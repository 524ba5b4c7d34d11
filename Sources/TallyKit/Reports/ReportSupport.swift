import Foundation

/// A report dimension (`--by`, `--where`).
public enum ReportDimension: String, Sendable, CaseIterable {
  case tenant, job, provider, model, mode, day, week, month, context, batch

  /// The ledger column holding this dimension's values; nil for time and context, which the
  /// ledger does not store as columns.
  var rollupColumn: RollupColumn? {
    switch self {
    case .tenant: .tenant
    case .job: .job
    case .provider: .provider
    case .model: .model
    case .mode: .mode
    case .batch: .batchID
    case .day, .week, .month, .context: nil
    }
  }

  /// The column a query groups by for this dimension, if it must ask (every aggregate is
  /// grouped by model and mode already).
  var groupColumn: RollupColumn? { self == .model || self == .mode ? nil : rollupColumn }

  /// Parses `--by tenant,month`.
  public static func list(_ text: String) throws(ReportError) -> [ReportDimension] { try dimensionList(text) }
}

/// Parses a comma-separated list of dimensions, each once.
func dimensionList<Dimension: RawRepresentable<String> & CaseIterable & Equatable>(_ text: String)
  throws(ReportError) -> [Dimension]
{
  var dimensions: [Dimension] = []
  for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
    guard let dimension = Dimension(rawValue: part) else {
      throw ReportError(
        "unknown dimension \"\(part)\"; expected one of \(Dimension.allCases.map(\.rawValue).joined(separator: ", "))"
      )
    }
    guard !dimensions.contains(dimension) else { throw ReportError("dimension \"\(part)\" is given twice") }
    dimensions.append(dimension)
  }
  guard !dimensions.isEmpty else { throw ReportError("no dimension given") }
  return dimensions
}

/// A report that cannot be made as asked (a usage error).
public struct ReportError: Error, Sendable, CustomStringConvertible {
  public let description: String
  public init(_ description: String) { self.description = description }
}

/// The label of usage with no tenant, job or batch.
public let unattributed = "(unattributed)"

/// `model (N requests), …` in name order, for warnings about unpriced usage.
func unpricedModelList(_ unpricedModels: [String: Int]) -> String {
  unpricedModels.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value) requests)" }.joined(separator: ", ")
}

/// The stderr warning of every report with unpriced usage: which models, and that totals exclude them.
func unpricedWarnings(_ unpricedModels: [String: Int]) -> [String] {
  guard !unpricedModels.isEmpty else { return [] }
  return [
    "unpriced usage, excluded from every cost and from the totals: \(unpricedModelList(unpricedModels)); add their rates with --pricing FILE"
  ]
}

/// The line under a table whose totals leave unpriced requests out.
public func unpricedNote(_ unpricedRequests: Int) -> [String] {
  unpricedRequests == 0
    ? []
    : [
      "Totals exclude the cost of \(unpricedRequests) unpriced request\(unpricedRequests == 1 ? "" : "s").\n"
    ]
}

/// Largest cost first, unknown costs last, ties by name: the order of every per-entity report.
func sortedByCost<Row>(_ rows: [Row], cost: (Row) -> Money?, name: (Row) -> String) -> [Row] {
  rows.sorted { left, right in
    switch (cost(left), cost(right)) {
    case (let l?, let r?) where l != r: l > r
    case (.some, nil): true
    case (nil, .some): false
    default: name(left) < name(right)
    }
  }
}
