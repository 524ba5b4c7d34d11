/// One CSV record and the 1-based line it starts on.
public struct CSVRecord: Equatable, Sendable {
  public let line: Int
  public let fields: [String]
}

/// A CSV syntax problem (unterminated quote, text after a closing quote) at a line.
public struct CSVSyntaxError: Error, Equatable, Sendable {
  public let line: Int
  public let message: String
}

/// Reads RFC 4180 CSV: quoted fields with `""` escapes and embedded newlines, CRLF or LF line
/// endings, an optional UTF-8 byte-order mark. Blank lines are skipped.
public enum CSVReader {
  public static func records(_ text: String) throws(CSVSyntaxError) -> [CSVRecord] {
    var scalars = Array(text.unicodeScalars)[...]
    if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }
    var records: [CSVRecord] = []
    var fields: [String] = []
    var field = String.UnicodeScalarView()
    var line = 1
    var recordLine = 1
    var index = scalars.startIndex
    var fieldWasQuoted = false

    func endRecord() {
      fields.append(String(field))
      if !(fields.count == 1 && fields[0].isEmpty && !fieldWasQuoted) {
        records.append(CSVRecord(line: recordLine, fields: fields))
      }
      fields = []
      field = String.UnicodeScalarView()
      fieldWasQuoted = false
    }

    while index < scalars.endIndex {
      let scalar = scalars[index]
      switch scalar {
      case "\"" where field.isEmpty && !fieldWasQuoted:
        fieldWasQuoted = true
        let openedOn = line
        index += 1
        var closed = false
        while index < scalars.endIndex {
          let inner = scalars[index]
          if inner == "\"" {
            if index + 1 < scalars.endIndex, scalars[index + 1] == "\"" {
              field.append("\"")
              index += 2
              continue
            }
            closed = true
            index += 1
            break
          }
          if inner == "\n" { line += 1 }
          field.append(inner)
          index += 1
        }
        guard closed else {
          throw CSVSyntaxError(line: openedOn, message: "a quoted field is never closed (missing \")")
        }
        if index < scalars.endIndex, !["," as Unicode.Scalar, "\n", "\r"].contains(scalars[index]) {
          throw CSVSyntaxError(
            line: line,
            message: "unexpected text after a closing quote; double a quote inside a quoted field (\"\")")
        }
        continue
      case ",":
        fields.append(String(field))
        field = String.UnicodeScalarView()
        fieldWasQuoted = false
      case "\r" where index + 1 < scalars.endIndex && scalars[index + 1] == "\n":
        break  // the \n that follows ends the record
      case "\n", "\r":
        endRecord()
        line += 1
        recordLine = line
      default:
        field.append(scalar)
      }
      index += 1
    }
    if !field.isEmpty || !fields.isEmpty || fieldWasQuoted { endRecord() }
    return records
  }
}
