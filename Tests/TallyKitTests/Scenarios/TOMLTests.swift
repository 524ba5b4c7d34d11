import Foundation
import Testing

@testable import TallyKit

/// One document that must fail, with the line and message it must report.
struct TOMLErrorCase: Sendable, CustomTestStringConvertible {
  let source: String
  let line: Int
  let message: String
  var testDescription: String { source.debugDescription }
}

@Suite struct TOMLTests {
  // MARK: Numbers

  @Test func decimalsAreExact() throws {
    let doc = try TOML.parse(
      """
      rate = 0.65
      big = 1e3
      small = 6.5E-2
      grouped = 1_000.5
      negative = -0.25
      positive = +3.0
      zero = -0.0
      tiny = 0.000_001
      wide = 12345678901234567890.123456789012345678
      scaled = 1.5e+2
      """)
    #expect(doc["rate"] == .decimal(Decimal(65) / 100))
    #expect(doc["rate"] == .decimal(try #require(Decimal(string: "0.65"))))
    guard case .decimal(let rate)? = doc["rate"] else { Issue.record("rate is not a decimal"); return }
    #expect(rate.exponent == -2)
    #expect(rate.significand == 65)
    #expect(rate * 100 == 65)
    #expect(doc["big"] == .decimal(1000))
    #expect(doc["small"] == .decimal(Decimal(65) / 1000))
    #expect(doc["small"] == .decimal(try #require(Decimal(string: "0.065"))))
    #expect(doc["grouped"] == .decimal(Decimal(10005) / 10))
    #expect(doc["negative"] == .decimal(Decimal(-25) / 100))
    #expect(doc["positive"] == .decimal(3))
    #expect(doc["zero"] == .decimal(0))
    #expect(doc["tiny"] == .decimal(Decimal(1) / 1_000_000))
    #expect(doc["wide"] == .decimal(try #require(Decimal(string: "12345678901234567890.123456789012345678"))))
    #expect(doc["scaled"] == .decimal(150))
  }

  @Test func integers() throws {
    let doc = try TOML.parse(
      """
      plain = 42
      grouped = 1_000
      plus = +17
      minus = -17
      zero = 0
      signedZero = -0
      hex = 0xDEAD_beef
      octal = 0o755
      binary = 0b1101
      max = 9223372036854775807
      min = -9223372036854775808
      """)
    #expect(doc["plain"] == .integer(42))
    #expect(doc["grouped"] == .integer(1000))
    #expect(doc["plus"] == .integer(17))
    #expect(doc["minus"] == .integer(-17))
    #expect(doc["zero"] == .integer(0))
    #expect(doc["signedZero"] == .integer(0))
    #expect(doc["hex"] == .integer(0xDEAD_BEEF))
    #expect(doc["octal"] == .integer(0o755))
    #expect(doc["binary"] == .integer(13))
    #expect(doc["max"] == .integer(Int.max))
    #expect(doc["min"] == .integer(Int.min))
  }

  @Test func booleansAndLines() throws {
    let doc = try TOML.parse("# header comment\nyes = true\n\nno = false # trailing\n")
    #expect(doc.line == 1)
    #expect(doc.keys == ["yes", "no"])
    #expect(doc["yes"] == .boolean(true))
    #expect(doc["no"] == .boolean(false))
    #expect(doc.line(of: "yes") == 2)
    #expect(doc.line(of: "no") == 4)
    #expect(doc["missing"] == nil)
    #expect(doc.line(of: "missing") == nil)
  }

  // MARK: Strings

  @Test func basicAndLiteralStrings() throws {
    let doc = try TOML.parse(
      #"""
      basic = "tab\tquote\"slash\\nl\nbs\bff\fcr\r"
      unicode = "\u00e9\U0001F600"
      literal = 'C:\Users\"raw"'
      empty = ""
      emptyLiteral = ''
      utf8 = "héllo ✓"
      """#)
    #expect(doc["basic"] == .string("tab\tquote\"slash\\nl\nbs\u{08}ff\u{0C}cr\r"))
    #expect(doc["unicode"] == .string("é😀"))
    #expect(doc["literal"] == .string(#"C:\Users\"raw""#))
    #expect(doc["empty"] == .string(""))
    #expect(doc["emptyLiteral"] == .string(""))
    #expect(doc["utf8"] == .string("héllo ✓"))
  }

  @Test func multiLineStrings() throws {
    let source = [
      #"a = """"#,
      "first",
      #"second""""#,
      #"b = """one \"#,
      "     two \\",
      "",
      #"   three""""#,
      "c = '''",
      #"raw \n stays"#,
      "'''",
      #"d = """"quoted""""""#,
      "e = ''''single'''''",
      "f = 1",
    ].joined(separator: "\n")
    let doc = try TOML.parse(source)
    #expect(doc["a"] == .string("first\nsecond"))
    #expect(doc["b"] == .string("one two three"))
    #expect(doc["c"] == .string("raw \\n stays\n"))
    #expect(doc["d"] == .string("\"quoted\"\""))
    #expect(doc["e"] == .string("'single''"))
    #expect(doc.line(of: "c") == 8)
    #expect(doc.line(of: "f") == 13)
  }

  // MARK: Keys and tables

  @Test func quotedAndDottedKeys() throws {
    let doc = try TOML.parse(
      """
      "quoted key" = 1
      'literal.key' = 2
      site."google.com" = true
      a.b.c = 1
      a . b . d = 2
      a.e = 3
      -_ = 4
      1234 = 5
      """)
    #expect(doc.keys == ["quoted key", "literal.key", "site", "a", "-_", "1234"])
    #expect(doc["quoted key"] == .integer(1))
    #expect(doc["literal.key"] == .integer(2))
    let site = try table(doc["site"])
    #expect(site["google.com"] == .boolean(true))
    let a = try table(doc["a"])
    #expect(a.line == 4)
    #expect(a.keys == ["b", "e"])
    let b = try table(a["b"])
    #expect(b["c"] == .integer(1))
    #expect(b["d"] == .integer(2))
    #expect(b.line(of: "d") == 5)
    #expect(a["e"] == .integer(3))
    #expect(doc["-_"] == .integer(4))
    #expect(doc["1234"] == .integer(5))
  }

  @Test func nestedTablesKeepHeaderLines() throws {
    let doc = try TOML.parse(
      """
      title = "root"

      [server]
      host = "a"

      [server.limits]  # nested
      cpu = 2

      [x.y.z]
      deep = true

      [x]
      shallow = true

      [ fruit ]
      apple.color = "red"
      apple.taste.sweet = true

      [fruit.apple.texture]
      smooth = true
      """)
    #expect(doc.keys == ["title", "server", "x", "fruit"])
    let server = try table(doc["server"])
    #expect(server.line == 3)
    #expect(doc.line(of: "server") == 3)
    #expect(server["host"] == .string("a"))
    let limits = try table(server["limits"])
    #expect(limits.line == 6)
    #expect(server.line(of: "limits") == 6)
    #expect(limits["cpu"] == .integer(2))
    let x = try table(doc["x"])
    #expect(x.line == 12)
    #expect(x.keys == ["y", "shallow"])
    let z = try table(try table(x["y"])["z"])
    #expect(z.line == 9)
    #expect(z["deep"] == .boolean(true))
    let apple = try table(try table(doc["fruit"])["apple"])
    #expect(apple.keys == ["color", "taste", "texture"])
    #expect(try table(apple["texture"]).line == 19)
    #expect(try table(apple["taste"])["sweet"] == .boolean(true))
  }

  @Test func arraysOfTables() throws {
    let doc = try TOML.parse(
      """
      [[product]]
      name = "Hammer"
      price = 9.99

      [[product]]

      [[product]]
      name = "Nail"
      [[product.variant]]
      size = 1
      [[product.variant]]
      size = 2
      [product.meta]
      sku = "N-1"
      """)
    guard case .array(let products)? = doc["product"] else { Issue.record("product is not an array"); return }
    #expect(products.count == 3)
    #expect(doc.line(of: "product") == 1)
    let first = try table(products[0])
    #expect(first.line == 1)
    #expect(first["price"] == .decimal(Decimal(999) / 100))
    let second = try table(products[1])
    #expect(second.line == 5)
    #expect(second.entries.isEmpty)
    let third = try table(products[2])
    #expect(third.line == 7)
    #expect(third.keys == ["name", "variant", "meta"])
    guard case .array(let variants)? = third["variant"] else {
      Issue.record("variant is not an array"); return
    }
    #expect(try variants.map { try table($0).line } == [9, 11])
    #expect(try variants.map { try table($0)["size"] } == [.integer(1), .integer(2)])
    #expect(try table(third["meta"]).line == 13)
  }

  @Test func inlineTables() throws {
    let doc = try TOML.parse(
      """
      # comment
      point = { x = 1, y = -2.5, label = "p" }
      empty = {}
      nested = { inner = { deep = true }, list = [1, 2], a.b = "dotted" }
      """)
    let point = try table(doc["point"])
    #expect(point.line == 2)
    #expect(point.keys == ["x", "y", "label"])
    #expect(point["y"] == .decimal(Decimal(-25) / 10))
    #expect(point.line(of: "label") == 2)
    #expect(try table(doc["empty"]).entries.isEmpty)
    let nested = try table(doc["nested"])
    #expect(try table(nested["inner"])["deep"] == .boolean(true))
    #expect(nested["list"] == .array([.integer(1), .integer(2)]))
    #expect(try table(nested["a"])["b"] == .string("dotted"))
  }

  @Test func arrays() throws {
    let doc = try TOML.parse(
      """
      empty = []
      mixed = [1, "two", 3.5, true, [4], { k = 5 }]
      multi = [
        1,  # one
        # a whole-line comment
        2,
      ]
      nested = [[1, 2], ['a']]
      after = 1
      """)
    #expect(doc["empty"] == .array([]))
    guard case .array(let mixed)? = doc["mixed"] else { Issue.record("mixed is not an array"); return }
    #expect(mixed.count == 6)
    #expect(
      Array(mixed.prefix(5)) == [
        .integer(1), .string("two"), .decimal(Decimal(35) / 10), .boolean(true), .array([.integer(4)]),
      ])
    #expect(try table(mixed[5])["k"] == .integer(5))
    #expect(doc["multi"] == .array([.integer(1), .integer(2)]))
    #expect(doc["nested"] == .array([.array([.integer(1), .integer(2)]), .array([.string("a")])]))
    #expect(doc.line(of: "nested") == 8)
    #expect(doc.line(of: "after") == 9)
  }

  @Test func crlfAndByteOrderMark() throws {
    let source =
      "\u{FEFF}# costs\r\nrate = 0.65\r\n\r\n[plan]\r\nname = \"pro\" # c\r\ntext = \"\"\"\r\na\r\nb\"\"\"\r\nlist = [\r\n  1,\r\n]\r\n"
    let doc = try TOML.parse(source)
    #expect(doc.keys == ["rate", "plan"])
    #expect(doc["rate"] == .decimal(Decimal(65) / 100))
    #expect(doc.line(of: "rate") == 2)
    let plan = try table(doc["plan"])
    #expect(plan.line == 4)
    #expect(plan["name"] == .string("pro"))
    #expect(plan["text"] == .string("a\nb"))
    #expect(plan.line(of: "list") == 9)
    #expect(plan["list"] == .array([.integer(1)]))
    #expect(try TOML.parse("\u{FEFF}").entries.isEmpty)
    #expect(try TOML.parse("").entries.isEmpty)
  }

  @Test func errorDescription() {
    #expect(TOMLError(line: 3, message: "boom").description == "line 3: boom")
  }

  // MARK: Errors

  static let errorCases: [TOMLErrorCase] = [
    // Duplicates and redefinitions.
    .init(source: "a = 1\nb = 2\na = 3", line: 3, message: #"duplicate key "a""#),
    .init(source: "[t]\nx = 1\nx = 2", line: 3, message: #"duplicate key "x""#),
    .init(source: "a.b = 1\na.b = 2", line: 2, message: #"duplicate key "a.b""#),
    .init(source: "\"x\" = 1\nx = 2", line: 2, message: #"duplicate key "x""#),
    .init(source: "t = { a = 1, a = 2 }", line: 1, message: #"duplicate key "a""#),
    .init(source: "a.b = 1\na = 2", line: 2, message: #"duplicate key "a""#),
    .init(source: "[a]\nx = 1\n\n[a]", line: 4, message: "table [a] is already defined on line 1"),
    .init(source: "[a.b]\n[a]\n[a]", line: 3, message: "table [a] is already defined on line 2"),
    .init(
      source: "[fruit]\napple.color = \"red\"\n[fruit.apple]", line: 3,
      message: "table [fruit.apple] is already defined by dotted keys on line 2"),
    .init(
      source: "[a.b.c]\nz = 9\n[a]\nb.c.t = 1", line: 4,
      message: #"table "b" was opened by a [header] on line 1; dotted keys cannot extend it"#),
    .init(
      source: "a = 1\n[a]", line: 2,
      message: #"key "a" already has a value on line 1, so it cannot also be a table"#),
    .init(
      source: "a = 1\na.b = 2", line: 2,
      message: #"key "a" already has a value on line 1, so it cannot also be a table"#),
    .init(
      source: "a = { b = 1 }\na.c = 2", line: 2, message: #"inline table "a" (line 1) cannot be extended"#),
    .init(source: "a = { b = 1 }\n[a.c]", line: 2, message: #"inline table "a" (line 1) cannot be extended"#),
    .init(
      source: "a = [1]\n[[a]]", line: 2, message: #"cannot append to array "a" defined with `=` on line 1"#),
    .init(
      source: "[[a]]\n[a]", line: 2,
      message: "[a] is already an array of tables (line 1); use [[a]] to add to it"),
    .init(source: "[a]\n[[a]]", line: 2, message: "table [a] is already defined on line 1"),
    // Missing pieces.
    .init(source: "a =", line: 1, message: "missing value: expected a value after `=`"),
    .init(source: "x = 1\na = # note", line: 2, message: "missing value: expected a value after `=`"),
    .init(source: "a 1", line: 1, message: #"expected `=` after key "a", found `1`"#),
    .init(source: "\n= 1", line: 2, message: "expected a key, found `=`"),
    .init(source: "[a\nx = 1", line: 1, message: "expected `]` to close the table header, found end of line"),
    .init(source: "[[a]\n", line: 1, message: "expected `]]` to close the table header, found `]`"),
    // Strings.
    .init(
      source: "a = \"abc\nb = 1", line: 1,
      message: "unterminated string: expected a closing `\"` before the end of the line"),
    .init(
      source: "a = 'abc", line: 1,
      message: "unterminated string: expected a closing `'` before the end of the line"),
    .init(
      source: "x = 1\na = \"\"\"abc\n\ndef", line: 2,
      message: "unterminated string: expected a closing `\"\"\"` before the end of the file"),
    .init(
      source: "a = '''abc''", line: 1,
      message: "unterminated string: expected a closing `'''` before the end of the file"),
    .init(source: #"a = "\q""#, line: 1, message: #"invalid escape sequence `\q`"#),
    .init(source: "x = 1\n\ny = \"ok \\x41\"", line: 3, message: #"invalid escape sequence `\x`"#),
    .init(
      source: #"a = "\uD800""#, line: 1,
      message: #"invalid escape sequence `\uD800`: not a Unicode scalar value"#),
    .init(
      source: #"a = "\u12""#, line: 1, message: #"invalid escape sequence `\u12`: expected 4 hex digits"#),
    .init(
      source: "a = \"tab\u{01}\"", line: 1,
      message: "control characters are not allowed in strings; use an escape sequence"),
    // Numbers.
    .init(source: "a = 1.", line: 1, message: "invalid number `1.`: expected digits after the decimal point"),
    .init(
      source: "a = .5", line: 1, message: "invalid number `.5`: expected digits before the decimal point"),
    .init(source: "a = 1__0", line: 1, message: "invalid number `1__0`: underscores must be between digits"),
    .init(source: "a = 1_", line: 1, message: "invalid number `1_`: underscores must be between digits"),
    .init(source: "a = 1_.5", line: 1, message: "invalid number `1_.5`: underscores must be between digits"),
    .init(source: "a = 01", line: 1, message: "invalid number `01`: leading zeros are not allowed"),
    .init(source: "a = 1e", line: 1, message: "invalid number `1e`: expected digits in the exponent"),
    .init(source: "a = 1.2.3", line: 1, message: "invalid number `1.2.3`: unexpected `.3`"),
    .init(
      source: "a = 0x", line: 1, message: "invalid number `0x`: expected base-16 digits after the prefix"),
    .init(
      source: "a = +0x10", line: 1,
      message: "invalid number `+0x10`: a sign is not allowed before 0x, 0o or 0b"),
    .init(
      source: "a = 9223372036854775808", line: 1,
      message: "invalid number `9223372036854775808`: out of range for a 64-bit integer"),
    .init(
      source: "a = 0x1_0000_0000_0000_0000", line: 1,
      message: "invalid number `0x1_0000_0000_0000_0000`: out of range for a 64-bit integer"),
    .init(source: "a = inf", line: 1, message: "not a finite number: use a decimal"),
    .init(source: "b = 1\na = -nan", line: 2, message: "not a finite number: use a decimal"),
    .init(source: "a = +inf", line: 1, message: "not a finite number: use a decimal"),
    // Dates and bare words.
    .init(
      source: "d = 1979-05-27", line: 1,
      message: "dates and times are not supported here; write them as a quoted string"),
    .init(
      source: "d = 1979-05-27T07:32:00Z", line: 1,
      message: "dates and times are not supported here; write them as a quoted string"),
    .init(
      source: "x = 1\nd = 1979-05-27 07:32:00-08:00", line: 2,
      message: "dates and times are not supported here; write them as a quoted string"),
    .init(
      source: "t = 07:32:00", line: 1,
      message: "dates and times are not supported here; write them as a quoted string"),
    .init(
      source: "a = yes", line: 1,
      message: "expected a value (string, number, true/false, array or inline table), found `yes`"),
    .init(
      source: "a = [1, @]", line: 1,
      message: "expected a value (string, number, true/false, array or inline table), found `@`"),
    // Garbage after values and headers.
    .init(source: "a = 1 2", line: 1, message: "expected end of line after the value, found `2`"),
    .init(source: "a = \"x\" y = 2", line: 1, message: "expected end of line after the value, found `y`"),
    .init(
      source: "a = truee", line: 1,
      message: "expected a value (string, number, true/false, array or inline table), found `truee`"),
    .init(source: "[t] x = 1", line: 1, message: "expected end of line after the table header, found `x`"),
    // Arrays and inline tables.
    .init(source: "a = [\n  1,\n  2", line: 1, message: "unterminated array: expected `]`"),
    .init(source: "a = [\n  1\n  2\n]", line: 3, message: "expected `,` or `]` in array, found `2`"),
    .init(
      source: "a = [1,,2]", line: 1,
      message: "expected a value (string, number, true/false, array or inline table), found `,`"),
    .init(source: "t = { a = 1, }", line: 1, message: "trailing comma is not allowed in an inline table"),
    .init(
      source: "t = { a = 1\n}", line: 1,
      message: "expected `,` or `}` in inline table (which must fit on one line), found end of line"),
    // Line counting across multi-line constructs and CRLF.
    .init(
      source: "s = \"\"\"\nx\ny\"\"\"\nlist = [\n  1,\n]\nb = yes", line: 7,
      message: "expected a value (string, number, true/false, array or inline table), found `yes`"),
    .init(source: "\u{FEFF}a = 1\r\nb = 2\r\na = 3\r\n", line: 3, message: #"duplicate key "a""#),
    .init(source: "a = 1\rb = 2", line: 1, message: "expected a line feed after a carriage return"),
  ]

  @Test(arguments: errorCases) func rejects(_ errorCase: TOMLErrorCase) {
    do {
      let doc = try TOML.parse(errorCase.source)
      Issue.record("expected an error, parsed \(doc.keys)")
    } catch {
      #expect(error == TOMLError(line: errorCase.line, message: errorCase.message))
    }
  }

  // MARK: Helpers

  /// Unwraps a table value or fails the test.
  private func table(_ value: TOMLValue?, sourceLocation: SourceLocation = #_sourceLocation) throws
    -> TOMLTable
  {
    guard case .table(let table)? = value else {
      Issue.record("expected a table, got \(String(describing: value))", sourceLocation: sourceLocation)
      throw TOMLError(line: 0, message: "not a table")
    }
    return table
  }
}
