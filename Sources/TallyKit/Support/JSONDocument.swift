import Foundation

/// A parsed JSON value that remembers the line it starts on, for `file:line: path: what is wrong`.
///
/// Numbers keep their literal text, so token counts and amounts are read exactly, never through
/// a binary float. Object members keep their order; a repeated key is an error.
public struct JSONNode: Sendable {
  public indirect enum Value: Sendable {
    case object([(key: String, value: JSONNode)])
    case array([JSONNode])
    case string(String)
    /// The number as written (`1500`, `-0.5`, `1e3`).
    case number(String)
    case bool(Bool)
    case null
  }

  public let value: Value
  /// 1-based line of the value's first character.
  public let line: Int

  /// The member `key` of an object; nil when absent or when this is not an object.
  public subscript(key: String) -> JSONNode? {
    guard case .object(let members) = value else { return nil }
    return members.first { $0.key == key }?.value
  }

  public var isNull: Bool {
    if case .null = value { true } else { false }
  }

  /// What the value is, for messages: `a string`, `a number`, `null`, …
  public var kind: String {
    switch value {
    case .object: "an object"
    case .array: "an array"
    case .string: "a string"
    case .number: "a number"
    case .bool: "a boolean"
    case .null: "null"
    }
  }
}

/// Reads JSON text into `JSONNode`s: one value, or several concatenated (whitespace between),
/// as when pages of an API response are saved one after another in a file.
public enum JSONDocuments {
  /// Why the text is not JSON, at a 1-based line.
  public struct Failure: Error, Sendable {
    public let line: Int
    public let message: String
  }

  /// Every top-level value, in order. A UTF-8 byte-order mark is skipped.
  public static func parse(_ data: Data) throws(Failure) -> [JSONNode] {
    var parser = Parser(bytes: Array(data))
    if parser.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { parser.index = 3 }
    var documents: [JSONNode] = []
    parser.skipWhitespace()
    while parser.index < parser.bytes.count {
      documents.append(try parser.value(depth: 0))
      parser.skipWhitespace()
    }
    return documents
  }

  private struct Parser {
    let bytes: [UInt8]
    var index = 0
    var line = 1

    func fail(_ message: String) -> Failure { Failure(line: line, message: message) }

    mutating func skipWhitespace() {
      while index < bytes.count {
        switch bytes[index] {
        case 0x0A: line += 1
        case 0x20, 0x09, 0x0D: break
        default: return
        }
        index += 1
      }
    }

    mutating func value(depth: Int) throws(Failure) -> JSONNode {
      guard depth < 256 else { throw fail("not valid JSON: nested too deeply") }
      skipWhitespace()
      guard index < bytes.count else {
        throw fail("not valid JSON: the text ends where a value should be (a truncated file?)")
      }
      let start = line
      switch bytes[index] {
      case UInt8(ascii: "{"):
        index += 1
        var members: [(key: String, value: JSONNode)] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
          index += 1
          return JSONNode(value: .object(members), line: start)
        }
        while true {
          skipWhitespace()
          guard index < bytes.count else {
            throw fail("not valid JSON: the text ends inside an object (a truncated file?)")
          }
          guard bytes[index] == UInt8(ascii: "\"") else {
            throw fail("not valid JSON: expected a member name in double quotes")
          }
          let key = try string()
          if members.contains(where: { $0.key == key }) { throw fail("member \"\(key)\" appears twice") }
          skipWhitespace()
          guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
            throw fail("not valid JSON: expected ':' after \"\(key)\"")
          }
          index += 1
          members.append((key, try value(depth: depth + 1)))
          skipWhitespace()
          guard index < bytes.count else {
            throw fail("not valid JSON: the text ends inside an object (a truncated file?)")
          }
          if bytes[index] == UInt8(ascii: ",") {
            index += 1
            continue
          }
          guard bytes[index] == UInt8(ascii: "}") else { throw fail("not valid JSON: expected ',' or '}'") }
          index += 1
          return JSONNode(value: .object(members), line: start)
        }
      case UInt8(ascii: "["):
        index += 1
        var items: [JSONNode] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
          index += 1
          return JSONNode(value: .array(items), line: start)
        }
        while true {
          items.append(try value(depth: depth + 1))
          skipWhitespace()
          guard index < bytes.count else {
            throw fail("not valid JSON: the text ends inside an array (a truncated file?)")
          }
          if bytes[index] == UInt8(ascii: ",") {
            index += 1
            continue
          }
          guard bytes[index] == UInt8(ascii: "]") else { throw fail("not valid JSON: expected ',' or ']'") }
          index += 1
          return JSONNode(value: .array(items), line: start)
        }
      case UInt8(ascii: "\""):
        return JSONNode(value: .string(try string()), line: start)
      case UInt8(ascii: "t"): return JSONNode(value: .bool(true), line: try literal("true"))
      case UInt8(ascii: "f"): return JSONNode(value: .bool(false), line: try literal("false"))
      case UInt8(ascii: "n"): return JSONNode(value: .null, line: try literal("null"))
      case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
        return JSONNode(value: .number(try number()), line: start)
      default:
        throw fail("not valid JSON: unexpected character '\(Character(Unicode.Scalar(bytes[index])))'")
      }
    }

    mutating func literal(_ word: String) throws(Failure) -> Int {
      let expected = Array(word.utf8)
      guard bytes[index...].starts(with: expected) else { throw fail("not valid JSON: expected \(word)") }
      index += expected.count
      return line
    }

    mutating func number() throws(Failure) -> String {
      let start = index
      func digits() -> Int {
        let first = index
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
          index += 1
        }
        return index - first
      }
      if bytes[index] == UInt8(ascii: "-") { index += 1 }
      let integerStart = index
      let integerDigits = digits()
      guard integerDigits > 0, integerDigits == 1 || bytes[integerStart] != UInt8(ascii: "0") else {
        throw fail("not valid JSON: malformed number")
      }
      if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
        index += 1
        guard digits() > 0 else { throw fail("not valid JSON: malformed number") }
      }
      if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
        index += 1
        if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
          index += 1
        }
        guard digits() > 0 else { throw fail("not valid JSON: malformed number") }
      }
      return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    mutating func string() throws(Failure) -> String {
      index += 1
      var out: [UInt8] = []
      while true {
        guard index < bytes.count else { throw fail("not valid JSON: the text ends inside a string") }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""):
          guard let text = String(validating: out, as: UTF8.self) else {
            throw fail("not valid JSON: a string is not valid UTF-8")
          }
          return text
        case UInt8(ascii: "\\"):
          guard index < bytes.count else { throw fail("not valid JSON: the text ends inside a string") }
          let escape = bytes[index]
          index += 1
          switch escape {
          case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
          case UInt8(ascii: "b"): out.append(0x08)
          case UInt8(ascii: "f"): out.append(0x0C)
          case UInt8(ascii: "n"): out.append(0x0A)
          case UInt8(ascii: "r"): out.append(0x0D)
          case UInt8(ascii: "t"): out.append(0x09)
          case UInt8(ascii: "u"):
            var scalar = try hex4()
            if (0xD800..<0xDC00).contains(scalar) {
              guard bytes[index...].starts(with: [UInt8(ascii: "\\"), UInt8(ascii: "u")]) else {
                throw fail("not valid JSON: an unpaired surrogate in a string")
              }
              index += 2
              let low = try hex4()
              guard (0xDC00..<0xE000).contains(low) else {
                throw fail("not valid JSON: an unpaired surrogate in a string")
              }
              scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let unicode = Unicode.Scalar(scalar) else {
              throw fail("not valid JSON: an unpaired surrogate in a string")
            }
            out.append(contentsOf: Array(String(Character(unicode)).utf8))
          default: throw fail("not valid JSON: unknown escape in a string")
          }
        case 0x00..<0x20:
          throw fail("not valid JSON: a control character inside a string (a line cut in two?)")
        default:
          out.append(byte)
        }
      }
    }

    mutating func hex4() throws(Failure) -> UInt32 {
      guard index + 4 <= bytes.count,
        let value = UInt32(String(decoding: bytes[index..<(index + 4)], as: UTF8.self), radix: 16)
      else { throw fail("not valid JSON: malformed \\u escape") }
      index += 4
      return value
    }
  }
}
