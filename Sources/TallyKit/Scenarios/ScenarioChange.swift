import Foundation

/// A usage attribute a `where` selector tests.
public enum SelectorKey: String, Sendable, CaseIterable, Hashable {
  case tenant, job, model, mode, workload
}

/// The `where` of a change: every condition must hold; a condition holds when the attribute is
/// one of its values. No conditions selects all usage.
public struct Selector: Hashable, Sendable, CustomStringConvertible {
  public struct Condition: Hashable, Sendable {
    public let key: SelectorKey
    public let values: [String]
  }

  public let conditions: [Condition]

  public init(_ conditions: [Condition] = []) { self.conditions = conditions }

  /// `job = "summarize", tenant in ["acme", "globex"]`, or `all usage`.
  public var description: String {
    guard !conditions.isEmpty else { return "all usage" }
    return conditions.map { condition in
      let quoted = condition.values.map { "\"\($0)\"" }
      return quoted.count == 1
        ? "\(condition.key.rawValue) = \(quoted[0])"
        : "\(condition.key.rawValue) in [\(quoted.joined(separator: ", "))]"
    }.joined(separator: ", ")
  }
}

/// What a change does to the usage it selects.
public enum ChangeKind: Hashable, Sendable {
  /// Moves `share` (0...1) of the selected sync traffic to batch rates.
  case moveToBatch(share: Exact)
  /// Serves the selected traffic with model `to`; `tokenRatio` multiplies every token category
  /// (a model whose tokenizer counts the same text differently).
  case switchModel(to: String, tokenRatio: Exact?)
  /// `hitRate` of the uncached input becomes cache reads and `writeShare` of it 5-minute cache
  /// writes, priced with the model's cache rates.
  case cache(hitRate: Exact, writeShare: Exact)
  /// Multiplies requests and tokens by `factor`.
  case scale(factor: Exact)

  /// The `kind` as written in the file.
  public var name: String {
    switch self {
    case .moveToBatch: "move-to-batch"
    case .switchModel: "switch-model"
    case .cache: "cache"
    case .scale: "scale"
    }
  }

  static let names = ["move-to-batch", "switch-model", "cache", "scale"]
}

/// One `[[change]]` of a scenario file.
public struct ScenarioChange: Hashable, Sendable, CustomStringConvertible {
  public let kind: ChangeKind
  public let selector: Selector
  /// 1 for the file's first `[[change]]`.
  public let number: Int
  /// The line of its `[[change]]` header.
  public let line: Int
  /// Lines of its keys, for errors that point at one (`to`, `where`).
  let keyLines: [String: Int]

  func line(of key: String) -> Int { keyLines[key] ?? line }

  /// `change 2 (switch-model)`: how errors and warnings name it.
  public var label: String { "change \(number) (\(kind.name))" }

  /// One line for headings: `move 50% of the sync traffic to batch where job = "summarize"`.
  public var description: String {
    let what =
      switch kind {
      case .moveToBatch(let share): "move \(percent(share)) of the sync traffic to batch"
      case .switchModel(let to, let ratio):
        "switch to \(to)" + (ratio.map { " with \($0)x the tokens" } ?? "")
      case .cache(let hitRate, let writeShare):
        "read \(percent(hitRate)) of uncached input from cache"
          + (writeShare.isZero ? "" : ", write \(percent(writeShare)) to it")
      case .scale(let factor): "scale by \(factor)x"
      }
    return selector.conditions.isEmpty ? what : "\(what) where \(selector)"
  }

  private func percent(_ fraction: Exact) -> String { (fraction * 100).brief + "%" }
}

extension Exact {
  /// For messages: exact when it terminates, else to two decimals (`33.33` for a third of 100).
  var brief: String { terminates ? description : ExactDecimal.fixed(decimal, scale: 2) }
}

extension ScenarioFileReader {
  /// A `[[change]]` table: `kind`, an optional `where`, and the kind's own keys, each checked.
  func change(_ table: TOMLTable, position: Int) throws(SourceProblem) -> ScenarioChange {
    let numbered = "change \(position): "
    let kindName = try required(
      try string(table, "kind", context: numbered), table, "kind", context: numbered)
    let context = "change \(position) (\(kindName)): "
    func fraction(_ key: String) throws(SourceProblem) -> Exact? {
      guard let value = try number(table, key, context: context) else { return nil }
      guard value >= 0, value <= 1 else {
        throw fail(
          table.line(of: key) ?? table.line,
          "\(context)\(key): \(ExactDecimal.plain(value)) is outside 0...1; write a fraction such as 0.65 for 65%"
        )
      }
      return Exact(value)
    }
    func positive(_ key: String, allowZero: Bool) throws(SourceProblem) -> Exact? {
      guard let value = try number(table, key, context: context) else { return nil }
      guard allowZero ? value >= 0 : value > 0 else {
        throw fail(
          table.line(of: key) ?? table.line,
          "\(context)\(key): \(ExactDecimal.plain(value)) must be \(allowZero ? "zero or more" : "above zero")"
        )
      }
      return Exact(value)
    }

    func allow(_ own: String...) throws(SourceProblem) {
      try checkKeys(table, allowed: ["kind", "where"] + own, context: context)
    }
    let kind: ChangeKind
    switch kindName {
    case "move-to-batch":
      try allow("share")
      kind = .moveToBatch(share: try fraction("share") ?? 1)
    case "switch-model":
      try allow("to", "token_ratio")
      let to = try required(try string(table, "to", context: context), table, "to", context: context)
      kind = .switchModel(to: to, tokenRatio: try positive("token_ratio", allowZero: false))
    case "cache":
      try allow("hit_rate", "write_share")
      let hitRate = try required(try fraction("hit_rate"), table, "hit_rate", context: context)
      let writeShare = try fraction("write_share") ?? 0
      guard hitRate + writeShare <= 1 else {
        throw fail(
          table.line(of: "write_share") ?? table.line,
          "\(context)hit_rate + write_share is \(hitRate + writeShare), more than all of the uncached input (1)"
        )
      }
      kind = .cache(hitRate: hitRate, writeShare: writeShare)
    case "scale":
      try allow("factor")
      kind = .scale(
        factor: try required(try positive("factor", allowZero: true), table, "factor", context: context))
    default:
      throw fail(
        table.line(of: "kind") ?? table.line,
        "\(numbered)kind: \"\(kindName)\" is not a change; expected one of \(ChangeKind.names.joined(separator: ", "))"
      )
    }
    var keyLines: [String: Int] = [:]
    for key in table.keys { keyLines[key] = table.line(of: key) }
    return ScenarioChange(
      kind: kind, selector: try selector(table, context: context), number: position, line: table.line,
      keyLines: keyLines)
  }

  /// `where = { job = "summarize", tenant = ["acme", "globex"] }`.
  func selector(_ table: TOMLTable, context: String) throws(SourceProblem) -> Selector {
    guard let value = table["where"] else { return Selector() }
    let line = table.line(of: "where") ?? table.line
    guard case .table(let conditions) = value else {
      throw fail(line, "\(context)where: expected a table such as { job = \"summarize\" }")
    }
    var result: [Selector.Condition] = []
    for entry in conditions.entries {
      guard let key = SelectorKey(rawValue: entry.key) else {
        throw fail(
          entry.line,
          "\(context)where: unknown key \"\(entry.key)\"; expected one of \(SelectorKey.allCases.map(\.rawValue).joined(separator: ", "))"
        )
      }
      var values: [String]
      switch entry.value {
      case .string(let text): values = [text]
      case .array(let items):
        values = []
        for item in items {
          guard case .string(let text) = item else {
            throw fail(entry.line, "\(context)where.\(entry.key): expected quoted strings")
          }
          values.append(text)
        }
        guard !values.isEmpty else {
          throw fail(entry.line, "\(context)where.\(entry.key): the list is empty")
        }
      default:
        throw fail(entry.line, "\(context)where.\(entry.key): expected a quoted string or a list of them")
      }
      if key == .mode, let bad = values.first(where: { Mode(rawValue: $0) == nil }) {
        throw fail(entry.line, "\(context)where.mode: \"\(bad)\" is not a mode; expected sync or batch")
      }
      result.append(Selector.Condition(key: key, values: values))
    }
    return Selector(result)
  }
}
