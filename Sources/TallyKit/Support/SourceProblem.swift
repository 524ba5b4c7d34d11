/// A problem at a place in an input file, as every file reader reports it:
/// `file:line: column NAME: what is wrong`.
///
/// Line 0 stands for the file as a whole (`file: what is wrong`). `column` names a CSV column;
/// readers of other formats put the place inside the line (a TOML key, a JSON path) in the
/// message. One type, so every reader prints locations the same way and callers catch one thing.
public struct SourceProblem: Error, Hashable, Sendable, CustomStringConvertible {
  public let location: FileLocation
  public let column: String?
  public let message: String

  public init(location: FileLocation, column: String? = nil, message: String) {
    self.location = location
    self.column = column
    self.message = message
  }

  public init(file: String, line: Int, column: String? = nil, message: String) {
    self.init(location: FileLocation(file: file, line: line), column: column, message: message)
  }

  public var file: String { location.file }
  public var line: Int { location.line }

  public var description: String {
    let place = location.line == 0 ? location.file : location.description
    if let column { return "\(place): column \(column): \(message)" }
    return "\(place): \(message)"
  }
}

/// Every problem found in an input file, for the readers that list them all rather than stop at
/// the first: a user fixes the file in one pass.
public struct SourceProblems: Error, Sendable, CustomStringConvertible {
  /// In the order the reader found them (file order, unless its doc comment says otherwise).
  public let all: [SourceProblem]

  public init(_ all: [SourceProblem]) { self.all = all }
  public init(_ problem: SourceProblem) { self.all = [problem] }

  /// Each problem as printed.
  public var problems: [String] { all.map(\.description) }
  public var description: String { problems.joined(separator: "\n") }
}

/// A problem in a workload or scenario file (the name its callers and tests know).
public typealias ScenarioFileError = SourceProblem

/// Every problem of a revenue file (`tenant,revenue_usd`).
public typealias RevenueFileError = SourceProblems

/// Every problem of a budget file.
public typealias BudgetFileError = SourceProblems

/// Every problem of a shared-costs file, or of applying it.
public typealias SharedCostsFileError = SourceProblems

/// Every problem of the price tables a book is loaded from.
public typealias PriceTableErrors = SourceProblems

extension CSVReader {
  /// `records(_:)` for a named file: a syntax error becomes the file's `SourceProblem`, the one
  /// preamble of every CSV file reader.
  public static func records(_ text: String, file: String) throws(SourceProblem) -> [CSVRecord] {
    do {
      return try records(text)
    } catch {
      throw SourceProblem(file: file, line: error.line, message: error.message)
    }
  }
}
