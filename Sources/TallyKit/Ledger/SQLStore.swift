import Foundation

/// A value bound to a ledger statement or read from one: the ledger stores integers and text
/// only (never a float: money is exact decimal text, tokens are integers).
enum SQLValue: Sendable, Hashable {
  case null
  case integer(Int64)
  case text(String)
}

/// A Swift value that can be bound to a statement's `?`.
protocol SQLBindable {
  var sqlValue: SQLValue { get }
}

extension SQLValue: SQLBindable {
  var sqlValue: SQLValue { self }
}
extension Int: SQLBindable {
  var sqlValue: SQLValue { .integer(Int64(self)) }
}
extension Int64: SQLBindable {
  var sqlValue: SQLValue { .integer(self) }
}
extension String: SQLBindable {
  var sqlValue: SQLValue { .text(self) }
}
/// Booleans are stored as 0 and 1 in both engines.
extension Bool: SQLBindable {
  var sqlValue: SQLValue { .integer(self ? 1 : 0) }
}
extension Optional: SQLBindable where Wrapped: SQLBindable {
  var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

/// A Swift value a column can be read as.
protocol SQLDecodable {
  /// Nil when the value is not of this type.
  init?(sqlValue: SQLValue)
}

extension Int64: SQLDecodable {
  init?(sqlValue: SQLValue) {
    guard case .integer(let value) = sqlValue else { return nil }
    self = value
  }
}
extension Int: SQLDecodable {
  init?(sqlValue: SQLValue) {
    guard case .integer(let value) = sqlValue else { return nil }
    self = Int(value)
  }
}
extension String: SQLDecodable {
  init?(sqlValue: SQLValue) {
    guard case .text(let value) = sqlValue else { return nil }
    self = value
  }
}
extension Bool: SQLDecodable {
  init?(sqlValue: SQLValue) {
    guard case .integer(let value) = sqlValue else { return nil }
    self = value != 0
  }
}
extension Optional: SQLDecodable where Wrapped: SQLDecodable {
  init?(sqlValue: SQLValue) {
    if case .null = sqlValue {
      self = .none
      return
    }
    guard let value = Wrapped(sqlValue: sqlValue) else { return nil }
    self = .some(value)
  }
}

/// One result row: values by position or by column name.
struct SQLRow {
  let columns: [String]
  let values: [SQLValue]

  /// The value at `index` as `T`; reading a value as a type it is not (NULL as a non-optional)
  /// is a programming error, as in GRDB.
  subscript<T: SQLDecodable>(_ index: Int) -> T {
    guard let value = T(sqlValue: values[index]) else {
      preconditionFailure("ledger column \(columns[index]): cannot read \(values[index]) as \(T.self)")
    }
    return value
  }

  subscript<T: SQLDecodable>(_ name: String) -> T {
    guard let index = columns.firstIndex(of: name) else {
      preconditionFailure("ledger query has no column \(name) (it has \(columns))")
    }
    return self[index]
  }

  /// The row as `name:value` pairs, for tests that compare tables.
  var description: String {
    zip(columns, values).map { name, value in
      switch value {
      case .null: "\(name):NULL"
      case .integer(let integer): "\(name):\(integer)"
      case .text(let text): "\(name):\(text.debugDescription)"
      }
    }.joined(separator: " ")
  }
}

/// The type of a column written in bulk (`SQLConnection.insertRows`).
enum SQLColumnType: Sendable {
  case integer
  case text
}

/// One open ledger connection inside a transaction: the statements every ledger operation is
/// written in. The SQL is shared by both engines (`?` placeholders); what differs between
/// SQLite and PostgreSQL is asked of `dialect`, one function per construct.
protocol SQLConnection: AnyObject {
  var dialect: SQLDialect { get }
  /// Runs one statement; returns how many rows it changed.
  @discardableResult
  func execute(_ sql: String, _ arguments: [any SQLBindable]) throws -> Int
  /// Runs an INSERT of one row and returns the `id` the table gave it.
  func insertReturningID(_ sql: String, _ arguments: [any SQLBindable]) throws -> Int64
  /// Calls `body` with every row of a query, in the order the query returns them.
  func forEachRow(_ sql: String, _ arguments: [any SQLBindable], _ body: (SQLRow) throws -> Void) throws
  /// Inserts many rows with one conflict clause (`ON CONFLICT ...`, or "" for none): one
  /// statement per row on SQLite, one statement for all of them on PostgreSQL. Returns the rows
  /// changed.
  @discardableResult
  func insertRows(
    into table: String, columns: [(name: String, type: SQLColumnType)], rows: [[SQLValue]], conflict: String
  ) throws -> Int
}

extension SQLConnection {
  @discardableResult
  func execute(_ sql: String) throws -> Int { try execute(sql, []) }

  func fetchAll(_ sql: String, _ arguments: [any SQLBindable] = []) throws -> [SQLRow] {
    var rows: [SQLRow] = []
    try forEachRow(sql, arguments) { rows.append($0) }
    return rows
  }

  func fetchOne(_ sql: String, _ arguments: [any SQLBindable] = []) throws -> SQLRow? {
    try fetchAll(sql, arguments).first
  }

  /// The first column of the first row; nil when there is no row or the value is NULL.
  func value<T: SQLDecodable>(_ type: T.Type = T.self, _ sql: String, _ arguments: [any SQLBindable] = [])
    throws -> T?
  {
    guard let row = try fetchOne(sql, arguments), let first = row.values.first, first != .null else {
      return nil
    }
    return row[0] as T
  }

  /// The first column of every row.
  func values<T: SQLDecodable>(_ type: T.Type = T.self, _ sql: String, _ arguments: [any SQLBindable] = [])
    throws -> [T]
  {
    try fetchAll(sql, arguments).map { $0[0] as T }
  }
}

/// The SQL that differs between the ledger's engines, one function per construct, so that the
/// statements around them are shared.
enum SQLDialect: Sendable {
  case sqlite
  case postgres

  /// The first day (days since the epoch) of the UTC month of an instant (seconds).
  func monthOfInstant(_ seconds: String) -> String {
    switch self {
    case .sqlite:
      "CAST(julianday(\(seconds), 'unixepoch', 'start of month') - 2440587.5 AS INTEGER)"
    case .postgres:
      "CAST(CAST(date_trunc('month', to_timestamp(\(seconds)) AT TIME ZONE 'UTC') AS DATE) - DATE '1970-01-01' AS BIGINT)"
    }
  }

  /// The first day of the month of a day (both days since the epoch).
  func monthOfDay(_ day: String) -> String {
    switch self {
    case .sqlite: monthOfInstant("\(day) * 86400")
    case .postgres:
      "CAST(CAST(date_trunc('month', CAST(DATE '1970-01-01' + CAST(\(day) AS INTEGER) AS TIMESTAMP)) AS DATE) - DATE '1970-01-01' AS BIGINT)"
    }
  }

  /// The sum of an integer expression, as a 64-bit integer: a sum past 2^63 - 1 is an error,
  /// never a float (SQLite's `sum` raises "integer overflow"; PostgreSQL sums BIGINT into
  /// NUMERIC, whose cast back to BIGINT raises "bigint out of range").
  func sum(_ expression: String) -> String {
    switch self {
    case .sqlite: "sum(\(expression))"
    case .postgres: "CAST(sum(\(expression)) AS BIGINT)"
    }
  }

  /// Whether `error` says a sum or an addition left the 64-bit range.
  func integerOverflow(in error: any Error) -> IntegerOverflow? {
    switch self {
    case .sqlite: SQLiteConnection.integerOverflow(in: error)
    case .postgres: PostgresConnectionBox.integerOverflow(in: error)
    }
  }
}

/// An error that says a sum or an addition left the 64-bit range; `column` when the engine
/// names it.
struct IntegerOverflow {
  var column: String?
}

/// SQL built from the shared pieces above.
extension SQLDialect {
  /// `1` when `condition` holds, else `0` (a boolean is an integer in SQLite, not in
  /// PostgreSQL; this form reads the same in both).
  static func flag(_ condition: String) -> String { "CASE WHEN \(condition) THEN 1 ELSE 0 END" }

  /// `?, ?, ...` for `count` values.
  static func placeholders(_ count: Int) -> String {
    Array(repeating: "?", count: count).joined(separator: ", ")
  }

  /// `ON CONFLICT (keys) DO UPDATE` adding the incoming sums to the stored ones.
  static func addSums(table: String, keys: [String], sums: [String]) -> String {
    "ON CONFLICT (\(keys.joined(separator: ", "))) DO UPDATE SET "
      + sums.map { "\($0) = \(table).\($0) + excluded.\($0)" }.joined(separator: ", ")
  }
}
