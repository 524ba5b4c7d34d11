import Foundation

/// A TOML value; numbers with a fraction or exponent are kept as exact decimals.
public indirect enum TOMLValue: Sendable, Equatable {
  case string(String)
  case integer(Int)
  case decimal(Decimal)
  case boolean(Bool)
  case array([TOMLValue])
  case table(TOMLTable)
}

/// A TOML table whose entries keep their file order and line numbers.
public struct TOMLTable: Sendable, Equatable {
  /// One key of a table, its value and the 1-based line that defined it.
  public struct Entry: Sendable, Equatable {
    public let key: String
    public var value: TOMLValue
    public let line: Int
  }

  /// The entries in file order.
  public internal(set) var entries: [Entry]
  /// The 1-based line of the `[header]`, `[[header]]` or inline table; 1 for the root.
  public let line: Int

  /// The value stored under `key`, if any.
  public subscript(key: String) -> TOMLValue? { entries.first { $0.key == key }?.value }

  /// The 1-based line that defined `key`, if present.
  public func line(of key: String) -> Int? { entries.first { $0.key == key }?.line }

  /// The keys in file order.
  public var keys: [String] { entries.map(\.key) }
}

/// A parse failure with the 1-based line it occurred on.
public struct TOMLError: Error, Equatable, CustomStringConvertible {
  public let line: Int
  public let message: String
  public var description: String { "line \(line): \(message)" }
}

/// A strict TOML parser that keeps numbers exact.
public enum TOML {
  /// Parses a whole document into its root table.
  public static func parse(_ text: String) throws(TOMLError) -> TOMLTable {
    var parser = Parser(bytes: Array(text.utf8))
    return try parser.parseDocument()
  }
}

// MARK: - Table tree under construction

/// A mutable table used while parsing; it remembers how it came to exist.
private final class Node {
  /// How a table was created, which decides whether it may be reopened.
  enum Origin { case implicit, header, dotted }

  /// What a key holds while parsing.
  enum Item {
    case value(TOMLValue)
    case table(Node)
    case tables([Node])
  }

  var origin: Origin
  var line: Int
  private var order: [String] = []
  private var slots: [String: (item: Item, line: Int)] = [:]

  init(_ origin: Origin, line: Int) {
    self.origin = origin
    self.line = line
  }

  subscript(key: String) -> (item: Item, line: Int)? { slots[key] }

  /// Stores `item` under `key`, keeping the key's original position.
  func set(_ key: String, _ item: Item, line: Int) {
    if slots[key] == nil { order.append(key) }
    slots[key] = (item, line)
  }

  /// Converts the tree into public values.
  func build() -> TOMLTable {
    let entries = order.compactMap { key -> TOMLTable.Entry? in
      guard let slot = slots[key] else { return nil }
      let value: TOMLValue
      switch slot.item {
      case .value(let plain): value = plain
      case .table(let node): value = .table(node.build())
      case .tables(let nodes): value = .array(nodes.map { .table($0.build()) })
      }
      return TOMLTable.Entry(key: key, value: value, line: slot.line)
    }
    return TOMLTable(entries: entries, line: line)
  }
}

// MARK: - Parser

/// A single-pass recursive-descent parser over the document's UTF-8 bytes.
private struct Parser {
  private let bytes: [UInt8]
  private var pos = 0
  private var line = 1
  private var depth = 0
  private static let valueHint = "expected a value (string, number, true/false, array or inline table)"

  init(bytes: [UInt8]) {
    self.bytes = bytes
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { pos = 3 }
  }

  /// Parses every statement and returns the root table.
  mutating func parseDocument() throws(TOMLError) -> TOMLTable {
    let root = Node(.header, line: 1)
    var current = root
    while pos < bytes.count {
      skipBlanks()
      if try consumeNewline() { continue }
      if peek() == .hash {
        try skipComment()
      } else if peek() == .lbracket {
        current = try parseHeader(root: root)
        try expectLineEnd(after: "the table header")
      } else if peek() != nil {
        try parseKeyValue(into: current)
        try expectLineEnd(after: "the value")
      }
    }
    return root.build()
  }

  // MARK: Scanning

  private func peek(_ offset: Int = 0) -> UInt8? {
    pos + offset < bytes.count ? bytes[pos + offset] : nil
  }

  private func fail(_ message: String, line: Int? = nil) -> TOMLError {
    TOMLError(line: line ?? self.line, message: message)
  }

  /// Skips spaces and tabs.
  private mutating func skipBlanks() {
    while let c = peek(), c == .space || c == .tab { pos += 1 }
  }

  /// Consumes an LF or CRLF line ending if one is next; a lone CR is an error.
  private mutating func consumeNewline() throws(TOMLError) -> Bool {
    if peek() == .cr && peek(1) != .lf { throw fail("expected a line feed after a carriage return") }
    guard let c = peek(), c == .lf || c == .cr else { return false }
    pos += c == .cr ? 2 : 1
    line += 1
    return true
  }

  /// Skips a `#` comment up to, not including, the line ending.
  private mutating func skipComment() throws(TOMLError) {
    guard peek() == .hash else { return }
    while let c = peek(), c != .lf, c != .cr {
      if c.isControl && c != .tab { throw fail("control characters are not allowed in comments") }
      pos += 1
    }
  }

  /// Skips blanks, comments and newlines, as allowed between array elements.
  private mutating func skipTrivia() throws(TOMLError) {
    repeat {
      skipBlanks()
      try skipComment()
    } while try consumeNewline()
  }

  /// Requires only blanks and an optional comment before the end of the line.
  private mutating func expectLineEnd(after what: String) throws(TOMLError) {
    skipBlanks()
    try skipComment()
    if pos >= bytes.count { return }
    if try consumeNewline() { return }
    throw fail("expected end of line after \(what), found \(snippet())")
  }

  /// Describes the text at the cursor for error messages: one word, or the line or file end.
  private func snippet() -> String {
    guard let first = peek() else { return "end of file" }
    if first == .lf || first == .cr { return "end of line" }
    let stops: [UInt8] = [.space, .tab, .comma, .rbracket, .rbrace, .hash, .lf, .cr]
    var end = pos + 1
    while !stops.contains(first), end < bytes.count, !stops.contains(bytes[end]),
      end - pos < 20 || bytes[end] & 0xC0 == 0x80
    {
      end += 1
    }
    return "`\(String(decoding: bytes[pos..<end], as: UTF8.self))`"
  }

  // MARK: Statements and tables

  /// Parses a `[table]` or `[[array]]` header and returns the table it opens.
  private mutating func parseHeader(root: Node) throws(TOMLError) -> Node {
    let headerLine = line
    let isArray = peek(1) == .lbracket
    pos += isArray ? 2 : 1
    skipBlanks()
    let path = try parseKey()
    guard peek() == .rbracket, !isArray || peek(1) == .rbracket else {
      throw fail("expected `\(isArray ? "]]" : "]")` to close the table header, found \(snippet())")
    }
    pos += isArray ? 2 : 1
    let parent = try walk(path, from: root, line: headerLine, header: true)
    guard let last = path.last else { throw fail("expected a key") }
    let name = "[\(Self.display(path))]"
    let fresh = Node(.header, line: headerLine)
    switch (parent[last], isArray) {
    case (nil, _):
      parent.set(last, isArray ? .tables([fresh]) : .table(fresh), line: headerLine)
      return fresh
    case ((.table(let table), _)?, false) where table.origin == .implicit:
      table.origin = .header
      table.line = headerLine
      parent.set(last, .table(table), line: headerLine)
      return table
    case ((.table(let table), _)?, _):
      let how = table.origin == .dotted ? "by dotted keys " : ""
      throw fail("table \(name) is already defined \(how)on line \(table.line)")
    case ((.tables(let tables), let arrayLine)?, true):
      parent.set(last, .tables(tables + [fresh]), line: arrayLine)
      return fresh
    case ((.tables, let arrayLine)?, false):
      throw fail("\(name) is already an array of tables (line \(arrayLine)); use [\(name)] to add to it")
    case ((.value(.array), let valueLine)?, true):
      throw fail("cannot append to array \"\(Self.display(path))\" defined with `=` on line \(valueLine)")
    case ((.value(let value), let valueLine)?, _):
      throw fail(Self.valueConflict("\"\(Self.display(path))\"", value, valueLine))
    }
  }

  /// Parses `key = value` and stores it in `table`, refusing duplicates.
  private mutating func parseKeyValue(into table: Node) throws(TOMLError) {
    let keyLine = line
    let path = try parseKey()
    guard peek() == .equals else {
      throw fail("expected `=` after key \"\(Self.display(path))\", found \(snippet())")
    }
    pos += 1
    skipBlanks()
    let value = try parseValue()
    let parent = try walk(path, from: table, line: keyLine, header: false)
    guard let last = path.last, parent[last] == nil else {
      throw fail("duplicate key \"\(Self.display(path))\"", line: keyLine)
    }
    parent.set(last, .value(value), line: keyLine)
  }

  /// Walks to the table that holds a key path's last part, creating missing tables on the way.
  /// Headers may pass through any table; dotted keys only through tables that dotted keys created.
  private func walk(_ path: [String], from start: Node, line: Int, header: Bool) throws(TOMLError) -> Node {
    var node = start
    for index in path.indices.dropLast() {
      let name = "\"\(Self.display(path[...index]))\""
      switch node[path[index]] {
      case nil:
        let child = Node(header ? .implicit : .dotted, line: line)
        node.set(path[index], .table(child), line: line)
        node = child
      case (.table(let child), _)? where header || child.origin == .dotted:
        node = child
      case (.table(let child), _)?:
        let reason = "was opened by a [header] on line \(child.line); dotted keys cannot extend it"
        throw fail("table \(name) \(reason)", line: line)
      case (.tables(let elements), let arrayLine)?:
        guard header, let element = elements.last else {
          throw fail(
            "\(name) is an array of tables (line \(arrayLine)); dotted keys cannot extend it", line: line)
        }
        node = element
      case (.value(let value), let valueLine)?:
        throw fail(Self.valueConflict(name, value, valueLine), line: line)
      }
    }
    return node
  }

  /// Explains why a key that already holds a value cannot be used as a table.
  private static func valueConflict(_ name: String, _ value: TOMLValue, _ line: Int) -> String {
    if case .table = value { return "inline table \(name) (line \(line)) cannot be extended" }
    return "key \(name) already has a value on line \(line), so it cannot also be a table"
  }

  /// Renders a key path for messages, quoting parts that are not bare keys.
  private static func display(_ path: some Collection<String>) -> String {
    path.map { part in
      if !part.isEmpty && part.utf8.allSatisfy(\.isBareKey) { return part }
      if !part.contains("'") { return "'\(part)'" }
      return "\"\(part.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\\\""))\""
    }.joined(separator: ".")
  }

  // MARK: Keys

  /// Parses a bare, quoted or dotted key into its parts, and the blanks after it.
  private mutating func parseKey() throws(TOMLError) -> [String] {
    var parts: [String] = []
    while true {
      skipBlanks()
      if let c = peek(), c == .quote || c == .apostrophe {
        if peek(1) == c && peek(2) == c { throw fail("multi-line strings cannot be used as keys") }
        parts.append(try parseString())
      } else {
        let start = pos
        while let c = peek(), c.isBareKey { pos += 1 }
        guard pos > start else { throw fail("expected a key, found \(snippet())") }
        parts.append(String(decoding: bytes[start..<pos], as: UTF8.self))
      }
      skipBlanks()
      guard peek() == .dot else { return parts }
      pos += 1
    }
  }

  // MARK: Values

  /// Parses any value at the cursor.
  private mutating func parseValue() throws(TOMLError) -> TOMLValue {
    switch peek() {
    case nil, .lf, .cr, .hash: throw fail("missing value: expected a value after `=`")
    case .quote, .apostrophe: return .string(try parseString())
    case .lbracket: return try parseArray()
    case .lbrace: return try parseInlineTable()
    default: return try parseBareValue()
    }
  }

  /// Parses `[ v, v, ... ]`, which may span lines and hold comments.
  private mutating func parseArray() throws(TOMLError) -> TOMLValue {
    let startLine = line
    try enterNesting()
    defer { depth -= 1 }
    pos += 1
    var items: [TOMLValue] = []
    try skipTrivia()
    while peek() != .rbracket {
      guard peek() != nil else { throw fail("unterminated array: expected `]`", line: startLine) }
      items.append(try parseValue())
      try skipTrivia()
      if peek() == .comma {
        pos += 1
        try skipTrivia()
      } else if peek() != .rbracket && peek() != nil {
        throw fail("expected `,` or `]` in array, found \(snippet())")
      }
    }
    pos += 1
    return .array(items)
  }

  /// Parses `{ k = v, ... }` on a single line.
  private mutating func parseInlineTable() throws(TOMLError) -> TOMLValue {
    let table = Node(.dotted, line: line)
    try enterNesting()
    defer { depth -= 1 }
    pos += 1
    skipBlanks()
    while peek() != .rbrace {
      try parseKeyValue(into: table)
      skipBlanks()
      if peek() == .rbrace { break }
      guard peek() == .comma else {
        throw fail("expected `,` or `}` in inline table (which must fit on one line), found \(snippet())")
      }
      pos += 1
      skipBlanks()
      if peek() == .rbrace { throw fail("trailing comma is not allowed in an inline table") }
    }
    pos += 1
    return .table(table.build())
  }

  /// Guards against pathological nesting of arrays and inline tables.
  private mutating func enterNesting() throws(TOMLError) {
    depth += 1
    if depth > 100 { throw fail("arrays and inline tables are nested too deeply") }
  }

  /// Parses a basic, literal or multi-line string starting at its opening quote.
  private mutating func parseString() throws(TOMLError) -> String {
    let startLine = line
    let delimiter = bytes[pos]
    let literal = delimiter == .apostrophe
    let multiline = peek(1) == delimiter && peek(2) == delimiter
    let closer = String(repeating: literal ? "'" : "\"", count: multiline ? 3 : 1)
    let end = multiline ? "file" : "line"
    let unterminated = fail(
      "unterminated string: expected a closing `\(closer)` before the end of the \(end)", line: startLine)
    pos += multiline ? 3 : 1
    if multiline { _ = try consumeNewline() }
    var out: [UInt8] = []
    while true {
      guard let c = peek() else { throw unterminated }
      if c == delimiter {
        var run = 1
        while multiline && peek(run) == delimiter { run += 1 }
        pos += run
        if !multiline { break }
        if run > 5 { throw fail("too many quotes in a row; escape them or split the string") }
        out += repeatElement(delimiter, count: run >= 3 ? run - 3 : run)
        if run >= 3 { break }
      } else if c == .lf || c == .cr {
        guard multiline else { throw unterminated }
        _ = try consumeNewline()
        out.append(.lf)
      } else if c == .backslash && !literal {
        try parseEscape(into: &out, multiline: multiline)
      } else if c.isControl && c != .tab {
        throw fail("control characters are not allowed in strings; use an escape sequence")
      } else {
        out.append(c)
        pos += 1
      }
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// Decodes one backslash escape into `out`.
  private mutating func parseEscape(into out: inout [UInt8], multiline: Bool) throws(TOMLError) {
    pos += 1
    guard let c = peek() else { return }
    let simple: [UInt8: UInt8] = [
      .b: 0x08, .t: 0x09, .n: 0x0A, .f: 0x0C, .r: 0x0D, .quote: .quote, .backslash: .backslash,
    ]
    if let byte = simple[c] {
      out.append(byte)
      pos += 1
    } else if c == .u || c == .upperU {
      let count = c == .u ? 4 : 8
      let start = pos
      pos += 1
      var code: UInt32 = 0
      while pos - start <= count, let digit = peek().flatMap(\.hexValue) {
        code = code << 4 | UInt32(digit)
        pos += 1
      }
      let text = "`\\\(String(decoding: bytes[start..<pos], as: UTF8.self))`"
      guard pos - start > count else {
        throw fail("invalid escape sequence \(text): expected \(count) hex digits")
      }
      guard let scalar = Unicode.Scalar(code) else {
        throw fail("invalid escape sequence \(text): not a Unicode scalar value")
      }
      out += Array(String(Character(scalar)).utf8)
    } else if multiline && (c == .space || c == .tab || c == .lf || c == .cr) {
      skipBlanks()
      guard try consumeNewline() else {
        throw fail("invalid escape sequence: `\\` followed by spaces must end the line")
      }
      repeat { skipBlanks() } while try consumeNewline()
    } else if c == .lf || c == .cr {
      throw fail("invalid escape sequence `\\` at the end of a single-line string")
    } else {
      var end = pos + 1
      while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
      throw fail("invalid escape sequence `\\\(String(decoding: bytes[pos..<end], as: UTF8.self))`")
    }
  }

  /// Parses a boolean or number, rejecting dates, times and other bare words.
  private mutating func parseBareValue() throws(TOMLError) -> TOMLValue {
    let start = pos
    while let c = peek(), c.isBareValue { pos += 1 }
    let token = Array(bytes[start..<pos])
    let text = String(decoding: token, as: UTF8.self)
    guard let first = token.first else { throw fail("\(Self.valueHint), found \(snippet())") }
    switch text {
    case "true": return .boolean(true)
    case "false": return .boolean(false)
    case "inf", "+inf", "-inf", "nan", "+nan", "-nan": throw fail("not a finite number: use a decimal")
    default: break
    }
    let datePrefix = token.count >= 5 && token[0..<4].allSatisfy(\.isDigit) && token[4] == .minus
    if datePrefix || token.contains(.colon) {
      throw fail("dates and times are not supported here; write them as a quoted string")
    }
    guard first.isDigit || first == .plus || first == .minus || first == .dot else {
      throw fail("\(Self.valueHint), found `\(text)`")
    }
    var number = NumberScanner(token: token, text: text, line: line)
    return try number.scan()
  }
}

// MARK: - Numbers

/// Turns a bare number token into an `Int` or an exact `Decimal`.
private struct NumberScanner {
  let token: [UInt8]
  let text: String
  let line: Int
  var i = 0

  private func invalid(_ reason: String) -> TOMLError {
    TOMLError(line: line, message: "invalid number `\(text)`: \(reason)")
  }

  private func next(_ candidates: UInt8...) -> Bool { i < token.count && candidates.contains(token[i]) }

  /// Scans the whole token: prefixed integer, decimal integer, or fraction and/or exponent.
  mutating func scan() throws(TOMLError) -> TOMLValue {
    let negative = next(.minus)
    if next(.minus, .plus) { i += 1 }
    if next(.zero), i + 1 < token.count, let radix = [UInt8.x: 16, .o: 8, .b: 2][token[i + 1]] {
      guard i == 0 else { throw invalid("a sign is not allowed before 0x, 0o or 0b") }
      i += 2
      let digits = try digits(radix: radix)
      guard !digits.isEmpty, i == token.count else {
        throw invalid("expected base-\(radix) digits after the prefix")
      }
      return .integer(try integer(digits, radix: radix, negative: false))
    }
    let whole = try digits(radix: 10)
    if whole.isEmpty {
      throw invalid(next(.dot) ? "expected digits before the decimal point" : "expected digits")
    }
    if whole.count > 1 && whole[0] == 0 { throw invalid("leading zeros are not allowed") }
    var fraction: [Int] = []
    var exponent = 0
    let isDecimal = next(.dot, .e, .upperE)
    if next(.dot) {
      i += 1
      fraction = try digits(radix: 10)
      if fraction.isEmpty { throw invalid("expected digits after the decimal point") }
    }
    if next(.e, .upperE) {
      i += 1
      let negativeExponent = next(.minus)
      if next(.minus, .plus) { i += 1 }
      let exponentDigits = try digits(radix: 10)
      if exponentDigits.isEmpty { throw invalid("expected digits in the exponent") }
      for digit in exponentDigits where exponent <= 10_000 { exponent = exponent * 10 + digit }
      if negativeExponent { exponent = -exponent }
    }
    if i < token.count { throw invalid("unexpected `\(String(decoding: token[i...], as: UTF8.self))`") }
    guard isDecimal else { return .integer(try integer(whole, radix: 10, negative: negative)) }
    return .decimal(try decimal(whole + fraction, exponent: exponent - fraction.count, negative: negative))
  }

  /// Reads digits with single `_` separators between them.
  private mutating func digits(radix: Int) throws(TOMLError) -> [Int] {
    var digits: [Int] = []
    var afterUnderscore = false
    while i < token.count {
      if token[i] == .underscore {
        if digits.isEmpty || afterUnderscore { throw invalid("underscores must be between digits") }
        afterUnderscore = true
      } else if let value = token[i].hexValue, value < radix {
        digits.append(value)
        afterUnderscore = false
      } else {
        break
      }
      i += 1
    }
    if afterUnderscore { throw invalid("underscores must be between digits") }
    return digits
  }

  /// Combines digits into an `Int`, failing on overflow.
  private func integer(_ digits: [Int], radix: Int, negative: Bool) throws(TOMLError) -> Int {
    var value = 0
    for digit in digits {
      let (scaled, overflow) = value.multipliedReportingOverflow(by: radix)
      let (sum, carry) =
        negative ? scaled.subtractingReportingOverflow(digit) : scaled.addingReportingOverflow(digit)
      if overflow || carry { throw invalid("out of range for a 64-bit integer") }
      value = sum
    }
    return value
  }

  /// Builds `digits × 10^exponent` exactly from an integer significand.
  private func decimal(_ digits: [Int], exponent: Int, negative: Bool) throws(TOMLError) -> Decimal {
    var significant = digits.drop(while: { $0 == 0 })
    var exponent = exponent
    while significant.last == 0 {
      significant.removeLast()
      exponent += 1
    }
    if significant.isEmpty { return 0 }
    if significant.count > 38 { throw invalid("more than 38 significant digits cannot be kept exact") }
    if !(-128...127).contains(exponent) { throw invalid("exponent is out of range") }
    var significand = Decimal(0)
    for digit in significant { significand = significand * 10 + Decimal(digit) }
    return Decimal(sign: negative ? .minus : .plus, exponent: exponent, significand: significand)
  }
}

// MARK: - Byte classes

extension UInt8 {
  fileprivate static let tab: UInt8 = 0x09, lf: UInt8 = 0x0A, cr: UInt8 = 0x0D, space: UInt8 = 0x20
  fileprivate static let quote = UInt8(ascii: "\""), hash = UInt8(ascii: "#"), apostrophe = UInt8(ascii: "'")
  fileprivate static let plus = UInt8(ascii: "+"), comma = UInt8(ascii: ","), minus = UInt8(ascii: "-")
  fileprivate static let dot = UInt8(ascii: "."), zero = UInt8(ascii: "0"), colon = UInt8(ascii: ":")
  fileprivate static let equals = UInt8(ascii: "="), underscore = UInt8(ascii: "_")
  fileprivate static let lbracket = UInt8(ascii: "["), rbracket = UInt8(ascii: "]")
  fileprivate static let lbrace = UInt8(ascii: "{"), rbrace = UInt8(ascii: "}"), backslash: UInt8 = 0x5C
  fileprivate static let b = UInt8(ascii: "b"), f = UInt8(ascii: "f"), n = UInt8(ascii: "n")
  fileprivate static let o = UInt8(ascii: "o"), r = UInt8(ascii: "r"), t = UInt8(ascii: "t")
  fileprivate static let u = UInt8(ascii: "u"), x = UInt8(ascii: "x"), e = UInt8(ascii: "e")
  fileprivate static let upperE = UInt8(ascii: "E"), upperU = UInt8(ascii: "U")

  fileprivate var isDigit: Bool { self >= 0x30 && self <= 0x39 }
  fileprivate var isLetter: Bool { (self | 0x20) >= 0x61 && (self | 0x20) <= 0x7A }
  fileprivate var isControl: Bool { self < 0x20 || self == 0x7F }
  fileprivate var isBareKey: Bool { isDigit || isLetter || self == .underscore || self == .minus }
  fileprivate var isBareValue: Bool { isBareKey || self == .plus || self == .dot || self == .colon }

  /// The value of a hexadecimal digit, if this byte is one.
  fileprivate var hexValue: Int? {
    if isDigit { return Int(self) - 0x30 }
    let lower = self | 0x20
    return lower >= 0x61 && lower <= 0x66 ? Int(lower) - 0x61 + 10 : nil
  }
}
