import Foundation
import GRDB
import Testing

@testable import TallyKit

/// Audio tokens (OpenAI `prompt_tokens_details.audio_tokens`, `completion_tokens_details.audio_tokens`)
/// are categories of their own, priced only at an audio rate, never as text.
///
/// `api-log/audio.jsonl`: one gpt-4o-audio-preview request with audio (prompt 100,000 of which
/// 20,000 cached and 30,000 audio; completion 40,000 of which 15,000 audio and 5,000 reasoning)
/// and one text-only request of the same model, tenant and day (prompt 20,000, completion
/// 1,000). At $2.50 input, $1.25 cached, $10 output, $40 audio input, $80 audio output per
/// million: the audio request costs 50,000 x 2.50 + 20,000 x 1.25 + 25,000 x 10
/// + 30,000 x 40 + 15,000 x 80 = 2,800,000 micro-dollars = $2.80 (as text it would be $0.625),
/// the text request 20,000 x 2.50 + 1,000 x 10 = $0.06.
@Suite struct AudioTokensTests {
  typealias F = IngestFixtures
  static let audioLog = F.path("api-log/audio.jsonl")

  static func prices(_ file: String) throws -> PriceBook {
    let path = F.path("audio/\(file)")
    return try PriceBook.load(overrides: [(path, try String(contentsOfFile: path, encoding: .utf8))])
  }

  @Test func openAIPromptTokensIncludeCachedAndAudioTokens() throws {
    let (ledger, _) = try F.ledger()
    var options = IngestOptions()
    options.skipInvalid = true
    let summary = try F.ingest(F.path("api-log/audio-bad.jsonl"), into: ledger, options)
    #expect((summary.read, summary.new, summary.invalid) == (4, 1, 3))
    // Prompt 1000 with 200 cached and 300 audio: input 500, cache read 200, audio input 300;
    // completion 400 with 150 audio: output 250, audio output 150.
    #expect(
      try F.spend(ledger, by: [.model]).totals.tokens
        == TokenCounts(input: 500, cacheRead: 200, output: 250, audioInput: 300, audioOutput: 150))
    let stored = try ledger.read { db in
      try Row.fetchOne(
        db,
        sql:
          "SELECT input_tokens, cache_read_tokens, output_tokens, audio_input_tokens, audio_output_tokens, total_input_tokens FROM request"
      )
    }
    #expect(
      stored == [
        "input_tokens": 500, "cache_read_tokens": 200, "output_tokens": 250, "audio_input_tokens": 300,
        "audio_output_tokens": 150, "total_input_tokens": 1000,
      ])
  }

  @Test func impossibleAudioCountsAreInvalidInputAtTheirLine() throws {
    let (ledger, _) = try F.ledger()
    let bad = F.path("api-log/audio-bad.jsonl")
    #expect {
      _ = try F.ingest(bad, into: ledger)
    } throws: { error in
      guard case IngestFailure.invalidInput(let problems) = error else { return false }
      return problems.map(\.description) == [
        "\(bad):2: response.usage.prompt_tokens_details.audio_tokens: 900 audio tokens and 200 cached tokens exceed prompt_tokens (1000); the prompt count includes both",
        "\(bad):3: response.usage.completion_tokens_details.audio_tokens: 50 audio tokens exceed completion_tokens (40); the completion count includes them",
        "\(bad):4: response.usage.prompt_tokens_details.audio_tokens: -3 is negative; token counts cannot be negative",
      ]
    }
    #expect(try F.dump(ledger).isEmpty)
  }

  @Test func withoutAnAudioRateOnlyTheRequestWithAudioIsUnpriced() throws {
    let (ledger, _) = try F.ledger()
    let prices = try Self.prices("text-rates.csv")
    let summary = try F.ingest(Self.audioLog, into: ledger, prices: prices)
    #expect(summary.unpricedModels == ["gpt-4o-audio-preview": 1])
    let report = try F.spend(ledger, by: [.model], prices: prices)
    let row = try #require(report.rows.first)
    #expect(report.rows.count == 1)
    #expect(row.requests == 2)
    #expect(row.unpricedRequests == 1)
    #expect(
      row.tokens
        == TokenCounts(
          input: 70_000, cacheRead: 20_000, output: 26_000, audioInput: 30_000, audioOutput: 15_000))
    // The text request alone: audio is never priced as text, nor at $0.
    #expect(row.cost == Money(Decimal(string: "0.06")!))
    #expect(row.listCost == Money(Decimal(string: "0.06")!))
    #expect(report.unpricedModels == ["gpt-4o-audio-preview": 1])
    #expect(
      report.warnings == [
        "unpriced usage, excluded from every cost and from the totals: gpt-4o-audio-preview (1 requests); add their rates with --pricing FILE"
      ])
  }

  @Test func withAudioRatesAudioIsPricedAtThemExactly() throws {
    let (ledger, _) = try F.ledger()
    let prices = try Self.prices("audio-rates.csv")
    let summary = try F.ingest(Self.audioLog, into: ledger, prices: prices)
    #expect(summary.unpricedModels.isEmpty)
    let report = try F.spend(ledger, by: [.model], prices: prices)
    #expect(report.totals.unpricedRequests == 0)
    #expect(report.totals.cost == Money(Decimal(string: "2.86")!))
    #expect(report.totals.listCost == Money(Decimal(string: "2.86")!))

    // Per category, at the rates paid: the pricer's one multiplication each.
    var pricer = UsagePricer(prices: prices)
    let audio = Usage(
      tokens: TokenCounts(
        input: 50_000, cacheRead: 20_000, output: 25_000, audioInput: 30_000, audioOutput: 15_000))
    let priced = try pricer.price(
      audio, model: "gpt-4o-audio-preview", mode: .sync, rateDay: CivilDate(parsing: "2026-10-05")!,
      sizeClass: 0
    ).get()
    #expect(Money(atto: priced.cost.actual) == Money(Decimal(string: "2.80")!))
    let micro: Int128 = 1_000_000_000_000
    #expect(
      priced.categoryCosts == [
        125_000 * micro, 0, 0, 25_000 * micro, 250_000 * micro, 1_200_000 * micro, 1_200_000 * micro,
      ])
    // The exact path (what-ifs) agrees.
    let card = try prices.card(
      model: "gpt-4o-audio-preview", on: CivilDate(parsing: "2026-10-05")!, requestInputTokens: 0
    ).get()
    #expect(
      try card.cost(of: audio, mode: .sync, on: card.effectiveFrom).actual == Money(Decimal(string: "2.80")!))
  }

  @Test func aRowWithoutAudioRatesRefusesAudioInEveryPricingPath() throws {
    let prices = try Self.prices("text-rates.csv")
    let day = CivilDate(parsing: "2026-10-05")!
    for usage in [
      Usage(tokens: TokenCounts(input: 10, audioInput: 1)),
      Usage(tokens: TokenCounts(output: 10, audioOutput: 1)),
    ] {
      var pricer = UsagePricer(prices: prices)
      #expect(
        pricer.price(usage, model: "gpt-4o-audio-preview", mode: .sync, rateDay: day, sizeClass: 0).map(
          \.cost)
          == .failure(.noAudioRate(model: "gpt-4o-audio-preview", on: day)))
      #expect(
        prices.cost(of: usage, model: "gpt-4o-audio-preview", mode: .sync, on: day, requestInputTokens: 0)
          == .failure(.noAudioRate(model: "gpt-4o-audio-preview", on: day)))
    }
    // Text alone is priced as before.
    var pricer = UsagePricer(prices: prices)
    let text = try pricer.price(
      Usage(tokens: TokenCounts(input: 20_000, output: 1_000)), model: "gpt-4o-audio-preview", mode: .sync,
      rateDay: day, sizeClass: 0
    ).get()
    #expect(Money(atto: text.cost.actual) == Money(Decimal(string: "0.06")!))
    #expect(
      Unpriced.noAudioRate(model: "gpt-4o-audio-preview", on: day).description
        == "gpt-4o-audio-preview has no audio rate in force on 2026-10-05")
  }

  /// The rollups ingest maintains keep requests with audio apart (`has_audio`), exactly as a
  /// rebuild from the requests does.
  @Test func rollupsKeepRequestsWithAudioApart() throws {
    let (ledger, _) = try F.ledger()
    _ = try F.ingest(Self.audioLog, into: ledger)
    func rollups(_ db: Database) throws -> [String] {
      try ["rollup_month", "rollup_day"].flatMap { table in
        try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY 1, 2, 3, 4, 5, 6, 7, 8").map {
          "\(table): \($0)"
        }
      }
    }
    let maintained = try ledger.read(rollups)
    #expect(maintained.filter { $0.hasPrefix("rollup_month") }.count == 2)
    #expect(
      maintained.contains {
        $0.contains("has_audio:1") && $0.contains("audio_input_tokens:30000 audio_output_tokens:15000")
      })
    #expect(
      maintained.contains {
        $0.contains("has_audio:0") && $0.contains("audio_input_tokens:0 audio_output_tokens:0")
      })
    let rebuilt = try ledger.transaction(commit: false) { writer in
      try Ledger.rebuildRollups(writer.db)
      return try rollups(writer.db)
    }
    #expect(rebuilt == maintained)
  }

  /// `ledger remove` takes audio requests out of the `has_audio` rollup rows too.
  @Test func removingASourceTakesItsAudioOutOfTheRollups() throws {
    let (ledger, _) = try F.ledger()
    _ = try F.ingest(Self.audioLog, into: ledger)
    let removal = try ledger.transaction { try $0.removeSource(1, now: "later") }
    #expect(removal.requests == 2)
    #expect((removal.tokens.audioInput, removal.tokens.audioOutput) == (30_000, 15_000))
    let left = try ledger.read { db in
      try Int.fetchOne(
        db, sql: "SELECT (SELECT count(*) FROM rollup_month) + (SELECT count(*) FROM rollup_day)")
    }
    #expect(left == 0)
  }
}
