import Foundation

/// Why a `--id-pattern` was refused, or gave up on an id. The message reads after
/// `--id-pattern: ` and says what to write instead.
public struct IDPatternError: Error, Hashable, Sendable, CustomStringConvertible {
  public let description: String
}

/// The regular expression of `tally ingest --id-pattern`, searched in a record's `custom_id`.
///
/// Matching is that of Swift `Regex.firstMatch(in:)` with `.matchingSemantics(.unicodeScalar)`:
/// the leftmost match, alternatives and quantifiers tried in backtracking order (greedy or
/// lazy), a repeated group capturing its last iteration. On ASCII ids without a `\r\n` pair
/// (every real id), that is also the default `Regex` on `String`.
///
/// The syntax is the subset ids need: literals and escaped punctuation (`\.`, `\-`, `\_`),
/// `.`, `\d \w \s \D \W \S \t \n \r`, classes (`[a-z0-9_-]`, `[^_]`), groups `( )`, `(?: )`,
/// `(?<name> )`, `|`, quantifiers `* + ? {m} {m,} {m,n} {,n}` and their lazy forms, anchors `^ $`.
/// Everything else is refused with a message, and so is a repeated group that holds a quantifier
/// (`(a+)+`) or can match nothing (`(a|)*`).
///
/// Time is linear in the id: the matcher runs over the id's UTF-8 bytes, remembers which
/// (instruction, position) pairs already failed so that no pair is explored twice, and stops
/// with an error after `stepBudget` steps.
public struct IDPattern: Sendable {
  /// The pattern as written.
  public let source: String
  /// Whether a group named `tenant` / `job` exists.
  public let capturesTenant: Bool
  public let capturesJob: Bool
  let program: IDPatternProgram
  /// Capture slot of the `tenant` and `job` groups in `program`, if they exist.
  private let tenantSlot: Int?
  private let jobSlot: Int?

  /// Steps (instructions run and characters examined) allowed per id.
  public static let stepBudget = 100_000

  /// What the groups `tenant` and `job` captured; nil when the group took no part in the match.
  public struct Match: Hashable, Sendable {
    public var tenant: String?
    public var job: String?
  }

  /// Compiles a pattern that has a group named `tenant` or `job`.
  public init(_ source: String) throws(IDPatternError) {
    let parsed = try IDPatternParser.parse(source)
    let tenant = parsed.groupNames["tenant"]
    let job = parsed.groupNames["job"]
    guard tenant != nil || job != nil else {
      throw IDPatternError(
        description:
          "the pattern has no group named tenant or job; name what it captures, as in ^(?<tenant>[a-z0-9-]+)__(?<job>[a-z-]+)__"
      )
    }
    let captured = [tenant, job].compactMap { $0 }
    try self.init(source: source, parsed: parsed, capturing: captured)
  }

  /// Compiles any pattern of the subset, capturing the whole match (group 0) and every group:
  /// for comparisons with Swift `Regex` in tests.
  init(capturingEveryGroup source: String) throws(IDPatternError) {
    let parsed = try IDPatternParser.parse(source)
    let whole = IDPatternParser.Result(
      root: .group(parsed.root, number: 0), groupCount: parsed.groupCount, groupNames: parsed.groupNames)
    try self.init(source: source, parsed: whole, capturing: Array(0...parsed.groupCount))
  }

  private init(source: String, parsed: IDPatternParser.Result, capturing groups: [Int]) throws(IDPatternError)
  {
    self.source = source
    capturesTenant = parsed.groupNames["tenant"] != nil
    capturesJob = parsed.groupNames["job"] != nil
    let program = try IDPatternCompiler.compile(parsed.root, capturing: groups)
    self.program = program
    tenantSlot = parsed.groupNames["tenant"].flatMap { program.slotOfGroup[$0] }
    jobSlot = parsed.groupNames["job"].flatMap { program.slotOfGroup[$0] }
  }

  /// The leftmost match in `id`, or nil. Throws when the id needs more than `stepBudget` steps.
  public func firstMatch(in id: String) throws(IDPatternError) -> Match? {
    let tenantSlot = self.tenantSlot
    let jobSlot = self.jobSlot
    let result = program.withMatch(in: id) { text, slots -> Match in
      func capture(_ slot: Int?) -> String? {
        guard let slot, slots[2 * slot] >= 0, slots[2 * slot + 1] >= 0 else { return nil }
        return String(
          decoding: UnsafeBufferPointer(rebasing: text[slots[2 * slot]..<slots[2 * slot + 1]]), as: UTF8.self)
      }
      return Match(tenant: capture(tenantSlot), job: capture(jobSlot))
    }
    switch result {
    case .matched(let match): return match
    case .noMatch: return nil
    case .budgetExceeded: throw Self.budgetError
    }
  }

  /// For a pattern compiled `capturingEveryGroup`: the whole match and every group's capture,
  /// in the order of Swift `Regex`'s output.
  func captures(in id: String) throws(IDPatternError) -> [String?]? {
    let program = self.program
    let result = program.withMatch(in: id) { text, slots -> [String?] in
      (0..<program.slotCount / 2).map { slot in
        guard slots[2 * slot] >= 0, slots[2 * slot + 1] >= 0 else { return nil }
        return String(
          decoding: UnsafeBufferPointer(rebasing: text[slots[2 * slot]..<slots[2 * slot + 1]]), as: UTF8.self)
      }
    }
    switch result {
    case .matched(let captures): return captures
    case .noMatch: return nil
    case .budgetExceeded: throw Self.budgetError
    }
  }

  private static let budgetError = IDPatternError(
    description:
      "gave up after \(stepBudget) steps; simplify the pattern (anchor it with ^ and $, and use classes that cannot overlap, such as [a-z]+_ rather than .*_)"
  )
}

// MARK: - Syntax tree and parser

/// One scalar from a set: a class, an escape such as `\d`, `.` or a literal.
struct ScalarClass: Hashable, Sendable {
  /// Membership of the 128 ASCII scalars, negation applied.
  var low: UInt64 = 0
  var high: UInt64 = 0
  /// Items as written, before negation: ranges of scalars, and the properties of `\d \w \s`,
  /// their negations, and `.`.
  var ranges: [ClosedRange<UInt32>] = []
  var properties: [Property] = []
  var negated = false

  enum Property: Hashable, Sendable {
    case digit, word, space, notDigit, notWord, notSpace, notNewline

    /// As Swift `Regex` decides with Unicode scalar semantics.
    func contains(_ scalar: Unicode.Scalar) -> Bool {
      switch self {
      case .digit: scalar.properties.numericType != nil
      case .word: scalar.properties.isAlphabetic || scalar == "_" || ("0"..."9").contains(scalar)
      case .space: scalar.properties.isWhitespace
      case .notDigit: !Property.digit.contains(scalar)
      case .notWord: !Property.word.contains(scalar)
      case .notSpace: !Property.space.contains(scalar)
      case .notNewline:
        !["\n", "\r", "\u{0B}", "\u{0C}", "\u{85}", "\u{2028}", "\u{2029}"].contains(scalar)
      }
    }
  }

  init(ranges: [ClosedRange<UInt32>] = [], properties: [Property] = [], negated: Bool = false) {
    self.ranges = ranges
    self.properties = properties
    self.negated = negated
    for value in UInt32(0)..<128 where itemsContain(value) != negated {
      if value < 64 { low |= 1 << UInt64(value) } else { high |= 1 << UInt64(value - 64) }
    }
  }

  static func single(_ scalar: Unicode.Scalar) -> ScalarClass {
    ScalarClass(ranges: [scalar.value...scalar.value])
  }

  private func itemsContain(_ value: UInt32) -> Bool {
    if ranges.contains(where: { $0.contains(value) }) { return true }
    guard let scalar = Unicode.Scalar(value) else { return false }
    return properties.contains { $0.contains(scalar) }
  }

  func containsNonASCII(_ value: UInt32) -> Bool { itemsContain(value) != negated }

  /// Whether some scalar above U+007F belongs to the class.
  var mayContainNonASCII: Bool {
    negated || !properties.isEmpty || ranges.contains { $0.upperBound >= 0x80 }
  }
}

indirect enum PatternNode: Hashable, Sendable {
  case scalar(Unicode.Scalar)
  case scalarClass(ScalarClass)
  case startAnchor
  case endAnchor
  /// A group; `number` for a capturing group (1 for the first opening parenthesis).
  case group(PatternNode, number: Int?)
  case sequence([PatternNode])
  case alternation([PatternNode])
  case repetition(PatternNode, min: Int, max: Int?, lazy: Bool)

  /// Whether the node can match without consuming anything.
  var isNullable: Bool {
    switch self {
    case .scalar, .scalarClass: false
    case .startAnchor, .endAnchor: true
    case .group(let body, _): body.isNullable
    case .sequence(let items): items.allSatisfy(\.isNullable)
    case .alternation(let branches): branches.contains(where: \.isNullable)
    case .repetition(let body, let min, _, _): min == 0 || body.isNullable
    }
  }

  var containsRepetition: Bool {
    switch self {
    case .scalar, .scalarClass, .startAnchor, .endAnchor: false
    case .group(let body, _): body.containsRepetition
    case .sequence(let items), .alternation(let items): items.contains(where: \.containsRepetition)
    case .repetition: true
    }
  }

  /// Whether every match starts with `^`, so only the first position needs trying.
  var isAnchoredAtStart: Bool {
    switch self {
    case .startAnchor: true
    case .scalar, .scalarClass, .endAnchor: false
    case .group(let body, _): body.isAnchoredAtStart
    case .sequence(let items): items.first?.isAnchoredAtStart ?? false
    case .alternation(let branches): branches.allSatisfy(\.isAnchoredAtStart)
    case .repetition(let body, let min, _, _): min > 0 && body.isAnchoredAtStart
    }
  }

  /// The bytes a match can start with, and whether it can be empty (then any position may match).
  var firstBytes: (bytes: ByteSet, nullable: Bool) {
    switch self {
    case .scalar(let scalar): (ByteSet(UTF8.encode(scalar)!.first!), false)
    case .scalarClass(let set): (ByteSet(set), false)
    case .startAnchor, .endAnchor: (ByteSet(), true)
    case .group(let body, _): body.firstBytes
    case .sequence(let items):
      items.reduce((ByteSet(), true)) { result, item in
        guard result.nullable else { return result }
        let next = item.firstBytes
        return (result.bytes.union(next.bytes), next.nullable)
      }
    case .alternation(let branches):
      branches.reduce((ByteSet(), false)) { result, branch in
        let next = branch.firstBytes
        return (result.bytes.union(next.bytes), result.nullable || next.nullable)
      }
    case .repetition(let body, let min, _, _):
      (body.firstBytes.bytes, min == 0 || body.firstBytes.nullable)
    }
  }
}

/// A set of byte values, for skipping start positions no match can begin at.
struct ByteSet: Sendable {
  var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

  init() {}

  init(_ byte: UInt8) { insert(byte) }

  /// The first bytes of the class's members: its ASCII members, and every UTF-8 lead byte when
  /// it may hold a scalar above U+007F.
  init(_ set: ScalarClass) {
    words.0 = set.low
    words.1 = set.high
    if set.mayContainNonASCII { words.2 = 0; words.3 = ~0 }
  }

  mutating func insert(_ byte: UInt8) {
    let bit = UInt64(1) << UInt64(byte & 63)
    switch byte >> 6 {
    case 0: words.0 |= bit
    case 1: words.1 |= bit
    case 2: words.2 |= bit
    default: words.3 |= bit
    }
  }

  @inline(__always) func contains(_ byte: UInt8) -> Bool {
    let word: UInt64
    switch byte >> 6 {
    case 0: word = words.0
    case 1: word = words.1
    case 2: word = words.2
    default: word = words.3
    }
    return (word >> UInt64(byte & 63)) & 1 == 1
  }

  func union(_ other: ByteSet) -> ByteSet {
    var result = self
    result.words = (
      words.0 | other.words.0, words.1 | other.words.1, words.2 | other.words.2, words.3 | other.words.3
    )
    return result
  }
}

/// Reads the pattern syntax into a `PatternNode`, refusing what the subset leaves out.
struct IDPatternParser {
  struct Result {
    let root: PatternNode
    let groupCount: Int
    /// Group name → group number.
    let groupNames: [String: Int]
  }

  private let scalars: [Unicode.Scalar]
  private var index = 0
  private var groupCount = 0
  private var groupNames: [String: Int] = [:]

  /// Counted repetitions above this are refused (they would make the program large).
  static let maximumCount = 1000

  static let supported =
    "the pattern may use literals, escaped punctuation such as \\. \\- \\_ \\/, the classes . \\d \\w \\s \\D \\W \\S and [a-z0-9_-] or [^_], the escapes \\t \\n \\r, groups ( ) (?: ) (?<name> ), alternatives |, quantifiers * + ? {m} {m,} {m,n} and their lazy forms *? +? ?? {m,n}?, and the anchors ^ $"

  static func parse(_ source: String) throws(IDPatternError) -> Result {
    var parser = IDPatternParser(scalars: Array(source.unicodeScalars))
    let root = try parser.alternation()
    if parser.index < parser.scalars.count {
      throw parser.error("the ) at character \(parser.index + 1) closes no group; write \\) for a literal )")
    }
    return Result(root: root, groupCount: parser.groupCount, groupNames: parser.groupNames)
  }

  private init(scalars: [Unicode.Scalar]) { self.scalars = scalars }

  private var peek: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }
  private func peek(_ offset: Int) -> Unicode.Scalar? {
    index + offset < scalars.count ? scalars[index + offset] : nil
  }

  private func error(_ message: String) -> IDPatternError { IDPatternError(description: message) }

  private func unsupported(_ what: String, at position: Int) -> IDPatternError {
    error("\(what) (at character \(position + 1)) is not supported; \(Self.supported)")
  }

  private func text(_ range: Range<Int>) -> String {
    var view = String.UnicodeScalarView()
    view.append(contentsOf: scalars[range])
    return String(view)
  }

  private mutating func alternation() throws(IDPatternError) -> PatternNode {
    var branches = [try sequence()]
    while peek == "|" {
      index += 1
      branches.append(try sequence())
    }
    return branches.count == 1 ? branches[0] : .alternation(branches)
  }

  private mutating func sequence() throws(IDPatternError) -> PatternNode {
    var items: [PatternNode] = []
    while let next = peek, next != "|", next != ")" {
      let start = index
      var node = try atom()
      if let (min, max, lazy) = try quantifier() {
        let written = text(start..<index)
        if node == .startAnchor || node == .endAnchor {
          throw error("a quantifier on an anchor (\(written)) means nothing; remove it")
        }
        if max.map({ $0 > 1 }) ?? true {
          if node.containsRepetition {
            throw error(
              "nested quantifiers such as (a+)+ can take exponential time; rewrite the pattern without a quantifier inside a repeated group (here \(written))"
            )
          }
          if node.isNullable {
            throw error(
              "the repeated group \(written) can match the empty string; make every alternative of it match at least one character"
            )
          }
        }
        node = .repetition(node, min: min, max: max, lazy: lazy)
        if let after = peek,
          ["*", "+", "?"].contains(after) || (after == "{" && isCountedQuantifier(at: index))
        {
          throw error(
            "a quantifier after a quantifier (\(written)\(Character(after))) is not supported; write one quantifier"
          )
        }
      }
      items.append(node)
    }
    return items.count == 1 ? items[0] : .sequence(items)
  }

  private mutating func atom() throws(IDPatternError) -> PatternNode {
    let start = index
    let scalar = scalars[index]
    index += 1
    switch scalar {
    case "(": return try group(openedAt: start)
    case "[": return try characterClass(openedAt: start)
    case ".": return .scalarClass(ScalarClass(properties: [.notNewline]))
    case "^": return .startAnchor
    case "$": return .endAnchor
    case "\\": return try escape(at: start)
    case "*", "+", "?":
      throw error(
        "the quantifier \(Character(scalar)) at character \(start + 1) has nothing to repeat; write \\\(Character(scalar)) for a literal \(Character(scalar))"
      )
    case "{":
      if isCountedQuantifier(at: start) {
        throw error(
          "the quantifier at character \(start + 1) has nothing to repeat; write \\{ for a literal {")
      }
      throw error(
        "write \\{ for a literal { (at character \(start + 1)); a quantifier reads {m}, {m,} or {m,n}")
    case "}": throw error("write \\} for a literal } (at character \(start + 1))")
    case "]": throw error("write \\] for a literal ] (at character \(start + 1))")
    default: return .scalar(scalar)
    }
  }

  private mutating func group(openedAt start: Int) throws(IDPatternError) -> PatternNode {
    var number: Int?
    if peek == "?" {
      switch (peek(1), peek(2)) {
      case (":", _):
        index += 2
      case ("<", "="), ("<", "!"):
        throw unsupported("a lookbehind (?<\(Character(peek(2)!))", at: start)
      case ("<", _):
        index += 2
        let nameStart = index
        while let next = peek, next.properties.isAlphabetic || next == "_" || ("0"..."9").contains(next),
          next.isASCII
        {
          index += 1
        }
        let name = text(nameStart..<index)
        guard peek == ">", !name.isEmpty, !("0"..."9").contains(scalars[nameStart]) else {
          throw error(
            "a group name (at character \(nameStart + 1)) is letters, digits and _, not starting with a digit, closed by >: (?<tenant>...)"
          )
        }
        index += 1
        guard groupNames[name] == nil else {
          throw error("two groups are named \(name); name each group once")
        }
        groupCount += 1
        number = groupCount
        groupNames[name] = groupCount
      case ("=", _), ("!", _):
        throw unsupported("a lookahead (?\(Character(peek(1)!))", at: start)
      case (">", _):
        throw unsupported("an atomic group (?>", at: start)
      case ("P", _), ("'", _):
        throw error(
          "write a named group as (?<name>...) (at character \(start + 1)); \(Self.supported)")
      case ("#", _):
        throw unsupported("a comment (?#", at: start)
      default:
        throw unsupported(
          "an inline option or special group (?\(peek(1).map { String(Character($0)) } ?? "")", at: start)
      }
    } else {
      groupCount += 1
      number = groupCount
    }
    let body = try alternation()
    guard peek == ")" else {
      throw error("the group opened at character \(start + 1) is not closed; add a )")
    }
    index += 1
    return .group(body, number: number)
  }

  /// An escape outside a class.
  private mutating func escape(at start: Int) throws(IDPatternError) -> PatternNode {
    switch try escapedItem(at: start, inClass: false) {
    case .scalar(let scalar): return .scalar(scalar)
    case .property(let property): return .scalarClass(ScalarClass(properties: [property]))
    }
  }

  private enum EscapedItem {
    case scalar(Unicode.Scalar)
    case property(ScalarClass.Property)
  }

  private mutating func escapedItem(at start: Int, inClass: Bool) throws(IDPatternError) -> EscapedItem {
    guard let next = peek else {
      throw error("the pattern ends with a lone \\; write \\\\ for a literal \\")
    }
    index += 1
    switch next {
    case "d": return .property(.digit)
    case "D": return .property(.notDigit)
    case "w": return .property(.word)
    case "W": return .property(.notWord)
    case "s": return .property(.space)
    case "S": return .property(.notSpace)
    case "t": return .scalar("\t")
    case "n": return .scalar("\n")
    case "r": return .scalar("\r")
    case "1"..."9":
      throw unsupported("a backreference \\\(Character(next))", at: start)
    case "k", "g":
      throw unsupported("a backreference \\\(Character(next))", at: start)
    case "b" where !inClass, "B", "A", "z", "Z", "G":
      throw unsupported("the anchor \\\(Character(next)) (use ^ and $)", at: start)
    case "p", "P":
      throw unsupported("a Unicode property \\\(Character(next)){...}", at: start)
    case "x", "u", "U", "o", "N", "0":
      throw unsupported("the escape \\\(Character(next)) (write the character itself)", at: start)
    case "Q", "E":
      throw unsupported("quoting with \\Q...\\E (escape each character instead)", at: start)
    case _ where next.isASCII && (next.properties.isAlphabetic || ("0"..."9").contains(next)):
      throw unsupported("the escape \\\(Character(next))", at: start)
    case _ where next.isASCII && next.value > 0x20 && next.value < 0x7F:
      return .scalar(next)
    default:
      throw unsupported("an escaped \(next.value == 0x20 ? "space" : "\"\(Character(next))\"")", at: start)
    }
  }

  /// `{m}`, `{m,}`, `{m,n}` or `{,n}` starts at `position`.
  private func isCountedQuantifier(at position: Int) -> Bool {
    var cursor = position + 1
    var digits = 0
    var comma = false
    while cursor < scalars.count {
      let scalar = scalars[cursor]
      if ("0"..."9").contains(scalar) {
        digits += 1
      } else if scalar == "," && !comma {
        comma = true
      } else {
        return scalar == "}" && digits > 0
      }
      cursor += 1
    }
    return false
  }

  private mutating func quantifier() throws(IDPatternError) -> (min: Int, max: Int?, lazy: Bool)? {
    guard let next = peek else { return nil }
    let start = index
    var bounds: (min: Int, max: Int?)
    switch next {
    case "*": bounds = (0, nil)
    case "+": bounds = (1, nil)
    case "?": bounds = (0, 1)
    case "{" where isCountedQuantifier(at: index):
      index += 1
      func number(_ parser: inout IDPatternParser) -> Int? {
        var value: Int?
        while let digit = parser.peek, ("0"..."9").contains(digit) {
          value = min((value ?? 0) * 10 + Int(digit.value - 48), Self.maximumCount + 1)
          parser.index += 1
        }
        return value
      }
      let low = number(&self)
      if peek == "," {
        index += 1
        bounds = (low ?? 0, number(&self))
      } else {
        bounds = (low ?? 0, low)
      }
      let written = text(start..<(index + 1))
      if bounds.min > Self.maximumCount || (bounds.max ?? 0) > Self.maximumCount {
        throw error("the count in \(written) is above \(Self.maximumCount); ids are not that long")
      }
      if let max = bounds.max, max < bounds.min {
        throw error("the quantifier \(written) has its bounds reversed; write {\(max),\(bounds.min)}")
      }
    default: return nil
    }
    index += 1
    var lazy = false
    if peek == "?" {
      lazy = true
      index += 1
    } else if peek == "+" {
      throw unsupported("a possessive quantifier \(text(start..<(index + 1)))", at: start)
    }
    return (bounds.min, bounds.max, lazy)
  }

  private mutating func characterClass(openedAt start: Int) throws(IDPatternError) -> PatternNode {
    var negated = false
    if peek == "^" {
      negated = true
      index += 1
    }
    if peek == "]" {
      throw error(
        "the class at character \(start + 1) is empty or starts with ]; write \\] for a literal ] in a class")
    }
    var ranges: [ClosedRange<UInt32>] = []
    var properties: [ScalarClass.Property] = []
    var first = true
    while true {
      guard let next = peek else {
        throw error("the class opened at character \(start + 1) is not closed; add a ]")
      }
      let itemStart = index
      if next == "]" {
        index += 1
        break
      }
      if next == "[" {
        throw unsupported("a class inside a class, such as [[:alpha:]],", at: itemStart)
      }
      if (next == "&" || next == "~" || next == "-") && peek(1) == next {
        throw unsupported("the class operation \(Character(next))\(Character(next))", at: itemStart)
      }
      var low: Unicode.Scalar
      if next == "\\" {
        index += 1
        switch try escapedItem(at: itemStart, inClass: true) {
        case .property(let property):
          if peek == "-" && peek(1) != "]" {
            throw error(
              "a range cannot start at \(text(itemStart..<index)) (at character \(itemStart + 1)); write \\- for a literal -"
            )
          }
          properties.append(property)
          first = false
          continue
        case .scalar(let scalar): low = scalar
        }
      } else if next == "-" {
        guard first || peek(1) == "]" else {
          throw error(
            "write \\- for a literal - inside a class (at character \(itemStart + 1)); - is literal only first or last"
          )
        }
        index += 1
        low = "-"
      } else {
        index += 1
        low = next
      }
      first = false
      var high = low
      if peek == "-", let bound = peek(1), bound != "]" {
        index += 1
        let boundStart = index
        if bound == "\\" {
          index += 1
          guard case .scalar(let scalar) = try escapedItem(at: boundStart, inClass: true) else {
            throw error(
              "a range cannot end at \(text(boundStart..<index)) (at character \(boundStart + 1)); write \\- for a literal -"
            )
          }
          high = scalar
        } else if bound == "[" {
          throw unsupported("a class inside a class", at: boundStart)
        } else {
          index += 1
          high = bound
        }
        guard low.value <= high.value else {
          throw error(
            "the range \(text(itemStart..<index)) (at character \(itemStart + 1)) is reversed; write it from the smaller character"
          )
        }
      }
      ranges.append(low.value...high.value)
    }
    return .scalarClass(ScalarClass(ranges: ranges, properties: properties, negated: negated))
  }
}

// MARK: - Program

/// One instruction of a compiled pattern.
struct IDPatternInstruction: Sendable {
  enum Operation: UInt8, Sendable {
    /// The byte `x`.
    case byte
    /// One scalar of class `x` (ASCII membership in `low`/`high`).
    case scalar
    /// Continue at `x`; on failure, at `y`.
    case split
    case jump
    /// Record the position in capture slot `x`.
    case save
    case start
    case end
    /// `y`...`z` (z < 0: unbounded) scalars of class `x`, as many as possible first; `w` is its
    /// run cache when unbounded (see `unboundedSpan`).
    case greedyRepeat
    /// The same, as few as possible first.
    case lazyRepeat
    case match
  }

  var operation: Operation
  /// The memo row of this instruction, or -1: set on instructions where two paths can meet.
  var memo: Int32 = -1
  var x: Int32 = 0
  var y: Int32 = 0
  var z: Int32 = 0
  var w: Int32 = 0
  var low: UInt64 = 0
  var high: UInt64 = 0

  @inline(__always) func containsASCII(_ byte: UInt8) -> Bool {
    ((byte < 64 ? low : high) >> UInt64(byte & 63)) & 1 == 1
  }
}

/// A compiled pattern: instructions for a backtracking matcher over UTF-8 bytes.
///
/// A class, so that a match copies one reference rather than the arrays.
final class IDPatternProgram: Sendable {
  /// What the compiler fills in.
  struct Parts {
    var instructions: [IDPatternInstruction] = []
    var classes: [ScalarClass] = []
    var memoRows = 0
    var runCaches = 0
    var slotCount = 0
    var slotOfGroup: [Int: Int] = [:]
    var anchoredAtStart = false
    var firstBytes: ByteSet?
  }

  let instructions: [IDPatternInstruction]
  let classes: [ScalarClass]
  /// Instructions where two paths can meet, each with a row of the memo of failed positions.
  let memoRows: Int
  /// Unbounded repeats, each with a run cache.
  let runCaches: Int
  /// Two slots (start, end) per captured group.
  let slotCount: Int
  let slotOfGroup: [Int: Int]
  let anchoredAtStart: Bool
  /// Bytes a match can start with; nil when a match can be empty.
  let firstBytes: ByteSet?

  init(_ parts: Parts) {
    instructions = parts.instructions
    classes = parts.classes
    memoRows = parts.memoRows
    runCaches = parts.runCaches
    slotCount = parts.slotCount
    slotOfGroup = parts.slotOfGroup
    anchoredAtStart = parts.anchoredAtStart
    firstBytes = parts.firstBytes
  }

  enum Outcome<T> {
    case matched(T)
    case noMatch
    case budgetExceeded
  }

  /// Searches `id`; on a match, calls `body` with the id's bytes and the capture slots (byte
  /// offsets, -1 when unset).
  func withMatch<T>(
    in id: String, _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<Int>) -> T
  ) -> Outcome<T> {
    if let result = id.utf8.withContiguousStorageIfAvailable({ search($0, body) }) { return result }
    var copy = id
    copy.makeContiguousUTF8()
    return copy.utf8.withContiguousStorageIfAvailable { search($0, body) }!
  }

  private struct Frame {
    enum Kind: UInt8 {
      /// Put `a` back into slot `pc`.
      case restore
      /// Continue at `pc`, position `a`.
      case retry
      /// A greedy repeat gives back one scalar: continue at `pc`, one scalar before `b`, no
      /// lower than `a`.
      case giveBack
      /// A lazy repeat (instruction `pc`) takes one more scalar at `a`: up to position `b` when
      /// unbounded, else having taken `b` scalars.
      case takeMore
    }
    var kind: Kind
    var pc: Int32
    var a: Int
    var b: Int
  }

  /// A stack that starts in caller-provided memory and moves to the heap when it outgrows it.
  private struct FrameStack {
    var base: UnsafeMutablePointer<Frame>
    var capacity: Int
    var count = 0
    var onHeap = false

    init(_ buffer: UnsafeMutableBufferPointer<Frame>) {
      base = buffer.baseAddress!
      capacity = buffer.count
    }

    @inline(__always) mutating func push(_ frame: Frame) {
      if count == capacity { grow() }
      (base + count).initialize(to: frame)
      count += 1
    }

    @inline(__always) mutating func pop() -> Frame? {
      guard count > 0 else { return nil }
      count -= 1
      return base[count]
    }

    mutating func grow() {
      let larger = UnsafeMutablePointer<Frame>.allocate(capacity: capacity * 2)
      larger.initialize(from: base, count: count)
      if onHeap { base.deallocate() }
      base = larger
      capacity *= 2
      onHeap = true
    }

    func release() {
      if onHeap { base.deallocate() }
    }
  }

  private func search<T>(
    _ text: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<Int>) -> T
  ) -> Outcome<T> {
    // One temporary allocation for the frame stack's start, the memo and the slots and run
    // caches: up to 1 KiB it is on the stack, so a typical id allocates nothing.
    let frameCapacity = 32
    let memoWords = (memoRows * (text.count + 1) + 63) >> 6
    let scratchCount = slotCount + 3 * runCaches
    let frameBytes = frameCapacity * MemoryLayout<Frame>.stride
    return withUnsafeTemporaryAllocation(byteCount: frameBytes + 8 * (memoWords + scratchCount), alignment: 8)
    {
      raw in
      let frames = raw.baseAddress!.bindMemory(to: Frame.self, capacity: frameCapacity)
      let memo = (raw.baseAddress! + frameBytes).bindMemory(to: UInt64.self, capacity: memoWords)
      memo.initialize(repeating: 0, count: memoWords)
      let scratch = (raw.baseAddress! + frameBytes + 8 * memoWords).bindMemory(
        to: Int.self, capacity: scratchCount)
      scratch.initialize(repeating: -1, count: scratchCount)
      var stack = FrameStack(UnsafeMutableBufferPointer(start: frames, count: frameCapacity))
      defer { stack.release() }
      let slots = UnsafeMutableBufferPointer(start: scratch, count: slotCount)
      let outcome = instructions.withUnsafeBufferPointer { program in
        run(
          program, text, memo: UnsafeMutableBufferPointer(start: memo, count: memoWords), slots: slots,
          caches: UnsafeMutableBufferPointer(start: scratch + slotCount, count: 3 * runCaches), stack: &stack)
      }
      switch outcome {
      case .matched: return .matched(body(text, UnsafeBufferPointer(slots)))
      case .noMatch: return .noMatch
      case .budgetExceeded: return .budgetExceeded
      }
    }
  }

  /// The scalar at `position` (not ASCII) and its length in bytes; the text is valid UTF-8.
  @inline(__always) private static func decode(_ text: UnsafeBufferPointer<UInt8>, _ position: Int) -> (
    UInt32, Int
  ) {
    let lead = UInt32(text[position])
    if lead < 0xE0 {
      return ((lead & 0x1F) << 6 | UInt32(text[position + 1]) & 0x3F, 2)
    }
    if lead < 0xF0 {
      return (
        (lead & 0x0F) << 12 | (UInt32(text[position + 1]) & 0x3F) << 6 | UInt32(text[position + 2]) & 0x3F, 3
      )
    }
    return (
      (lead & 0x07) << 18 | (UInt32(text[position + 1]) & 0x3F) << 12 | (UInt32(text[position + 2]) & 0x3F)
        << 6
        | UInt32(text[position + 3]) & 0x3F, 4
    )
  }

  /// The position after the scalar at `position` if the instruction's class holds it, else -1.
  @inline(__always) private func step(
    _ instruction: IDPatternInstruction, _ text: UnsafeBufferPointer<UInt8>, _ position: Int
  ) -> Int {
    let byte = text[position]
    if byte < 0x80 { return instruction.containsASCII(byte) ? position + 1 : -1 }
    let (value, length) = Self.decode(text, position)
    return classes[Int(instruction.x)].containsNonASCII(value) ? position + length : -1
  }

  /// The length in bytes of the scalar at `position`.
  @inline(__always) private static func length(_ text: UnsafeBufferPointer<UInt8>, _ position: Int) -> Int {
    let lead = text[position]
    return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
  }

  /// The end of the run of the instruction's class from `start`, stopping at `limit`.
  @inline(__always) private func scan(
    _ instruction: IDPatternInstruction, _ text: UnsafeBufferPointer<UInt8>, from start: Int, to limit: Int
  ) -> Int {
    var end = start
    while end < limit {
      let byte = text[end]
      if byte < 0x80 {
        guard instruction.containsASCII(byte) else { break }
        end += 1
      } else {
        let (value, length) = Self.decode(text, end)
        guard classes[Int(instruction.x)].containsNonASCII(value) else { break }
        end += length
      }
    }
    return end
  }

  /// Where an unbounded repeat entered at `position` may hand over to what follows: from
  /// `lowest` (after `minimum` scalars) to `upper`; nil when it cannot match or every such
  /// position was already tried.
  ///
  /// `cache` (3 integers per repeat: run start, run end, lowest position tried) remembers the
  /// last run of the class the repeat covered. No repeat sits inside a loop, so when the repeat
  /// is entered again its earlier entry has failed whole, having tried every position from its
  /// `lowest` to the run's end. An entry in the same run then only needs the positions below
  /// those, and finds the run's end without scanning it again: each run is scanned once.
  @inline(__always) private func unboundedSpan(
    _ instruction: IDPatternInstruction, _ text: UnsafeBufferPointer<UInt8>, _ position: Int, _ minimum: Int,
    _ cache: UnsafeMutablePointer<Int>, _ steps: inout Int
  ) -> (lowest: Int, upper: Int)? {
    let (runStart, runEnd, triedFrom) = (cache[0], cache[1], cache[2])
    var end = position
    var sameRun = false
    if runStart >= 0 && runStart <= position && position <= runEnd {
      end = runEnd
      sameRun = true
    } else {
      // Scan to the end of the run, or to the start of the cached run (then it is that run).
      let stop = runStart > position ? runStart : text.count
      end = scan(instruction, text, from: position, to: stop)
      steps += end - position
      if end == runStart {
        end = runEnd
        sameRun = true
      }
    }
    var lowest = position
    for _ in 0..<minimum {
      guard lowest < end else { return nil }
      lowest += Self.length(text, lowest)
    }
    var upper = end
    if sameRun {
      guard lowest < triedFrom else { return nil }
      upper = triedFrom - 1
      while text[upper] & 0xC0 == 0x80 { upper -= 1 }
      cache[0] = min(runStart, position)
    } else {
      cache[0] = position
      cache[1] = end
    }
    cache[2] = lowest
    return (lowest, upper)
  }

  private func run(
    _ program: UnsafeBufferPointer<IDPatternInstruction>, _ text: UnsafeBufferPointer<UInt8>,
    memo: UnsafeMutableBufferPointer<UInt64>, slots: UnsafeMutableBufferPointer<Int>,
    caches: UnsafeMutableBufferPointer<Int>, stack: inout FrameStack
  ) -> Outcome<Void> {
    let count = text.count
    let rowLength = count + 1
    var steps = 0
    let budget = IDPattern.stepBudget
    var start = 0
    while start <= count {
      if start > 0 && anchoredAtStart { break }
      if start < count {
        let byte = text[start]
        if byte & 0xC0 == 0x80 || !(firstBytes?.contains(byte) ?? true) {
          start += 1
          continue
        }
      } else if firstBytes != nil {
        break
      }
      var pc = 0
      var position = start
      stack.count = 0
      attempt: while true {
        steps += 1
        if steps > budget { return .budgetExceeded }
        let instruction = program[pc]
        execute: do {
          if instruction.memo >= 0 {
            let bit = Int(instruction.memo) * rowLength + position
            let mask = UInt64(1) << UInt64(bit & 63)
            if memo[bit >> 6] & mask != 0 { break execute }
            memo[bit >> 6] |= mask
          }
          switch instruction.operation {
          case .byte:
            guard position < count, text[position] == UInt8(truncatingIfNeeded: instruction.x) else {
              break execute
            }
            position += 1
            pc += 1
          case .scalar:
            guard position < count else { break execute }
            let next = step(instruction, text, position)
            guard next >= 0 else { break execute }
            position = next
            pc += 1
          case .split:
            stack.push(Frame(kind: .retry, pc: instruction.y, a: position, b: 0))
            pc = Int(instruction.x)
          case .jump:
            pc = Int(instruction.x)
          case .save:
            let slot = Int(instruction.x)
            stack.push(Frame(kind: .restore, pc: instruction.x, a: slots[slot], b: 0))
            slots[slot] = position
            pc += 1
          case .start:
            guard position == 0 else { break execute }
            pc += 1
          case .end:
            guard position == count else { break execute }
            pc += 1
          case .greedyRepeat:
            let minimum = Int(instruction.y)
            let maximum = Int(instruction.z)
            let lowest: Int
            let end: Int
            if maximum < 0 {
              guard
                let span = unboundedSpan(
                  instruction, text, position, minimum, caches.baseAddress! + 3 * Int(instruction.w), &steps)
              else { break execute }
              (lowest, end) = span
            } else {
              var scanned = position
              var taken = 0
              while scanned < count && taken < maximum {
                let next = step(instruction, text, scanned)
                if next < 0 { break }
                scanned = next
                taken += 1
              }
              steps += taken
              guard taken >= minimum else { break execute }
              var least = position
              for _ in 0..<minimum { least += Self.length(text, least) }
              (lowest, end) = (least, scanned)
            }
            if steps > budget { return .budgetExceeded }
            if end > lowest { stack.push(Frame(kind: .giveBack, pc: Int32(pc + 1), a: lowest, b: end)) }
            position = end
            pc += 1
          case .lazyRepeat:
            let minimum = Int(instruction.y)
            let maximum = Int(instruction.z)
            if maximum < 0 {
              guard
                let (lowest, upper) = unboundedSpan(
                  instruction, text, position, minimum, caches.baseAddress! + 3 * Int(instruction.w), &steps)
              else { break execute }
              if steps > budget { return .budgetExceeded }
              if upper > lowest { stack.push(Frame(kind: .takeMore, pc: Int32(pc), a: lowest, b: upper)) }
              position = lowest
            } else {
              for _ in 0..<minimum {
                guard position < count else { break execute }
                let next = step(instruction, text, position)
                guard next >= 0 else { break execute }
                position = next
              }
              if maximum > minimum {
                stack.push(Frame(kind: .takeMore, pc: Int32(pc), a: position, b: minimum))
              }
            }
            pc += 1
          case .match:
            return .matched(())
          }
          continue attempt
        }
        // Failure: resume at the most recent choice.
        while let frame = stack.pop() {
          switch frame.kind {
          case .restore:
            slots[Int(frame.pc)] = frame.a
            continue
          case .retry:
            pc = Int(frame.pc)
            position = frame.a
          case .giveBack:
            var previous = frame.b - 1
            while text[previous] & 0xC0 == 0x80 { previous -= 1 }
            if previous > frame.a {
              stack.push(Frame(kind: .giveBack, pc: frame.pc, a: frame.a, b: previous))
            }
            pc = Int(frame.pc)
            position = previous
          case .takeMore:
            steps += 1
            let repeatInstruction = program[Int(frame.pc)]
            let next: Int
            if repeatInstruction.z < 0 {
              // Unbounded: every scalar up to the bound `b` is known to belong to the class.
              next = frame.a + Self.length(text, frame.a)
              if next < frame.b { stack.push(Frame(kind: .takeMore, pc: frame.pc, a: next, b: frame.b)) }
            } else {
              guard frame.a < count else { continue }
              next = step(repeatInstruction, text, frame.a)
              guard next >= 0 else { continue }
              let taken = frame.b + 1
              if taken < Int(repeatInstruction.z) {
                stack.push(Frame(kind: .takeMore, pc: frame.pc, a: next, b: taken))
              }
            }
            pc = Int(frame.pc) + 1
            position = next
          }
          continue attempt
        }
        break attempt
      }
      start += 1
    }
    return .noMatch
  }
}

/// Turns a `PatternNode` into an `IDPatternProgram`.
struct IDPatternCompiler {
  private var program = IDPatternProgram.Parts()
  private var classIndex: [ScalarClass: Int] = [:]

  /// Programs above this many instructions are refused (counted repetitions of long groups).
  static let maximumInstructions = 20_000

  static func compile(_ root: PatternNode, capturing groups: [Int]) throws(IDPatternError) -> IDPatternProgram
  {
    var compiler = IDPatternCompiler()
    for (slot, group) in groups.enumerated() { compiler.program.slotOfGroup[group] = slot }
    compiler.program.slotCount = 2 * groups.count
    try compiler.emit(root)
    compiler.append(IDPatternInstruction(operation: .match))
    compiler.program.anchoredAtStart = root.isAnchoredAtStart
    let first = root.firstBytes
    compiler.program.firstBytes = first.nullable ? nil : first.bytes
    compiler.assignMemoRows()
    return IDPatternProgram(compiler.program)
  }

  private mutating func append(_ instruction: IDPatternInstruction) {
    program.instructions.append(instruction)
  }

  private var here: Int32 { Int32(program.instructions.count) }

  private mutating func classInstruction(_ operation: IDPatternInstruction.Operation, _ set: ScalarClass)
    -> IDPatternInstruction
  {
    let index =
      classIndex[set]
      ?? {
        program.classes.append(set)
        classIndex[set] = program.classes.count - 1
        return program.classes.count - 1
      }()
    return IDPatternInstruction(operation: operation, x: Int32(index), low: set.low, high: set.high)
  }

  private mutating func emit(_ node: PatternNode) throws(IDPatternError) {
    guard program.instructions.count <= Self.maximumInstructions else {
      throw IDPatternError(
        description:
          "the pattern is too large once its counted repetitions are written out; use smaller counts")
    }
    switch node {
    case .scalar(let scalar):
      for byte in UTF8.encode(scalar)! {
        append(IDPatternInstruction(operation: .byte, x: Int32(byte)))
      }
    case .scalarClass(let set):
      append(classInstruction(.scalar, set))
    case .startAnchor:
      append(IDPatternInstruction(operation: .start))
    case .endAnchor:
      append(IDPatternInstruction(operation: .end))
    case .group(let body, let number):
      let slot = number.flatMap { program.slotOfGroup[$0] }
      if let slot { append(IDPatternInstruction(operation: .save, x: Int32(2 * slot))) }
      try emit(body)
      if let slot { append(IDPatternInstruction(operation: .save, x: Int32(2 * slot + 1))) }
    case .sequence(let items):
      for item in items { try emit(item) }
    case .alternation(let branches):
      var jumps: [Int] = []
      for branch in branches.dropLast() {
        let split = program.instructions.count
        append(IDPatternInstruction(operation: .split, x: here + 1))
        try emit(branch)
        jumps.append(program.instructions.count)
        append(IDPatternInstruction(operation: .jump))
        program.instructions[split].y = here
      }
      try emit(branches.last!)
      for jump in jumps { program.instructions[jump].x = here }
    case .repetition(let body, let minimum, let maximum, let lazy):
      if let single = singleScalar(body) {
        var instruction = classInstruction(lazy ? .lazyRepeat : .greedyRepeat, single)
        instruction.y = Int32(minimum)
        instruction.z = Int32(maximum ?? -1)
        if maximum == nil {
          instruction.w = Int32(program.runCaches)
          program.runCaches += 1
        }
        append(instruction)
        return
      }
      for _ in 0..<minimum { try emit(body) }
      if let maximum {
        var splits: [Int] = []
        for _ in minimum..<maximum {
          splits.append(program.instructions.count)
          append(IDPatternInstruction(operation: .split))
          try emit(body)
        }
        for split in splits {
          let next = Int32(split + 1)
          (program.instructions[split].x, program.instructions[split].y) = lazy ? (here, next) : (next, here)
        }
      } else {
        let loop = program.instructions.count
        append(IDPatternInstruction(operation: .split))
        try emit(body)
        append(IDPatternInstruction(operation: .jump, x: Int32(loop)))
        let next = Int32(loop + 1)
        (program.instructions[loop].x, program.instructions[loop].y) = lazy ? (here, next) : (next, here)
      }
    }
  }

  /// The class of a node that matches exactly one scalar and captures nothing, such as `a`,
  /// `[a-z]` or `(?:\d)`: a repeat of it runs as one instruction.
  private func singleScalar(_ node: PatternNode) -> ScalarClass? {
    switch node {
    case .scalar(let scalar): .single(scalar)
    case .scalarClass(let set): set
    case .group(let body, let number) where number.flatMap({ program.slotOfGroup[$0] }) == nil:
      singleScalar(body)
    case .sequence(let items) where items.count == 1: singleScalar(items[0])
    default: nil
    }
  }

  /// Memo rows go where paths meet: targets of splits and jumps, and the instruction after a
  /// repeat (which a backtracking repeat resumes at, position by position).
  private mutating func assignMemoRows() {
    var targets = Set<Int>()
    for (pc, instruction) in program.instructions.enumerated() {
      switch instruction.operation {
      case .split:
        targets.insert(Int(instruction.x))
        targets.insert(Int(instruction.y))
      case .jump: targets.insert(Int(instruction.x))
      case .greedyRepeat, .lazyRepeat: targets.insert(pc + 1)
      default: break
      }
    }
    for pc in targets.sorted() {
      program.instructions[pc].memo = Int32(program.memoRows)
      program.memoRows += 1
    }
  }
}
