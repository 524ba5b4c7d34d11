import Testing

@testable import TallyKit

@Suite struct CivilDateTests {
  @Test func parsesOnlyRealDates() {
    #expect(CivilDate(parsing: "2024-02-29")?.description == "2024-02-29")
    #expect(CivilDate(parsing: "2025-02-29") == nil)
    #expect(CivilDate(parsing: "2026-13-01") == nil)
    #expect(CivilDate(parsing: "2026-1-01") == nil)
    #expect(CivilDate(parsing: "2026/11/21") == nil)
  }

  @Test func dayNumbersRoundTrip() {
    #expect(CivilDate(parsing: "1970-01-01")!.daysSinceEpoch == 0)
    #expect(CivilDate(parsing: "2026-11-21")!.daysSinceEpoch == 20_778)
    #expect(CivilDate(daysSinceEpoch: 20_778).description == "2026-11-21")
    #expect(CivilDate(parsing: "2024-12-31")!.adding(days: 1).description == "2025-01-01")
  }
}

@Suite struct CSVReaderTests {
  @Test func readsQuotedFieldsBOMAndCRLF() throws {
    let text = "\u{FEFF}a,b,c\r\n1,\"x, \"\"quoted\"\"\",3\r\n\r\n\"multi\nline\",,z\r\n"
    let records = try CSVReader.records(text)
    #expect(records.map(\.line) == [1, 2, 4])
    #expect(records[0].fields == ["a", "b", "c"])
    #expect(records[1].fields == ["1", "x, \"quoted\"", "3"])
    #expect(records[2].fields == ["multi\nline", "", "z"])
  }

  @Test func reportsAnUnterminatedQuoteWithItsLine() {
    #expect(throws: CSVSyntaxError(line: 2, message: "a quoted field is never closed (missing \")")) {
      try CSVReader.records("a,b\n\"open,2\n")
    }
  }
}
