import Foundation
import GRDB

/// The SQLite engine's side of `SQLConnection`: a GRDB database connection inside a
/// transaction, every statement cached by its text.
final class SQLiteConnection: SQLConnection {
  let db: Database
  var dialect: SQLDialect { .sqlite }

  init(_ db: Database) { self.db = db }

  private func arguments(_ values: [any SQLBindable]) -> StatementArguments {
    StatementArguments(values.map { SQLiteConnection.databaseValue($0.sqlValue) })
  }

  static func databaseValue(_ value: SQLValue) -> DatabaseValue {
    switch value {
    case .null: .null
    case .integer(let integer): integer.databaseValue
    case .text(let text): text.databaseValue
    }
  }

  @discardableResult
  func execute(_ sql: String, _ arguments: [any SQLBindable]) throws -> Int {
    let statement = try db.cachedStatement(sql: sql)
    try statement.execute(arguments: self.arguments(arguments))
    return db.changesCount
  }

  func insertReturningID(_ sql: String, _ arguments: [any SQLBindable]) throws -> Int64 {
    try execute(sql, arguments)
    return db.lastInsertedRowID
  }

  func forEachRow(_ sql: String, _ arguments: [any SQLBindable], _ body: (SQLRow) throws -> Void) throws {
    let statement = try db.cachedStatement(sql: sql)
    let columns = statement.columnNames
    let cursor = try Row.fetchCursor(statement, arguments: self.arguments(arguments))
    while let row = try cursor.next() {
      var values: [SQLValue] = []
      values.reserveCapacity(columns.count)
      for (index, value) in row.databaseValues.enumerated() {
        switch value.storage {
        case .null: values.append(.null)
        case .int64(let integer): values.append(.integer(integer))
        case .string(let text): values.append(.text(text))
        case .double(let double):
          throw LedgerError("the ledger holds a floating-point value (\(double)) in \(columns[index])")
        case .blob:
          throw LedgerError("the ledger holds a blob in \(columns[index])")
        }
      }
      try body(SQLRow(columns: columns, values: values))
    }
  }

  @discardableResult
  func insertRows(
    into table: String, columns: [(name: String, type: SQLColumnType)], rows: [[SQLValue]], conflict: String
  ) throws -> Int {
    guard !rows.isEmpty else { return 0 }
    let statement = try db.cachedStatement(
      sql: """
        INSERT INTO \(table) (\(columns.map { "\"\($0.name)\"" }.joined(separator: ", ")))
        VALUES (\(SQLDialect.placeholders(columns.count))) \(conflict)
        """)
    var changed = 0
    for row in rows {
      try statement.execute(arguments: StatementArguments(row.map(SQLiteConnection.databaseValue)))
      changed += db.changesCount
    }
    return changed
  }

  /// STRICT tables refuse the REAL an overflowing `+` makes (naming the column), and `sum`
  /// raises "integer overflow".
  static func integerOverflow(in error: any Error) -> IntegerOverflow? {
    guard let error = error as? DatabaseError else { return nil }
    if error.extendedResultCode == .SQLITE_CONSTRAINT_DATATYPE {
      return IntegerOverflow(column: Ledger.sumColumns.first { error.message?.contains($0) == true })
    }
    if error.message == "integer overflow" { return IntegerOverflow(column: nil) }
    return nil
  }
}
