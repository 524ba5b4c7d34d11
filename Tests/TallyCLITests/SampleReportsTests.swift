import Foundation
import Testing

/// `reports/` holds the demo data set's reports as committed samples. This regenerates them with
/// `scripts/generate-reports` and the binary under test, and fails on any difference, so the
/// samples never go stale. To update them: `scripts/generate-reports`.
@Suite("Sample reports")
struct SampleReportsTests {
  @Test func reportsDirectoryMatchesTheDemoDataSet() throws {
    let out = try CLI.temporaryDirectory("tally-reports")
    let script = CLI.packageRoot.appendingPathComponent("scripts/generate-reports")
    let run = try CLI.run(
      [script.path, "--binary", CLI.executable.path, "--out", out.path],
      executable: URL(fileURLWithPath: "/usr/bin/env"))
    #expect(run.status == 0, "\(run.stderr)")
    let committed = CLI.packageRoot.appendingPathComponent("reports")
    let names = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
    #expect(names.count == 26)
    #expect(try FileManager.default.contentsOfDirectory(atPath: committed.path).sorted() == names)
    for name in names {
      let expected = (try? String(contentsOf: committed.appendingPathComponent(name), encoding: .utf8)) ?? ""
      let actual = try String(contentsOf: out.appendingPathComponent(name), encoding: .utf8)
      #expect(
        actual == expected,
        "reports/\(name) is stale; run scripts/generate-reports\n\(goldenDiff(expected: expected, actual: actual))"
      )
    }
    // The README's tour is the committed one.
    let readme = try String(contentsOf: CLI.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
    let tour = try String(contentsOf: committed.appendingPathComponent("tour.txt"), encoding: .utf8)
    #expect(readme.contains("$ tally demo --dir demo\n" + tour + "```"), "README.md: run scripts/paste-docs")
    // So is the what-if guide's walkthrough.
    let guide = try String(
      contentsOf: CLI.packageRoot.appendingPathComponent("docs/whatif.md"), encoding: .utf8)
    for (command, name) in [
      ("tally whatif demo/scenarios.toml --ledger demo/tally.sqlite", "whatif-2026-10.txt"),
      ("tally report opportunities --ledger demo/tally.sqlite", "opportunities-2026-10.txt"),
    ] {
      let report = try String(contentsOf: committed.appendingPathComponent(name), encoding: .utf8)
      #expect(
        guide.contains("$ \(command)\n" + report + "```"),
        "docs/whatif.md differs from reports/\(name): run scripts/generate-reports, then scripts/paste-docs")
    }
  }

  @Test func demoRebuildsItsOwnDirectoryAndLeavesOthersAlone() throws {
    let scratch = try CLI.temporaryDirectory("tally-demo")
    let first = try CLI.run(["demo", "--dir", "d"], in: scratch)
    #expect(first.status == 0, "\(first)")
    let again = try CLI.run(["demo", "--dir", "d"], in: scratch)
    #expect(again.stdout == first.stdout)
    let foreign = scratch.appendingPathComponent("mine")
    try FileManager.default.createDirectory(at: foreign, withIntermediateDirectories: true)
    try "keep".write(to: foreign.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
    let refused = try CLI.run(["demo", "--dir", "mine"], in: scratch)
    #expect(refused.status == 64)
    #expect(refused.stderr.contains("is not empty and was not made by `tally demo`"))
    #expect(try FileManager.default.contentsOfDirectory(atPath: foreign.path) == ["notes.txt"])
  }
}
