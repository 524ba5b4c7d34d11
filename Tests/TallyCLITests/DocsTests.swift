import Foundation
import Testing

/// Every command shown with its output in README.md and docs/*.md prints exactly what the doc
/// shows, so the documentation cannot drift from the binary.
///
/// The convention (also printed with every failure):
///
/// - A fenced code block with a line starting `$ tally ` is checked. Each line of it starting
///   with `$ ` is a command (`tally`, or a shell command such as `cp`); a trailing backslash
///   continues it on the next line, and a here-document (`$ cat > FILE <<'EOF'` ... `EOF`) takes
///   the lines up to its terminator. Everything up to the next `$ ` line (or the end of the
///   block) is the command's output. Blank lines before the next `$ ` line only separate.
/// - The commands run through `/bin/sh` with the built `tally` first on `PATH`, in document order,
///   in one scratch directory per document in which `tally demo --dir demo` has already run
///   (`demo/`, `demo/tally.sqlite`) and `examples/` is copied from the package root. The
///   environment is pinned as in every CLI test (`TZ=UTC`, `NO_COLOR=1`, `LC_ALL=C`), and the
///   terminal is 160 columns wide (`COLUMNS=160`, as in `scripts/generate-reports`).
/// - The output shown is what the terminal shows when stderr comes after stdout: all of stdout,
///   then all of stderr (tally's stderr lines start with `tally:`), then, when the exit status is
///   not 0, a line `(exit status N)` (it may be indented, and may be shown for status 0 too).
///   The scratch directory's absolute path is printed as nothing, so paths read relative to it.
/// - A line `...` (indentation ignored) stands for any number of lines, none included.
/// - HTML comments steer it: `<!-- doctest: env NAME=VALUE ... -->` sets variables for every
///   command of the document (such as `TALLY_LEDGER`); `<!-- doctest: setup` shell lines `-->`
///   prepares the scratch directory further (`$PACKAGE_ROOT` is the package root);
///   `<!-- doctest: one-command ... -->` before a block says the block is one command whose
///   output has `$ ` lines of its own; `<!-- doctest: skip REASON -->` before a block runs its
///   commands (later blocks may need them) without comparing their output.
///
/// After an intended output change, `scripts/paste-docs` rewrites every block with what the
/// binary prints (`...` lines are kept where they still fit); review the diff, and fix prose
/// that quotes a number that changed.
@Suite("Documentation examples")
struct DocsTests {
  static let convention = """
    Doc test convention: each `$ ` line of a block with a `$ tally ` line is a command, run by /bin/sh \
    in document order in a scratch directory per document (demo/ made by `tally demo --dir demo`, \
    examples/ copied); its output is the lines up to the next `$ ` line: stdout, then stderr, then \
    `(exit status N)` when not 0; a `...` line stands for any lines. See Tests/TallyCLITests/DocsTests.swift. \
    To update the docs after an intended output change, run scripts/paste-docs and review the diff.
    """

  /// README.md and every docs/*.md, as paths relative to the package root.
  static let documents: [String] = {
    let docs = CLI.packageRoot.appendingPathComponent("docs")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: docs.path)) ?? []
    return ["README.md"] + names.filter { $0.hasSuffix(".md") }.sorted().map { "docs/\($0)" }
  }()

  /// With `PASTE_DOCS=1` (set by `scripts/paste-docs`) every block whose output differs is
  /// rewritten with the actual output instead of failing.
  static let pasting = ProcessInfo.processInfo.environment["PASTE_DOCS"] == "1"

  /// The terminal width the docs are written for, as in `scripts/generate-reports`.
  static let width = 160

  @Test("Every command in the docs prints what the doc shows", arguments: documents)
  func documentMatchesTheBinary(_ path: String) throws {
    let url = CLI.packageRoot.appendingPathComponent(path)
    let text = try String(contentsOf: url, encoding: .utf8)
    let document = try DocDocument(path: path, text: text)
    let scratch = try prepareScratch(for: document)
    defer { try? FileManager.default.removeItem(at: scratch) }

    var replacements: [(range: Range<Int>, lines: [String])] = []
    var checked = 0
    for block in document.blocks {
      for command in block.commands {
        let run = try run(command, of: document, in: scratch)
        let actual = command.renderedOutput(run, scratch: scratch)
        if block.skipReason != nil { continue }
        checked += 1
        if DocMatch.matches(pattern: command.expected, actual: actual) { continue }
        let proposed = DocMatch.paste(pattern: command.expected, actual: actual)
        if Self.pasting {
          replacements.append((command.outputRange, proposed))
        } else {
          Issue.record(
            """
            \(path):\(command.line + 1): `$ \(command.text)` printed something else than the doc shows.
            \(Self.convention)
            \(goldenDiff(expected: command.expected.joined(separator: "\n"), actual: proposed.joined(separator: "\n")))
            """)
        }
      }
    }
    #expect(checked > 0 || document.blocks.isEmpty, "\(path): every block is skipped")
    if Self.pasting, !replacements.isEmpty {
      var lines = document.lines
      for replacement in replacements.sorted(by: { $0.range.lowerBound > $1.range.lowerBound }) {
        lines.replaceSubrange(replacement.range, with: replacement.lines)
      }
      try Data(lines.joined(separator: "\n").utf8).write(to: url, options: .atomic)
      print("\(path): rewrote the output of \(replacements.count) command(s)")
    }
  }

  /// The parser itself: commands, continuations, here-documents, exit status lines, elisions.
  @Test func parsesBlocks() throws {
    let text = """
      <!-- doctest: env TALLY_LEDGER=demo/tally.sqlite A=b -->
      ```
      $ tally report spend \\
          --by tenant
      one
      ...

      $ cat > f.csv <<'EOF'
      a,b
      EOF
      $ tally pricing check f.csv
      tally: bad
              (exit status 65)
      ```
      ```sh
      swift build
      ```
      <!-- doctest: skip times -->
      ```
      $ tally ingest x
      ```
      """
    let document = try DocDocument(path: "t.md", text: text)
    #expect(document.environment == ["TALLY_LEDGER": "demo/tally.sqlite", "A": "b"])
    #expect(document.blocks.count == 2)
    let commands = document.blocks[0].commands
    #expect(
      commands.map(\.text) == [
        "tally report spend \\\n    --by tenant", "cat > f.csv <<'EOF'\na,b\nEOF",
        "tally pricing check f.csv",
      ])
    #expect(commands[0].expected == ["one", "..."])
    #expect(commands[1].expected == [])
    #expect(commands[2].expected == ["tally: bad", "        (exit status 65)"])
    #expect(commands[2].showsStatus == "        ")
    #expect(document.blocks[1].skipReason == "times")
    #expect(throws: DocError.self) { try DocDocument(path: "t.md", text: "<!-- doctest: skp x -->\n") }
  }

  @Test func matchesElisions() {
    #expect(DocMatch.matches(pattern: ["a", "...", "d"], actual: ["a", "b", "c", "d"]))
    #expect(DocMatch.matches(pattern: ["a", "  ...", "b"], actual: ["a", "b"]))
    #expect(!DocMatch.matches(pattern: ["a", "...", "d"], actual: ["a", "b", "c", "d", "e"]))
    #expect(DocMatch.matches(pattern: ["...", "c", "..."], actual: ["a", "b", "c", "d"]))
    #expect(!DocMatch.matches(pattern: ["a", "b"], actual: ["a"]))
    #expect(
      DocMatch.paste(pattern: ["h", "r1 $1", "...", "t $9"], actual: ["h2", "r1 $2", "r2", "t $10"])
        == ["h2", "r1 $2", "...", "t $10"])
    #expect(
      DocMatch.paste(pattern: ["...", "x 1", "y 1", "..."], actual: ["a", "b", "x 2", "y 2", "z"])
        == ["...", "x 2", "y 2", "..."])
  }

  // MARK: - Running

  private func prepareScratch(for document: DocDocument) throws -> URL {
    let scratch = try CLI.temporaryDirectory("tally-docs")
    let demo = try CLI.run(["demo", "--dir", "demo"], in: scratch, width: Self.width)
    guard demo.status == 0 else { throw HarnessError("tally demo --dir demo failed: \(demo)") }
    try FileManager.default.copyItem(
      at: CLI.packageRoot.appendingPathComponent("examples"), to: scratch.appendingPathComponent("examples"))
    if let setup = document.setup {
      let run = try CLI.run(
        ["-c", "set -e\n" + setup], in: scratch, environment: shellEnvironment(document),
        executable: URL(fileURLWithPath: "/bin/sh"))
      guard run.status == 0 else { throw HarnessError("\(document.path): the doctest setup failed: \(run)") }
    }
    return scratch
  }

  private func shellEnvironment(_ document: DocDocument) -> [String: String?] {
    var environment: [String: String?] = [:]
    for (name, value) in document.environment { environment[name] = value }
    let inherited = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    environment["PATH"] = CLI.executable.deletingLastPathComponent().path + ":" + inherited
    environment["PACKAGE_ROOT"] = CLI.packageRoot.path
    return environment
  }

  private func run(_ command: DocCommand, of document: DocDocument, in scratch: URL) throws -> CLIResult {
    try CLI.run(
      ["-c", command.text], in: scratch, width: Self.width, environment: shellEnvironment(document),
      executable: URL(fileURLWithPath: "/bin/sh"))
  }
}

struct DocError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// One `$ ` command of a doc block and the output the doc shows for it.
struct DocCommand {
  /// 0-based line of the `$ ` line in the document.
  let line: Int
  /// The command as the shell gets it, continuation lines and here-document included.
  let text: String
  /// The lines of the document that show the output (trailing blank separator lines excluded).
  let outputRange: Range<Int>
  /// Those lines.
  let expected: [String]

  /// The indentation of the doc's `(exit status N)` line, when it shows one.
  var showsStatus: String? {
    guard let last = expected.last, DocCommand.isStatusLine(last) else { return nil }
    return String(last.prefix { $0 == " " })
  }

  static func isStatusLine(_ line: String) -> Bool {
    let trimmed = line.trimmingCharacters(in: .whitespaces)
    guard trimmed.hasPrefix("(exit status "), trimmed.hasSuffix(")") else { return false }
    return Int(trimmed.dropFirst("(exit status ".count).dropLast()) != nil
  }

  /// What the terminal shows: stdout, then stderr, then the exit status line; the scratch
  /// directory's path removed; trailing blank lines dropped.
  func renderedOutput(_ run: CLIResult, scratch: URL) -> [String] {
    var text = run.stdout + run.stderr
    for prefix in Set([scratch.path, scratch.resolvingSymlinksInPath().path, "/private" + scratch.path]) {
      text = text.replacingOccurrences(of: prefix + "/", with: "")
    }
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    while let last = lines.last, last.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeLast() }
    if run.status != 0 || showsStatus != nil {
      lines.append((showsStatus ?? "") + "(exit status \(run.status))")
    }
    return lines
  }
}

struct DocBlock {
  let commands: [DocCommand]
  let skipReason: String?
}

/// A Markdown document's checked blocks and its doctest directives.
struct DocDocument {
  let path: String
  let lines: [String]
  var environment: [String: String] = [:]
  var setup: String?
  var blocks: [DocBlock] = []

  init(path: String, text: String) throws {
    self.path = path
    lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var skipReason: String?
    var oneCommand = false
    var index = 0
    while index < lines.count {
      let line = lines[index]
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if trimmed.hasPrefix("<!-- doctest:") {
        let start = index
        var body = String(trimmed.dropFirst("<!-- doctest:".count))
        while !body.hasSuffix("-->") {
          index += 1
          guard index < lines.count else {
            throw DocError("\(path):\(start + 1): unterminated doctest comment")
          }
          body += "\n" + lines[index]
        }
        body = String(body.dropLast(3)).trimmingCharacters(in: .whitespacesAndNewlines)
        let keyword = String(body.prefix { !$0.isWhitespace })
        let rest = body.dropFirst(keyword.count).trimmingCharacters(in: .whitespacesAndNewlines)
        switch keyword {
        case "env":
          for pair in rest.split(whereSeparator: \.isWhitespace) {
            guard let equals = pair.firstIndex(of: "=") else {
              throw DocError("\(path):\(start + 1): doctest env takes NAME=VALUE, not \(pair)")
            }
            environment[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
          }
        case "setup":
          setup = (setup.map { $0 + "\n" } ?? "") + rest
        case "skip":
          guard !rest.isEmpty else { throw DocError("\(path):\(start + 1): doctest skip needs a reason") }
          skipReason = rest
        case "one-command":
          oneCommand = true
        default:
          throw DocError(
            "\(path):\(start + 1): unknown doctest directive \"\(keyword)\" (env, setup, skip, one-command)")
        }
        index += 1
        continue
      }
      guard trimmed.hasPrefix("```") else {
        index += 1
        continue
      }
      // A fenced block: lines index+1 ..< close.
      var close = index + 1
      while close < lines.count, lines[close].trimmingCharacters(in: .whitespaces) != "```" { close += 1 }
      guard close < lines.count else { throw DocError("\(path):\(index + 1): unterminated code block") }
      let body = (index + 1)..<close
      if lines[body].contains(where: { $0.hasPrefix("$ tally ") }) {
        blocks.append(
          DocBlock(
            commands: try Self.commands(in: body, of: lines, oneCommand: oneCommand, path: path),
            skipReason: skipReason))
      } else if skipReason != nil || oneCommand {
        throw DocError("\(path):\(index + 1): a doctest directive before a block without `$ tally ` commands")
      }
      skipReason = nil
      oneCommand = false
      index = close + 1
    }
  }

  private static func commands(in body: Range<Int>, of lines: [String], oneCommand: Bool, path: String) throws
    -> [DocCommand]
  {
    var commands: [DocCommand] = []
    var index = body.lowerBound
    while index < body.upperBound, lines[index].trimmingCharacters(in: .whitespaces).isEmpty { index += 1 }
    while index < body.upperBound {
      guard lines[index].hasPrefix("$ ") else {
        throw DocError("\(path):\(index + 1): a checked block must start with a `$ ` command")
      }
      let start = index
      var text = String(lines[index].dropFirst(2))
      while text.hasSuffix("\\"), index + 1 < body.upperBound {
        index += 1
        text += "\n" + lines[index]
      }
      if let terminator = hereDocumentTerminator(text) {
        repeat {
          index += 1
          guard index < body.upperBound else {
            throw DocError("\(path):\(start + 1): here-document without its \(terminator) line")
          }
          text += "\n" + lines[index]
        } while lines[index] != terminator
      }
      index += 1
      let outputStart = index
      while index < body.upperBound, oneCommand || !lines[index].hasPrefix("$ ") { index += 1 }
      var outputEnd = index
      while outputEnd > outputStart, lines[outputEnd - 1].trimmingCharacters(in: .whitespaces).isEmpty {
        outputEnd -= 1
      }
      commands.append(
        DocCommand(
          line: start, text: text, outputRange: outputStart..<outputEnd,
          expected: Array(lines[outputStart..<outputEnd])))
    }
    return commands
  }

  /// `EOF` for a command with `<<EOF`, `<<'EOF'`, `<<"EOF"` or `<<-EOF`.
  static func hereDocumentTerminator(_ command: String) -> String? {
    guard let range = command.range(of: "<<") else { return nil }
    var rest = command[range.upperBound...]
    if rest.hasPrefix("-") { rest = rest.dropFirst() }
    rest = rest.drop { $0 == " " }
    if let quote = rest.first, quote == "'" || quote == "\"" { rest = rest.dropFirst() }
    let word = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
    return word.isEmpty ? nil : String(word)
  }
}

/// Matching output against a doc's lines, where a `...` line stands for any number of lines.
enum DocMatch {
  static func isElision(_ line: String) -> Bool { line.trimmingCharacters(in: .whitespaces) == "..." }

  /// Status lines compare without their indentation.
  static func same(_ pattern: String, _ actual: String) -> Bool {
    if pattern == actual { return true }
    return DocCommand.isStatusLine(pattern) && DocCommand.isStatusLine(actual)
      && pattern.trimmingCharacters(in: .whitespaces) == actual.trimmingCharacters(in: .whitespaces)
  }

  static func matches(pattern: [String], actual: [String]) -> Bool {
    // Wildcard matching with backtracking to the last `...`.
    var p = 0
    var a = 0
    var star: Int?
    var starA = 0
    while a < actual.count {
      if p < pattern.count, isElision(pattern[p]) {
        star = p
        starA = a
        p += 1
      } else if p < pattern.count, same(pattern[p], actual[a]) {
        p += 1
        a += 1
      } else if let s = star {
        p = s + 1
        starA += 1
        a = starA
      } else {
        return false
      }
    }
    while p < pattern.count, isElision(pattern[p]) { p += 1 }
    return p == pattern.count
  }

  /// The doc's lines rewritten with `actual`: without `...` lines, `actual` itself; with them,
  /// the part before the first `...` becomes as many first lines of `actual`, the part after the
  /// last as many last lines, and each part between goes where `actual` is most like it.
  static func paste(pattern: [String], actual: [String]) -> [String] {
    var parts: [[String]] = [[]]
    var elisions: [String] = []
    for line in pattern {
      if isElision(line) {
        elisions.append(line)
        parts.append([])
      } else {
        parts[parts.count - 1].append(line)
      }
    }
    if elisions.isEmpty { return actual }
    let head = min(parts[0].count, actual.count)
    let tail = min(parts[parts.count - 1].count, actual.count - head)
    var result = Array(actual[..<head])
    var position = head
    let end = actual.count - tail
    for (number, part) in parts.enumerated().dropFirst().dropLast() {
      result.append(elisions[number - 1])
      guard !part.isEmpty, end - position >= part.count else { continue }
      var best = position
      var bestScore = -1.0
      for start in position...(end - part.count) {
        let score = zip(part, actual[start..<(start + part.count)]).reduce(0.0) {
          $0 + similarity($1.0, $1.1)
        }
        if score > bestScore {
          best = start
          bestScore = score
        }
      }
      result += actual[best..<(best + part.count)]
      position = best + part.count
    }
    result.append(elisions[elisions.count - 1])
    result += actual[end...]
    return result
  }

  /// The share of words two lines have in common (1 for equal lines).
  static func similarity(_ a: String, _ b: String) -> Double {
    if a == b { return 1 }
    func words(_ s: String) -> [Substring] {
      s.split { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".") }
    }
    let left = words(a)
    var right = words(b)
    guard !left.isEmpty || !right.isEmpty else { return 0 }
    var common = 0
    for word in left {
      if let found = right.firstIndex(of: word) {
        common += 1
        right.remove(at: found)
      }
    }
    return Double(common) / Double(max(left.count, right.count + common))
  }
}
