import Foundation
import Testing

/// Exit statuses from DESIGN.md: 0 success, 64 usage error, 65 bad input data, 1 anything else.
@Suite("Exit statuses and error messages")
struct ExitStatusTests {
  @Test func unknownSubcommandIsAUsageError() throws {
    let result = try CLI.run(["frobnicate"])
    #expect(result.status == 64, "\(result)")
    #expect(result.stdout == "")
    #expect(result.stderr.contains("frobnicate"))
  }

  @Test func unknownOptionIsAUsageError() throws {
    let result = try CLI.run(["pricing", "list", "--bogus"])
    #expect(result.status == 64, "\(result)")
    #expect(result.stdout == "")
    #expect(result.stderr.contains("--bogus"))
  }

  @Test func impossibleDateIsAUsageErrorNamingTheOption() throws {
    let result = try CLI.run(["estimate", "examples/workloads.toml", "--at", "2026-13-01"])
    #expect(result.status == 64, "\(result)")
    #expect(result.stdout == "")
    #expect(
      result.stderr.hasPrefix(
        "Error: The value '2026-13-01' is invalid for '--at <date>': expected a calendar date written YYYY-MM-DD\n"
      ), "\(result)")
  }

  @Test func unknownPeriodIsBadInput() throws {
    let result = try CLI.run(["estimate", "per-year.toml", "--at", "2026-11-21"], in: CLI.fixturesDirectory)
    #expect(result.status == 65, "\(result)")
    #expect(result.stdout == "")
    #expect(result.stderr.contains(#"per: "year" is not a period"#), "\(result)")
    #expect(
      result.stderr
        == "tally: per-year.toml:6: workload \"annual-audit\": per: \"year\" is not a period; expected day, week or month\n"
    )
  }

  @Test func unknownModelIsBadInputNamingWorkloadAndModel() throws {
    let result = try CLI.run(
      ["estimate", "unknown-model.toml", "--at", "2026-11-21"], in: CLI.fixturesDirectory)
    #expect(result.status == 65, "\(result)")
    #expect(result.stdout == "", "no partial report when one workload cannot be priced")
    #expect(result.stderr.contains(#"workload "mystery-job""#), "\(result)")
    #expect(result.stderr.contains(#"unknown model "claude-imaginary-9""#), "\(result)")
    #expect(result.stderr.contains("--pricing FILE"), "the message says what to do")
  }

  @Test func noRateInForceIsBadInputNamingModelAndDate() throws {
    let result = try CLI.run(["estimate", "examples/workloads.toml", "--at", "2024-01-01"])
    #expect(result.status == 65, "\(result)")
    #expect(result.stdout == "")
    #expect(
      result.stderr.contains("no rate for claude-sonnet-4-5-20250929 is in force on 2024-01-01"), "\(result)")
    #expect(result.stderr.contains(#"workload "contract-review""#))
  }

  @Test(arguments: [
    ["estimate", "no-such-workloads.toml", "--at", "2026-11-21"],
    ["pricing", "check", "no-such-prices.csv"],
    ["estimate", "examples/workloads.toml", "--at", "2026-11-21", "--pricing", "no-such-prices.csv"],
  ])
  func missingFileIsAUsageError(_ arguments: [String]) throws {
    let result = try CLI.run(arguments)
    #expect(result.status == 64, "\(result)")
    #expect(result.stdout == "")
    let missing = try #require(arguments.first { $0.hasPrefix("no-such-") })
    #expect(result.stderr.contains("\(missing): no such file"), "\(result)")
  }

  @Test func bundledTablesPassCheck() throws {
    let result = try CLI.run(["pricing", "check"])
    #expect(result.status == 0, "\(result)")
    #expect(result.stderr == "")
    // The bundled tables are compiled in from pricing/*.csv; count the rows on disk so a stale
    // BundledPricing.swift (scripts/embed-pricing not re-run) shows up here too.
    let files = ["pricing/anthropic.csv", "pricing/openai.csv"]
    let rowsOnDisk = try files.map { file in
      try String(contentsOf: CLI.packageRoot.appendingPathComponent(file), encoding: .utf8)
        .split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.count - 1
    }.reduce(0, +)
    #expect(
      result.stdout == "ok: \(rowsOnDisk) rows in 2 files (pricing/anthropic.csv, pricing/openai.csv)\n")
  }

  @Test func tablesOnDiskPassCheck() throws {
    let result = try CLI.run(["pricing", "check", "pricing/anthropic.csv", "pricing/openai.csv"])
    #expect(result.status == 0, "\(result)")
    #expect(result.stdout.hasPrefix("ok: "), "\(result)")
  }
}

@Suite("Price overrides and the bundled tables")
struct PricingOverrideTests {
  /// Workload rows of `tally estimate --format json`, by name.
  func estimateRows(_ extra: [String]) throws -> [String: [String: Any]] {
    let result = try CLI.run(["estimate", "examples/workloads.toml", "--format", "json"] + extra)
    #expect(result.status == 0, "\(result)")
    #expect(result.stderr == "")
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    let rows = try #require(json["rows"] as? [[String: Any]])
    return Dictionary(
      uniqueKeysWithValues: rows.compactMap { row in (row["workload"] as? String).map { ($0, row) } })
  }

  /// contract-rates.csv prices claude-sonnet-4-5 (named by alias) at 2/10, batch 1/5, for
  /// 2026-11-01 to 2026-12-01 (exclusive). contract-review is 15,000 requests a month of
  /// 15,000 in and 800 out: 15,000 x (15,000 x 2 + 800 x 10) / 1e6 = 570 sync, 285 batch.
  @Test func userRowReplacesBundledRowInsideItsPeriod() throws {
    let override = ["--pricing", CLI.fixturesDirectory.appendingPathComponent("contract-rates.csv").path]
    let inside = try estimateRows(override + ["--at", "2026-11-21"])
    #expect(inside["contract-review"]?["sync_cost_usd"] as? String == "570")
    #expect(inside["contract-review"]?["batch_cost_usd"] as? String == "285")
    // claims-triage: 100M in x 2 + 7.5M out x 10 = 275.
    #expect(inside["claims-triage"]?["sync_cost_usd"] as? String == "275")
    // Another model is untouched: 300/7.
    #expect((inside["weekly-digest"]?["sync_cost_usd"] as? String)?.hasPrefix("42.857142857142") == true)

    let firstDay = try estimateRows(override + ["--at", "2026-11-01"])
    #expect(firstDay["contract-review"]?["sync_cost_usd"] as? String == "570", "effective_from is inclusive")

    let endDay = try estimateRows(override + ["--at", "2026-12-01"])
    #expect(endDay["contract-review"]?["sync_cost_usd"] as? String == "855", "effective_to is exclusive")
    #expect(endDay["contract-review"]?["batch_cost_usd"] as? String == "427.5")

    let before = try estimateRows(override + ["--at", "2026-10-31"])
    #expect(before["contract-review"]?["sync_cost_usd"] as? String == "855")
  }

  /// The price tables are compiled into the binary: copied alone to a directory with no
  /// pricing/ folder and run from elsewhere, it prints the same list.
  @Test func binaryCopiedAloneStillPrices() throws {
    let fromRepo = try CLI.run(["pricing", "list", "--at", "2026-11-21", "--format", "csv"])
    #expect(fromRepo.status == 0)

    let binDirectory = try CLI.temporaryDirectory("tally-bin")
    let workDirectory = try CLI.temporaryDirectory("tally-cwd")
    defer {
      try? FileManager.default.removeItem(at: binDirectory)
      try? FileManager.default.removeItem(at: workDirectory)
    }
    let copy = binDirectory.appendingPathComponent("tally")
    try FileManager.default.copyItem(at: CLI.executable, to: copy)
    #expect(!FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("pricing").path))
    #expect(!FileManager.default.fileExists(atPath: binDirectory.appendingPathComponent("pricing").path))

    let alone = try CLI.run(
      ["pricing", "list", "--at", "2026-11-21", "--format", "csv"], in: workDirectory, executable: copy)
    #expect(alone.status == 0, "\(alone)")
    #expect(alone.stderr == "")
    #expect(alone.stdout == fromRepo.stdout)
    #expect(
      alone.stdout.contains("anthropic,claude-sonnet-4-5-20250929,claude-sonnet-4-5,2025-09-29,,0,3,15,"))

    let workloads = CLI.packageRoot.appendingPathComponent("examples/workloads.toml").path
    let estimate = try CLI.run(
      ["estimate", workloads, "--at", "2026-11-21", "--format", "csv"], in: workDirectory, executable: copy)
    #expect(estimate.status == 0, "\(estimate)")
    #expect(
      estimate.stdout.contains(
        "contract-review,claude-sonnet-4-5-20250929,0-200k,15000,225000000,12000000,855.00,427.50,427.50,50.00\n"
      ))
  }
}

@Suite("Terminal output")
struct TerminalOutputTests {
  static let tableCommands: [[String]] = [
    ["pricing", "list", "--at", "2026-11-21"],
    ["pricing", "show", "claude-sonnet-4-5", "--at", "2026-11-21"],
    ["estimate", "examples/workloads.toml", "--at", "2026-11-21"],
  ]

  @Test("Piped table output has no escape codes", arguments: tableCommands)
  func pipedTableHasNoEscapes(_ arguments: [String]) throws {
    let result = try CLI.run(arguments)
    #expect(result.status == 0)
    #expect(!result.stdout.contains("\u{1B}"))
    // Without NO_COLOR too: colour needs a terminal, and a pipe is not one.
    let unset = try CLI.run(arguments, environment: ["NO_COLOR": nil])
    #expect(!unset.stdout.contains("\u{1B}"))
  }

  /// On a real terminal the header is bold, unless NO_COLOR is set.
  @Test func noColorOnATerminal() throws {
    let arguments = ["pricing", "list", "--at", "2026-11-21"]
    guard let plain = try CLI.runOnTerminal(arguments) else { return }  // no `script` here
    #expect(plain.status == 0, "\(plain)")
    #expect(plain.stdout.contains("claude-sonnet-4-5-20250929"), "\(plain)")
    #expect(!plain.stdout.contains("\u{1B}["), "NO_COLOR=1 on a terminal")

    let coloured = try #require(try CLI.runOnTerminal(arguments, environment: ["NO_COLOR": nil]))
    #expect(coloured.status == 0)
    #expect(coloured.stdout.contains("\u{1B}[1m"), "a terminal without NO_COLOR gets a bold header")
  }

  /// On a narrow terminal the renderer drops columns by priority down to the six it never
  /// drops (Model, Min input, Input, Output, Batch in, Batch out).
  @Test func narrowTerminalDropsColumns() throws {
    let result = try CLI.run(["pricing", "list", "--at", "2026-11-21"], width: 80)
    #expect(result.status == 0)
    let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(
      String.init)
    let header = try #require(lines.dropFirst().first)
    #expect(
      header.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        == "Model Min input Input Output Batch in Batch out")
    #expect(lines.dropFirst().allSatisfy { $0.count <= 80 }, "every table line fits 80 columns")
  }

  @Test func wideTerminalKeepsEveryColumnButAliases() throws {
    let result = try CLI.run(["pricing", "list", "--at", "2026-11-21"], width: 200)
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(lines.allSatisfy { $0.count <= 200 })
    #expect(lines[1].contains("Search/1k") && !lines[1].contains("Aliases"))
    // Piped with no COLUMNS there is no limit: the aliases column is back.
    let unlimited = try CLI.run(["pricing", "list", "--at", "2026-11-21"], width: nil)
    #expect(unlimited.stdout.split(separator: "\n")[1].contains("Aliases"))
  }
}

@Suite("Test harness")
struct HarnessTests {
  /// The tests must run the `tally` linked in this build, not a stale copy elsewhere.
  @Test func runsTheBinaryBuiltWithTheTests() throws {
    #if os(Linux)
      let productsDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        .deletingLastPathComponent()
      #expect(
        CLI.executable.deletingLastPathComponent().standardizedFileURL.path
          == productsDirectory.standardizedFileURL.path)
    #endif
    let version = try CLI.run(["--version"])
    #expect(version.status == 0)
    #expect(
      version.stdout
        == "0.1.0 (bundled price tables: pricing/anthropic.csv of 2026-10-07, pricing/openai.csv of 2026-11-22)\n"
    )
  }

  /// Both pipes are drained at once: output far beyond a pipe buffer (64 KiB) on stdout and
  /// stderr together must not deadlock.
  @Test func largeOutputOnBothStreams() throws {
    let shell = URL(fileURLWithPath: "/bin/sh")
    let script =
      "i=0; while [ $i -lt 4000 ]; do echo \"out line $i with some padding to make it longer\"; echo \"err line $i with some padding to make it longer\" >&2; i=$((i+1)); done"
    let result = try CLI.run(["-c", script], executable: shell)
    #expect(result.status == 0)
    #expect(result.stdout.split(separator: "\n").count == 4000)
    #expect(result.stderr.split(separator: "\n").count == 4000)
    #expect(result.stdout.utf8.count > 150_000)
  }

  @Test func showsFirstDifferingLinesWithNumbers() {
    let expected = (1...20).map { "line \($0)" }.joined(separator: "\n") + "\n"
    let actual = expected.replacingOccurrences(of: "line 10\n", with: "line ten\n")
    let diff = goldenDiff(expected: expected, actual: actual)
    #expect(diff.contains("- 10 | line 10"))
    #expect(diff.contains("+ 10 | line ten"))
    #expect(diff.contains("   9 | line 9"))
    #expect(!diff.contains("line 5\n"), "only three lines of context")
    #expect(diff.contains("@@ -7,7 +7,7 @@"))
  }

  @Test func separatesDistantChangesIntoHunks() {
    let expected = (1...40).map { "line \($0)" }.joined(separator: "\n") + "\n"
    let actual = expected.replacingOccurrences(of: "line 5\n", with: "line five\n")
      .replacingOccurrences(of: "line 30\n", with: "")
    let diff = goldenDiff(expected: expected, actual: actual)
    #expect(diff.contains("-  5 | line 5\n+  5 | line five"))
    #expect(diff.contains("- 30 | line 30\n  31 | line 31"))
    #expect(!diff.contains("line 15"), "unchanged lines between the hunks are left out")
    #expect(diff.components(separatedBy: "@@ -").count == 3, "\(diff)")
  }

  @Test func marksTrailingSpaceAndMissingNewline() {
    #expect(goldenDiff(expected: "a\nb\n", actual: "a\nb ").contains("b ⏎"))
    #expect(goldenDiff(expected: "a\nb\n", actual: "a\nb").contains("lacks the final newline"))
  }
}
