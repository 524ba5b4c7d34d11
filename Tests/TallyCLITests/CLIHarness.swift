import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What one run of the `tally` binary produced.
struct CLIResult: Sendable, CustomStringConvertible {
  let stdout: String
  let stderr: String
  let status: Int32

  var description: String {
    "exit status \(status)\n--- stdout ---\n\(stdout)--- stderr ---\n\(stderr)"
  }
}

/// Runs the built `tally` executable as a user would, with a pinned environment.
enum CLI {
  /// The package root: three levels up from this file (`Tests/TallyCLITests/CLIHarness.swift`).
  static let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// `Tests/TallyCLITests/Golden`.
  static let goldenDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Golden", isDirectory: true)

  /// `Tests/TallyCLITests/Golden/fixtures`: input files the tests run the binary on.
  static let fixturesDirectory = goldenDirectory.appendingPathComponent("fixtures", isDirectory: true)

  /// The `tally` binary in the products directory that holds this test bundle.
  ///
  /// On Linux the test bundle is an executable (`TallyPackageTests.xctest`) in the products
  /// directory, so `CommandLine.arguments[0]`'s directory is where `tally` was linked. On macOS
  /// `Bundle.main` is the xctest runner inside Xcode, so the test bundle's own location is
  /// tried too, then `.build/debug/tally` under the package root.
  static let executable: URL = {
    var candidates: [URL] = []
    let argv0 = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    candidates.append(argv0.deletingLastPathComponent())
    candidates.append(Bundle.main.bundleURL)
    for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
      candidates.append(bundle.bundleURL.deletingLastPathComponent())
    }
    candidates.append(packageRoot.appendingPathComponent(".build/debug", isDirectory: true))
    for directory in candidates {
      let binary = directory.appendingPathComponent("tally")
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: binary.path, isDirectory: &isDirectory),
        !isDirectory.boolValue,
        FileManager.default.isExecutableFile(atPath: binary.path)
      {
        return binary
      }
    }
    // Fail at run time with a message naming where we looked.
    return packageRoot.appendingPathComponent(".build/debug/tally")
  }()

  /// Runs `tally` with `arguments`.
  ///
  /// The environment is pinned (`TZ=UTC`, `NO_COLOR=1`, `COLUMNS=width`, `LC_ALL=C`,
  /// `XDG_CONFIG_HOME` an empty directory) and otherwise only `PATH` and `HOME` are inherited, so
  /// a developer's `TALLY_LEDGER`, `~/.config/tally/config.toml` or locale cannot change the
  /// output; a test of the config file sets `TALLY_CONFIG`. `width: nil` leaves `COLUMNS` unset
  /// (unlimited when piped); `environment` adds or overrides variables, and a `nil` value removes
  /// one.
  static func run(
    _ arguments: [String],
    in directory: URL? = nil,
    width: Int? = 200,
    environment extra: [String: String?] = [:],
    executable: URL? = nil
  ) throws -> CLIResult {
    let binary = executable ?? CLI.executable
    var arguments = arguments
    var extra = extra
    var ledgers: [(url: String, path: String)] = []
    if TestEngine.postgres && executable == nil {
      (arguments, extra, ledgers) = try TestEngine.mapLedgers(
        arguments, environment: extra, in: directory ?? packageRoot)
    }
    guard FileManager.default.isExecutableFile(atPath: binary.path) else {
      throw HarnessError("tally binary not found at \(binary.path); run `swift build` first")
    }
    var environment: [String: String] = [
      "TZ": "UTC", "NO_COLOR": "1", "LC_ALL": "C", "XDG_CONFIG_HOME": emptyConfigHome.path,
    ]
    let inherited = ProcessInfo.processInfo.environment
    for name in ["PATH", "HOME"] { environment[name] = inherited[name] }
    if let width { environment["COLUMNS"] = String(width) }
    for (name, value) in extra { environment[name] = value }

    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    process.environment = environment
    process.currentDirectoryURL = directory ?? packageRoot
    let stdoutPipe = Pipe()
    let stderrPipe = Pipe()
    process.standardOutput = stdoutPipe
    process.standardError = stderrPipe
    process.standardInput = FileHandle.nullDevice
    try process.run()

    // Drain both pipes at once: a child that fills one pipe's buffer (64 KiB) while we wait on
    // the other would otherwise block forever.
    let stderrData = DrainedPipe(stderrPipe.fileHandleForReading)
    let stdoutData = stdoutPipe.fileHandleForReading.readDataToEndOfFile()
    let errorData = stderrData.wait()
    process.waitUntilExit()

    if process.terminationReason == .uncaughtSignal {
      throw HarnessError(
        "tally \(arguments.joined(separator: " ")) was killed by signal \(process.terminationStatus)")
    }
    return CLIResult(
      stdout: TestEngine.unmap(String(decoding: stdoutData, as: UTF8.self), ledgers),
      stderr: TestEngine.unmap(String(decoding: errorData, as: UTF8.self), ledgers),
      status: process.terminationStatus)
  }

  /// An empty directory as every run's `XDG_CONFIG_HOME`: no config file, whatever is in `HOME`.
  static let emptyConfigHome: URL = {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "tally-cli-tests-config-\(UUID().uuidString)", isDirectory: true)
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }()

  /// Runs `command` under a pseudo-terminal (util-linux `script`), so that `tally` sees a TTY on
  /// stdout. Returns nil where `script` is not available. stdout and stderr arrive merged.
  static func runOnTerminal(_ arguments: [String], environment extra: [String: String?] = [:]) throws
    -> CLIResult?
  {
    let script = URL(fileURLWithPath: "/usr/bin/script")
    #if os(Linux)
      guard FileManager.default.isExecutableFile(atPath: script.path) else { return nil }
      let command = ([executable.path] + arguments).map(shellQuoted).joined(separator: " ")
      return try run(["-q", "-e", "-c", command, "/dev/null"], environment: extra, executable: script)
    #else
      return nil
    #endif
  }

  static func shellQuoted(_ word: String) -> String {
    "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }

  /// A fresh empty directory under the system temporary directory.
  static func temporaryDirectory(_ label: String = "tally-cli-tests") throws -> URL {
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("\(label)-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }
}

struct HarnessError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// Reads a pipe to its end on its own thread.
private final class DrainedPipe: @unchecked Sendable {
  private let done = DispatchSemaphore(value: 0)
  private var data = Data()

  init(_ handle: FileHandle) {
    let thread = Thread { [self] in
      data = handle.readDataToEndOfFile()
      done.signal()
    }
    thread.start()
  }

  /// The whole output; the semaphore orders the write above before this read.
  func wait() -> Data {
    done.wait()
    return data
  }
}

// MARK: - Golden files

/// Compares `actual` with `Tests/TallyCLITests/Golden/<name>`.
///
/// With `RECORD_GOLDEN=1` in the environment it writes the file instead and records an issue
/// saying so, so a recording run never passes silently; review the files, then run again
/// without it. On a mismatch the issue shows a short diff of the first differing lines.
func assertGolden(_ actual: String, named name: String, sourceLocation: SourceLocation = #_sourceLocation) {
  let url = CLI.goldenDirectory.appendingPathComponent(name)
  if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" {
    do {
      try FileManager.default.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try Data(actual.utf8).write(to: url, options: .atomic)
      Issue.record(
        "Recorded golden file Golden/\(name) (\(actual.utf8.count) bytes); review it, then run without RECORD_GOLDEN",
        sourceLocation: sourceLocation)
    } catch {
      Issue.record("Could not record golden file \(url.path): \(error)", sourceLocation: sourceLocation)
    }
    return
  }
  guard let data = FileManager.default.contents(atPath: url.path) else {
    Issue.record(
      "Golden file Golden/\(name) does not exist; run with RECORD_GOLDEN=1 to record it",
      sourceLocation: sourceLocation)
    return
  }
  let expected = String(decoding: data, as: UTF8.self)
  guard expected != actual else { return }
  Issue.record(
    "Output differs from Golden/\(name) (RECORD_GOLDEN=1 re-records):\n\(goldenDiff(expected: expected, actual: actual))",
    sourceLocation: sourceLocation)
}

/// A unified-style diff of where `expected` and `actual` differ: hunks with up to `context`
/// lines around each change, `-` expected and `+` actual lines with their 1-based line numbers.
/// Only the first `maxHunks` hunks are shown, so a wholesale change does not flood the log.
func goldenDiff(expected: String, actual: String, context: Int = 3, maxHunks: Int = 3) -> String {
  let old = expected.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  let new = actual.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)

  // Line edit script: common prefix and suffix, then a longest-common-subsequence table over
  // the middle (golden files are small enough for the quadratic table).
  enum Edit { case same(Int, Int), removed(Int), added(Int) }
  var prefix = 0
  while prefix < old.count, prefix < new.count, old[prefix] == new[prefix] { prefix += 1 }
  var suffix = 0
  while suffix < old.count - prefix, suffix < new.count - prefix,
    old[old.count - 1 - suffix] == new[new.count - 1 - suffix]
  {
    suffix += 1
  }
  let a = Array(old[prefix..<(old.count - suffix)])
  let b = Array(new[prefix..<(new.count - suffix)])
  var lcs = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
  for i in stride(from: a.count - 1, through: 0, by: -1) {
    for j in stride(from: b.count - 1, through: 0, by: -1) {
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
    }
  }
  var edits: [Edit] = (0..<prefix).map { .same($0, $0) }
  var i = 0
  var j = 0
  while i < a.count || j < b.count {
    if i < a.count, j < b.count, a[i] == b[j] {
      edits.append(.same(prefix + i, prefix + j)); i += 1; j += 1
    } else if i < a.count, j == b.count || lcs[i + 1][j] >= lcs[i][j + 1] {
      edits.append(.removed(prefix + i)); i += 1
    } else {
      edits.append(.added(prefix + j)); j += 1
    }
  }
  for k in 0..<suffix { edits.append(.same(old.count - suffix + k, new.count - suffix + k)) }

  let width = String(max(old.count, new.count)).count
  func number(_ n: Int) -> String {
    String(repeating: " ", count: max(0, width - String(n).count)) + String(n)
  }
  /// Shows trailing spaces and control characters, which otherwise make two lines look equal.
  func visible(_ line: String) -> String {
    var out = ""
    for scalar in line.unicodeScalars {
      switch scalar {
      case "\t": out += "\\t"
      case "\r": out += "\\r"
      case "\u{1B}": out += "\\e"
      default: out.unicodeScalars.append(scalar)
      }
    }
    if out.hasSuffix(" ") { out += "⏎" }
    return out
  }
  func render(_ edit: Edit) -> String {
    switch edit {
    case .same(let o, _): "  \(number(o + 1)) | \(visible(old[o]))"
    case .removed(let o): "- \(number(o + 1)) | \(visible(old[o]))"
    case .added(let n): "+ \(number(n + 1)) | \(visible(new[n]))"
    }
  }

  // Group changes into hunks: changed edits plus `context` unchanged ones on each side.
  let changed = edits.indices.filter { if case .same = edits[$0] { false } else { true } }
  var hunks: [ClosedRange<Int>] = []
  for index in changed {
    let range = max(0, index - context)...min(edits.count - 1, index + context)
    if let last = hunks.last, range.lowerBound <= last.upperBound + 1 {
      hunks[hunks.count - 1] = last.lowerBound...range.upperBound
    } else {
      hunks.append(range)
    }
  }
  var lines = [
    "(expected -, actual +; line numbers of the expected file for - and unchanged lines, of the actual output for +)"
  ]
  for hunk in hunks.prefix(maxHunks) {
    let removed = edits[hunk].filter { if case .added = $0 { false } else { true } }.count
    let added = edits[hunk].filter { if case .removed = $0 { false } else { true } }.count
    let firstOld: Int
    let firstNew: Int
    switch edits[hunk.lowerBound] {
    case .same(let o, let n): (firstOld, firstNew) = (o, n)
    case .removed(let o):
      (firstOld, firstNew) = (
        o,
        edits[..<hunk.lowerBound].reduce(0) { count, edit in
          if case .removed = edit { count } else { count + 1 }
        }
      )
    case .added(let n):
      (firstOld, firstNew) = (
        edits[..<hunk.lowerBound].reduce(0) { count, edit in
          if case .added = edit { count } else { count + 1 }
        }, n
      )
    }
    lines.append("@@ -\(firstOld + 1),\(removed) +\(firstNew + 1),\(added) @@")
    lines += edits[hunk].map(render)
  }
  if hunks.count > maxHunks { lines.append("... and \(hunks.count - maxHunks) more differing regions") }
  if hunks.isEmpty {
    lines.append("(the texts differ only in a way lines cannot show)")
  } else if old.last == "" && new.last != "" && Array(old.dropLast()) == new {
    lines.append("(actual output lacks the final newline)")
  } else if new.last == "" && old.last != "" && Array(new.dropLast()) == old {
    lines.append("(actual output has an extra final newline)")
  }
  lines.append("expected \(old.count) lines, actual \(new.count) lines")
  return lines.joined(separator: "\n")
}
