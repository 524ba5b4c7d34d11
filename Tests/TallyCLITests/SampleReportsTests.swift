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
    #expect(names.count == 17)
    #expect(try FileManager.default.contentsOfDirectory(atPath: committed.path).sorted() == names)
    for name in names {
      let expected = (try? String(contentsOf: committed.appendingPathComponent(name), encoding: .utf8)) ?? ""
      let actual = try String(contentsOf: out.appendingPathComponent(name), encoding: .utf8)
      #expect(
        actual == expected,
        "reports/\(name) is stale; run scripts/generate-reports\n\(goldenDiff(expected: expected, actual: actual))"
      )
    }
  }
}
