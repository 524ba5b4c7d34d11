import Foundation
import Testing

@testable import TallyKit

private func day(_ text: String) -> CivilDate { CivilDate(parsing: text)! }
private func dollars(_ text: String) -> Money { Money(parsing: text)! }
private let bundled = try! PriceBook.load()

/// The rates of `model` for one request of `tokens` on `date`, or the reason it is unpriced.
private func cost(
  _ model: String, _ tokens: TokenCounts, mode: Mode = .sync, on date: String = "2026-11-21",
  webSearches: Int = 0, book: PriceBook = bundled
) -> Result<Cost, Unpriced> {
  book.cost(
    of: Usage(tokens: tokens, webSearches: webSearches), model: model, mode: mode, on: day(date),
    requestInputTokens: tokens.totalInput)
}

@Suite struct BundledTableTests {
  @Test func bundledTablesAreTheFilesInPricingFolder() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    let files = try FileManager.default.contentsOfDirectory(
      atPath: root.appendingPathComponent("pricing").path
    )
    .filter { $0.hasSuffix(".csv") }.sorted()
    #expect(PriceBook.bundledTableSources.map(\.file) == files.map { "pricing/" + $0 })
    for source in PriceBook.bundledTableSources {
      let onDisk = try String(contentsOf: root.appendingPathComponent(source.file), encoding: .utf8)
      #expect(onDisk == source.text, "\(source.file) changed: run scripts/embed-pricing")
    }
  }

  @Test func bundledTablesValidate() {
    for source in PriceBook.bundledTableSources {
      #expect(PriceTable.parse(source.text, file: source.file).problems == [])
    }
    #expect(bundled.bundled.count == 89)
  }

  @Test func everyClaudeModelOfTheFactsIsPresent() {
    let ids = [
      "claude-opus-4-6", "claude-opus-4-5-20251101", "claude-opus-4-1-20250805", "claude-opus-4-20250514",
      "claude-sonnet-4-6", "claude-sonnet-4-5-20250929", "claude-sonnet-4-20250514",
      "claude-3-7-sonnet-20250219",
      "claude-3-5-sonnet-20240620", "claude-3-5-sonnet-20241022", "claude-haiku-4-5-20251001",
      "claude-3-5-haiku-20241022", "claude-3-opus-20240229", "claude-3-haiku-20240307",
    ]
    for id in ids { #expect(bundled.resolve(id)?.match == .id, "\(id)") }
    let aliases = [
      "claude-opus-4-5": "claude-opus-4-5-20251101", "claude-opus-4-0": "claude-opus-4-20250514",
      "claude-4-opus-20250514": "claude-opus-4-20250514", "claude-sonnet-4-5": "claude-sonnet-4-5-20250929",
      "claude-sonnet-4-0": "claude-sonnet-4-20250514",
      "claude-3-7-sonnet-latest": "claude-3-7-sonnet-20250219",
      "claude-3-5-sonnet-latest": "claude-3-5-sonnet-20241022",
      "claude-haiku-4-5": "claude-haiku-4-5-20251001",
      "claude-3-5-haiku-latest": "claude-3-5-haiku-20241022",
      "claude-3-opus-latest": "claude-3-opus-20240229",
    ]
    for (alias, id) in aliases { #expect(bundled.resolve(alias)?.id == id, "\(alias)") }
  }
}

@Suite struct PublishedArithmeticTests {
  @Test func contractReviewCosts855SyncAnd427_50BatchAMonth() throws {
    // 500 requests a day for a 30-day month of 15,000 input and 800 output tokens.
    let perRequest = TokenCounts(input: 15_000, output: 800)
    let sync = try cost("claude-sonnet-4-5", perRequest).get()
    let batch = try cost("claude-sonnet-4-5", perRequest, mode: .batch).get()
    #expect(sync.actual * Exact(500 * 30) == dollars("855.00"))
    #expect(batch.actual * Exact(500 * 30) == dollars("427.50"))
    #expect(batch.list * Exact(500 * 30) == dollars("855.00"))
    #expect(batch.batchSavings * Exact(500 * 30) == dollars("427.50"))
  }

  @Test func claimsCost412_50SyncAnd206_25BatchAMonth() throws {
    let perRequest = TokenCounts(input: 2_000, output: 150)
    #expect(try cost("claude-sonnet-4-5", perRequest).get().actual * Exact(50_000) == dollars("412.50"))
    #expect(
      try cost("claude-sonnet-4-5", perRequest, mode: .batch).get().actual * Exact(50_000)
        == dollars("206.25"))
  }
}

@Suite struct RateTests {
  @Test func haiku3UsesItsTableValuesNotTheMultipliers() throws {
    let card = try bundled.card(
      model: "claude-3-haiku-20240307", on: day("2025-06-01"), requestInputTokens: 0
    ).get()
    #expect(card.sync.cacheWrite5m == Decimal(string: "0.30"))  // 1.25 x 0.25 would be 0.3125
    #expect(card.sync.cacheRead == Decimal(string: "0.03"))  // 0.1 x 0.25 would be 0.025
    #expect(card.sync.cacheWrite1h == Decimal(string: "0.50"))
    // One million tokens of each cache category at sync rates: 0.30 + 0.50 + 0.03.
    let caches = TokenCounts(cacheWrite5m: 1_000_000, cacheWrite1h: 1_000_000, cacheRead: 1_000_000)
    #expect(try cost("claude-3-haiku-20240307", caches, on: "2025-06-01").get().actual == dollars("0.83"))
  }

  @Test func batchHalvesEveryCategoryIncludingCaches() throws {
    for card in bundled.bundled {
      guard let batch = card.batch else { continue }
      if card.provider == "anthropic" {
        for category in TokenCategory.allCases {
          #expect(batch[category].map { $0 * 2 } == card.sync[category], "\(card.model) \(category)")
        }
      }
    }
    // Sonnet 4.x batch: 5m write 1.875, 1h write 3.00, read 0.15 (A5).
    let tokens = TokenCounts(cacheWrite5m: 50_000, cacheWrite1h: 50_000, cacheRead: 50_000)
    let batch = try cost("claude-sonnet-4-5", tokens, mode: .batch).get()
    #expect(batch.actual == dollars("0.25125"))  // 0.09375 + 0.15 + 0.0075
    #expect(batch.list == dollars("0.5025"))
  }

  @Test func longContextIsACliffAt200000TotalInputTokens() throws {
    // 200,000 total input (input + cache writes + cache reads) stays at base rates.
    let atThreshold = TokenCounts(input: 150_000, cacheWrite5m: 20_000, cacheRead: 30_000, output: 1_000)
    // 0.45 + 0.075 + 0.009 + 0.015
    #expect(try cost("claude-sonnet-4-5", atThreshold).get().actual == dollars("0.549"))
    // One token more and every token of the request is at the premium: 6 / 7.50 / 0.60 / 22.50.
    let over = TokenCounts(input: 150_001, cacheWrite5m: 20_000, cacheRead: 30_000, output: 1_000)
    #expect(try cost("claude-sonnet-4-5", over).get().actual == dollars("1.090506"))
    #expect(try cost("claude-sonnet-4-5", over, mode: .batch).get().actual == dollars("0.545253"))
  }

  @Test func effectiveDatesAreFromInclusiveAndToExclusive() throws {
    let long = TokenCounts(input: 300_000, output: 1_000)
    // Opus 4.6's long-context premium (10 / 37.50) ends on 2026-03-13 (exclusive).
    #expect(try cost("claude-opus-4-6", long, on: "2026-03-12").get().actual == dollars("3.0375"))
    #expect(try cost("claude-opus-4-6", long, on: "2026-03-13").get().actual == dollars("1.525"))
    // The model's first day (inclusive) is priced, the day before is not.
    #expect(try cost("claude-opus-4-6", long, on: "2026-02-05").get().actual == dollars("3.0375"))
    #expect(
      cost("claude-opus-4-6", long, on: "2026-02-04")
        == .failure(.noRateInForce(model: "claude-opus-4-6", on: day("2026-02-04"))))
  }

  @Test func webSearchesArePricedPer1000WithoutBatchDiscount() throws {
    let tokens = TokenCounts(input: 1_000, output: 100)
    let sync = try cost("claude-sonnet-4-5", tokens, webSearches: 3).get()
    #expect(sync.actual == dollars("0.0345"))  // 0.003 + 0.0015 + 3 x 0.01
    let batch = try cost("claude-sonnet-4-5", tokens, mode: .batch, webSearches: 3).get()
    #expect(batch.actual == dollars("0.03225"))  // tokens halved, searches not
    // OpenAI rows carry no web-search rate: the usage is unpriced, not free.
    #expect(
      cost("gpt-4o", tokens, webSearches: 1)
        == .failure(.noWebSearchRate(model: "gpt-4o", on: day("2026-11-21"))))
  }
}

@Suite struct ResolutionTests {
  @Test func resolvesIdAliasAndDatedSuffix() {
    #expect(
      bundled.resolve("gpt-4o-mini-2024-07-18")
        == ResolvedModel(id: "gpt-4o-mini", provider: "openai", match: .datedSuffix(base: "gpt-4o-mini")))
    #expect(bundled.resolve("gpt-5-2025-08-07")?.id == "gpt-5")
    #expect(bundled.resolve("claude-sonnet-4-5-20991231")?.id == "claude-sonnet-4-5-20250929")
    #expect(bundled.resolve("claude-opus-4-6-20260205")?.id == "claude-opus-4-6")
    #expect(bundled.resolve("claude-sonnet-4-5")?.match == .alias)
  }

  @Test func neverGuessesAcrossModelFamilies() {
    // An exact snapshot row wins over the dated-suffix rule.
    #expect(bundled.resolve("gpt-4o-2024-05-13")?.id == "gpt-4o-2024-05-13")
    #expect(bundled.resolve("gpt-4o-mini-preview") == nil)
    #expect(bundled.resolve("gpt-4o-mini-2024-13-45") == nil)  // not a date
    #expect(bundled.resolve("claude-sonnet") == nil)
    #expect(bundled.resolve("claude-sonnet-4-5-latest") == nil)
    #expect(bundled.resolve("gpt-4") == nil)
  }

  @Test func unpricedIsNeverZero() throws {
    let tokens = TokenCounts(input: 1_000)
    #expect(cost("mystery-model", tokens) == .failure(.unknownModel("mystery-model")))
    #expect(
      cost("claude-sonnet-4-5", tokens, on: "2025-01-01")
        == .failure(.noRateInForce(model: "claude-sonnet-4-5-20250929", on: day("2025-01-01"))))
    let noBatch = PriceTable.parse(
      PriceTable.requiredColumns.joined(separator: ",")
        + "\nanthropic,house-model,,2026-01-01,,0,1,2,1,1,1,,,,,,\n",
      file: "house.csv")
    #expect(noBatch.problems == [])
    let book = PriceBook(bundled: noBatch.table.cards)
    #expect(
      cost("house-model", tokens, mode: .batch, book: book)
        == .failure(.noBatchRate(model: "house-model", on: day("2026-11-21"))))
    #expect(try cost("house-model", tokens, book: book).get().actual == dollars("0.001"))
  }
}

@Suite struct OverrideTests {
  static let contract = """
    provider,model,aliases,effective_from,effective_to,min_input_tokens,input,output,cache_write_5m,cache_write_1h,cache_read,batch_input,batch_output,batch_cache_write_5m,batch_cache_write_1h,batch_cache_read,web_search_per_1k,notes
    anthropic,claude-sonnet-4-5,,2026-11-01,2026-12-01,0,2,10,2.50,4,0.20,1,5,1.25,2,0.10,10,contracted rate for November
    """

  @Test func anOverrideWinsOnlyInItsOwnPeriod() throws {
    let book = try PriceBook.load(overrides: [(file: "contract.csv", text: Self.contract)])
    let tokens = TokenCounts(input: 15_000, output: 800)
    #expect(
      try cost("claude-sonnet-4-5", tokens, on: "2026-10-31", book: book).get().actual == dollars("0.057"))
    #expect(
      try cost("claude-sonnet-4-5", tokens, on: "2026-11-01", book: book).get().actual == dollars("0.038"))
    #expect(
      try cost("claude-sonnet-4-5-20250929", tokens, on: "2026-11-30", book: book).get().actual
        == dollars("0.038"))
    #expect(
      try cost("claude-sonnet-4-5", tokens, on: "2026-12-01", book: book).get().actual == dollars("0.057"))
    // The override names the model by alias; it replaces the base tier only.
    #expect(book.overrides.first?.model == "claude-sonnet-4-5-20250929")
    let long = TokenCounts(input: 300_000)
    #expect(try cost("claude-sonnet-4-5", long, on: "2026-11-15", book: book).get().actual == dollars("1.8"))
  }

  @Test func aBrokenOverrideIsRefusedWithEveryProblem() {
    let broken = Self.contract.replacingOccurrences(of: ",1,5,1.25,", with: ",\"1,50\",-5,1.25,")
    #expect(throws: PriceTableErrors.self) {
      try PriceBook.load(overrides: [(file: "contract.csv", text: broken)])
    }
    do {
      _ = try PriceBook.load(overrides: [(file: "contract.csv", text: broken)])
    } catch {
      #expect(
        error.problems.map(\.description) == [
          "contract.csv:2: column batch_input: \"1,50\" is not a decimal number",
          "contract.csv:2: column batch_output: -5 is negative; a rate cannot be below zero",
        ])
    }
  }
}
