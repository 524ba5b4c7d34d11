// Benchmark of `--id-pattern` matching, compiled with Sources/TallyKit/Ingest/IDPattern.swift by
// scripts/bench-id-pattern. Prints nanoseconds per id for IDPattern and for Swift Regex on the
// same ids, and checks that both capture the same tenant and job.
import Foundation

@main
enum Bench {
  static func main() throws {
    let count = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 1_000_000
    let tenants = [
      "acme", "globex-eu", "initech-02", "umbrella", "hooli-labs", "stark-ind", "wayne-ent", "tyrell",
    ]
    let jobs = ["summarize", "classify", "contract-review", "extract", "translate"]
    var state: UInt64 = 20_261_127
    func next(_ bound: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(bound))
    }
    let ids = (0..<count).map { index in
      "\(tenants[next(tenants.count)])__\(jobs[next(jobs.count)])__\(String(format: "%06d", index % 1_000_000))"
    }
    let averageLength = Double(ids.reduce(0) { $0 + $1.utf8.count }) / Double(count)

    func seconds(_ body: () throws -> Void) rethrows -> Double {
      let start = DispatchTime.now().uptimeNanoseconds
      try body()
      return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    print("ids: \(count), average \(String(format: "%.1f", averageLength)) bytes")
    for source in [
      #"^(?<tenant>[a-z0-9-]+)__(?<job>[a-z-]+)__\d+$"#,
      #"(?<tenant>[a-z0-9-]+)__(?<job>[a-z-]+)"#,
      #"(?<tenant>[^_]+)_(?<job>[^_]+)_\d+"#,
      #"^(?<tenant>[a-z]+):(?<job>[a-z]+)$"#,
      #"^(?<tenant>x)"#,
    ] {
      let pattern = try IDPattern(source)
      var matched = 0
      var best = Double.infinity
      for _ in 0..<3 {
        matched = 0
        best = min(
          best,
          try seconds {
            for id in ids where try pattern.firstMatch(in: id)?.tenant != nil { matched += 1 }
          })
      }
      let regex = try Regex(source)
      let sample = ids.prefix(max(1, count / 20))
      var agree = 0
      let regexTime = try seconds {
        for id in sample {
          let match = try regex.firstMatch(in: id)
          let theirs = match.map {
            ($0.output["tenant"]?.substring.map(String.init), $0.output["job"]?.substring.map(String.init))
          }
          let ours = try pattern.firstMatch(in: id)
          if theirs?.0 == ours?.tenant && theirs?.1 == ours?.job && (theirs == nil) == (ours == nil) {
            agree += 1
          }
        }
      }
      let ourTime = try seconds { for id in sample { _ = try pattern.firstMatch(in: id) } }
      print(
        "\(source)\n  IDPattern: \(String(format: "%.0f", best / Double(count) * 1e9)) ns/id (\(matched) of \(count) matched)"
          + "\n  Swift Regex: \(String(format: "%.0f", (regexTime - ourTime) / Double(sample.count) * 1e9)) ns/id (on \(sample.count) ids; captures agree on \(agree))"
      )
    }
  }
}
