import Foundation
import Testing

@testable import TallyKit

/// `config.toml`, parsed from text: the `[csv]` defaults, and `file:line` errors for anything it
/// does not know.
@Suite struct ConfigFileTests {
  func error(_ text: String) -> String? {
    do {
      _ = try ConfigFile.parse(text, file: "config.toml")
      return nil
    } catch {
      return error.description
    }
  }

  @Test func csvDefaults() throws {
    let config = try ConfigFile.parse(
      """
      # Frankfurt office
      [csv]
      bom = true
      delimiter = "tab"
      decimal_comma = true
      """, file: "config.toml")
    #expect(config.csv == CSVSettings(delimiter: .tab, bom: true, decimalComma: true))
    #expect(config.line(of: "csv", "delimiter") == 4)
    #expect(config.line(of: "csv", "bom") == 3)
    #expect(try ConfigFile.parse("[csv]\ndelimiter = \"\\t\"\n", file: "c").csv.delimiter == .tab)
    #expect(
      try ConfigFile.parse("csv.delimiter = \";\"\n", file: "c").csv == CSVSettings(delimiter: .semicolon))
    #expect(try ConfigFile.parse("", file: "c").csv == CSVSettings())
    #expect(try ConfigFile.parse("[csv]\n", file: "c").csv == CSVSettings())
  }

  @Test func everyMistakeNamesItsLine() {
    #expect(
      error("[csv]\nbom = true\ndelimeter = \";\"\n")
        == "config.toml:3: [csv]: unknown key \"delimeter\"; expected bom, delimiter or decimal_comma; did you mean delimiter?"
    )
    #expect(
      error("[csv]\ndecimal_comma = 1\n")
        == "config.toml:2: [csv] decimal_comma: expected true or false, not 1")
    #expect(
      error("[csv]\ndelimiter = \"semicolon\"\n")
        == "config.toml:2: [csv] delimiter: expected \",\", \";\" or \"tab\", not \"semicolon\"")
    #expect(
      error("[csv]\ndelimiter = [\";\"]\n")
        == "config.toml:2: [csv] delimiter: expected \",\", \";\" or \"tab\", not an array")
    #expect(
      error("\n[cvs]\n")
        == "config.toml:2: unknown section [cvs]; the config file has the section [csv] (keys bom, delimiter, decimal_comma); did you mean [csv]?"
    )
    #expect(error("bom = true\n") == "config.toml:1: key \"bom\" is outside any section; put it under [csv]")
    #expect(error("csv = true\n") == "config.toml:1: csv must be a section [csv], not true")
    #expect(
      error("[csv]\ndelimiter = \",\"\ndecimal_comma = true\n")
        == "config.toml:2: [csv] delimiter = \",\" cannot hold decimal commas (decimal_comma = true, line 3): use \";\" or \"tab\""
    )
    #expect(error("[csv]\nbom = true\nbom = false\n") == "config.toml:3: duplicate key \"bom\"")
    // A decimal comma with no delimiter, or with ";" or tab, is fine.
    #expect(error("[csv]\ndecimal_comma = true\n") == nil)
    #expect(error("[csv]\ndelimiter = \",\"\ndecimal_comma = false\n") == nil)
  }
}
