import Foundation
import Testing

@testable import TallyKit

/// `IDPattern` must find what Swift `Regex.firstMatch(in:)` finds, capture for capture.
@Suite struct IDPatternTests {
  /// Swift `Regex`'s whole match and groups: default semantics for ASCII ids without a `\r\n`
  /// pair (where grapheme and scalar semantics agree), Unicode scalar semantics otherwise.
  static func regexCaptures(_ pattern: String, _ id: String) throws -> [String?]? {
    var regex = try Regex(pattern)
    let scalars = Array(id.unicodeScalars)
    let crlf = zip(scalars, scalars.dropFirst()).contains { $0 == "\r" && $1 == "\n" }
    if !scalars.allSatisfy(\.isASCII) || crlf { regex = regex.matchingSemantics(.unicodeScalar) }
    guard let match = try regex.firstMatch(in: id) else { return nil }
    return match.output.map { $0.substring.map(String.init) }
  }

  static func ours(_ pattern: String, _ id: String) throws -> [String?]? {
    try IDPattern(capturingEveryGroup: pattern).captures(in: id)
  }

  static let patterns = [
    #"^(?<tenant>[a-z0-9-]+)__(?<job>[a-z-]+)__\d+$"#,
    #"(?<tenant>[a-z]+)__"#,
    #"(?<tenant>[^_]+)_(?<job>[^_]+)_\d+"#,
    #"(?<tenant>[^:]+):(?<job>[^:]+):\d+"#,
    #"(?<tenant>\w+)-(?<job>\w+)"#,
    #"(?<tenant>.*)_(?<job>.*)"#,
    #"(?<tenant>.*?)_(?<job>.*)"#,
    #"(?<tenant>.+?)_(?<job>.+?)$"#,
    #"(?<tenant>[a-z]{2,3})(?<job>\d{2})"#,
    #"(?<tenant>[a-z]{2,}?)(?<job>[a-z]*)"#,
    #"(?<tenant>[a-z]{,2})(?<job>.)"#,
    #"(?<tenant>acme|globex|initech)\.(?<job>[a-z]+)"#,
    #"(?<tenant>a|ab)(?<job>c|bcd)"#,
    #"(?:(?<tenant>ab)|(?<job>a))+c"#,
    #"(?:(?<tenant>a)|b)+"#,
    #"(?<tenant>[a-z])+"#,
    #"(?<tenant>[a-z])+?"#,
    #"(?:(?<tenant>[a-c])(?<job>[0-9]))*x"#,
    #"(?<tenant>\D+)(?<job>\d*)"#,
    #"(?<tenant>\S+)\s+(?<job>\S+)"#,
    #"(?<tenant>[\w.-]+)@(?<job>[\w-]+)"#,
    #"^(?<tenant>[^/]+)/(?<job>[^/]+)(?:/(\d+))?$"#,
    #"(?<tenant>x*)"#,
    #"(?<tenant>x*?)y"#,
    #"(?<job>z)?"#,
    #"(?<tenant>)"#,
    #"$(?<job>)"#,
    #"(?<tenant>a{3})|(?<job>a{2})"#,
    #"(?<tenant>a{1,2}?)(?<job>a*)$"#,
    #"(?<tenant>(?:ab){2,})(?<job>b?)"#,
    #"(?<tenant>(?:ab|a){1,3}?)(?<job>b)"#,
    #"(?<tenant>[^\d_-]+)"#,
    #"(?<tenant>[\-\.\/])(?<job>[\]\[])"#,
    #"\((?<tenant>[a-z]+)\)\{(?<job>\d+)\}"#,
    #"(?<tenant>\W+)"#,
    #"(?<tenant>[é-ü]+)(?<job>\d+)"#,
    #"(?<tenant>\w+)\t(?<job>[^\n]+)"#,
    #"(?<tenant>.)\r?(?<job>.)"#,
    #"(?<tenant>é+)"#,
    #"a|(?<tenant>b)|"#,
  ]

  static let ids = [
    "acme__summarize__0001", "acme-corp-01__contract-review__000123", "globex_classify_7",
    "globex:classify:0002", "req-7", "", "a_b_c_d", "__x__1", "aaa", "aab", "aabbcd", "abc", "abcd",
    "ab12cd", "x", "xxy", "yz", "zzz", "a1b2c3x", "a1bx", "foo bar", "  lead", "a.b@host-1",
    "t/j", "t/j/42", "t/j/x", "(acme){12}", "-]", "./[", "ababab", "abababb", "üé12", "caf\u{E9}9",
    "e\u{301}t\u{E9}", "tab\there", "line\nbreak", "cr\rlf", "a\r\nb", "٣٤", "x\u{A0}y", "Ⅻ_1", "🙂_2",
  ]

  @Test func aTableOfPatternsAndIdsMatchesSwiftRegex() throws {
    var compared = 0
    for pattern in Self.patterns {
      for id in Self.ids {
        let expected = try Self.regexCaptures(pattern, id)
        let actual = try Self.ours(pattern, id)
        #expect(actual == expected, "pattern \(pattern) on \(id.debugDescription)")
        compared += 1
      }
    }
    #expect(compared == Self.patterns.count * Self.ids.count)
  }

  /// Random patterns of the subset on random ids, compared with Swift `Regex` (seeded, so a
  /// failure reproduces).
  @Test func randomPatternsMatchSwiftRegex() throws {
    var generator = PatternGenerator(random: DemoRandom(seed: 20_261_127))
    var compiled = 0
    var matched = 0
    var compared = 0
    for _ in 0..<600 {
      let pattern = generator.pattern()
      guard (try? IDPattern(capturingEveryGroup: pattern)) != nil else {
        Issue.record("the generator wrote a pattern IDPattern refuses: \(pattern)")
        continue
      }
      compiled += 1
      for _ in 0..<20 {
        let id = generator.id()
        let expected = try Self.regexCaptures(pattern, id)
        let actual = try Self.ours(pattern, id)
        #expect(actual == expected, "pattern \(pattern) on \(id.debugDescription)")
        if expected != nil { matched += 1 }
        compared += 1
      }
    }
    #expect(compiled == 600)
    // Both outcomes are exercised.
    #expect(matched > compared / 5 && matched < compared * 4 / 5, "\(matched) of \(compared) matched")
  }

  @Test func aPrefixPatternIsSearchedAndAnchorsPinIt() throws {
    let prefix = try IDPattern(#"(?<tenant>[a-z]+)__"#)
    #expect(try prefix.firstMatch(in: "acme__summarize__0001") == IDPattern.Match(tenant: "acme", job: nil))
    #expect(try prefix.firstMatch(in: "42-acme__x") == IDPattern.Match(tenant: "acme", job: nil))
    let anchored = try IDPattern(#"^(?<tenant>[a-z]+)__(?<job>[a-z]+)$"#)
    #expect(
      try anchored.firstMatch(in: "acme__summarize") == IDPattern.Match(tenant: "acme", job: "summarize"))
    #expect(try anchored.firstMatch(in: "acme__summarize__0001") == nil)
    #expect(try anchored.firstMatch(in: "x-acme__summarize") == nil)
    let optional = try IDPattern(#"(?<tenant>[a-z]+)(?:__(?<job>[a-z]+))?"#)
    #expect(try optional.firstMatch(in: "acme") == IDPattern.Match(tenant: "acme", job: nil))
    #expect(optional.capturesTenant && optional.capturesJob)
  }

  @Test func nonASCIIIdsMatchByScalar() throws {
    let pattern = try IDPattern(#"^(?<tenant>\w+)-(?<job>[^-]+)$"#)
    #expect(try pattern.firstMatch(in: "Müller-résumé") == IDPattern.Match(tenant: "Müller", job: "résumé"))
    #expect(try pattern.firstMatch(in: "東京-要約") == IDPattern.Match(tenant: "東京", job: "要約"))
  }

  @Test func theExponentialPatternOfTheIssueIsRefused() {
    #expect(throws: IDPatternError(description: Self.nested("(a+)+"))) {
      try IDPattern(#"(?<tenant>(a+)+)_(?<job>x)"#)
    }
    #expect(throws: IDPatternError(description: Self.nested("(?:-[a-z]+)*"))) {
      try IDPattern(#"^(?<tenant>[a-z]+(?:-[a-z]+)*)$"#)
    }
    #expect(throws: IDPatternError(description: Self.nested("(?<tenant>a?){2,5}"))) {
      try IDPattern(#"(?<tenant>a?){2,5}"#)
    }
  }

  static func nested(_ group: String) -> String {
    "nested quantifiers such as (a+)+ can take exponential time; rewrite the pattern without a quantifier inside a repeated group (here \(group))"
  }

  /// Overlapping alternatives in a loop need 2^31 paths by plain backtracking; the memo of
  /// failed (instruction, position) pairs makes it a few hundred steps.
  @Test func overlappingAlternativesStayLinear() throws {
    let pattern = try IDPattern(#"^(?<tenant>(?:a|a)*)_(?<job>x)$"#)
    let id = String(repeating: "a", count: 31)
    #expect(try pattern.firstMatch(in: id) == nil)
    #expect(try pattern.firstMatch(in: id + "_x") == IDPattern.Match(tenant: id, job: "x"))
    let polynomial = try IDPattern(#"(?<tenant>\w*)\w*\w*\w*\w*\w*-"#)
    #expect(try polynomial.firstMatch(in: String(repeating: "b", count: 3_000)) == nil)
  }

  @Test func aPatternThatNeedsTooManyStepsIsAnError() throws {
    let pattern = try IDPattern(#"(?<tenant>[a-z]{1,1000})x"#)
    #expect(
      throws: IDPatternError(
        description:
          "gave up after 100000 steps; simplify the pattern (anchor it with ^ and $, and use classes that cannot overlap, such as [a-z]+_ rather than .*_)"
      )
    ) {
      try pattern.firstMatch(in: String(repeating: "a", count: 2_000))
    }
  }

  @Test(arguments: [
    (
      #"(?<tenant>a)\1"#,
      #"a backreference \1 (at character 13) is not supported; "#
    ),
    (#"(?<tenant>a)(?=b)"#, "a lookahead (?= (at character 13) is not supported; "),
    (#"(?<=x)(?<tenant>a)"#, "a lookbehind (?<= (at character 1) is not supported; "),
    (#"(?<tenant>a++)"#, "a possessive quantifier ++ (at character 12) is not supported; "),
    (#"(?<tenant>\p{L}+)"#, #"a Unicode property \p{...} (at character 11) is not supported; "#),
    (#"(?i)(?<tenant>a)"#, "an inline option or special group (?i (at character 1) is not supported; "),
    (#"(?<tenant>(?>a))"#, "an atomic group (?> (at character 11) is not supported; "),
    (#"\b(?<tenant>a)"#, #"the anchor \b (use ^ and $) (at character 1) is not supported; "#),
    (
      #"(?<tenant>[[:alpha:]])"#,
      "a class inside a class, such as [[:alpha:]], (at character 12) is not supported; "
    ),
    (#"(?<tenant>[a-z&&[^x]])"#, "the class operation && (at character 15) is not supported; "),
  ])
  func constructsOutsideTheSubsetAreRefused(pattern: String, message: String) {
    #expect(throws: IDPatternError(description: message + IDPatternParser.supported)) {
      try IDPattern(pattern)
    }
  }

  @Test(arguments: [
    (
      #"[a-z]+__\d+"#,
      "the pattern has no group named tenant or job; name what it captures, as in ^(?<tenant>[a-z0-9-]+)__(?<job>[a-z-]+)__"
    ),
    (#"(?<tenant>a"#, "the group opened at character 1 is not closed; add a )"),
    (#"(?<tenant>a))"#, "the ) at character 13 closes no group; write \\) for a literal )"),
    (#"(?<tenant>[a-z)"#, "the class opened at character 11 is not closed; add a ]"),
    (
      #"(?<tenant>[z-a])"#, "the range z-a (at character 12) is reversed; write it from the smaller character"
    ),
    (#"(?<tenant>a{3,2})"#, "the quantifier {3,2} has its bounds reversed; write {2,3}"),
    (#"(?<tenant>a{1001})"#, "the count in {1001} is above 1000; ids are not that long"),
    (#"(?<tenant>*a)"#, "the quantifier * at character 11 has nothing to repeat; write \\* for a literal *"),
    (#"(?<tenant>a**)"#, "a quantifier after a quantifier (a**) is not supported; write one quantifier"),
    (
      #"(?<tenant>a{x)"#, "write \\{ for a literal { (at character 12); a quantifier reads {m}, {m,} or {m,n}"
    ),
    (
      #"(?<tenant>a|)+"#,
      "the repeated group (?<tenant>a|)+ can match the empty string; make every alternative of it match at least one character"
    ),
    (#"(?<tenant>a)^*"#, "a quantifier on an anchor (^*) means nothing; remove it"),
    (#"(?<tenant>a)(?<tenant>b)"#, "two groups are named tenant; name each group once"),
    (
      #"(?<1x>a)"#,
      "a group name (at character 4) is letters, digits and _, not starting with a digit, closed by >: (?<tenant>...)"
    ),
    (
      #"(?<tenant>[a-c-e])"#,
      "write \\- for a literal - inside a class (at character 15); - is literal only first or last"
    ),
    (#"(?<tenant>a)\"#, "the pattern ends with a lone \\; write \\\\ for a literal \\"),
  ])
  func malformedPatternsSayWhatToWrite(pattern: String, message: String) {
    #expect(throws: IDPatternError(description: message)) { try IDPattern(pattern) }
  }
}

/// Random patterns of the `IDPattern` subset that Swift `Regex` also reads.
struct PatternGenerator {
  var random: DemoRandom
  private var names: [String] = []

  static let idAlphabet: [Unicode.Scalar] = ["a", "b", "c", "_", "-", "1", "2", ".", " ", "é", "\n"]
  static let atoms = [
    "a", "b", "c", "_", "-", "1", #"\."#, #"\-"#, #"\_"#, ".", #"\d"#, #"\w"#, #"\s"#, #"\D"#, #"\W"#,
    #"\S"#, "[ab]", "[^a]", "[a-c_]", #"[\d_-]"#, "[^_1]", "é", "[à-ê]",
  ]
  static let quantifiers = [
    "*", "+", "?", "*?", "+?", "??", "{2}", "{1,}", "{0,2}", "{1,3}?", "{2,}?", "{,2}",
  ]

  init(random: DemoRandom) { self.random = random }

  mutating func id() -> String {
    var scalars = String.UnicodeScalarView()
    for _ in 0..<random.int(0...10) {
      scalars.append(Self.idAlphabet[random.int(0...(Self.idAlphabet.count - 1))])
    }
    return String(scalars)
  }

  mutating func pattern() -> String {
    names = ["tenant", "job"]
    var text = ""
    if random.chance(perMille: 200) { text += "^" }
    text += alternation(depth: 0).text
    if random.chance(perMille: 200) { text += "$" }
    return text
  }

  /// A pattern piece and whether it holds a quantifier or can match nothing.
  typealias Piece = (text: String, quantified: Bool, nullable: Bool)

  private mutating func alternation(depth: Int) -> Piece {
    let count = random.int(0...9) < 7 ? 1 : random.int(2...3)
    let branches = (0..<count).map { _ in sequence(depth: depth) }
    return (
      branches.map(\.text).joined(separator: "|"), branches.contains { $0.quantified },
      branches.contains { $0.nullable }
    )
  }

  private mutating func sequence(depth: Int) -> Piece {
    let items = (0..<random.int(1...4)).map { _ in quantified(depth: depth) }
    return (
      items.map(\.text).joined(), items.contains { $0.quantified }, items.allSatisfy { $0.nullable }
    )
  }

  private mutating func quantified(depth: Int) -> Piece {
    let item = atom(depth: depth)
    guard random.chance(perMille: 400) else { return item }
    let quantifier = Self.quantifiers[random.int(0...(Self.quantifiers.count - 1))]
    let repeats = !["?", "??", "{0,1}"].contains(quantifier)
    if repeats && (item.quantified || item.nullable) { return item }
    let optional =
      quantifier.hasPrefix("*") || quantifier.hasPrefix("?") || quantifier.hasPrefix("{0")
      || quantifier.hasPrefix("{,")
    return (item.text + quantifier, true, item.nullable || optional)
  }

  private mutating func atom(depth: Int) -> Piece {
    guard depth < 2, random.chance(perMille: 250) else {
      return (Self.atoms[random.int(0...(Self.atoms.count - 1))], false, false)
    }
    let body = alternation(depth: depth + 1)
    let opening: String
    switch random.int(0...2) {
    case 0: opening = "(?:"
    case 1: opening = "("
    default:
      if let name = names.popLast() { opening = "(?<\(name)>" } else { opening = "(" }
    }
    return (opening + body.text + ")", body.quantified, body.nullable)
  }
}
