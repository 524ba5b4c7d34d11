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
  public subscript(key: String) -> TOMLValue? {
    entries.first { $0.key == key }?.value
  }

  /// The 1-based line that defined `key`, if present.
  public func line(of key: String) -> Int? {
    entries.first { $0.key == key }?.line
  }

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

/// A mutable table used while parsing; it remembers how each table came to exist.
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
    let entries = order.compactMap { key in
      slots[key].map { TOMLTable.Entry(key: key, value: Node.value(of: $0.item), line: $0.line) }
    }
    return TOMLTable(entries: entries, line: line)
  }

  private static func value(of item: Item) -> TOMLValue {
    switch item {
    case .value(let value): value
    case .table(let node): .table(node.build())
    case .tables(let nodes): .array(nodes.map { .table($0.build()) })
    }
  }
}

// MARK: - Parser

/// A single-pass recursive-descent parser over the document's UTF-8 bytes.
private struct Parser {
  private let bytes: [UInt8]
  private var pos = 0
  private var line = 1
  private var depth = 0
  private static let maxDepth = 100
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
      guard let c = peek() else { break }
      if c == .hash {
        try skipComment()
      } else if c == .lbracket {
        current = try parseHeader(root: root)
        try expectLineEnd(after: "the table header")
      } else {
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
    if peek() == .lf {
      pos += 1
    } else if peek() == .cr {
      guard peek(1) == .lf else { throw fail("expected a line feed after a carriage return") }
      pos += 2
    } else {
      return false
    }
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
    while true {
      skipBlanks()
      try skipComment()
      if try !consumeNewline() { return }
    }
  }

  /// Requires only blanks and an optional comment before the end of the line.
  private mutating func expectLineEnd(after what: String) throws(TOMLError) {
    skipBlanks()
    try skipComment()
    if pos >= bytes.count { return }
    if try consumeNewline() { return }
    throw fail("expected end of line after \(what), found \(snippet())")
  }

  /// Describes the text at the cursor for error messages.
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
    return "`" + String(decoding: bytes[pos..<end], as: UTF8.self) + "`"
  }

  // MARK: Statements

  /// Parses a `[table]` or `[[array]]` header and returns the table it opens.
  private mutating func parseHeader(root: Node) throws(TOMLError) -> Node {
    let headerLine = line
    pos += 1
    let isArray = peek() == .lbracket
    if isArray { pos += 1 }
    skipBlanks()
    let path = try parseKey()
    skipBlanks()
    guard peek() == .rbracket, !isArray || peek(1) == .rbracket else {
      throw fail("expected `\(isArray ? "]]" : "]")` to close the table header, found \(snippet())")
    }
    pos += isArray ? 2 : 1
    guard let last = path.last else { throw fail("expected a key in the table header") }
    let name = "[\(Self.display(path))]"

    var node = root
    for (index, key) in path.dropLast().enumerated() {
      let prefix = "\"\(Self.display(path[...index]))\""
      switch node[key] {
      case nil:
        let child = Node(.implicit, line: headerLine)
        node.set(key, .table(child), line: headerLine)
        node = child
      case (.table(let child), _)?:
        node = child
      case (.tables(let elements), _)?:
        guard let element = elements.last else { throw fail("empty array of tables \(prefix)") }
        node = element
      case (.value(let value), let valueLine)?:
        throw fail(Self.valueConflict(prefix, value, valueLine))
      }
    }

    switch (node[last], isArray) {
    case (nil, false):
      let table = Node(.header, line: headerLine)
      node.set(last, .table(table), line: headerLine)
      return table
    case (nil, true):
      let table = Node(.header, line: headerLine)
      node.set(last, .tables([table]), line: headerLine)
      return table
    case ((.table(let table), _)?, false) where table.origin == .implicit:
      table.origin = .header
      table.line = headerLine
      node.set(last, .table(table), line: headerLine)
      return table
    case ((.table(let table), _)?, _):
      let how = table.origin == .dotted ? "by dotted keys " : ""
      throw fail("table \(name) is already defined \(how)on line \(table.line)")
    case ((.tables(let tables), let arrayLine)?, true):
      let table = Node(.header, line: headerLine)
      node.set(last, .tables(tables + [table]), line: arrayLine)
      return table
    case ((.tables, let arrayLine)?, false):
      throw fail("\(name) is already an array of tables (line \(arrayLine)); use [\(name)] to add to it")
    case ((.value(.array), let valueLine)?, true):
      throw fail("cannot append to array \"\(Self.display(path))\" defined with `=` on line \(valueLine)")
    case ((.value(let value), let valueLine)?, _):
      throw fail(Self.valueConflict("\"\(Self.display(path))\"", value, valueLine))
    }
  }

  /// Parses `key = value` and stores it in `table`.
  private mutating func parseKeyValue(into table: Node) throws(TOMLError) {
    let keyLine = line
    let path = try parseKey()
    skipBlanks()
    guard peek() == .equals else {
      throw fail("expected `=` after key \"\(Self.display(path))\", found \(snippet())")
    }
    pos += 1
    skipBlanks()
    let value = try parseValue()
    try insert(value, at: path, into: table, line: keyLine)
  }

  /// Stores `value` under a possibly dotted key, creating intermediate tables.
  private func insert(_ value: TOMLValue, at path: [String], into table: Node, line: Int) throws(TOMLError) {
    var node = table
    for (index, key) in path.dropLast().enumerated() {
      let prefix = "\"\(Self.display(path[...index]))\""
      switch node[key] {
      case nil:
        let child = Node(.dotted, line: line)
        node.set(key, .table(child), line: line)
        node = child
      case (.table(let child), _)? where child.origin == .dotted:
        node = child
      case (.table(let child), _)?:
        throw fail("table \(prefix) was opened by a [header] on line \(child.line); dotted keys cannot extend it", line: line)
      case (.tables, let arrayLine)?:
        throw fail("\(prefix) is an array of tables (line \(arrayLine)); dotted keys cannot extend it", line: line)
      case (.value(let existing), let valueLine)?:
        throw fail(Self.valueConflict(prefix, existing, valueLine), line: line)
      }
    }
    guard let last = path.last else { throw fail("expected a key", line: line) }
    guard node[last] == nil else { throw fail("duplicate key \"\(Self.display(path))\"", line: line) }
    node.set(last, .value(value), line: line)
  }

  /// Explains why a key that already holds a value cannot be used as a table.
  private static func valueConflict(_ name: String, _ value: TOMLValue, _ line: Int) -> String {
    if case .table = value { return "inline table \(name) (line \(line)) cannot be extended" }
    return "key \(name) already has a value on line \(line), so it cannot also be a table"
  }

  /// Renders a key path for messages, quoting parts that are not bare keys.
  private static func display(_ path: some Collection<String>) -> String {
    path.map { part in
      let bare = !part.isEmpty && part.utf8.allSatisfy(\.isBareKey)
      if bare { return part }
      return part.contains("'") ? "\"\(part.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\\\""))\"" : "'\(part)'"
    }.joined(separator: ".")
  }

  // MARK: Keys

  /// Parses a bare, quoted or dotted key into its parts.
  private mutating func parseKey() throws(TOMLError) -> [String] {
    var parts: [String] = []
    while true {
      parts.append(try parseSimpleKey())
      skipBlanks()
      guard peek() == .dot else { return parts }
      pos += 1
      skipBlanks()
    }
  }

  /// Parses one bare or quoted key.
  private mutating func parseSimpleKey() throws(TOMLError) -> String {
    if let c = peek(), c == .quote || c == .apostrophe {
      if peek(1) == c && peek(2) == c { throw fail("multi-line strings cannot be used as keys") }
      return try parseString()
    }
    let start = pos
    while let c = peek(), c.isBareKey { pos += 1 }
    guard pos > start else { throw fail("expected a key, found \(snippet())") }
    return String(decoding: bytes[start..<pos], as: UTF8.self)
  }

  // MARK: Values

  /// Parses any value at the cursor.
  private mutating func parseValue() throws(TOMLError) -> TOMLValue {
    guard let c = peek(), c != .lf, c != .cr, c != .hash else {
      throw fail("missing value: expected a value after `=`")
    }
    switch c {
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
    while true {
      try skipTrivia()
      guard let c = peek() else { throw fail("unterminated array: expected `]`", line: startLine) }
      if c == .rbracket { break }
      items.append(try parseValue())
      try skipTrivia()
      guard let next = peek() else { throw fail("unterminated array: expected `]`", line: startLine) }
      if next == .rbracket { break }
      guard next == .comma else { throw fail("expected `,` or `]` in array, found \(snippet())") }
      pos += 1
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
    if peek() == .rbrace {
      pos += 1
      return .table(table.build())
    }
    while true {
      let keyLine = line
      let path = try parseKey()
      skipBlanks()
      guard peek() == .equals else {
        throw fail("expected `=` after key \"\(Self.display(path))\", found \(snippet())")
      }
      pos += 1
      skipBlanks()
      try insert(try parseValue(), at: path, into: table, line: keyLine)
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

  /// Guards against pathological nesting.
  private mutating func enterNesting() throws(TOMLError) {
    depth += 1
    if depth > Self.maxDepth { throw fail("arrays and inline tables are nested too deeply") }
  }

  /// Parses a basic, literal or multi-line string starting at the cursor.
  private mutating func parseString() throws(TOMLError) -> String {
    let startLine = line
    let delimiter = bytes[pos]
    let literal = delimiter == .apostrophe
    let multiline = peek(1) == delimiter && peek(2) == delimiter
    let closer = String(repeating: literal ? "'" : "\"", count: multiline ? 3 : 1)
    let unterminated = fail(
      "unterminated string: expected a closing `\(closer)` before the end of the \(multiline ? "file" : "line")",
      line: startLine)
    pos += multiline ? 3 : 1
    if multiline { _ = try consumeNewline() }
    var out: [UInt8] = []
    while true {
      guard let c = peek() else { throw unterminated }
      if c == delimiter {
        guard multiline else {
          pos += 1
          break
        }
        var run = 0
        while peek(run) == delimiter { run += 1 }
        if run >= 3 {
          guard run <= 5 else { throw fail("too many quotes in a row; escape them or split the string") }
          out += repeatElement(delimiter, count: run - 3)
          pos += run
          break
        }
        out += repeatElement(delimiter, count: run)
        pos += run
      } else if c == .lf || c == .cr {
        guard multiline else { throw unterminated }
        _ = try consumeNewline()
        out.append(.lf)
      } else if c == .backslash && !literal {
        try parseEscape(into: &out, multiline: multiline)
      } else {
        if c.isControl && c != .tab {
          throw fail("control characters are not allowed in strings; use an escape sequence")
        }
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
      for _ in 0..<count {
        guard let digit = peek().flatMap(\.hexValue) else {
          let text = String(decoding: bytes[start..<pos], as: UTF8.self)
          throw fail("invalid escape sequence `\\\(text)`: expected \(count) hex digits")
        }
        code = code << 4 | UInt32(digit)
        pos += 1
      }
      guard let scalar = Unicode.Scalar(code) else {
        let text = String(decoding: bytes[start..<pos], as: UTF8.self)
        throw fail("invalid escape sequence `\\\(text)`: not a Unicode scalar value")
      }
      out += Array(String(Character(scalar)).utf8)
    } else if multiline && (c == .space || c == .tab || c == .lf || c == .cr) {
      skipBlanks()
      guard try consumeNewline() else { throw fail("invalid escape sequence: `\\` followed by spaces must end the line") }
      while true {
        skipBlanks()
        if try !consumeNewline() { break }
      }
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
    if token.contains(.colon) || datePrefix {
      throw fail("dates and times are not supported here; write them as a quoted string")
    }
    guard first.isDigit || first == .plus || first == .minus || first == .dot else {
      throw fail("\(Self.valueHint), found `\(text)`")
    }
    return try parseNumber(token, text: text)
  }

  /// Parses an integer (decimal, 0x, 0o, 0b) or an exact decimal from a bare token.
  private func parseNumber(_ token: [UInt8], text: String) throws(TOMLError) -> TOMLValue {
    func invalid(_ reason: String) -> TOMLError { fail("invalid number `\(text)`: \(reason)") }
    var i = 0
    let negative = token[0] == .minus
    if token[0] == .minus || token[0] == .plus { i = 1 }

    if i + 1 < token.count, token[i] == .zero, let radix = Self.radix(of: token[i + 1]) {
      guard i == 0 else { throw invalid("a sign is not allowed before 0x, 0o or 0b") }
      i += 2
      let digits = try digitRun(token, &i, radix: radix, text: text)
      guard !digits.isEmpty, i == token.count else { throw invalid("expected base-\(radix) digits after the prefix") }
      return .integer(try integer(digits, radix: radix, negative: false, text: text))
    }

    let whole = try digitRun(token, &i, radix: 10, text: text)
    guard !whole.isEmpty else {
      throw invalid(i < token.count && token[i] == .dot ? "expected digits before the decimal point" : "expected digits")
    }
    if whole.count > 1 && whole[0] == 0 { throw invalid("leading zeros are not allowed") }
    var fraction: [Int] = []
    var exponent = 0
    var isDecimal = false
    if i < token.count, token[i] == .dot {
      i += 1
      isDecimal = true
      fraction = try digitRun(token, &i, radix: 10, text: text)
      if fraction.isEmpty { throw invalid("expected digits after the decimal point") }
    }
    if i < token.count, token[i] == .e || token[i] == .upperE {
      i += 1
      isDecimal = true
      let negativeExponent = i < token.count && token[i] == .minus
      if i < token.count, token[i] == .minus || token[i] == .plus { i += 1 }
      let digits = try digitRun(token, &i, radix: 10, text: text)
      if digits.isEmpty { throw invalid("expected digits in the exponent") }
      for digit in digits {
        exponent = exponent * 10 + digit
        if exponent > 10_000 { throw invalid("exponent is out of range") }
      }
      if negativeExponent { exponent = -exponent }
    }
    if i < token.count {
      throw invalid("unexpected `\(String(decoding: token[i...], as: UTF8.self))`")
    }
    guard isDecimal else { return .integer(try integer(whole, radix: 10, negative: negative, text: text)) }

    // Exact decimal: significand from the digits, scaled by the exponent.
    var digits = ArraySlice(whole + fraction).drop(while: { $0 == 0 })
    exponent -= fraction.count
    while digits.last == 0 {
      digits.removeLast()
      exponent += 1
    }
    guard !digits.isEmpty else { return .decimal(Decimal(0)) }
    guard digits.count <= 38 else { throw invalid("more than 38 significant digits cannot be kept exact") }
    guard (-128...127).contains(exponent) else { throw invalid("exponent is out of range") }
    var significand = Decimal(0)
    for digit in digits { significand = significand * 10 + Decimal(digit) }
    return .decimal(Decimal(sign: negative ? .minus : .plus, exponent: exponent, significand: significand))
  }

  /// Reads digits with single `_` separators between them, advancing `i`.
  private func digitRun(_ token: [UInt8], _ i: inout Int, radix: Int, text: String) throws(TOMLError) -> [Int] {
    var digits: [Int] = []
    var lastWasUnderscore = false
    while i < token.count {
      let c = token[i]
      if c == .underscore {
        if digits.isEmpty || lastWasUnderscore {
          throw fail("invalid number `\(text)`: underscores must be between digits")
        }
        lastWasUnderscore = true
      } else if let value = c.hexValue, value < radix {
        digits.append(value)
        lastWasUnderscore = false
      } else {
        break
      }
      i += 1
    }
    if lastWasUnderscore { throw fail("invalid number `\(text)`: underscores must be between digits") }
    return digits
  }

  /// Combines digits into an `Int`, failing on overflow.
  private func integer(_ digits: [Int], radix: Int, negative: Bool, text: String) throws(TOMLError) -> Int {
    var value = 0
    for digit in digits {
      let (scaled, overflow1) = value.multipliedReportingOverflow(by: radix)
      let (next, overflow2) =
        negative ? scaled.subtractingReportingOverflow(digit) : scaled.addingReportingOverflow(digit)
      if overflow1 || overflow2 { throw fail("invalid number `\(text)`: out of range for a 64-bit integer") }
      value = next
    }
    return value
  }

  private static func radix(of byte: UInt8) -> Int? {
    switch byte {
    case .x: 16
    case .o: 8
    case .b: 2
    default: nil
    }
  }
}

// MARK: - Byte classes

extension UInt8 {
  fileprivate static let tab: UInt8 = 0x09, lf: UInt8 = 0x0A, cr: UInt8 = 0x0D, space: UInt8 = 0x20
  fileprivate static let quote = UInt8(ascii: "\""), hash = UInt8(ascii: "#"), apostrophe = UInt8(ascii: "'")
  fileprivate static let plus = UInt8(ascii: "+"), comma = UInt8(ascii: ","), minus = UInt8(ascii: "-")
  fileprivate static let dot = UInt8(ascii: "."), zero = UInt8(ascii: "0"), colon = UInt8(ascii: ":")
  fileprivate static let equals = UInt8(ascii: "="), lbracket = UInt8(ascii: "["), rbracket = UInt8(ascii: "]")
  fileprivate static let backslash = UInt8(ascii: "\\"), underscore = UInt8(ascii: "_")
  fileprivate static let lbrace = UInt8(ascii: "{"), rbrace = UInt8(ascii: "}")
  fileprivate static let b = UInt8(ascii: "b"), f = UInt8(ascii: "f"), n = UInt8(ascii: "n"), o = UInt8(ascii: "o")
  fileprivate static let r = UInt8(ascii: "r"), t = UInt8(ascii: "t"), u = UInt8(ascii: "u"), x = UInt8(ascii: "x")
  fileprivate static let e = UInt8(ascii: "e"), upperE = UInt8(ascii: "E"), upperU = UInt8(ascii: "U")

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
