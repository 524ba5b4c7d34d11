import Foundation
import PostgresNIO

/// One connection to a PostgreSQL ledger, used synchronously: the ledger's code is synchronous,
/// so each statement runs on the connection's own event loop thread and the calling thread waits
/// for its future. (Waiting on a future, not on a Swift task, so that a caller on the
/// cooperative thread pool never waits for that pool.) One statement at a time.
final class PostgresConnectionBox: SQLConnection, @unchecked Sendable {
  let location: PostgresLocation
  private let group: MultiThreadedEventLoopGroup
  private let connection: PostgresConnection
  private let logger: Logger
  private let lock = NSLock()
  private var isClosed = false
  /// Set once a bulk insert's first try met a key already in the ledger: the rest of the
  /// transaction inserts with `ON CONFLICT`, one chunk at a time (see `finishTry`).
  var bulkTriesFailed = false
  var dialect: SQLDialect { .postgres }

  init(_ location: PostgresLocation) throws {
    self.location = location
    var logger = Logger(label: "tally.ledger.postgres")
    logger.logLevel = .critical
    self.logger = logger
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    self.group = group
    do {
      let configuration = try PostgresConnectionBox.configuration(location)
      connection = try PostgresConnection.connect(
        on: group.next(), configuration: configuration, id: 1, logger: logger
      ).wait()
    } catch {
      try? group.syncShutdownGracefully()
      throw LedgerError("\(location): cannot connect: \(PostgresConnectionBox.describe(error, location))")
    }
  }

  deinit { close() }

  func close() {
    lock.lock()
    defer { lock.unlock() }
    guard !isClosed else { return }
    isClosed = true
    try? connection.close().wait()
    try? group.syncShutdownGracefully()
  }

  private static func configuration(_ location: PostgresLocation) throws -> PostgresConnection.Configuration {
    var configuration: PostgresConnection.Configuration
    if location.isUnixSocket {
      configuration = .init(
        unixSocketPath: "\(location.host)/.s.PGSQL.\(location.port)", username: location.user,
        password: location.password, database: location.database)
    } else {
      var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
      switch location.sslMode {
      case .disable, .allow, .prefer, .require:
        // libpq's require encrypts without checking the certificate (unless a root
        // certificate is given, which makes it verify-ca).
        tlsConfiguration.certificateVerification =
          location.sslMode == .require && location.sslRootCert != nil ? .noHostnameVerification : .none
      case .verifyCA: tlsConfiguration.certificateVerification = .noHostnameVerification
      case .verifyFull: tlsConfiguration.certificateVerification = .fullVerification
      }
      if let root = location.sslRootCert, location.sslMode != .disable {
        tlsConfiguration.trustRoots = .file(root)
      }
      let tls: PostgresConnection.Configuration.TLS
      switch location.sslMode {
      case .disable: tls = .disable
      case .allow, .prefer: tls = .prefer(try NIOSSLContext(configuration: tlsConfiguration))
      case .require, .verifyCA, .verifyFull:
        tls = .require(try NIOSSLContext(configuration: tlsConfiguration))
      }
      configuration = .init(
        host: location.host, port: location.port, username: location.user, password: location.password,
        database: location.database, tls: tls)
    }
    configuration.options.additionalStartupParameters = [("application_name", location.applicationName)]
    return configuration
  }

  // MARK: Statements

  /// `?` placeholders as PostgreSQL's `$1, $2, ...` (outside quoted text and names).
  static func numberedPlaceholders(_ sql: String) -> String {
    var result = ""
    result.reserveCapacity(sql.utf8.count + 16)
    var number = 0
    var quote: Character?
    for character in sql {
      if let open = quote {
        if character == open { quote = nil }
        result.append(character)
      } else if character == "'" || character == "\"" {
        quote = character
        result.append(character)
      } else if character == "?" {
        number += 1
        result += "$\(number)"
      } else {
        result.append(character)
      }
    }
    return result
  }

  private func bindings(_ arguments: [any SQLBindable]) -> PostgresBindings {
    var bindings = PostgresBindings(capacity: arguments.count)
    for argument in arguments {
      switch argument.sqlValue {
      case .null: bindings.appendNull()
      case .integer(let integer): bindings.append(integer)
      case .text(let text): bindings.append(text)
      }
    }
    return bindings
  }

  private func run(_ sql: String, _ bindings: PostgresBindings) throws -> PostgresQueryResult {
    try wait(for: send(sql, bindings))
  }

  /// Sends a statement without waiting for it. The server runs statements in the order they
  /// are sent, so a caller can prepare the next one while the server runs this one; `wait(for:)`
  /// then gives its result.
  func send(_ sql: String, _ bindings: PostgresBindings) throws -> PostgresSentStatement {
    lock.lock()
    defer { lock.unlock() }
    guard !isClosed else { throw LedgerError("\(location): the connection is closed") }
    return PostgresSentStatement(
      result: connection.query(
        PostgresQuery(unsafeSQL: PostgresConnectionBox.numberedPlaceholders(sql), binds: bindings),
        logger: logger))
  }

  func wait(for statement: PostgresSentStatement) throws -> PostgresQueryResult {
    do {
      return try statement.result.wait()
    } catch {
      throw PostgresStatementError(error: error, location: location)
    }
  }

  @discardableResult
  func execute(_ sql: String, _ arguments: [any SQLBindable]) throws -> Int {
    try run(sql, bindings(arguments)).metadata.rows ?? 0
  }

  func insertReturningID(_ sql: String, _ arguments: [any SQLBindable]) throws -> Int64 {
    let result = try run(sql + " RETURNING id", bindings(arguments))
    guard let row = result.rows.first else { throw LedgerError("\(location): an insert returned no id") }
    return try PostgresConnectionBox.row(row)[0]
  }

  func forEachRow(_ sql: String, _ arguments: [any SQLBindable], _ body: (SQLRow) throws -> Void) throws {
    for row in try run(sql, bindings(arguments)).rows {
      try body(try PostgresConnectionBox.row(row))
    }
  }

  private static func row(_ row: PostgresRow) throws -> SQLRow {
    var columns: [String] = []
    var values: [SQLValue] = []
    for cell in row {
      columns.append(cell.columnName)
      guard cell.bytes != nil else {
        values.append(.null)
        continue
      }
      switch cell.dataType {
      case .int2, .int4, .int8, .oid: values.append(.integer(try cell.decode(Int64.self)))
      case .bool: values.append(.integer(try cell.decode(Bool.self) ? 1 : 0))
      case .text, .varchar, .name, .bpchar: values.append(.text(try cell.decode(String.self)))
      default:
        throw LedgerError(
          "ledger column \(cell.columnName) has the PostgreSQL type \(cell.dataType), which the ledger does not read"
        )
      }
    }
    return SQLRow(columns: columns, values: values)
  }

  /// One statement for all rows: each column goes as one array parameter, which `unnest`
  /// turns back into rows.
  @discardableResult
  func insertRows(
    into table: String, columns: [(name: String, type: SQLColumnType)], rows: [[SQLValue]], conflict: String
  ) throws -> Int {
    guard !rows.isEmpty else { return 0 }
    let sent = try sendBulkInsert(
      into: table, columns: columns, count: rows.count, row: { index, value in rows[index].forEach(value) },
      conflict: conflict, returning: false)
    return try wait(for: sent).metadata.rows ?? 0
  }

  /// Sends a bulk insert of `count` rows (`row(i, value)` hands row i's values to `value`, in
  /// `columns` order); with `returning`, the statement returns the first column of every row it
  /// added (`insertedFirstColumn(of:)` reads them).
  func sendBulkInsert(
    into table: String, columns: [(name: String, type: SQLColumnType)], count: Int,
    row: (Int, (SQLValue) -> Void) -> Void, conflict: String, returning: Bool
  ) throws -> PostgresSentStatement {
    // Each row's values go straight into their columns' arrays, so that a chunk is walked once.
    var arrays = columns.map { PostgresColumnArray(type: $0.type, capacity: count) }
    for index in 0..<count {
      var column = 0
      row(index) { value in
        arrays[column].append(value)
        column += 1
      }
    }
    var bindings = PostgresBindings(capacity: columns.count)
    for array in arrays { bindings.append(array) }
    // unnest in the select list, not in FROM: a function in FROM stores its rows in a
    // tuplestore first (spilling to disk past work_mem); in the select list the arrays are read
    // in step, row by row.
    let unnests = columns.enumerated().map { index, column in
      "unnest($\(index + 1)::\(column.type == .integer ? "bigint" : "text")[])"
    }
    var sql = """
      INSERT INTO \(table) (\(columns.map { "\"\($0.name)\"" }.joined(separator: ", ")))
      SELECT \(unnests.joined(separator: ", ")) \(conflict)
      """
    if returning { sql += " RETURNING \"\(columns[0].name)\"" }
    return try send(sql, bindings)
  }

  /// Sends a bulk insert's first try: the plain insert (no `ON CONFLICT`, no `RETURNING`) in a
  /// savepoint. A new chunk, the usual case, goes in whole at about two thirds of the server's
  /// work with `ON CONFLICT` (which probes the key index for every row before inserting it).
  /// `bulkInsert(conflict, returning)` sends the statement.
  func sendTry(bulkInsert: (String, Bool) throws -> PostgresSentStatement) throws -> PostgresBulkTry {
    PostgresBulkTry(
      savepoint: try send("SAVEPOINT tally_bulk_insert", PostgresBindings()),
      insert: try bulkInsert("", false),
      release: try send("RELEASE SAVEPOINT tally_bulk_insert", PostgresBindings()))
  }

  /// Waits for a first try: true when the chunk went in whole. False when one of its keys was
  /// in the ledger already (the savepoint is then rolled back) or when an earlier chunk's try
  /// failed after this one was sent (none of it ran; that chunk's rollback has mended the
  /// transaction): the caller then inserts the chunk with `ON CONFLICT`. After a failed try
  /// `bulkTriesFailed` is set: a file that repeats the ledger's keys is written with `ON
  /// CONFLICT` from then on, each chunk finished before the next is sent, so that no statement
  /// is sent into a transaction a failed try has aborted and chunks go in in file order.
  func finishTry(_ attempt: PostgresBulkTry) throws -> Bool {
    do {
      _ = try wait(for: attempt.savepoint)
    } catch let error as PostgresStatementError where error.sqlState == "25P02" {
      _ = try? wait(for: attempt.insert)
      _ = try? wait(for: attempt.release)
      return false
    }
    do {
      _ = try wait(for: attempt.insert)
    } catch let error as PostgresStatementError where error.sqlState == "23505" {
      bulkTriesFailed = true
      _ = try? wait(for: attempt.release)
      try execute("ROLLBACK TO SAVEPOINT tally_bulk_insert", [])
      try execute("RELEASE SAVEPOINT tally_bulk_insert", [])
      return false
    }
    _ = try wait(for: attempt.release)
    return true
  }

  /// The first column (an integer) of every row a `sendBulkInsert(returning: true)` added.
  func insertedFirstColumn(of statement: PostgresSentStatement) throws -> [Int64] {
    try wait(for: statement).rows.map { row in
      guard let cell = row.first else {
        throw LedgerError("\(location): a bulk insert returned an empty row")
      }
      return try cell.decode(Int64.self)
    }
  }

  /// The rows of a query whose one parameter is a BIGINT array of key hashes.
  func requests(_ sql: String, keyHashes: [Int64]) throws -> [SQLRow] {
    guard !keyHashes.isEmpty else { return [] }
    var bindings = PostgresBindings(capacity: 1)
    var hashes = PostgresColumnArray(type: .integer, capacity: keyHashes.count)
    for hash in keyHashes { hashes.append(.integer(hash)) }
    bindings.append(hashes)
    return try run(sql.replacingOccurrences(of: "?", with: "$1::bigint[]"), bindings).rows.map(
      PostgresConnectionBox.row)
  }

  // MARK: Errors

  /// PostgreSQL's "numeric value out of range" (an overflowing BIGINT addition or cast).
  static func integerOverflow(in error: any Error) -> IntegerOverflow? {
    guard let error = error as? PostgresStatementError, error.sqlState == "22003" else { return nil }
    return IntegerOverflow(column: error.serverColumn)
  }

  /// What went wrong, in words that never hold the password: the server's message (with its
  /// detail and hint), else what the client saw.
  static func describe(_ error: any Error, _ location: PostgresLocation) -> String {
    if let error = error as? PostgresStatementError { return error.description }
    guard let error = error as? PSQLError else { return "\(error)" }
    if let info = error.serverInfo, let message = info[.message] {
      let sqlState = info[.sqlState] ?? ""
      if sqlState == "28P01" || sqlState == "28000" {
        return
          "\(message) (the password comes from the URL, else PGPASSWORD, else ~/.pgpass; check it for user \(location.user))"
      }
      if sqlState == "3D000" {
        return "\(message) (create it first: createdb \(location.database), or CREATE DATABASE)"
      }
      var text = message
      if let detail = info[.detail] { text += "; \(detail)" }
      if let hint = info[.hint] { text += " (\(hint))" }
      return text
    }
    switch error.code {
    case .sslUnsupported:
      return
        "the server does not accept SSL connections, and sslmode=\(location.sslMode.rawValue) requires one"
    case .authMechanismRequiresPassword:
      return
        "the server asks for a password for user \(location.user) and none was given (put it in PGPASSWORD or ~/.pgpass rather than in the URL, where the process list shows it)"
    case .serverClosedConnection, .uncleanShutdown:
      return "the server closed the connection"
    case .connectionError:
      if let underlying = error.underlying { return "\(underlying)" }
      return "the connection failed"
    case .failedToAddSSLHandler, .receivedUnencryptedDataAfterSSLRequest:
      return "the SSL handshake failed\(error.underlying.map { ": \($0)" } ?? "")"
    default:
      if let underlying = error.underlying { return "\(underlying)" }
      return "\(error.code)"
    }
  }
}

/// A statement PostgreSQL refused or could not run, described without the password.
struct PostgresStatementError: Error, CustomStringConvertible {
  let message: String
  let sqlState: String?
  let serverColumn: String?

  init(error: any Error, location: PostgresLocation) {
    let info = (error as? PSQLError)?.serverInfo
    sqlState = info?[.sqlState]
    serverColumn = info?[.columnName]
    var message = PostgresConnectionBox.describe(error, location)
    if sqlState == "42501" {
      message +=
        " (the role \(location.user) may only read this ledger: reports work; to ingest, close or remove, use a role with INSERT, UPDATE and DELETE on its tables)"
    }
    self.message = message
  }

  var description: String { message }
}

/// A statement sent to the server whose result has not been waited for.
struct PostgresSentStatement {
  let result: EventLoopFuture<PostgresQueryResult>
}

/// A bulk insert's first try, sent (`PostgresConnectionBox.sendTry`).
struct PostgresBulkTry {
  let savepoint: PostgresSentStatement
  let insert: PostgresSentStatement
  let release: PostgresSentStatement
}

/// A column of a bulk insert as one PostgreSQL array (binary format), NULLs included, its
/// elements encoded as they are appended (into plain bytes: a million rows append 25 million
/// elements, and a `ByteBuffer` write costs several times a byte array's).
struct PostgresColumnArray: PostgresDynamicTypeEncodable {
  let type: SQLColumnType
  private var elements: [UInt8] = []
  private var count: Int32 = 0
  private var hasNull = false

  init(type: SQLColumnType, capacity: Int) {
    self.type = type
    elements.reserveCapacity(capacity * (type == .integer ? 12 : 32))
  }

  mutating func append(_ value: SQLValue) {
    count += 1
    switch value {
    case .null:
      hasNull = true
      append(Int32(-1))
    case .integer(let integer):
      append(Int32(8))
      withUnsafeBytes(of: integer.bigEndian) { elements.append(contentsOf: $0) }
    case .text(let text):
      let utf8 = text.utf8
      append(Int32(utf8.count))
      if utf8.withContiguousStorageIfAvailable({ elements.append(contentsOf: $0) }) == nil {
        elements.append(contentsOf: utf8)
      }
    }
  }

  private mutating func append(_ length: Int32) {
    withUnsafeBytes(of: length.bigEndian) { elements.append(contentsOf: $0) }
  }

  var psqlType: PostgresDataType { type == .integer ? .int8Array : .textArray }
  var psqlFormat: PostgresFormat { .binary }

  func encode<JSONEncoder: PostgresJSONEncoder>(
    into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>
  ) {
    // One dimension, the NULL flag, the element type, the length, the lower bound 1.
    buffer.writeInteger(Int32(1))
    buffer.writeInteger(Int32(hasNull ? 1 : 0))
    buffer.writeInteger(type == .integer ? PostgresDataType.int8.rawValue : PostgresDataType.text.rawValue)
    buffer.writeInteger(count)
    buffer.writeInteger(Int32(1))
    buffer.writeBytes(elements)
  }
}
