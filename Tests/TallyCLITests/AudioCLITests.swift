import Foundation
import Testing

/// Audio tokens end to end: a gpt-4o-audio-preview style API log, priced with a `--pricing`
/// row without audio rates (the request with audio is unpriced, the text one priced) and with
/// them (exact to the cent). The figures are worked out in `AudioTokensTests`.
@Suite("Audio tokens")
struct AudioCLITests {
  static let log = LedgerCLITests.fixture("api-log/audio.jsonl")
  static let textRates = LedgerCLITests.fixture("audio/text-rates.csv")
  static let audioRates = LedgerCLITests.fixture("audio/audio-rates.csv")

  static func ledger() throws -> String {
    let ledger = try LedgerCLITests.ledgerPath()
    let ingest = try CLI.run(["ingest", "--ledger", ledger, log, "--pricing", textRates])
    #expect(ingest.status == 0, "\(ingest)")
    #expect(ingest.stderr.contains("unpriced models (stored, excluded from costs): gpt-4o-audio-preview (1)"))
    return ledger
  }

  @Test func audioIsNeverPricedAsText() throws {
    let ledger = try Self.ledger()
    let header =
      "model,requests,input_tokens,cache_write_5m_tokens,cache_write_1h_tokens,cache_read_tokens,output_tokens,audio_input_tokens,audio_output_tokens,web_searches,list_cost_usd,cost_usd,batch_savings_usd,unpriced_requests"
    // No audio rate: the request with audio is unpriced; the text request alone costs $0.06.
    let unpriced = try CLI.run([
      "report", "spend", "--by", "model", "--format", "csv", "--ledger", ledger, "--pricing", Self.textRates,
    ])
    #expect(unpriced.status == 0, "\(unpriced)")
    #expect(
      unpriced.stdout == """
        \(header)
        gpt-4o-audio-preview,2,70000,0,0,20000,26000,30000,15000,0,0.06,0.06,0.00,1

        """)
    #expect(
      unpriced.stderr
        == "tally: warning: unpriced usage, excluded from every cost and from the totals: gpt-4o-audio-preview (1 requests); add their rates with --pricing FILE\n"
    )
    // With $40 / $80 audio rates: $2.80 + $0.06 (as text the audio request would be $0.625).
    let priced = try CLI.run([
      "report", "spend", "--by", "model", "--format", "csv", "--ledger", ledger, "--pricing", Self.audioRates,
    ])
    #expect(priced.stderr == "")
    #expect(
      priced.stdout == """
        \(header)
        gpt-4o-audio-preview,2,70000,0,0,20000,26000,30000,15000,0,2.86,2.86,0.00,0

        """)
    let json = try CLI.run([
      "report", "spend", "--by", "model", "--format", "json", "--ledger", ledger, "--pricing",
      Self.audioRates,
    ])
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    let totals = try #require(object["totals"] as? [String: Any])
    #expect(totals["audio_input_tokens"] as? Int == 30_000)
    #expect(totals["audio_output_tokens"] as? Int == 15_000)
    #expect(totals["cost_usd"] as? String == "2.86")
  }

  @Test func tablesShowAudioColumnsOnlyWhenThereIsAudio() throws {
    let ledger = try Self.ledger()
    let table = try CLI.run([
      "report", "spend", "--by", "model", "--ledger", ledger, "--pricing", Self.audioRates,
    ])
    #expect(table.stdout.contains("Audio in  Audio out"), "\(table)")
    // On a narrow terminal the audio columns go first.
    let narrow = try CLI.run(
      ["report", "spend", "--by", "model", "--ledger", ledger, "--pricing", Self.audioRates], width: 140)
    #expect(!narrow.stdout.contains("Audio") && narrow.stdout.contains("Searches"), "\(narrow)")
    let demo = try CLI.run(["report", "spend", "--ledger", try LedgerCLITests.demoLedger()])
    #expect(!demo.stdout.contains("Audio"))
  }

  @Test func focusHasAudioMetersAtTheAudioRates() throws {
    let ledger = try Self.ledger()
    let focus = try CLI.run([
      "report", "chargeback", "--month", "2026-10", "--format", "focus", "--ledger", ledger, "--pricing",
      Self.audioRates,
    ])
    #expect(focus.status == 0, "\(focus)")
    let lines = focus.stdout.split(separator: "\n").map(String.init)
    #expect(lines.count == 6, "\(focus.stdout)")
    let audio = lines.filter { $0.contains("gpt-4o-audio-preview audio ") }
    #expect(audio.count == 2)
    #expect(audio[0].contains("\"gpt-4o-audio-preview audio input tokens, sync, 0-200k context\""))
    #expect(audio[1].contains("\"gpt-4o-audio-preview audio output tokens, sync, 0-200k context\""))
    // Without an audio rate the request with audio is left out (FOCUS costs cannot be empty).
    let partial = try CLI.run([
      "report", "chargeback", "--month", "2026-10", "--format", "focus", "--ledger", ledger, "--pricing",
      Self.textRates,
    ])
    #expect(!partial.stdout.contains("audio input tokens"))
    #expect(partial.stderr.contains("unpriced usage is not in the FOCUS export"))
  }

  @Test func pricingShowListAndCheckKnowTheAudioColumns() throws {
    let show = try CLI.run([
      "pricing", "show", "gpt-4o-audio-preview", "--at", "2026-10-05", "--pricing", Self.audioRates,
    ])
    #expect(
      show.stdout.contains("        0  all      audio_input     per 1M tokens       40.00\n"), "\(show)")
    #expect(
      show.stdout.contains("        0  all      audio_output    per 1M tokens       80.00\n"), "\(show)")
    // A row without audio rates shows no audio lines.
    let plain = try CLI.run(["pricing", "show", "gpt-4o", "--at", "2026-10-05"])
    #expect(!plain.stdout.contains("audio"))

    let list = try CLI.run([
      "pricing", "list", "--provider", "openai", "--at", "2026-10-05", "--format", "csv", "--pricing",
      Self.audioRates,
    ])
    #expect(
      list.stdout.hasPrefix(
        "provider,model,aliases,effective_from,effective_to,min_input_tokens,input,output,cache_write_5m,cache_write_1h,cache_read,batch_input,batch_output,batch_cache_write_5m,batch_cache_write_1h,batch_cache_read,web_search_per_1k,audio_input,audio_output,batch_audio_input,batch_audio_output,notes\n"
      ), "\(list)")
    #expect(
      list.stdout.contains("\nopenai,gpt-4o-audio-preview,,2024-10-01,,0,2.5,10,2.5,2.5,1.25,,,,,,,40,80,,,"))
    let bundledOnly = try CLI.run(["pricing", "list", "--format", "csv"])
    #expect(!bundledOnly.stdout.contains("audio"))
    // The listing is itself a valid price table.
    let directory = try CLI.temporaryDirectory()
    let listed = directory.appendingPathComponent("listed.csv")
    try list.stdout.write(to: listed, atomically: true, encoding: .utf8)
    let check = try CLI.run(["pricing", "check", listed.path, Self.audioRates])
    #expect(check.status == 0, "\(check)")

    let bad = directory.appendingPathComponent("bad.csv")
    try """
    provider,model,aliases,effective_from,effective_to,min_input_tokens,input,output,cache_write_5m,cache_write_1h,cache_read,batch_input,batch_output,batch_cache_write_5m,batch_cache_write_1h,batch_cache_read,web_search_per_1k,audio_input,batch_audio_output
    openai,gpt-4o-audio-preview,,2024-10-01,,0,2.50,10,2.50,2.50,1.25,,,,,,,forty,80

    """.write(to: bad, atomically: true, encoding: .utf8)
    let refused = try CLI.run(["pricing", "check", bad.path])
    #expect(refused.status == 65, "\(refused)")
    #expect(
      (refused.stdout + refused.stderr).contains(
        "\(bad.path):2: column audio_input: \"forty\" is not a decimal number"))
    #expect(
      (refused.stdout + refused.stderr).contains(
        "\(bad.path):2: column batch_audio_output: a batch audio rate needs the row's batch rates; fill batch_input and the other batch columns"
      ))
  }
}
