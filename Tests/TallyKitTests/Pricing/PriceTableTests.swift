import Testing

@testable import TallyKit

@Suite struct PriceTableTests {
  static let header = PriceTable.requiredColumns.joined(separator: ",") + ",notes"

  func problems(_ rows: String...) -> [String] {
    PriceTable.parse(([Self.header] + rows).joined(separator: "\n"), file: "pricing/test.csv").problems.map(
      \.description)
  }

  @Test func aValidRowParsesExactly() throws {
    let parsed = PriceTable.parse(
      Self.header
        + "\nanthropic,m-1,m m1,2025-01-01,2026-01-01,0,3,15,3.75,6,0.30,1.50,7.50,1.875,3,0.15,10,\"a, note\"\n",
      file: "t.csv")
    #expect(parsed.problems == [])
    let card = try #require(parsed.table.cards.first)
    #expect(card.aliases == ["m", "m1"])
    #expect(card.batch?.cacheWrite5m == ExactDecimal.parse("1.875"))
    #expect(card.effectiveTo?.description == "2026-01-01")
    #expect(card.notes == "a, note")
    #expect(card.origin.description == "t.csv:2")
  }

  @Test func everyProblemNamesFileLineAndColumn() {
    #expect(
      problems(
        "anthropic,m,,2025-01-01,,0,3,15,3.75,6,0.30,\"1,50\",7.50,1.875,3,0.15,10,",
        "acme,m2,,2025-13-01,,0,3,-15,3.75,6,0.30,1.50,7.50,1.875,3,0.15,10,",
        "openai,m3,,2025-02-01,2025-01-01,x,3,15,3.75,6,,1.50,7.50,1.875,3,0.15,10,"
      ) == [
        "pricing/test.csv:2: column batch_input: \"1,50\" is not a decimal number",
        "pricing/test.csv:3: column provider: unknown provider \"acme\"; expected one of anthropic, bedrock, google, groq, openai, vertex",
        "pricing/test.csv:3: column effective_from: \"2025-13-01\" is not a date; expected YYYY-MM-DD (UTC)",
        "pricing/test.csv:3: column output: -15 is negative; a rate cannot be below zero",
        "pricing/test.csv:4: column effective_to: 2025-01-01 is not after effective_from 2025-02-01; effective_to is exclusive",
        "pricing/test.csv:4: column min_input_tokens: \"x\" is not a whole number of tokens >= 0",
        "pricing/test.csv:4: column cache_read: a rate is required (USD per million tokens)",
      ])
  }

  @Test func overlappingPeriodsOfOneModelAndTierAreRejected() {
    #expect(
      problems(
        "anthropic,m,,2025-01-01,2025-06-01,0,3,15,3.75,6,0.30,1.50,7.50,1.875,3,0.15,10,",
        "anthropic,m,,2025-06-01,,0,2,10,2.50,4,0.20,1,5,1.25,2,0.10,10,",
        "anthropic,m,,2025-01-01,,200001,6,22.50,7.50,12,0.60,3,11.25,3.75,6,0.30,10,",
        "anthropic,m,,2025-05-31,2025-06-02,0,2,10,2.50,4,0.20,1,5,1.25,2,0.10,10,"
      ) == [
        "pricing/test.csv:5: column effective_from: m (tier base) from 2025-05-31 to 2025-06-02 overlaps line 2 (2025-01-01 to 2025-06-01); end one period where the next begins",
        "pricing/test.csv:5: column effective_from: m (tier base) from 2025-05-31 to 2025-06-02 overlaps line 3 (2025-06-01 to open); end one period where the next begins",
      ])
  }

  @Test func missingColumnsAndAliasClashes() {
    let header = PriceTable.requiredColumns.filter { $0 != "batch_output" }.joined(separator: ",")
    #expect(
      PriceTable.parse(header + "\n", file: "p.csv").problems.map(\.description) == [
        "p.csv:1: column batch_output: required column is missing from the header"
      ])
    #expect(
      problems(
        "anthropic,m,x,2025-01-01,,0,3,15,3.75,6,0.30,1.50,7.50,1.875,3,0.15,10,",
        "anthropic,n,x,2025-01-01,,0,3,15,3.75,6,0.30,1.50,7.50,1.875,3,0.15,10,",
        "anthropic,o,m,2025-01-01,,0,3,15,3.75,6,0.30,1.50,7.50,1.875,3,0.15,10,"
      ) == [
        "pricing/test.csv:3: column aliases: alias \"x\" already names m (line 2); a name must mean one model",
        "pricing/test.csv:4: column aliases: alias \"m\" already names m (line 2); a name must mean one model",
      ])
    #expect(
      problems("anthropic,m,,2025-01-01,,0,3,15") == [
        "pricing/test.csv:2: expected 18 fields as in the header, found 8"
      ])
  }

  /// The optional audio columns: a rate where given, nil (no audio rate) where empty or absent.
  @Test func audioColumnsAreOptionalAndChecked() throws {
    let header =
      PriceTable.requiredColumns.joined(separator: ",")
      + ",audio_input,audio_output,batch_audio_input,batch_audio_output,notes"
    let parsed = PriceTable.parse(
      header + """

        openai,a,,2025-01-01,,0,2.50,10,2.50,2.50,1.25,1.25,5,1.25,1.25,1.25,,40,80,20,40,
        openai,b,,2025-01-01,,0,2.50,10,2.50,2.50,1.25,1.25,5,1.25,1.25,1.25,,32,,,,
        openai,c,,2025-01-01,,0,2.50,10,2.50,2.50,1.25,,,,,,,,,,,

        """, file: "t.csv")
    #expect(parsed.problems == [])
    let cards = parsed.table.cards
    #expect(cards.map(\.sync.audioInput) == [40, 32, nil])
    #expect(cards.map(\.sync.audioOutput) == [80, nil, nil])
    #expect(cards.map { $0.batch?.audioInput } == [20, nil, nil])
    #expect(cards.map { $0.batch?.audioOutput } == [40, nil, nil])
    #expect(cards.map(\.hasAudioRate) == [true, true, false])
    // A table without the columns has no audio rate anywhere.
    let plain = PriceTable.parse(
      Self.header + "\nopenai,d,,2025-01-01,,0,2.50,10,2.50,2.50,1.25,1.25,5,1.25,1.25,1.25,,\n",
      file: "p.csv")
    #expect(plain.problems == [])
    #expect(plain.table.cards.first?.hasAudioRate == false)

    #expect(
      PriceTable.parse(
        header + """

          openai,e,,2025-01-01,,0,2.50,10,2.50,2.50,1.25,1.25,5,1.25,1.25,1.25,,-40,x,,,
          openai,f,,2025-01-01,,0,2.50,10,2.50,2.50,1.25,,,,,,,40,80,20,,

          """, file: "t.csv"
      ).problems.map(\.description) == [
        "t.csv:2: column audio_input: -40 is negative; a rate cannot be below zero",
        "t.csv:2: column audio_output: \"x\" is not a decimal number",
        "t.csv:3: column batch_audio_input: a batch audio rate needs the row's batch rates; fill batch_input and the other batch columns",
      ])
  }
}
