import Foundation
import Testing

/// Issue 12 part 1: the bundled price data brought up to date (see docs/prices.md, "What changed
/// on 2026-11-27"), checked end to end through `tally estimate --at` and `tally pricing show --at`.
///
/// Every workload below is one request a month (`requests = 1`, `per = "month"`) unless stated,
/// so the JSON costs are the exact cost of one request. Rates are USD per million tokens; the
/// arithmetic in each comment is tokens x rate / 1,000,000.
@Suite("Price data")
struct PriceDataCLITests {
  /// One `[[workload]]` entry.
  static func workload(
    _ name: String, model: String, input: Int, output: Int, cacheRead: Int = 0, cacheWrite: Int = 0,
    requests: Int = 1, per: String = "month"
  ) -> String {
    """
    [[workload]]
    name = "\(name)"
    model = "\(model)"
    requests = \(requests)
    per = "\(per)"
    input_tokens = \(input)
    output_tokens = \(output)
    cache_read_tokens = \(cacheRead)
    cache_write_tokens = \(cacheWrite)

    """
  }

  /// `tally estimate` of `toml` at `date` as JSON: each row by workload name.
  static func estimate(_ toml: String, at date: String) throws -> [String: [String: String]] {
    let directory = try CLI.temporaryDirectory("tally-price-data")
    defer { try? FileManager.default.removeItem(at: directory) }
    try toml.write(to: directory.appendingPathComponent("w.toml"), atomically: true, encoding: .utf8)
    let result = try CLI.run(["estimate", "w.toml", "--at", date, "--format", "json"], in: directory)
    #expect(result.status == 0, "\(result)")
    #expect(result.stderr == "")
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    let rows = try #require(json["rows"] as? [[String: Any]])
    var byName: [String: [String: String]] = [:]
    for row in rows {
      let name = try #require(row["workload"] as? String)
      byName[name] = row.compactMapValues { $0 as? String }
    }
    return byName
  }

  /// `tally pricing show MODEL --at DATE` in the terminal format.
  static func show(_ model: String, at date: String) throws -> String {
    let result = try CLI.run(["pricing", "show", model, "--at", date])
    #expect(result.status == 0, "\(result)")
    return result.stdout
  }

  /// The Opus 4.6 long-context premium ended on 2026-03-13 (not 2026-04-01): a request of
  /// 230,000 prompt tokens (180,000 input + 40,000 cache reads + 10,000 5m writes) and 3,000
  /// output tokens.
  @Test func opus46LongContextPremiumEndsOn2026_03_13() throws {
    let toml = Self.workload(
      "long", model: "claude-opus-4-6", input: 180_000, output: 3_000, cacheRead: 40_000, cacheWrite: 10_000)
    // 2026-03-12, premium 10 / read 1 / 5m 12.50 / out 37.50:
    // 180,000 x 10 = 1.80; 40,000 x 1 = 0.04; 10,000 x 12.50 = 0.125; 3,000 x 37.50 = 0.1125
    // sync 2.0775; batch halves every rate: 1.03875.
    let premium = try #require(try Self.estimate(toml, at: "2026-03-12")["long"])
    #expect(premium["sync_cost_usd"] == "2.0775")
    #expect(premium["batch_cost_usd"] == "1.03875")
    #expect(premium["context"] == "200k+")
    // 2026-03-13, standard 5 / 0.50 / 6.25 / 25:
    // 180,000 x 5 = 0.90; 40,000 x 0.50 = 0.02; 10,000 x 6.25 = 0.0625; 3,000 x 25 = 0.075
    // sync 1.0575; batch 0.52875.
    let standard = try #require(try Self.estimate(toml, at: "2026-03-13")["long"])
    #expect(standard["sync_cost_usd"] == "1.0575")
    #expect(standard["batch_cost_usd"] == "0.52875")
    // One tier left: labelled by the common 200,000 cut.
    #expect(standard["context"] == "200k+")

    let before = try Self.show("claude-opus-4-6", at: "2026-03-12")
    #expect(before.contains("  200,001  200k+    input           per 1M tokens       10.00       5.00\n"))
    #expect(before.contains("2026-02-05 to 2026-03-13, requests with >=200,001 input tokens"))
    let after = try Self.show("claude-opus-4-6", at: "2026-03-13")
    #expect(!after.contains("  200,001  "))
    #expect(after.contains("        0  all      input           per 1M tokens        5.00       2.50\n"))
    // Sonnet 4.6 ended on the same day.
    #expect(try Self.show("claude-sonnet-4-6", at: "2026-03-12").contains("  200,001  200k+"))
    #expect(!(try Self.show("claude-sonnet-4-6", at: "2026-03-13").contains("  200,001  ")))
  }

  /// Sonnet 5.5's cache read was cut from 0.20 to 0.10 on 2026-10-07: 1,000 requests a day
  /// (30,000 a month) of 2,000 input, 150,000 cache-read and 500 output tokens.
  @Test func sonnet55CacheReadCutOn2026_10_07() throws {
    let toml = Self.workload(
      "reads", model: "claude-sonnet-5-5", input: 2_000, output: 500, cacheRead: 150_000, requests: 1_000,
      per: "day")
    // 2026-10-06: 2,000 x 2 = 0.004; 150,000 x 0.20 = 0.03; 500 x 10 = 0.005; 0.039 a request
    // x 30,000 = 1,170; batch (1 / 0.10 / 5): 0.002 + 0.015 + 0.0025 = 0.0195 x 30,000 = 585.
    let before = try #require(try Self.estimate(toml, at: "2026-10-06")["reads"])
    #expect(before["sync_cost_usd"] == "1170")
    #expect(before["batch_cost_usd"] == "585")
    // 2026-10-07: 0.004 + 150,000 x 0.10 = 0.015 + 0.005 = 0.024 x 30,000 = 720;
    // batch 0.002 + 150,000 x 0.05 = 0.0075 + 0.0025 = 0.012 x 30,000 = 360.
    let after = try #require(try Self.estimate(toml, at: "2026-10-07")["reads"])
    #expect(after["sync_cost_usd"] == "720")
    #expect(after["batch_cost_usd"] == "360")
    #expect(
      try Self.show("claude-sonnet-5-5", at: "2026-10-06").contains(
        "cache_read      per 1M tokens        0.20       0.10"))
    #expect(
      try Self.show("claude-sonnet-5-5", at: "2026-10-07").contains(
        "cache_read      per 1M tokens        0.10       0.05"))
  }

  /// Haiku 5.5 bills a prompt (input + cache writes + cache reads) over 100,000 tokens at the
  /// 100k+ rates on every token: 0.50 / read 0.05 / out 2.50, batch 0.25 / 0.025 / 1.25.
  @Test func haiku55HasA100KTier() throws {
    let toml =
      Self.workload("at-100000", model: "claude-haiku-5-5", input: 60_000, output: 1_000, cacheRead: 40_000)
      + Self.workload("at-100001", model: "claude-haiku-5-5", input: 60_001, output: 1_000, cacheRead: 40_000)
    let rows = try Self.estimate(toml, at: "2026-11-21")
    // 100,000: 60,000 x 0.10 = 0.006; 40,000 x 0.01 = 0.0004; 1,000 x 0.50 = 0.0005; 0.0069.
    // batch: 60,000 x 0.05 = 0.003; 40,000 x 0.005 = 0.0002; 1,000 x 0.25 = 0.00025; 0.00345.
    #expect(rows["at-100000"]?["sync_cost_usd"] == "0.0069")
    #expect(rows["at-100000"]?["batch_cost_usd"] == "0.00345")
    #expect(rows["at-100000"]?["context"] == "0-100k")
    // 100,001: 60,001 x 0.50 = 0.0300005; 40,000 x 0.05 = 0.002; 1,000 x 2.50 = 0.0025; 0.0345005.
    // batch: 60,001 x 0.25 = 0.01500025; 40,000 x 0.025 = 0.001; 1,000 x 1.25 = 0.00125; 0.01725025.
    #expect(rows["at-100001"]?["sync_cost_usd"] == "0.0345005")
    #expect(rows["at-100001"]?["batch_cost_usd"] == "0.01725025")
    #expect(rows["at-100001"]?["context"] == "100k+")

    let shown = try Self.show("claude-haiku-5-5", at: "2026-11-21")
    #expect(shown.contains("        0  0-100k   input           per 1M tokens        0.10       0.05\n"))
    #expect(shown.contains("  100,001  100k+    input           per 1M tokens        0.50       0.25\n"))
    #expect(shown.contains("  100,001  100k+    cache_read      per 1M tokens        0.05      0.025\n"))

    // The terminal table of estimate names the tier too.
    let directory = try CLI.temporaryDirectory("tally-price-data")
    defer { try? FileManager.default.removeItem(at: directory) }
    try toml.write(to: directory.appendingPathComponent("w.toml"), atomically: true, encoding: .utf8)
    let table = try CLI.run(["estimate", "w.toml", "--at", "2026-11-21"], in: directory)
    #expect(table.stdout.contains("at-100000  claude-haiku-5-5  0-100k "))
    #expect(table.stdout.contains("at-100001  claude-haiku-5-5  100k+  "))
  }

  /// gpt-5.4 bills a prompt over 272,000 tokens at 5 / cached 0.50 / out 22.50 (batch 2.50 /
  /// 0.25 / 11.25) on every token; up to 272,000 at 2.50 / 0.25 / 15 (batch 1.25 / 0.13 / 7.50,
  /// O's Batch tab printing 0.13 for the cached rate).
  @Test func gpt54HasA272KTier() throws {
    let toml =
      Self.workload("at-272000", model: "gpt-5.4", input: 200_000, output: 5_000, cacheRead: 72_000)
      + Self.workload("at-272001", model: "gpt-5.4", input: 200_001, output: 5_000, cacheRead: 72_000)
    let rows = try Self.estimate(toml, at: "2026-11-21")
    // 272,000: 200,000 x 2.50 = 0.50; 72,000 x 0.25 = 0.018; 5,000 x 15 = 0.075; 0.593.
    // batch: 200,000 x 1.25 = 0.25; 72,000 x 0.13 = 0.00936; 5,000 x 7.50 = 0.0375; 0.29686.
    #expect(rows["at-272000"]?["sync_cost_usd"] == "0.593")
    #expect(rows["at-272000"]?["batch_cost_usd"] == "0.29686")
    #expect(rows["at-272000"]?["context"] == "0-272k")
    // 272,001: 200,001 x 5 = 1.000005; 72,000 x 0.50 = 0.036; 5,000 x 22.50 = 0.1125; 1.148505.
    // batch: 200,001 x 2.50 = 0.5000025; 72,000 x 0.25 = 0.018; 5,000 x 11.25 = 0.05625; 0.5742525.
    #expect(rows["at-272001"]?["sync_cost_usd"] == "1.148505")
    #expect(rows["at-272001"]?["batch_cost_usd"] == "0.5742525")
    #expect(rows["at-272001"]?["context"] == "272k+")

    let shown = try Self.show("gpt-5.4", at: "2026-11-21")
    #expect(shown.contains("        0  0-272k   input           per 1M tokens        2.50       1.25\n"))
    #expect(shown.contains("  272,001  272k+    output          per 1M tokens       22.50      11.25\n"))
  }

  /// From gpt-5.6 on OpenAI bills cache writes, at 1.25x input. Terra after its 2026-07-30 cut:
  /// 2 / write 2.50 / read 0.20 / out 12, batch 1 / 1.25 / 0.10 / 6. Sol has a promotion from
  /// 2026-08-21 through 2026-11-21 (4 / write 5 / out 20) between periods at 5 / 6.25 / 30.
  @Test func gpt56BillsCacheWrites() throws {
    let terra = Self.workload(
      "terra", model: "gpt-5.6-terra", input: 10_000, output: 2_000, cacheRead: 50_000, cacheWrite: 100_000)
    // 10,000 x 2 = 0.02; 100,000 x 2.50 = 0.25; 50,000 x 0.20 = 0.01; 2,000 x 12 = 0.024; 0.304.
    // batch: 0.01 + 100,000 x 1.25 = 0.125 + 0.005 + 0.012 = 0.152.
    let row = try #require(try Self.estimate(terra, at: "2026-11-21")["terra"])
    #expect(row["sync_cost_usd"] == "0.304")
    #expect(row["batch_cost_usd"] == "0.152")
    #expect(row["context"] == "0-272k")

    let sol = Self.workload("sol", model: "gpt-5.6-sol", input: 1_000, output: 1_000, cacheWrite: 100_000)
    // Before the promotion (2026-08-20): 1,000 x 5 = 0.005; 100,000 x 6.25 = 0.625;
    // 1,000 x 30 = 0.03; 0.66. Batch (2.50 / 3.125 / 15): 0.0025 + 0.3125 + 0.015 = 0.33.
    let before = try #require(try Self.estimate(sol, at: "2026-08-20")["sol"])
    #expect(before["sync_cost_usd"] == "0.66")
    #expect(before["batch_cost_usd"] == "0.33")
    // The promotion's last day (2026-11-21): 1,000 x 4 = 0.004; 100,000 x 5 = 0.50;
    // 1,000 x 20 = 0.02; 0.524. Batch (2 / 2.50 / 10): 0.002 + 0.25 + 0.01 = 0.262.
    let promotion = try #require(try Self.estimate(sol, at: "2026-11-21")["sol"])
    #expect(promotion["sync_cost_usd"] == "0.524")
    #expect(promotion["batch_cost_usd"] == "0.262")
    // The day after (effective_to 2026-11-22 is exclusive): 0.66 and 0.33 again.
    let after = try #require(try Self.estimate(sol, at: "2026-11-22")["sol"])
    #expect(after["sync_cost_usd"] == "0.66")
    #expect(after["batch_cost_usd"] == "0.33")

    // Rows before gpt-5.6 bill no cache writes: the write columns repeat the input rate.
    let gpt55 = try Self.show("gpt-5.5", at: "2026-11-21")
    #expect(gpt55.contains("        0  0-272k   cache_write_5m  per 1M tokens        5.00       2.50\n"))
    let shown = try Self.show("gpt-5.6-terra", at: "2026-11-21")
    #expect(shown.contains("        0  0-272k   cache_write_5m  per 1M tokens        2.50       1.25\n"))
  }

  /// OpenAI web search: 10 per 1,000 where LiteLLM and genai-prices agree (gpt-5 family, o3,
  /// o4-mini), no batch discount; unpriced where they disagree (gpt-4.1, 4.1-mini, 4o-mini).
  @Test func openAIWebSearchIsPriced() throws {
    let gpt5 = try Self.show("gpt-5", at: "2026-11-21")
    #expect(gpt5.contains("        0  all      web_search      per 1K searches     10.00      10.00\n"))
    let codex = try Self.show("gpt-5.1-codex", at: "2026-11-21")
    #expect(codex.hasPrefix("gpt-5.1 (openai), alias \"gpt-5.1-codex\"\n"))
    #expect(codex.contains("web_search      per 1K searches     10.00      10.00\n"))
    let gpt41 = try Self.show("gpt-4.1", at: "2026-11-21")
    #expect(gpt41.contains("        0  all      web_search      per 1K searches\n"))  // empty: unpriced
    #expect(gpt41.contains("Web search: sources disagree (G-b 10, L-c 25 per 1K)"))
  }
}
