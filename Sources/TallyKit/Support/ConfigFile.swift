import Foundation

/// The user's defaults (`config.toml`), parsed from text; the CLI finds and reads the file.
///
/// ```
/// [csv]
/// bom = true
/// delimiter = ";"        # ",", ";" or "tab"
/// decimal_comma = true
/// ```
/// Strict, like every input: an unknown section or key, or a value of the wrong type, is an error
/// naming its line, because a misspelt default silently ignored is a wrong export every month.
public struct ConfigFile: Hashable, Sendable {
  /// The path as the messages show it.
  public let file: String
  /// `[csv]`: defaults of every CSV export, below the command line's flags.
  public let csv: CSVSettings
  /// `section.key` → the line that set it, for messages about conflicts with flags.
  let lines: [String: Int]

  /// The sections a config file may have, and each one's keys.
  public static let sections: [String: [String]] = ["csv": ["bom", "delimiter", "decimal_comma"]]

  /// The line that set `key` of `[section]`, if the file set it.
  public func line(of section: String, _ key: String) -> Int? { lines["\(section).\(key)"] }

  public init(file: String, csv: CSVSettings = CSVSettings()) {
    self.file = file
    self.csv = csv
    self.lines = [:]
  }

  public static func parse(_ text: String, file: String) throws(SourceProblem) -> ConfigFile {
    let root: TOMLTable
    do {
      root = try TOML.parse(text)
    } catch {
      throw SourceProblem(file: file, line: error.line, message: error.message)
    }
    func fail(_ line: Int, _ message: String) -> SourceProblem {
      SourceProblem(file: file, line: line, message: message)
    }
    let known = "the config file has the section [csv] (keys bom, delimiter, decimal_comma)"
    var csv = CSVSettings()
    var lines: [String: Int] = [:]
    for entry in root.entries {
      guard let keys = sections[entry.key] else {
        guard case .table = entry.value else {
          // `bom = true` above any header: the key is right, its place is not.
          let home = sections.filter { $0.value.contains(entry.key) }.keys.sorted().first
          throw fail(
            entry.line,
            "key \"\(entry.key)\" is outside any section; "
              + (home.map { "put it under [\($0)]" } ?? known
                + Suggestions.phrase(for: entry.key, among: sections.keys)))
        }
        let close = Suggestions.closest(to: entry.key, among: sections.keys).map { "[\($0)]" }
        let hint = close.isEmpty ? "" : "; did you mean \(Suggestions.orList(close))?"
        throw fail(entry.line, "unknown section [\(entry.key)]; \(known)\(hint)")
      }
      guard case .table(let table) = entry.value else {
        throw fail(entry.line, "\(entry.key) must be a section [\(entry.key)], not \(describe(entry.value))")
      }
      for item in table.entries {
        let name = "[\(entry.key)] \(item.key)"
        guard keys.contains(item.key) else {
          throw fail(
            item.line,
            "[\(entry.key)]: unknown key \"\(item.key)\"; expected \(Suggestions.orList(keys))\(Suggestions.phrase(for: item.key, among: keys))"
          )
        }
        lines["\(entry.key).\(item.key)"] = item.line
        switch (item.key, item.value) {
        case ("bom", .boolean(let value)): csv.bom = value
        case ("decimal_comma", .boolean(let value)): csv.decimalComma = value
        case ("delimiter", .string(let text)) where CSVDialect.Delimiter(spelling: text) != nil:
          csv.delimiter = CSVDialect.Delimiter(spelling: text)
        case ("delimiter", _):
          throw fail(
            item.line, "\(name): expected \(CSVDialect.Delimiter.choices), not \(describe(item.value))")
        default:
          throw fail(item.line, "\(name): expected true or false, not \(describe(item.value))")
        }
      }
    }
    if csv.decimalComma == true, csv.delimiter == .comma, let line = lines["csv.delimiter"] {
      throw fail(
        line,
        "[csv] delimiter = \",\" cannot hold decimal commas (decimal_comma = true, line \(lines["csv.decimal_comma"] ?? line)): use \";\" or \"tab\""
      )
    }
    return ConfigFile(file: file, csv: csv, lines: lines)
  }

  private init(file: String, csv: CSVSettings, lines: [String: Int]) {
    self.file = file
    self.csv = csv
    self.lines = lines
  }

  /// A value as a message quotes it: strings quoted, numbers and booleans as written, else its kind.
  private static func describe(_ value: TOMLValue) -> String {
    switch value {
    case .string(let text): "\"\(text.escapingControlCharacters())\""
    case .integer(let number): String(number)
    case .decimal(let number): ExactDecimal.plain(number)
    case .boolean(let flag): String(flag)
    case .array: "an array"
    case .table: "a table"
    }
  }
}
