import Foundation

/// How a CSV export is spelled for the spreadsheet that opens it: the field delimiter, a UTF-8
/// byte order mark, and the decimal separator of numeric cells.
///
/// Spreadsheets in locales that write `1234,50` (most of continental Europe, Latin America) read
/// a comma-separated file as one column and `1234.50` as text; they open `;`-separated files
/// with decimal commas as numbers. Excel also guesses the encoding: without a BOM it reads UTF-8
/// as the system code page and garbles `Müller`. Whatever the dialect, the output stays RFC 4180
/// (quoting, doubled quotes) and text cells stay formula-neutralised; `.standard` is the plain
/// comma-separated output every golden file and tool reads.
public struct CSVDialect: Hashable, Sendable {
  /// The byte between fields. Only these three: every spreadsheet's import knows them, and none of
  /// them can occur in a number.
  public enum Delimiter: String, Hashable, Sendable, CaseIterable {
    case comma = ","
    case semicolon = ";"
    case tab = "\t"

    /// Reads `,`, `;`, `tab` or a literal tab: the spellings of `--csv-delimiter` and of the
    /// config file's `delimiter` (a literal tab is hard to type, hence the word).
    public init?(spelling: String) {
      switch spelling {
      case ",": self = .comma
      case ";": self = .semicolon
      case "tab", "\t": self = .tab
      default: return nil
      }
    }

    /// The accepted spellings, for messages.
    public static let choices = "\",\", \";\" or \"tab\""

    /// How messages and docs name it: `,`, `;` or `tab`.
    public var spelling: String { self == .tab ? "tab" : rawValue }

    var byte: UInt8 { rawValue.utf8.first! }
  }

  public var delimiter: Delimiter
  /// Starts the output with a UTF-8 byte order mark (EF BB BF), once.
  public var bom: Bool
  /// Numeric cells (money, percentages, quantities, rates) use `,` as the decimal separator.
  /// Never a thousands separator; counts and dates are unchanged.
  public var decimalComma: Bool

  public init(delimiter: Delimiter = .comma, bom: Bool = false, decimalComma: Bool = false) {
    self.delimiter = delimiter
    self.bom = bom
    self.decimalComma = decimalComma
  }

  /// Today's output, byte for byte: `,`, no BOM, decimal point.
  public static let standard = CSVDialect()

  /// What goes before the first header: the BOM or nothing.
  public var preamble: String { bom ? "\u{FEFF}" : "" }
}

/// CSV settings as one source states them (the command line or the config file): each unset
/// setting falls through to the next source, then to the standard.
public struct CSVSettings: Hashable, Sendable {
  public var delimiter: CSVDialect.Delimiter?
  public var bom: Bool?
  public var decimalComma: Bool?

  public init(delimiter: CSVDialect.Delimiter? = nil, bom: Bool? = nil, decimalComma: Bool? = nil) {
    self.delimiter = delimiter
    self.bom = bom
    self.decimalComma = decimalComma
  }
}

/// CSV settings that cannot go together, such as a decimal comma in comma-separated fields.
public struct CSVDialectError: Error, Hashable, Sendable, CustomStringConvertible {
  public let message: String
  public var description: String { message }
}

extension CSVDialect {
  /// The dialect of `flags` over `config` over the standard. A decimal comma with no delimiter
  /// chosen anywhere takes `;`; a decimal comma with `,` chosen is an error that says where each
  /// came from (silently switching either would hand the spreadsheet something other than what was asked).
  public static func resolve(flags: CSVSettings, config: ConfigFile? = nil) throws(CSVDialectError)
    -> CSVDialect
  {
    let file = config?.csv ?? CSVSettings()
    let decimalComma = flags.decimalComma ?? file.decimalComma ?? false
    let delimiter = flags.delimiter ?? file.delimiter ?? (decimalComma ? .semicolon : .comma)
    guard decimalComma, delimiter == .comma else {
      return CSVDialect(delimiter: delimiter, bom: flags.bom ?? file.bom ?? false, decimalComma: decimalComma)
    }
    let origin = { (key: String) in
      config.map { "\($0.file):\($0.line(of: "csv", key) ?? 1)" } ?? "the config"
    }
    let message =
      switch (flags.decimalComma != nil, flags.delimiter != nil) {
      case (true, true):
        "--decimal-comma writes 1234,50, so the delimiter cannot be a comma: use --csv-delimiter ';' (or tab)"
      case (true, false):
        "--decimal-comma writes 1234,50, but \(origin("delimiter")) sets delimiter = \",\": add --csv-delimiter ';' (or tab)"
      case (false, true):
        "--csv-delimiter ',' cannot hold decimal commas, which \(origin("decimal_comma")) turns on: add --no-decimal-comma, or use --csv-delimiter ';'"
      case (false, false):
        "\(origin("delimiter")): delimiter = \",\" cannot hold decimal commas: use \";\" or \"tab\""
      }
    throw CSVDialectError(message: message)
  }
}
