import Foundation
import Testing

@testable import TallyKit

@Suite struct ScenarioFileTests {
  func parse(_ text: String) throws(ScenarioFileError) -> ScenarioFile {
    try ScenarioFile.parse(text, file: "w.toml")
  }

  func error(_ text: String) -> String? {
    do {
      _ = try parse(text)
      return nil
    } catch {
      return error.description
    }
  }

  static let minimal = """
    [[workload]]
    name = "a"
    model = "claude-sonnet-4-5"
    requests = 500
    per = "day"
    input_tokens = 15000
    output_tokens = 800

    """

  @Test func readsWorkloadsFinanceAndChangesExactly() throws {
    let file = try parse(
      "days_per_month = 30.5\n" + Self.minimal
        + """
        cache_read_tokens = 100
        cache_write_tokens = 20
        mode = "batch"
        tenant = "acme"
        job = "summarize"

        [finance]
        revenue = 100000.10
        other_cogs = 10000

        [[change]]
        kind = "move-to-batch"
        share = 0.65
        """)
    #expect(file.daysPerMonth == ExactDecimal.parse("30.5"))
    let workload = try #require(file.workloads.first)
    #expect(workload.requests == 500)
    #expect(workload.per == .day)
    #expect(
      workload.tokensPerRequest == TokenCounts(input: 15_000, cacheWrite5m: 20, cacheRead: 100, output: 800))
    #expect(workload.mode == .batch)
    #expect(workload.tenant == "acme")
    #expect(workload.line == 2)
    #expect(
      file.finance == Finance(revenue: Money(parsing: "100000.10")!, otherCOGS: Money(parsing: "10000")!))
    #expect(file.changes.first?.kind == .moveToBatch(share: Exact(ExactDecimal.parse("0.65")!)))
  }

  @Test func defaultsAreThirtyDaysAndSyncMode() throws {
    let file = try parse(Self.minimal)
    #expect(file.daysPerMonth == 30)
    #expect(file.workloads.first?.mode == .sync)
    #expect(file.finance == nil)
  }

  @Test func badValuesAreErrorsNamingFileLineAndWorkload() {
    #expect(
      error(Self.minimal.replacingOccurrences(of: "\"day\"", with: "\"year\""))
        == "w.toml:5: workload \"a\": per: \"year\" is not a period; expected day, week or month")
    #expect(
      error(Self.minimal.replacingOccurrences(of: "15000", with: "1.5"))
        == "w.toml:6: workload \"a\": input_tokens: 1.5 is not a whole number of tokens")
    #expect(
      error(Self.minimal.replacingOccurrences(of: "15000", with: "-3"))
        == "w.toml:6: workload \"a\": input_tokens: -3 is negative; expected a whole number of tokens")
    #expect(
      error(Self.minimal.replacingOccurrences(of: "input_tokens", with: "input_token"))
        == "w.toml:6: workload: unknown key \"input_token\"; expected one of name, model, requests, per, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, mode, tenant, job"
    )
    #expect(
      error(Self.minimal.replacingOccurrences(of: "output_tokens = 800\n", with: ""))
        == "w.toml:1: workload \"a\": output_tokens is required")
    #expect(
      error(Self.minimal.replacingOccurrences(of: "requests = 500", with: "requests = \"500\""))
        == "w.toml:4: workload \"a\": requests: expected a number")
    #expect(
      error(Self.minimal + "mode = \"async\"\n")
        == "w.toml:8: workload \"a\": mode: \"async\" is not a mode; expected sync or batch")
    #expect(
      error(Self.minimal + Self.minimal)
        == "w.toml:8: workload \"a\" is declared twice (also at line 1); names must be unique")
    #expect(error("days_per_month = 0\n") == "w.toml:1: days_per_month: expected a number of days above zero")
    #expect(
      error("[finance]\nrevenue = 0\n") == "w.toml:2: finance: revenue must be above zero for a gross margin")
    #expect(
      error("currency = \"EUR\"\n")
        == "w.toml:1: unknown key \"currency\"; expected one of days_per_month, workload, finance, change")
    #expect(error("requests = 1.2.3\n")?.hasPrefix("w.toml:1: ") == true)
  }
}
