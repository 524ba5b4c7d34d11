import Foundation
import Testing

@testable import TallyKit

/// What-if changes on declared workloads: every figure below is worked by hand from
/// pricing/anthropic.csv (Sonnet 4.5 $3/$15, cache read $0.30, 5m write $3.75, batch half;
/// Haiku 4.5 $1/$5, cache read $0.10) and the published examples in DESIGN.md.
@Suite struct ScenarioTests {
  static let prices = try! PriceBook.load()
  static let november = CivilDate(parsing: "2026-11-21")!

  /// DESIGN.md's two published workloads: $855.00 and $412.50 a month at sync rates.
  static let published = """
    days_per_month = 30

    [[workload]]
    name = "contract-review"
    model = "claude-sonnet-4-5"
    requests = 500
    per = "day"
    input_tokens = 15000
    output_tokens = 800
    tenant = "acme"
    job = "review"

    [[workload]]
    name = "claims"
    model = "claude-sonnet-4-5"
    requests = 50000
    per = "month"
    input_tokens = 2000
    output_tokens = 150
    tenant = "globex"
    job = "triage"

    [finance]
    revenue = 100000
    other_cogs = 10000

    """

  func whatif(_ changes: String, workloads: String = published, by: [WhatIfDimension] = [.workload]) throws
    -> WhatIfReport
  {
    let file = try ScenarioFile.parse(workloads + changes, file: "w.toml")
    let lines = try ScenarioLine.monthly(file, at: Self.november, prices: Self.prices)
    return try WhatIfReport.build(
      file: file, lines: lines, baseline: .workloads(at: Self.november), by: by, prices: Self.prices)
  }

  /// `[workload name: (baseline, scenario)]` as exact JSON strings.
  func costs(_ report: WhatIfReport) -> [String: [String]] {
    Dictionary(
      uniqueKeysWithValues: report.rows.map { ($0.values[0], [$0.baselineCost.json, $0.scenarioCost.json]) })
  }

  func error(_ changes: String, workloads: String = published) -> String? {
    do {
      _ = try whatif(changes, workloads: workloads)
      return nil
    } catch {
      return "\(error)"
    }
  }

  @Test func publishedExamplesMovedToBatch() throws {
    let report = try whatif(
      """
      [[change]]
      kind = "move-to-batch"
      """)
    #expect(costs(report) == ["contract-review": ["855", "427.5"], "claims": ["412.5", "206.25"]])
    #expect(report.rows.map { $0.deltaPercent } == [-50, -50])
    #expect(report.totals.baselineCost.json == "1267.5")
    #expect(report.totals.scenarioCost.json == "633.75")
    // Workloads are already per month: the projection is the totals, a year twelve of them.
    #expect(report.monthFactor == 1)
    #expect(report.monthlySavings.json == "633.75")
    #expect(report.annualSavings.json == "7605")
    // (100000 - 1267.50 - 10000) / 100000 = 88.7325%; after, 89.36625%: as `tally estimate`.
    #expect(report.margin?.baselineGrossMarginPercent == Exact(ExactDecimal.parse("88.7325")!))
    #expect(report.margin?.scenarioGrossMarginPercent == Exact(ExactDecimal.parse("89.36625")!))
    #expect(report.warnings.isEmpty)
  }

  @Test func partialMovesAreExactFractions() throws {
    // A quarter of contract-review: 855 x (3/4 + 1/4 x 1/2) = 748.125.
    let quarter = try whatif(
      """
      [[change]]
      kind = "move-to-batch"
      where = { workload = "contract-review" }
      share = 0.25
      """)
    #expect(costs(quarter) == ["contract-review": ["855", "748.125"], "claims": ["412.5", "412.5"]])

    // A third, through the engine: 855 x (2/3 + 1/3 x 1/2) = 712.50 exactly, no 712.4999….
    let file = try ScenarioFile.parse(Self.published, file: "w.toml")
    let lines = try ScenarioLine.monthly(file, at: Self.november, prices: Self.prices)
    let third = ScenarioChange(
      kind: .moveToBatch(share: Exact(1, over: 3)), selector: Selector(), number: 1, line: 1, keyLines: [:])
    let (outcomes, _) = try Scenario(file: "w.toml", changes: [third]).apply(to: lines, prices: Self.prices)
    let parts = outcomes[0].parts.map(\.line)
    #expect(parts.map(\.mode) == [.sync, .batch])
    #expect(parts.map(\.requests) == [10_000, 5_000])
    let total = parts.map { try! $0.cost(Self.prices).get() }.sum()
    #expect(total == Money(parsing: "712.5")!)
  }

  @Test func switchingModelWithAndWithoutTokenRatio() throws {
    // 225M input and 12M output a month on Haiku: 225 + 60 = $285.
    let plain = try whatif(
      """
      [[change]]
      kind = "switch-model"
      where = { workload = "contract-review" }
      to = "claude-haiku-4-5"
      """)
    #expect(costs(plain)["contract-review"] == ["855", "285"])
    // A tokenizer counting 30% more: 285 x 1.3 = 370.50.
    let ratio = try whatif(
      """
      [[change]]
      kind = "switch-model"
      where = { workload = "contract-review" }
      to = "claude-haiku-4-5"
      token_ratio = 1.3
      """)
    #expect(costs(ratio)["contract-review"] == ["855", "370.5"])

    // By model the cost moves rows: Sonnet loses all of it, Haiku gains 285 + 137.50.
    let byModel = try whatif(
      """
      [[change]]
      kind = "switch-model"
      to = "claude-haiku-4-5"
      """, by: [.model])
    #expect(
      byModel.rows.map { [$0.values[0], $0.baselineCost.json, $0.scenarioCost.json] } == [
        ["claude-sonnet-4-5-20250929", "1267.5", "0"], ["claude-haiku-4-5-20251001", "0", "422.5"],
      ])
    #expect(byModel.rows[1].deltaPercent == nil)
  }

  @Test func tokenRatioCanCrossTheLongContextCliff() throws {
    // 1,000 requests of 180,000 input: $555 at $3/$15. With 1.2x the tokens each request has
    // 216,000 input, over 200,000: every token at $6/$22.50, 1000 x (1.296 + 0.027) = $1,323.
    let workloads = """
      [[workload]]
      name = "long"
      model = "claude-sonnet-4-5"
      requests = 1000
      per = "month"
      input_tokens = 180000
      output_tokens = 1000

      """
    let report = try whatif(
      """
      [[change]]
      kind = "switch-model"
      to = "claude-sonnet-4-5"
      token_ratio = 1.2
      """, workloads: workloads, by: [.context])
    #expect(
      report.rows.map { [$0.values[0], $0.baselineCost.json, $0.scenarioCost.json] }
        == [
          ["200k+", "0", "1323"], ["0-200k", "555", "0"],
        ].sorted { $0[1] > $1[1] })
  }

  @Test func cachingTurnsUncachedInputIntoCacheReadsAndWrites() throws {
    // 80% of 225M input read from cache: 45M x 3 + 180M x 0.30 + 12M x 15 = 135 + 54 + 180 = 369.
    let reads = try whatif(
      """
      [[change]]
      kind = "cache"
      where = { workload = "contract-review" }
      hit_rate = 0.8
      """)
    #expect(costs(reads)["contract-review"] == ["855", "369"])
    // Plus 5% written: 33.75M x 3 + 180M x 0.30 + 11.25M x 3.75 + 180 = 101.25 + 54 + 42.1875 + 180.
    let writes = try whatif(
      """
      [[change]]
      kind = "cache"
      where = { workload = "contract-review" }
      hit_rate = 0.8
      write_share = 0.05
      """)
    #expect(costs(writes)["contract-review"] == ["855", "377.4375"])
  }

  @Test func scalingMultipliesRequestsAndTokens() throws {
    let report = try whatif(
      """
      [[change]]
      kind = "scale"
      where = { tenant = "acme" }
      factor = 3
      """)
    #expect(costs(report) == ["contract-review": ["855", "2565"], "claims": ["412.5", "412.5"]])
    let dropped = try whatif(
      """
      [[change]]
      kind = "scale"
      where = { job = ["review", "triage"] }
      factor = 0
      """)
    #expect(dropped.totals.scenarioCost == .zero)
  }

  @Test func aChainAppliesEachChangeToWhatThePreviousOnesMade() throws {
    // Half to batch, then both halves to Haiku, then half their input from cache, then doubled:
    // sync 112.5M in x 1 + 112.5M reads x 0.10 + 12M out x 5 = 183.75;
    // batch 112.5M x 0.50 + 112.5M x 0.05 + 12M x 2.50 = 91.875. Together 275.625.
    let report = try whatif(
      """
      [[change]]
      kind = "move-to-batch"
      where = { workload = "contract-review" }
      share = 0.5

      [[change]]
      kind = "switch-model"
      where = { workload = "contract-review" }
      to = "claude-haiku-4-5"

      [[change]]
      kind = "cache"
      where = { model = "claude-haiku-4-5" }
      hit_rate = 0.5

      [[change]]
      kind = "scale"
      where = { model = "claude-haiku-4-5", mode = ["sync", "batch"] }
      factor = 2
      """)
    #expect(costs(report)["contract-review"] == ["855", "275.625"])
    #expect(costs(report)["claims"] == ["412.5", "412.5"])
    // The selector on the new model only matches because the switch came first.
    #expect(
      report.changes.map(\.description) == [
        "move 50% of the sync traffic to batch where workload = \"contract-review\"",
        "switch to claude-haiku-4-5 where workload = \"contract-review\"",
        "read 50% of uncached input from cache where model = \"claude-haiku-4-5\"",
        "scale by 2x where model = \"claude-haiku-4-5\", mode in [\"sync\", \"batch\"]",
      ])
  }

  @Test func everyChangeErrorNamesTheFileLineAndEntry() {
    #expect(
      error("[[change]]\nkind = \"move-to-cloud\"\n")
        == "w.toml:27: change 1: kind: \"move-to-cloud\" is not a change; expected one of move-to-batch, switch-model, cache, scale"
    )
    #expect(error("[[change]]\nwhere = { job = \"x\" }\n") == "w.toml:26: change 1: kind is required")
    #expect(
      error("[[change]]\nkind = \"move-to-batch\"\nshare = 1.5\n")
        == "w.toml:28: change 1 (move-to-batch): share: 1.5 is outside 0...1; write a fraction such as 0.65 for 65%"
    )
    #expect(
      error("[[change]]\nkind = \"move-to-batch\"\nshare = -0.1\n")
        == "w.toml:28: change 1 (move-to-batch): share: -0.1 is outside 0...1; write a fraction such as 0.65 for 65%"
    )
    #expect(
      error("[[change]]\nkind = \"move-to-batch\"\nshare = \"half\"\n")
        == "w.toml:28: change 1 (move-to-batch): share: expected a number")
    #expect(
      error("[[change]]\nkind = \"move-to-batch\"\nfactor = 2\n")
        == "w.toml:28: change 1 (move-to-batch): unknown key \"factor\"; expected one of kind, where, share")
    #expect(
      error("[[change]]\nkind = \"switch-model\"\n") == "w.toml:26: change 1 (switch-model): to is required")
    #expect(
      error("[[change]]\nkind = \"switch-model\"\nto = \"claude-haiku-4-5\"\ntoken_ratio = 0\n")
        == "w.toml:29: change 1 (switch-model): token_ratio: 0 must be above zero")
    #expect(
      error("[[change]]\nkind = \"switch-model\"\nto = \"claude-sonnet-9\"\n")
        == "w.toml:28: change 1 (switch-model): to: unknown model \"claude-sonnet-9\": no price table row has that id or alias; add it with --pricing FILE"
    )
    #expect(
      error("[[change]]\nkind = \"cache\"\nhit_rate = 0.9\nwrite_share = 0.2\n")
        == "w.toml:29: change 1 (cache): hit_rate + write_share is 1.1, more than all of the uncached input (1)"
    )
    #expect(error("[[change]]\nkind = \"cache\"\n") == "w.toml:26: change 1 (cache): hit_rate is required")
    #expect(
      error("[[change]]\nkind = \"scale\"\nfactor = -2\n")
        == "w.toml:28: change 1 (scale): factor: -2 must be zero or more")
    #expect(
      error("[[change]]\nkind = \"scale\"\nfactor = 2\nwhere = { team = \"a\" }\n")
        == "w.toml:29: change 1 (scale): where: unknown key \"team\"; expected one of tenant, job, model, mode, workload"
    )
    #expect(
      error("[[change]]\nkind = \"scale\"\nfactor = 2\nwhere = { mode = \"flex\" }\n")
        == "w.toml:29: change 1 (scale): where.mode: \"flex\" is not a mode; expected sync or batch")
    #expect(
      error("[[change]]\nkind = \"scale\"\nfactor = 2\nwhere = \"acme\"\n")
        == "w.toml:29: change 1 (scale): where: expected a table such as { job = \"summarize\" }")
    #expect(
      error("[[change]]\nkind = \"scale\"\nfactor = 2\nwhere = { tenant = [] }\n")
        == "w.toml:29: change 1 (scale): where.tenant: the list is empty")
    // A selector matching nothing is an error naming what there is (a typo, most often).
    #expect(
      error("[[change]]\nkind = \"scale\"\nfactor = 2\nwhere = { tenant = \"Acme\" }\n")
        == "w.toml:29: change 1 (scale): where { tenant = \"Acme\" } matches no usage; the tenants at this point are \"acme\", \"globex\""
    )
    #expect(
      error("[[change]]\nkind = \"scale\"\nfactor = 2\nwhere = { tenant = \"acme\", job = \"triage\" }\n")
        == "w.toml:29: change 1 (scale): where { tenant = \"acme\", job = \"triage\" } matches no usage; no usage has all of these at once at this point of the chain"
    )
    // The second change sees the first one's result: after the switch no Sonnet usage is left.
    #expect(
      error(
        """
        [[change]]
        kind = "switch-model"
        to = "claude-haiku-4-5"

        [[change]]
        kind = "scale"
        where = { model = "claude-sonnet-4-5" }
        factor = 2
        """)
        == "w.toml:32: change 2 (scale): where { model = \"claude-sonnet-4-5-20250929\" } matches no usage; the models at this point are \"claude-haiku-4-5-20251001\""
    )
  }

  @Test func trafficWithoutABatchRateStaysSyncWithAWarning() throws {
    // A contracted model with sync rates only ($2/$8): its 1,000 requests cannot move.
    let prices = try PriceBook.load(overrides: [
      (
        file: "contract.csv",
        text: """
        provider,model,aliases,effective_from,effective_to,min_input_tokens,input,output,cache_write_5m,cache_write_1h,cache_read,batch_input,batch_output,batch_cache_write_5m,batch_cache_write_1h,batch_cache_read,web_search_per_1k,notes
        anthropic,house-model,,2026-01-01,,0,2,8,2,2,2,,,,,,,sync only

        """
      )
    ])
    let file = try ScenarioFile.parse(
      Self.published + """
        [[workload]]
        name = "house"
        model = "house-model"
        requests = 1000
        per = "month"
        input_tokens = 1000
        output_tokens = 100

        [[change]]
        kind = "move-to-batch"
        """, file: "w.toml")
    let lines = try ScenarioLine.monthly(file, at: Self.november, prices: prices)
    let report = try WhatIfReport.build(
      file: file, lines: lines, baseline: .workloads(at: Self.november), by: [.workload], prices: prices)
    #expect(costs(report)["house"] == ["2.8", "2.8"])
    #expect(costs(report)["claims"] == ["412.5", "206.25"])
    #expect(
      report.warnings == [
        "w.toml:34: change 1 (move-to-batch): house-model has no batch rate; its 1000 selected sync requests stay sync"
      ])
  }

  @Test func aMoveOfBatchTrafficWarnsAndAMissingRateAtTheDateIsAnError() throws {
    let batch = Self.published.replacingOccurrences(
      of: "tenant = \"acme\"", with: "tenant = \"acme\"\nmode = \"batch\"")
    let report = try whatif(
      """
      [[change]]
      kind = "move-to-batch"
      where = { tenant = "acme" }
      """, workloads: batch)
    #expect(
      report.warnings == [
        "w.toml:27: change 1 (move-to-batch): the traffic where tenant = \"acme\" is all batch already; nothing moved"
      ])
    #expect(report.totals.delta == .zero)

    // Opus 4.6's rates start on 2026-02-05: a switch priced on 2026-01-15 has none.
    let file = try ScenarioFile.parse(
      Self.published + "[[change]]\nkind = \"switch-model\"\nto = \"claude-opus-4-6\"\n", file: "w.toml")
    let january = CivilDate(parsing: "2026-01-15")!
    let lines = try ScenarioLine.monthly(file, at: january, prices: Self.prices)
    #expect(
      throws: ScenarioFileError(
        file: "w.toml", line: 28,
        message:
          "change 1 (switch-model): no rate for claude-opus-4-6 is in force on 2026-01-15; give --at DATE to price the whole baseline at a date when it has rates"
      )
    ) {
      try WhatIfReport.build(
        file: file, lines: lines, baseline: .workloads(at: january), by: [.job], prices: Self.prices)
    }
  }
}
