#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A forward-only cursor over one JSON text in memory, for the readers' fast path: it reads the
/// members a reader needs and skips everything else (long `content` strings, nested arrays)
/// without decoding it.
///
/// Every method answers nil or false when the input is not exactly what it expects: not strictly
/// valid JSON (RFC 8259: no trailing commas, no leading zeros, valid escapes), a key with an escape
/// or a non-ASCII byte, a number other than a plain integer, a string that is not valid UTF-8.
/// The caller then hands the line to `JSONDecoder`, which decides and words any error, so the fast
/// path only ever accepts lines the decoder reads the same way. Skipped strings are checked for
/// their escapes but not for control characters or UTF-8, which `JSONDecoder` does not check in
/// members it does not decode either.
struct JSONScanner {
  private var position: UnsafePointer<UInt8>
  private let end: UnsafePointer<UInt8>

  /// Containers nested deeper than this inside a skipped value are left to `JSONDecoder`
  /// (which has a nesting limit of its own, far above this).
  static let maxSkipDepth = 64

  /// A scanner over `bytes`; nil when there are none.
  init?(_ bytes: UnsafeRawBufferPointer) {
    guard let base = bytes.baseAddress, !bytes.isEmpty else { return nil }
    position = base.assumingMemoryBound(to: UInt8.self)
    end = position + bytes.count
  }

  /// One step through an object's members.
  enum Member {
    /// The key's bytes (no escapes, printable ASCII); the cursor is on the value.
    case key(UnsafeRawBufferPointer)
    /// The object's closing brace was consumed.
    case end
    /// Not valid JSON, or a key the scanner does not compare (escaped, non-ASCII).
    case invalid
  }

  // MARK: - Structure

  @inline(__always)
  private static func isWhitespace(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
  }

  @inline(__always)
  private static func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }

  /// Eight bytes at `pointer`, first byte lowest.
  @inline(__always)
  private static func word(at pointer: UnsafePointer<UInt8>) -> UInt64 {
    UInt64(littleEndian: UnsafeRawPointer(pointer).loadUnaligned(as: UInt64.self))
  }

  private static let ones: UInt64 = 0x0101_0101_0101_0101
  private static let highs: UInt64 = 0x8080_8080_8080_8080

  /// The high bit of each byte of `word` equal to `byte`; exact for the lowest such byte (the
  /// bytes after it may be flagged falsely), which is all the callers look at.
  @inline(__always)
  private static func bytes(_ word: UInt64, equalTo byte: UInt8) -> UInt64 {
    let diff = word ^ (ones &* UInt64(byte))
    return (diff &- ones) & ~diff & highs
  }

  /// Flags bytes that end or interrupt a plain string: `"`, `\`, and (when `strict`) control
  /// characters and non-ASCII bytes.
  @inline(__always)
  private static func stops(_ word: UInt64, strict: Bool) -> UInt64 {
    var mask = bytes(word, equalTo: UInt8(ascii: "\"")) | bytes(word, equalTo: UInt8(ascii: "\\"))
    if strict { mask |= ((word &- ones &* 0x20) & ~word & highs) | (word & highs) }
    return mask
  }

  /// Moves the cursor to the first byte that `stops` flags, eight bytes at a time while eight
  /// are left, then byte by byte; to `end` when there is none.
  @inline(__always)
  private mutating func advanceToStop(strict: Bool) {
    while end - position >= 8 {
      let mask = JSONScanner.stops(JSONScanner.word(at: position), strict: strict)
      if mask != 0 {
        position += mask.trailingZeroBitCount >> 3
        return
      }
      position += 8
    }
    while position < end {
      let byte = position.pointee
      if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || (strict && (byte < 0x20 || byte >= 0x80))
      {
        return
      }
      position += 1
    }
  }

  @inline(__always)
  private mutating func skipWhitespace() {
    while position < end && JSONScanner.isWhitespace(position.pointee) { position += 1 }
  }

  /// Whether only whitespace is left.
  mutating func atEnd() -> Bool {
    skipWhitespace()
    return position == end
  }

  /// Consumes `{` (after any whitespace); false for anything else.
  mutating func beginObject() -> Bool {
    skipWhitespace()
    guard position < end, position.pointee == UInt8(ascii: "{") else { return false }
    position += 1
    return true
  }

  /// The next member of the object whose `{` was consumed; `first` starts true and is managed here.
  /// After `.key`, the caller must consume the value (read it or `skipValue()`).
  @inline(__always)
  mutating func nextMember(_ first: inout Bool) -> Member {
    skipWhitespace()
    guard position < end else { return .invalid }
    if first {
      first = false
      if position.pointee == UInt8(ascii: "}") {
        position += 1
        return .end
      }
    } else {
      switch position.pointee {
      case UInt8(ascii: ","):
        position += 1
        skipWhitespace()
      case UInt8(ascii: "}"):
        position += 1
        return .end
      default:
        return .invalid
      }
    }
    guard position < end, position.pointee == UInt8(ascii: "\"") else { return .invalid }
    position += 1
    let start = position
    // JSONDecoder unescapes and validates the keys of the objects it decodes: a key with an
    // escape, a control character or a non-ASCII byte is left to it.
    advanceToStop(strict: true)
    guard position < end, position.pointee == UInt8(ascii: "\"") else { return .invalid }
    let key = UnsafeRawBufferPointer(start: start, count: position - start)
    position += 1
    skipWhitespace()
    guard position < end, position.pointee == UInt8(ascii: ":") else { return .invalid }
    position += 1
    skipWhitespace()
    return .key(key)
  }

  /// Consumes `[` (after any whitespace); false for anything else.
  mutating func beginArray() -> Bool {
    skipWhitespace()
    guard position < end, position.pointee == UInt8(ascii: "[") else { return false }
    position += 1
    return true
  }

  /// Steps to the next element of the array whose `[` was consumed (`first` starts true): true
  /// with the cursor on an element, false after the closing bracket, nil when not valid JSON.
  mutating func nextElement(_ first: inout Bool) -> Bool? {
    skipWhitespace()
    guard position < end else { return nil }
    if position.pointee == UInt8(ascii: "]") {
      position += 1
      return false
    }
    if first {
      first = false
    } else {
      guard position.pointee == UInt8(ascii: ",") else { return nil }
      position += 1
      skipWhitespace()
    }
    return position < end ? true : nil
  }

  /// Reads `true` or `false`; nil, with the cursor unmoved, for anything else.
  mutating func bool() -> Bool? {
    if end - position >= 4, position[0] == UInt8(ascii: "t"), position[1] == UInt8(ascii: "r"),
      position[2] == UInt8(ascii: "u"), position[3] == UInt8(ascii: "e")
    {
      position += 4
      return true
    }
    if end - position >= 5, position[0] == UInt8(ascii: "f"), position[1] == UInt8(ascii: "a"),
      position[2] == UInt8(ascii: "l"), position[3] == UInt8(ascii: "s"), position[4] == UInt8(ascii: "e")
    {
      position += 5
      return false
    }
    return nil
  }

  /// Consumes `null`; false, with the cursor unmoved, for anything else.
  mutating func null() -> Bool {
    guard end - position >= 4, position[0] == UInt8(ascii: "n"), position[1] == UInt8(ascii: "u"),
      position[2] == UInt8(ascii: "l"), position[3] == UInt8(ascii: "l")
    else { return false }
    position += 4
    return true
  }

  // MARK: - Values that are kept

  /// A string value, unescaped; nil for anything but a valid JSON string of valid UTF-8 (a raw
  /// control character, a bad escape, an unpaired surrogate).
  mutating func string() -> String? {
    guard let raw = rawString() else { return nil }
    return JSONScanner.makeString(raw)
  }

  /// Like `string()`, but a plain ASCII string already in `cache` costs no allocation.
  mutating func string(cache: inout StringCache) -> String? {
    guard let raw = rawString() else { return nil }
    if raw.plain, let cached = cache.lookup(raw.bytes) { return cached }
    guard let made = JSONScanner.makeString(raw) else { return nil }
    if raw.plain { cache.insert(raw.bytes, made) }
    return made
  }

  /// The bytes between the quotes of a string value, checked: `plain` when they are printable
  /// ASCII without escapes.
  private mutating func rawString() -> (bytes: UnsafeBufferPointer<UInt8>, plain: Bool, escaped: Bool)? {
    guard position < end, position.pointee == UInt8(ascii: "\"") else { return nil }
    position += 1
    let start = position
    advanceToStop(strict: true)
    if position < end && position.pointee == UInt8(ascii: "\"") {
      let bytes = UnsafeBufferPointer(start: start, count: position - start)
      position += 1
      return (bytes, true, false)
    }
    var ascii = true
    var escaped = false
    while true {
      guard position < end else { return nil }
      let byte = position.pointee
      if byte == UInt8(ascii: "\"") { break }
      if byte == UInt8(ascii: "\\") {
        escaped = true
        guard skipEscape() else { return nil }
        continue
      }
      guard byte >= 0x20 else { return nil }
      if byte >= 0x7F { ascii = false }
      position += 1
    }
    let bytes = UnsafeBufferPointer(start: start, count: position - start)
    position += 1
    return (bytes, ascii && !escaped, escaped)
  }

  private static func makeString(_ raw: (bytes: UnsafeBufferPointer<UInt8>, plain: Bool, escaped: Bool))
    -> String?
  {
    if raw.plain { return String(decoding: raw.bytes, as: UTF8.self) }
    if !raw.escaped { return String(validating: raw.bytes, as: UTF8.self) }
    return unescape(raw.bytes)
  }

  /// Decodes the escapes of a string's bytes (already checked by `skipEscape`); nil for an
  /// unpaired surrogate or bytes that are not UTF-8.
  private static func unescape(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    var index = 0
    func hex4(_ at: Int) -> UInt32 {
      var value: UInt32 = 0
      for byte in bytes[at..<(at + 4)] { value = value << 4 | UInt32(hexValue(byte)) }
      return value
    }
    while index < bytes.count {
      let byte = bytes[index]
      guard byte == UInt8(ascii: "\\") else {
        out.append(byte)
        index += 1
        continue
      }
      let kind = bytes[index + 1]
      index += 2
      switch kind {
      case UInt8(ascii: "b"): out.append(0x08)
      case UInt8(ascii: "f"): out.append(0x0C)
      case UInt8(ascii: "n"): out.append(0x0A)
      case UInt8(ascii: "r"): out.append(0x0D)
      case UInt8(ascii: "t"): out.append(0x09)
      case UInt8(ascii: "u"):
        var scalar = hex4(index)
        index += 4
        if (0xD800..<0xDC00).contains(scalar) {
          guard index + 6 <= bytes.count, bytes[index] == UInt8(ascii: "\\"),
            bytes[index + 1] == UInt8(ascii: "u")
          else { return nil }
          let low = hex4(index + 2)
          guard (0xDC00..<0xE000).contains(low) else { return nil }
          scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
          index += 6
        }
        guard let unicode = Unicode.Scalar(scalar) else { return nil }
        out.append(contentsOf: UTF8.encode(unicode)!)
      default: out.append(kind)  // \" \\ \/
      }
    }
    return String(validating: out, as: UTF8.self)
  }

  @inline(__always)
  private static func hexValue(_ byte: UInt8) -> UInt8 {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: 0xFF
    }
  }

  /// A token count written as a plain whole number (`1200`, or `1200.0`) of at most 10^12; nil for
  /// anything else, including negative numbers, exponents and fractions (JSONDecoder words those).
  mutating func tokenCount() -> Int? {
    let start = position
    var value = 0
    if position < end && position.pointee == UInt8(ascii: "0") {
      position += 1
    } else {
      while position < end && JSONScanner.isDigit(position.pointee) {
        guard position - start < 13 else { return nil }
        value = value &* 10 &+ Int(position.pointee &- 0x30)
        position += 1
      }
      guard position > start else { return nil }
    }
    if position < end && position.pointee == UInt8(ascii: ".") {
      position += 1
      let fraction = position
      while position < end && position.pointee == UInt8(ascii: "0") { position += 1 }
      guard position > fraction else { return nil }
    }
    if position < end {
      let next = position.pointee
      guard !JSONScanner.isDigit(next), next != UInt8(ascii: "."), next | 0x20 != UInt8(ascii: "e") else {
        return nil
      }
    }
    guard value <= 1_000_000_000_000 else { return nil }
    return value
  }

  /// An integer written plainly (`-?[0-9]+`, at most 18 digits); nil for anything else.
  mutating func integer() -> Int64? {
    var negative = false
    if position < end && position.pointee == UInt8(ascii: "-") {
      negative = true
      position += 1
    }
    let start = position
    var value: Int64 = 0
    if position < end && position.pointee == UInt8(ascii: "0") {
      position += 1
    } else {
      while position < end && JSONScanner.isDigit(position.pointee) {
        guard position - start < 18 else { return nil }
        value = value &* 10 &+ Int64(position.pointee &- 0x30)
        position += 1
      }
      guard position > start else { return nil }
    }
    if position < end {
      let next = position.pointee
      guard !JSONScanner.isDigit(next), next != UInt8(ascii: "."), next | 0x20 != UInt8(ascii: "e") else {
        return nil
      }
    }
    return negative ? -value : value
  }

  // MARK: - Values that are skipped

  /// Skips one value of any kind, checking that it is valid JSON.
  mutating func skipValue() -> Bool { skipValue(depth: 0) }

  private mutating func skipValue(depth: Int) -> Bool {
    guard position < end else { return false }
    switch position.pointee {
    case UInt8(ascii: "\""):
      position += 1
      return skipStringBody()
    case UInt8(ascii: "{"):
      guard depth < JSONScanner.maxSkipDepth else { return false }
      position += 1
      skipWhitespace()
      guard position < end else { return false }
      if position.pointee == UInt8(ascii: "}") {
        position += 1
        return true
      }
      while true {
        guard position < end, position.pointee == UInt8(ascii: "\"") else { return false }
        position += 1
        guard skipStringBody() else { return false }
        skipWhitespace()
        guard position < end, position.pointee == UInt8(ascii: ":") else { return false }
        position += 1
        skipWhitespace()
        guard skipValue(depth: depth + 1) else { return false }
        skipWhitespace()
        guard position < end else { return false }
        if position.pointee == UInt8(ascii: ",") {
          position += 1
          skipWhitespace()
        } else if position.pointee == UInt8(ascii: "}") {
          position += 1
          return true
        } else {
          return false
        }
      }
    case UInt8(ascii: "["):
      guard depth < JSONScanner.maxSkipDepth else { return false }
      position += 1
      skipWhitespace()
      guard position < end else { return false }
      if position.pointee == UInt8(ascii: "]") {
        position += 1
        return true
      }
      while true {
        guard skipValue(depth: depth + 1) else { return false }
        skipWhitespace()
        guard position < end else { return false }
        if position.pointee == UInt8(ascii: ",") {
          position += 1
          skipWhitespace()
        } else if position.pointee == UInt8(ascii: "]") {
          position += 1
          return true
        } else {
          return false
        }
      }
    case UInt8(ascii: "t"): return skipLiteral("true")
    case UInt8(ascii: "f"): return skipLiteral("false")
    case UInt8(ascii: "n"): return skipLiteral("null")
    default: return skipNumber()
    }
  }

  /// Skips a string whose opening quote was consumed, checking its escapes: a short string a word
  /// of eight bytes at a time; a long one with `memchr` for the closing quote and then for a
  /// backslash before it, and when there is one, escape by escape from there (the next `\\` or
  /// `"` found a word at a time), so an escaped quote is stepped over and a malformed escape refused.
  private mutating func skipStringBody() -> Bool {
    // Most skipped strings are short ("assistant", "end_turn").
    let shortEnd = end - position > 32 ? position + 32 : end
    while shortEnd - position >= 8 {
      let mask = JSONScanner.stops(JSONScanner.word(at: position), strict: false)
      if mask != 0 {
        position += mask.trailingZeroBitCount >> 3
        if position.pointee == UInt8(ascii: "\"") {
          position += 1
          return true
        }
        return skipEscapes()
      }
      position += 8
    }
    guard let quote = JSONScanner.find(UInt8(ascii: "\""), from: position, to: end) else { return false }
    guard let backslash = JSONScanner.find(UInt8(ascii: "\\"), from: position, to: quote) else {
      position = quote + 1
      return true
    }
    position = backslash
    return skipEscapes()
  }

  /// Skips the rest of a string from a backslash at the cursor. Text written by `json.dumps` can
  /// have an escape every few bytes (`\\u00e9`, `\\n`), so this loop is kept tight: the cursor in a
  /// local, the escape checked without a call, the next stop found a word at a time.
  private mutating func skipEscapes() -> Bool {
    var cursor = position
    let end = self.end
    while true {
      // Both checks are made and one is chosen: escapes of both kinds alternate unpredictably.
      guard end - cursor >= 6 else { return skipEscapesNearEnd(cursor) }
      let kind = cursor[1]
      let unicode = kind == UInt8(ascii: "u")
      let valid = unicode ? JSONScanner.isHex4(cursor + 2) : JSONScanner.isShortEscape(kind)
      guard valid else { return false }
      cursor += unicode ? 6 : 2
      while true {
        if end - cursor >= 8 {
          let mask = JSONScanner.stops(JSONScanner.word(at: cursor), strict: false)
          if mask != 0 {
            cursor += mask.trailingZeroBitCount >> 3
            break
          }
          cursor += 8
        } else {
          while cursor < end && cursor.pointee != UInt8(ascii: "\"") && cursor.pointee != UInt8(ascii: "\\") {
            cursor += 1
          }
          guard cursor < end else { return false }
          break
        }
      }
      if cursor.pointee == UInt8(ascii: "\"") {
        position = cursor + 1
        return true
      }
    }
  }

  /// `skipEscapes` within six bytes of the end, where a `\\u` escape cannot fit: only a short
  /// escape and the closing quote can.
  private mutating func skipEscapesNearEnd(_ start: UnsafePointer<UInt8>) -> Bool {
    position = start
    while end - position >= 2 && position.pointee == UInt8(ascii: "\\")
      && JSONScanner.isShortEscape(position[1])
    {
      position += 2
      while position < end && position.pointee != UInt8(ascii: "\"") && position.pointee != UInt8(ascii: "\\")
      {
        position += 1
      }
    }
    guard position < end, position.pointee == UInt8(ascii: "\"") else { return false }
    position += 1
    return true
  }

  /// Whether the four bytes at `pointer` are hex digits, tested together without branches: for
  /// each byte, `(byte | 0x80) - low` has its high bit set when `byte >= low` (and byte < 0x80).
  @inline(__always)
  private static func isHex4(_ pointer: UnsafePointer<UInt8>) -> Bool {
    let bytes = UInt32(littleEndian: UnsafeRawPointer(pointer).loadUnaligned(as: UInt32.self))
    let high: UInt32 = 0x8080_8080
    let lanes: UInt32 = 0x0101_0101
    func atLeast(_ value: UInt32, _ low: UInt32) -> UInt32 { ((value | high) &- lanes &* low) & high }
    let digit = atLeast(bytes, 0x30) & ~atLeast(bytes, 0x3A)
    let letter = bytes | lanes &* 0x20
    let alpha = atLeast(letter, 0x61) & ~atLeast(letter, 0x67)
    return (digit | alpha) & ~bytes == high
  }

  /// Whether `\\` and `byte` make one of the two-character escapes: `\\"` `\\\\` `\\/` `\\b` `\\f` `\\n` `\\r` `\\t`.
  @inline(__always)
  private static func isShortEscape(_ byte: UInt8) -> Bool {
    let below64: UInt64 = 1 << 0x22 | 1 << 0x2F
    let above64: UInt64 =
      1 << (0x5C - 64) | 1 << (0x62 - 64) | 1 << (0x66 - 64) | 1 << (0x6E - 64)
      | 1 << (0x72 - 64) | 1 << (0x74 - 64)
    let table = byte & 0x40 == 0 ? below64 : above64
    return (table >> UInt64(byte & 0x3F)) & UInt64(1 &- (byte >> 7)) != 0
  }

  /// Steps over the escape at the cursor (`\n`, `\"`, `\u00e9` ...); false when it is not one.
  @inline(__always)
  private mutating func skipEscape() -> Bool {
    guard end - position >= 2 else { return false }
    switch position[1] {
    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
      UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
      position += 2
      return true
    case UInt8(ascii: "u"):
      guard end - position >= 6,
        JSONScanner.hexValue(position[2]) | JSONScanner.hexValue(position[3])
          | JSONScanner.hexValue(position[4])
          | JSONScanner.hexValue(position[5]) != 0xFF
      else { return false }
      position += 6
      return true
    default:
      return false
    }
  }

  @inline(__always)
  private static func find(_ byte: UInt8, from start: UnsafePointer<UInt8>, to limit: UnsafePointer<UInt8>)
    -> UnsafePointer<UInt8>?
  {
    guard start < limit, let found = memchr(start, Int32(byte), limit - start) else { return nil }
    return UnsafePointer(found.assumingMemoryBound(to: UInt8.self))
  }

  private mutating func skipLiteral(_ word: StaticString) -> Bool {
    let count = word.utf8CodeUnitCount
    guard end - position >= count, memcmp(position, word.utf8Start, count) == 0 else { return false }
    position += count
    return true
  }

  /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
  private mutating func skipNumber() -> Bool {
    if position < end && position.pointee == UInt8(ascii: "-") { position += 1 }
    guard position < end else { return false }
    if position.pointee == UInt8(ascii: "0") {
      position += 1
    } else {
      guard skipDigits() else { return false }
    }
    if position < end && position.pointee == UInt8(ascii: ".") {
      position += 1
      guard skipDigits() else { return false }
    }
    if position < end && position.pointee | 0x20 == UInt8(ascii: "e") {
      position += 1
      if position < end && (position.pointee == UInt8(ascii: "+") || position.pointee == UInt8(ascii: "-")) {
        position += 1
      }
      guard skipDigits() else { return false }
    }
    return true
  }

  private mutating func skipDigits() -> Bool {
    let start = position
    while position < end && JSONScanner.isDigit(position.pointee) { position += 1 }
    return position > start
  }
}

extension UnsafeRawBufferPointer {
  /// Whether these bytes (a key from `JSONScanner.nextMember`) spell `name`.
  @inline(__always)
  func isKey(_ name: StaticString) -> Bool {
    count == name.utf8CodeUnitCount && memcmp(baseAddress!, name.utf8Start, count) == 0
  }
}

/// The last few plain strings a reader made (model names), so a repeated one is shared rather
/// than allocated again for every line.
struct StringCache {
  private var entries: [(bytes: [UInt8], string: String)] = []
  private var next = 0
  static let capacity = 16

  func lookup(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
    for entry in entries where entry.bytes.count == bytes.count {
      if entry.bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 }
      ) {
        return entry.string
      }
    }
    return nil
  }

  mutating func insert(_ bytes: UnsafeBufferPointer<UInt8>, _ string: String) {
    guard !bytes.isEmpty else { return }
    if entries.count < StringCache.capacity {
      entries.append((Array(bytes), string))
    } else {
      entries[next] = (Array(bytes), string)
      next = (next + 1) % StringCache.capacity
    }
  }
}

/// The members of one object the scanner has read, to refuse a repeated one (JSONDecoder keeps
/// the first of duplicate keys; the scanner leaves such a line to it) and to tell a required one
/// that is missing.
struct SeenMembers {
  private var bits: UInt32 = 0

  /// Marks `bit`; false when it was marked already.
  @inline(__always)
  mutating func first(_ bit: UInt32) -> Bool {
    defer { bits |= bit }
    return bits & bit == 0
  }

  /// Whether every bit of `mask` is marked.
  func contains(_ mask: UInt32) -> Bool { bits & mask == mask }
}
