/// Instants as whole seconds since 1970-01-01T00:00:00Z, parsed without Foundation's
/// locale-dependent formatters.
public enum Timestamp {
  /// Parses RFC 3339 / ISO 8601 date-times: `2026-11-03T10:22:11Z`, with optional fractional
  /// seconds (truncated) and a `Z` or `±HH:MM` offset. Nil for anything else.
  public static func parse(_ text: some StringProtocol) -> Int64? {
    let bytes = Array(text.utf8)
    guard bytes.count >= 20, bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " "),
      bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
      let date = CivilDate(parsing: String(decoding: bytes[0..<10], as: UTF8.self)),
      let hour = number(bytes[11..<13]), let minute = number(bytes[14..<16]),
      let second = number(bytes[17..<19]),
      // Second 60 is a leap second, which RFC 3339 allows (`23:59:60Z`).
      hour < 24, minute < 60, second < 61
    else { return nil }
    var index = 19
    if bytes[index] == UInt8(ascii: ".") {
      index += 1
      let start = index
      while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
        index += 1
      }
      guard index > start else { return nil }
    }
    guard index < bytes.count else { return nil }
    var offset = 0
    switch bytes[index] {
    case UInt8(ascii: "Z"), UInt8(ascii: "z"):
      guard index + 1 == bytes.count else { return nil }
    case UInt8(ascii: "+"), UInt8(ascii: "-"):
      guard index + 6 == bytes.count, bytes[index + 3] == UInt8(ascii: ":"),
        let hours = number(bytes[(index + 1)..<(index + 3)]),
        let minutes = number(bytes[(index + 4)..<(index + 6)]),
        hours < 24, minutes < 60
      else { return nil }
      offset = (hours * 3600 + minutes * 60) * (bytes[index] == UInt8(ascii: "+") ? 1 : -1)
    default:
      return nil
    }
    // Unix time has no leap seconds: a leap second is read as the last second of its minute.
    return Int64(date.daysSinceEpoch) * 86_400 + Int64(hour * 3600 + minute * 60 + min(second, 59) - offset)
  }

  /// The UTC calendar day of an instant.
  public static func utcDay(_ seconds: Int64) -> CivilDate {
    CivilDate(daysSinceEpoch: Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400))
  }

  /// Midnight UTC at the start of `day`.
  public static func startOf(_ day: CivilDate) -> Int64 { Int64(day.daysSinceEpoch) * 86_400 }

  /// `2026-11-03T10:22:11Z`, or with a UTC offset in seconds the local time, such as
  /// `2026-11-03T11:22:11+01:00`.
  public static func format(_ seconds: Int64, offset: Int64 = 0) -> String {
    let local = seconds + offset
    let day = utcDay(local)
    let within = Int(local - startOf(day))
    func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
    let zone =
      offset == 0
      ? "Z"
      : (offset < 0 ? "-" : "+") + pad(Int(abs(offset)) / 3600) + ":" + pad(Int(abs(offset)) % 3600 / 60)
    return "\(day)T\(pad(within / 3600)):\(pad(within % 3600 / 60)):\(pad(within % 60))\(zone)"
  }

  /// `format(seconds)` for instants in years 0001 to 9999, else the number of seconds itself
  /// (for messages about impossible times).
  public static func describe(_ seconds: Int64) -> String {
    (-62_135_596_800...253_402_300_799).contains(seconds) ? format(seconds) : "\(seconds)"
  }

  private static func number(_ digits: ArraySlice<UInt8>) -> Int? {
    var value = 0
    for byte in digits {
      guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
      value = value * 10 + Int(byte - UInt8(ascii: "0"))
    }
    return value
  }
}
