import Foundation

/// Where a PostgreSQL ledger lives: `postgresql://user[:password]@host[:port]/database[?sslmode=...]`
/// (also `postgres://`), with the password, when the URL has none, from `PGPASSWORD` or the
/// password file (`PGPASSFILE`, else `~/.pgpass`), as libpq reads them.
///
/// `description` never holds the password: it is what messages name the ledger by.
struct PostgresLocation: Sendable, CustomStringConvertible {
  enum SSLMode: String, Sendable, CaseIterable {
    case disable, allow, prefer, require
    case verifyCA = "verify-ca"
    case verifyFull = "verify-full"
  }

  var user: String
  var password: String?
  /// A host name or address, or the directory of the server's Unix socket.
  var host: String
  var port: Int
  var database: String
  var sslMode: SSLMode
  /// `sslrootcert`: the CA certificates that `verify-ca` and `verify-full` trust (else the
  /// system's).
  var sslRootCert: String?
  var applicationName: String

  /// Whether `text` names a PostgreSQL ledger rather than a SQLite file.
  static func isURL(_ text: String) -> Bool {
    text.hasPrefix("postgresql://") || text.hasPrefix("postgres://")
  }

  var isUnixSocket: Bool { host.hasPrefix("/") }

  /// The URL without the password.
  var description: String {
    var text = "postgresql://\(user)@"
    text += isUnixSocket ? "" : (host.contains(":") ? "[\(host)]" : host) + ":\(port)"
    text += "/\(database)"
    var query: [String] = []
    if isUnixSocket { query.append("host=\(host)") }
    if sslMode != .prefer { query.append("sslmode=\(sslMode.rawValue)") }
    return query.isEmpty ? text : text + "?" + query.joined(separator: "&")
  }

  /// Parses `url`; errors say what is wrong without repeating the URL (it may hold a password).
  init(url: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
    let scheme = url.hasPrefix("postgresql://") ? "postgresql://" : "postgres://"
    var rest = Substring(url.dropFirst(scheme.count))
    var queryText: Substring = ""
    if let mark = rest.firstIndex(of: "?") {
      queryText = rest[rest.index(after: mark)...]
      rest = rest[..<mark]
    }
    var databaseText: Substring = ""
    if let slash = rest.firstIndex(of: "/") {
      databaseText = rest[rest.index(after: slash)...]
      rest = rest[..<slash]
    }
    var userInfo: Substring = ""
    if let at = rest.lastIndex(of: "@") {
      userInfo = rest[..<at]
      rest = rest[rest.index(after: at)...]
    }
    func decoded(_ text: Substring, _ part: String) throws -> String {
      guard let value = String(text).removingPercentEncoding else {
        throw LedgerError("the PostgreSQL URL's \(part) has a bad %-escape")
      }
      return value
    }
    var user: String?
    var password: String?
    if !userInfo.isEmpty {
      if let colon = userInfo.firstIndex(of: ":") {
        user = try decoded(userInfo[..<colon], "user name")
        password = try decoded(userInfo[userInfo.index(after: colon)...], "password")
      } else {
        user = try decoded(userInfo, "user name")
      }
    }
    var host = "localhost"
    var port = 5432
    if rest.hasPrefix("[") {
      guard let close = rest.firstIndex(of: "]") else {
        throw LedgerError("the PostgreSQL URL's host has a [ without ]")
      }
      host = String(rest[rest.index(after: rest.startIndex)..<close])
      rest = rest[rest.index(after: close)...]
      if rest.hasPrefix(":") {
        guard let value = Int(rest.dropFirst()), (1...65535).contains(value) else {
          throw LedgerError("the PostgreSQL URL's port is not a number from 1 to 65535")
        }
        port = value
      }
    } else if !rest.isEmpty {
      if let colon = rest.lastIndex(of: ":") {
        guard let value = Int(rest[rest.index(after: colon)...]), (1...65535).contains(value) else {
          throw LedgerError("the PostgreSQL URL's port is not a number from 1 to 65535")
        }
        port = value
        rest = rest[..<colon]
      }
      if !rest.isEmpty { host = try decoded(rest, "host") }
    }
    var sslMode = SSLMode.prefer
    if let mode = environment["PGSSLMODE"], !mode.isEmpty {
      guard let value = SSLMode(rawValue: mode) else {
        throw LedgerError(
          "PGSSLMODE \"\(mode)\" is not one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
      }
      sslMode = value
    }
    var sslRootCert = environment["PGSSLROOTCERT"]
    var applicationName = "tally"
    for pair in queryText.split(separator: "&") where !pair.isEmpty {
      let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      let name = try decoded(parts[0], "parameter name")
      let value = parts.count > 1 ? try decoded(parts[1], "parameter \(name)") : ""
      switch name {
      case "sslmode":
        guard let mode = SSLMode(rawValue: value) else {
          throw LedgerError(
            "the PostgreSQL URL's sslmode \"\(value)\" is not one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))"
          )
        }
        sslMode = mode
      case "sslrootcert": sslRootCert = value
      case "host": host = value
      case "port":
        guard let number = Int(value), (1...65535).contains(number) else {
          throw LedgerError("the PostgreSQL URL's port is not a number from 1 to 65535")
        }
        port = number
      case "user": user = value
      case "password": password = value
      case "dbname": databaseText = Substring(value)
      case "application_name": applicationName = value
      default:
        throw LedgerError(
          "the PostgreSQL URL has the parameter \"\(name)\", which Tally does not know (it knows sslmode, sslrootcert, host, port, user, password, dbname, application_name)"
        )
      }
    }
    let resolvedUser = user ?? environment["PGUSER"] ?? environment["USER"] ?? "postgres"
    self.user = resolvedUser
    self.host = host
    self.port = port
    self.database = databaseText.isEmpty ? resolvedUser : try decoded(databaseText, "database name")
    self.sslMode = sslMode
    self.sslRootCert = sslRootCert
    self.applicationName = applicationName
    self.password =
      password ?? environment["PGPASSWORD"]
      ?? PostgresLocation.passwordFromFile(
        environment["PGPASSFILE"] ?? environment["HOME"].map { "\($0)/.pgpass" },
        host: isUnixSocketHost(host) ? "localhost" : host, port: port, database: self.database,
        user: resolvedUser)
  }

  /// The password of the first matching line of a libpq password file
  /// (`host:port:database:user:password`, `*` matching anything, `\:` and `\\` escaped).
  /// libpq ignores a file others can read; so does this.
  static func passwordFromFile(_ path: String?, host: String, port: Int, database: String, user: String)
    -> String?
  {
    guard let path, let attributes = try? FileManager.default.attributesOfItem(atPath: path),
      let permissions = attributes[.posixPermissions] as? Int, permissions & 0o077 == 0,
      let text = try? String(contentsOfFile: path, encoding: .utf8)
    else { return nil }
    for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
      var fields: [String] = []
      var current = ""
      var escaped = false
      for character in line {
        if escaped {
          current.append(character)
          escaped = false
        } else if character == "\\" {
          escaped = true
        } else if character == ":" && fields.count < 4 {
          fields.append(current)
          current = ""
        } else {
          current.append(character)
        }
      }
      fields.append(current)
      guard fields.count == 5 else { continue }
      let wanted = [host, String(port), database, user]
      if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
    }
    return nil
  }
}

private func isUnixSocketHost(_ host: String) -> Bool { host.hasPrefix("/") }
