import Foundation
import Testing

/// One command whose stdout is pinned by a golden file.
struct GoldenCase: Sendable, CustomTestStringConvertible {
  let golden: String
  let arguments: [String]

  var testDescription: String { "tally \(arguments.joined(separator: " ")) -> Golden/\(golden)" }
}

/// Every report format of the pricing and estimate commands, compared byte for byte with
/// `Golden/`. Re-record with `RECORD_GOLDEN=1 swift test --filter TallyCLITests`, then read the
/// diff of the golden files before committing: the numbers in them are checked by hand against
/// pricing/*.csv and the published examples in DESIGN.md.
@Suite("Golden output")
struct GoldenTests {
  static let at = ["--at", "2026-11-21"]

  static let cases: [GoldenCase] = [
    GoldenCase(golden: "pricing-list.txt", arguments: ["pricing", "list"] + at),
    GoldenCase(golden: "pricing-list.csv", arguments: ["pricing", "list"] + at + ["--format", "csv"]),
    GoldenCase(golden: "pricing-list.json", arguments: ["pricing", "list"] + at + ["--format", "json"]),
    GoldenCase(
      golden: "pricing-list-openai.csv",
      arguments: ["pricing", "list"] + at + ["--provider", "openai", "--format", "csv"]),
    GoldenCase(
      golden: "pricing-show-claude-sonnet-4-5.txt", arguments: ["pricing", "show", "claude-sonnet-4-5"] + at),
    GoldenCase(
      golden: "pricing-show-claude-sonnet-4-5.json",
      arguments: ["pricing", "show", "claude-sonnet-4-5"] + at + ["--format", "json"]),
    GoldenCase(
      golden: "pricing-show-gpt-4o-mini-2024-07-18.txt",
      arguments: ["pricing", "show", "gpt-4o-mini-2024-07-18"] + at),
    GoldenCase(golden: "estimate-workloads.txt", arguments: ["estimate", "examples/workloads.toml"] + at),
    GoldenCase(
      golden: "estimate-workloads.csv",
      arguments: ["estimate", "examples/workloads.toml"] + at + ["--format", "csv"]),
    GoldenCase(
      golden: "estimate-workloads.json",
      arguments: ["estimate", "examples/workloads.toml"] + at + ["--format", "json"]),
    GoldenCase(golden: "whatif-workloads.txt", arguments: ["whatif", "examples/workloads.toml"] + at),
    GoldenCase(
      golden: "whatif-workloads-by-workload-model-mode.csv",
      arguments: ["whatif", "examples/workloads.toml"] + at + [
        "--by", "workload,model,mode", "--format", "csv",
      ]),
    GoldenCase(
      golden: "whatif-workloads.json",
      arguments: ["whatif", "examples/workloads.toml"] + at + ["--format", "json"]),
  ]

  /// `--section` of whatif and estimate CSV: each block with its own header, or all of them.
  static let sectionCases: [GoldenCase] =
    ["projection", "margin", "all"].map { section in
      GoldenCase(
        golden: "whatif-workloads-section-\(section).csv",
        arguments: ["whatif", "examples/workloads.toml"] + at + ["--format", "csv", "--section", section])
    }
    + ["margin", "all"].map { section in
      GoldenCase(
        golden: "estimate-workloads-section-\(section).csv",
        arguments: ["estimate", "examples/workloads.toml"] + at + ["--format", "csv", "--section", section])
    }

  /// The same blocks for a spreadsheet in a decimal-comma locale: `;`, `1234,50`, one BOM at the
  /// very start (not one per block).
  static let dialectCases: [GoldenCase] = [
    GoldenCase(
      golden: "whatif-workloads-section-all-semicolon-bom.csv",
      arguments: ["whatif", "examples/workloads.toml"] + at + [
        "--format", "csv", "--section", "all", "--csv-delimiter", ";", "--decimal-comma", "--csv-bom",
      ])
  ]

  @Test("Report output matches its golden file", arguments: cases + sectionCases + dialectCases)
  func report(_ golden: GoldenCase) throws {
    let result = try CLI.run(golden.arguments)
    #expect(result.status == 0, "\(result)")
    #expect(result.stderr == "", "a successful report prints nothing on stderr")
    assertGolden(result.stdout, named: golden.golden)
  }

  /// `pricing check` on a table with one of each kind of problem: every problem is reported as
  /// `file:line: column NAME: what is wrong` on stdout, a count on stderr, exit 65.
  @Test func pricingCheckReportsEveryProblem() throws {
    let result = try CLI.run(["pricing", "check", "bad-pricing.csv"], in: CLI.fixturesDirectory)
    #expect(result.status == 65, "\(result)")
    #expect(result.stderr == "tally: 5 problems in 1 of 1 file\n")
    assertGolden(result.stdout, named: "pricing-check-bad-pricing.txt")

    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(lines.contains(#"bad-pricing.csv:2: column batch_input: "1,50" is not a decimal number"#))
    #expect(lines.contains("bad-pricing.csv:3: column output: -15 is negative; a rate cannot be below zero"))
    #expect(
      lines.contains {
        $0.hasPrefix("bad-pricing.csv:5: column effective_from: acme-overlap")
          && $0.contains("overlaps line 4")
      })
    #expect(
      lines.contains { $0.hasPrefix(#"bad-pricing.csv:6: column provider: unknown provider "mistral""#) })
    #expect(
      lines.contains {
        $0.hasPrefix(
          "bad-pricing.csv:7: column effective_to: 2026-04-01 is not after effective_from 2026-05-01")
      })
    #expect(!result.stdout.contains("bad-pricing.csv:8"), "line 8 is a valid row")
  }

  @Test func pricingCheckReportsAMissingColumn() throws {
    let result = try CLI.run(["pricing", "check", "missing-column.csv"], in: CLI.fixturesDirectory)
    #expect(result.status == 65, "\(result)")
    #expect(result.stderr == "tally: 1 problem in 1 of 1 file\n")
    assertGolden(result.stdout, named: "pricing-check-missing-column.txt")
    #expect(
      result.stdout
        == "missing-column.csv:1: column batch_output: required column is missing from the header\n")
  }

  /// The exact figures published in DESIGN.md, read from the JSON (money is a decimal string).
  @Test func estimateJSONHasThePublishedFigures() throws {
    let result = try CLI.run(["estimate", "examples/workloads.toml"] + Self.at + ["--format", "json"])
    #expect(result.status == 0, "\(result)")
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    #expect(json["report"] as? String == "estimate")
    #expect(json["at"] as? String == "2026-11-21")
    let rows = try #require(json["rows"] as? [[String: Any]])
    let byWorkload = Dictionary(
      uniqueKeysWithValues: rows.compactMap { row in (row["workload"] as? String).map { ($0, row) } })

    let contract = try #require(byWorkload["contract-review"])
    #expect(contract["sync_cost_usd"] as? String == "855")
    #expect(contract["batch_cost_usd"] as? String == "427.5")
    #expect(contract["savings_usd"] as? String == "427.5")
    #expect(contract["model"] as? String == "claude-sonnet-4-5-20250929")

    let claims = try #require(byWorkload["claims-triage"])
    #expect(claims["sync_cost_usd"] as? String == "412.5")
    #expect(claims["batch_cost_usd"] as? String == "206.25")

    // 2,000 a week for a 30-day month is 60000/7 requests of $0.005 each: 300/7 dollars.
    let digest = try #require(byWorkload["weekly-digest"])
    let digestSync = try #require(digest["sync_cost_usd"] as? String)
    #expect(digestSync.hasPrefix("42.857142857142"), "300/7 to at least 12 decimals, got \(digestSync)")
  }
}
