import Foundation

/// A JSON value with ordered object members, so output is stable and reads like the contract.
public indirect enum JSONValue: Hashable, Sendable {
  case string(String)
  case integer(Int)
  /// An exact decimal, written as a JSON string (`"427.5"`) so no reader turns it into a float.
  case decimal(Decimal)
  case bool(Bool)
  case null
  case array([JSONValue])
  case object([Member])

  public struct Member: Hashable, Sendable {
    public let key: String
    public let value: JSONValue
    public init(_ key: String, _ value: JSONValue) {
      self.key = key
      self.value = value
    }
  }

  /// Builds an object from ordered pairs.
  public static func object(_ pairs: [(key: String, value: JSONValue)]) -> JSONValue {
    .object(pairs.map { Member($0.key, $0.value) })
  }

  /// Pretty-printed with two-space indentation and a trailing newline.
  public func rendered() -> String {
    var out = ""
    write(to: &out, indent: 0)
    return out + "\n"
  }

  private func write(to out: inout String, indent: Int) {
    let pad = String(repeating: "  ", count: indent + 1)
    let closingPad = String(repeating: "  ", count: indent)
    switch self {
    case .string(let text): out += JSONValue.quoted(text)
    case .integer(let value): out += String(value)
    case .decimal(let value): out += JSONValue.quoted(ExactDecimal.plain(value))
    case .bool(let value): out += value ? "true" : "false"
    case .null: out += "null"
    case .array(let items):
      guard !items.isEmpty else { out += "[]"; return }
      out += "[\n"
      for (index, item) in items.enumerated() {
        out += pad
        item.write(to: &out, indent: indent + 1)
        out += index + 1 < items.count ? ",\n" : "\n"
      }
      out += closingPad + "]"
    case .object(let members):
      guard !members.isEmpty else { out += "{}"; return }
      out += "{\n"
      for (index, member) in members.enumerated() {
        out += pad + JSONValue.quoted(member.key) + ": "
        member.value.write(to: &out, indent: indent + 1)
        out += index + 1 < members.count ? ",\n" : "\n"
      }
      out += closingPad + "}"
    }
  }

  /// A JSON string literal; names are carried as they are, escaped where JSON requires and for
  /// DEL and the C1 controls (`\u007f`, `\u009b`), which a terminal would act on.
  static func quoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where scalar.isControlCharacter:
        let hex = String(scalar.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }
}

extension Cell {
  /// The cell's JSON value: exact decimals as strings, counts as integers, unpriced as null.
  public var json: JSONValue {
    switch self {
    case .text(let text): .string(text)
    case .count(let value): .integer(value)
    case .quantity(let value): value.map { .decimal($0.displayDecimal) } ?? .null
    case .money(let money): money.map { .decimal($0.value.displayDecimal) } ?? .null
    case .percent(let value): value.map { .decimal($0.displayDecimal) } ?? .null
    case .rate(let value): value.map { .decimal($0) } ?? .null
    case .date(let date): date.map { .string($0.description) } ?? .null
    case .flag(let value): .bool(value)
    case .presented(let exact, _): exact.json
    case .bar(let fraction): .decimal(fraction.displayDecimal)
    }
  }
}

extension ReportTable {
  /// `{"report": name, header..., "rows": [...], "totals": {...}, trailer...}`.
  public func renderJSON() -> String {
    var members: [(key: String, value: JSONValue)] = [("report", .string(name))]
    members += header
    members.append(
      (
        "rows",
        .array(
          rows.map { row in
            .object(zip(columns, row).filter { !$0.0.tableOnly }.map { ($0.key, $1.json) })
          })
      ))
    if let totals {
      let money = zip(columns, totals).filter { column, cell in
        if case .text = cell { false } else { !column.tableOnly }
      }
      members.append(("totals", .object(money.map { ($0.key, $1.json) })))
    }
    members += trailer
    return JSONValue.object(members).rendered()
  }
}
