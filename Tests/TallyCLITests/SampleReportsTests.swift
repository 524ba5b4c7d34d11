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
    #expect(names.count == 27)
    // The review's screenshot is made from the page by scripts/screenshot-review (Chromium's
    // pixels vary with its version and fonts, so it is checked for what it is, not byte for byte).
    let committedNames = try FileManager.default.contentsOfDirectory(atPath: committed.path).sorted()
    #expect(committedNames.filter { !$0.hasSuffix(".png") } == names)
    #expect(committedNames.filter { $0.hasSuffix(".png") } == ["review-2026-10.png"])
    let png = try Data(contentsOf: committed.appendingPathComponent("review-2026-10.png"))
    #expect(
      png.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
      "reports/review-2026-10.png is a PNG")
    if png.count > 24 {
      let width = png[16..<20].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
      let height = png[20..<24].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
      #expect(width == 1200 && height == 2000, "scripts/screenshot-review makes a 1200 x 2000 screenshot")
    }
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
