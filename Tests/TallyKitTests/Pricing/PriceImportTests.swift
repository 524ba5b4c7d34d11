import Foundation
import Testing

@testable import TallyKit

/// `tally pricing import` on trimmed excerpts of the real files (Fixtures/pricing-import/):
/// litellm-excerpt.json from BerriAI/litellm model_prices_and_context_window.json, and
/// genai-prices-excerpt.json from pydantic/genai-prices prices/data.json. Every expected row
/// below is worked out by hand from the entry's numbers (per-token × 10^6).
@Suite struct PriceImportTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/pricing-import")
  static func data(_ name: String) throws -> Data { try Data(contentsOf: root.appendingPathComponent(name)) }
  static let at = CivilDate(parsing: "2026-05-01")!
  static let header =
    "provider,model,aliases,effective_from,effective_to,min_input_tokens,input,output,cache_write_5m,cache_write_1h,cache_read,batch_input,batch_output,batch_cache_write_5m,batch_cache_write_1h,batch_cache_read,web_search_per_1k,audio_input,audio_output,notes"

  @Test func perTokenTextBecomesExactPerMillion() {
    #expect(DecimalText("3e-06")!.shifted(by: 6).description == "3")
    #expect(DecimalText("0.000003")!.shifted(by: 6).description == "3")
    #expect(DecimalText("1.5e-07")!.shifted(by: 6).description == "0.15")
    #expect(DecimalText("2.1875e-06")!.shifted(by: 6).description == "2.1875")
    #expect(DecimalText("5.46875e-07")!.shifted(by: 6).description == "0.546875")
    #expect(DecimalText("1.2E+1")!.shifted(by: 0).description == "12")
    #expect(DecimalText("0.0")!.shifted(by: 6).description == "0")
    #expect(DecimalText("0.01")!.shifted(by: 3).description == "10")
    #expect(DecimalText("4.85e-07")!.half.description == "0.0000002425")
    #expect(DecimalText("-3e-06") == nil)
    #expect(DecimalText("3e") == nil)
  }

  @Test func litellmExcerptGivesTheHandComputedRows() throws {
    let result = try PriceImport.run(.litellm, data: Self.data("litellm-excerpt.json"), at: Self.at)
    let expected = [
      Self.header,
      "anthropic,claude-4-sonnet-20250514,,2026-05-01,,0,3,15,3.75,3.75,0.3,,,,,,10,,,litellm claude-4-sonnet-20250514; no 1-hour cache-write price: the 5-minute rate",
      "anthropic,claude-4-sonnet-20250514,,2026-05-01,,200001,6,22.5,7.5,7.5,0.6,,,,,,10,,,litellm claude-4-sonnet-20250514; no 1-hour cache-write price: the 5-minute rate",
      "anthropic,claude-sonnet-4-5,,2026-05-01,,0,3,15,3.75,6,0.3,,,,,,10,,,litellm claude-sonnet-4-5",
      "anthropic,claude-sonnet-4-5,,2026-05-01,,200001,6,22.5,7.5,12,0.6,,,,,,10,,,litellm claude-sonnet-4-5",
      "bedrock,meta.llama4-maverick-17b-instruct-v1:0,,2026-05-01,,0,0.24,0.97,0.24,0.24,0.24,0.12,0.485,0.12,0.12,0.12,,,,litellm meta.llama4-maverick-17b-instruct-v1:0; no cache-write price: cache writes at the input rate; no cache-read price: cache reads at the input rate",
      "openai,gpt-5,,2026-05-01,,0,1.25,10,1.25,1.25,0.125,,,,,,,,,litellm gpt-5; no cache-write price: cache writes at the input rate",
    ]
    #expect(result.csv(effectiveFrom: Self.at) == expected.joined(separator: "\n") + "\n")
    #expect(
      result.skips.map(\.description) == [
        "skipped \"512-x-512/dall-e-2\": not a chat model (mode \"image_generation\")",
        "skipped \"bedrock/us-west-2/qwen.qwen3-coder-next\": a route- or region-specific name: Tally prices a model by the name a response carries",
        "skipped \"cerebras/llama3.1-8b\": unknown provider \"cerebras\" (Tally prices anthropic, bedrock, google, groq, openai, vertex)",
        "skipped \"gpt-4o-transcribe-diarize\": not a chat model (mode \"audio_transcription\")",
        "skipped \"minimax/MiniMax-M3\": unknown provider \"minimax\" (Tally prices anthropic, bedrock, google, groq, openai, vertex)",
      ])
    #expect(
      result.report(file: "x.json").suffix(2) == [
        "3 models have no batch rate in the source: the batch columns are empty, so batch usage of them is unpriced (Tally never assumes a discount)",
        "x.json: 6 rows for 4 models; 5 entries skipped",
      ])
  }

  @Test func aTieredEntryBecomesTwoRowsAndTheOutputPassesCheck() throws {
    for (format, file) in [
      (PriceImportFormat.litellm, "litellm-excerpt.json"), (.genaiPrices, "genai-prices-excerpt.json"),
    ] {
      let result = try PriceImport.run(format, data: Self.data(file), at: Self.at)
      let sonnet = result.rows.filter { $0.model == "claude-sonnet-4-5" }
      #expect(sonnet.map(\.minInputTokens) == [0, 200_001])
      #expect(sonnet.map { $0.sync[0] } == ["3", "6"])
      let parsed = PriceTable.parse(result.csv(effectiveFrom: Self.at), file: "imported.csv")
      #expect(parsed.problems.isEmpty)
      #expect(parsed.table.cards.count == result.rows.count)
      #expect(
        parsed.table.cards.first { $0.minInputTokens == 200_001 }?.sync.output == Decimal(string: "22.5"))
    }
  }

  @Test func genaiPricesExcerptGivesTheHandComputedRows() throws {
    let result = try PriceImport.run(.genaiPrices, data: Self.data("genai-prices-excerpt.json"), at: Self.at)
    let one = "one cache-write price: cache_write_1h is the 5-minute rate"
    let none = "no cache-write price: cache writes at the input rate"
    let expected = [
      Self.header,
      "anthropic,claude-haiku-4-5,,2026-05-01,,0,1,5,1.25,1.25,0.1,,,,,,,,,genai-prices anthropic/claude-haiku-4-5; \(one)",
      "anthropic,claude-sonnet-4-5,,2026-05-01,,0,3,15,3.75,3.75,0.3,,,,,,,,,genai-prices anthropic/claude-sonnet-4-5; \(one)",
      "anthropic,claude-sonnet-4-5,,2026-05-01,,200001,6,22.5,7.5,7.5,0.6,,,,,,,,,genai-prices anthropic/claude-sonnet-4-5; \(one)",
      "anthropic,claude-sonnet-5,,2026-05-01,,0,2,10,2.5,2.5,0.2,,,,,,,,,genai-prices anthropic/claude-sonnet-5; \(one)",
      "google,gemini-2.5-pro,,2026-05-01,,0,1.25,10,1.25,1.25,0.125,,,,,,,,,genai-prices google/gemini-2.5-pro; \(none)",
      "google,gemini-2.5-pro,,2026-05-01,,200001,2.5,15,2.5,2.5,0.25,,,,,,,,,genai-prices google/gemini-2.5-pro; \(none)",
      "openai,gpt-realtime,gpt-realtime-2025-08-28 gpt-realtime-1.5,2026-05-01,,0,4,16,4,4,0.4,,,,,,,32,64,genai-prices openai/gpt-realtime; \(none)",
      "openai,o3,o3-2025-04-16,2026-05-01,,0,2,8,2,2,0.5,,,,,,,,,genai-prices openai/o3; \(none)",
    ]
    #expect(result.csv(effectiveFrom: Self.at) == expected.joined(separator: "\n") + "\n")
    #expect(
      result.report(file: "g.json") == [
        "skipped \"openai/gpt-realtime-mini\": cache_audio_read_mtok 0.3 differs from the cache-read price 0.06: Tally prices cached audio as cache reads",
        "skipped \"deepseek/deepseek-chat\": unknown provider \"deepseek\" (Tally prices anthropic, bedrock, google, groq, openai, vertex)",
        "anthropic/claude-sonnet-5: its price changes on 2026-09-01, after 2026-05-01: import again from that date",
        "6 models have no batch rate in the source: the batch columns are empty, so batch usage of them is unpriced (Tally never assumes a discount)",
        "g.json: 8 rows for 6 models; 2 entries skipped",
      ])
    // On or after the change, the later price is the one in force (o3 before its 2025-06-10 cut: 10 / 40).
    let later = try PriceImport.run(
      .genaiPrices, data: Self.data("genai-prices-excerpt.json"), at: CivilDate(parsing: "2026-09-01")!)
    #expect(later.rows.first { $0.model == "claude-sonnet-5" }?.sync[0] == "3")
    let early = try PriceImport.run(
      .genaiPrices, data: Self.data("genai-prices-excerpt.json"), at: CivilDate(parsing: "2025-01-01")!)
    #expect(early.rows.first { $0.model == "o3" }?.sync[0...1] == ["10", "40"])
  }

  @Test func providerFilterAndInexpressibleEntries() throws {
    let result = try PriceImport.run(
      .litellm, data: Self.data("litellm-excerpt.json"), at: Self.at, providers: ["openai"])
    #expect(result.rows.map(\.model) == ["gpt-5"])
    #expect(result.filteredOut == 4)
    let text = """
      {"a": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1e-06,
             "output_cost_per_token": 2e-06, "input_cost_per_audio_token": 4e-05, "output_cost_per_audio_token": 8e-05},
       "b": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1e-06,
             "output_cost_per_token": 2e-06, "input_cost_per_image_above_128k_tokens": 1e-03},
       "c": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1e-19, "output_cost_per_token": 2e-06},
       "d": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1e-06, "output_cost_per_token": 3e-06,
             "input_cost_per_token_batches": 5e-07, "output_cost_per_token_batches": 1e-06},
       "e": {"litellm_provider": "gemini", "mode": "chat", "input_cost_per_token": 1.25e-06, "output_cost_per_token": 1e-05,
             "input_cost_per_token_above_128k_tokens": 2.5e-06, "input_cost_per_token_above_200k_tokens": 5e-06,
             "search_context_cost_per_query": {"search_context_size_low": 0.03, "search_context_size_medium": 0.035, "search_context_size_high": 0.05}},
       "openai/a": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06}}
      """
    let inline = try PriceImport.run(.litellm, data: Data(text.utf8), at: Self.at)
    #expect(
      inline.rows.map {
        "\($0.model) \($0.minInputTokens) \($0.sync) \($0.audioInput ?? "") \($0.audioOutput ?? "")"
      } == [
        "e 0 [\"1.25\", \"10\", \"1.25\", \"1.25\", \"1.25\"]  ",
        "e 128001 [\"2.5\", \"10\", \"2.5\", \"2.5\", \"2.5\"]  ",
        "e 200001 [\"5\", \"10\", \"5\", \"5\", \"5\"]  ",
        "a 0 [\"1\", \"2\", \"1\", \"1\", \"1\"] 40 80", "d 0 [\"1\", \"3\", \"1\", \"1\", \"1\"]  ",
      ])
    #expect(inline.rows.first { $0.model == "e" }?.webSearchPer1K == nil)
    #expect(inline.rows.first { $0.model == "d" }?.batch == nil)
    #expect(
      inline.skips.map(\.description) == [
        "skipped \"b\": input_cost_per_image_above_128k_tokens: a context tier of a price Tally has no column for",
        "skipped \"c\": input_cost_per_token 1e-19 is 0.0000000000001 USD per million, more than the 12 decimal places a price table holds",
        "skipped \"openai/a\": the same openai model as \"a\", imported already",
      ])
    #expect(
      inline.notes == [
        "d: the batch rates are not half the standard ones, so the batch cache rates are unknown: imported without batch rates"
      ])
    #expect(throws: PriceImportError.self) {
      try PriceImport.run(.genaiPrices, data: Data("{}".utf8), at: Self.at)
    }
  }
}
