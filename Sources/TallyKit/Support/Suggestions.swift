import Foundation

/// "Did you mean": the known names closest to a name that is not known.
public enum Suggestions {
  /// Up to `limit` of `candidates` close to `name`, closest first: the same name in another
  /// case, then names within a small edit distance (about a third of the name's length, at
  /// least 2), then names that contain it or that it contains. Empty when nothing is close.
  public static func closest(to name: String, among candidates: some Sequence<String>, limit: Int = 3)
    -> [String]
  {
    let wanted = Array(name.lowercased().unicodeScalars)
    guard !wanted.isEmpty else { return [] }
    let budget = max(2, wanted.count / 3)
    var ranked: [(rank: Int, name: String)] = []
    for candidate in Set(candidates) where candidate != name && !candidate.isEmpty {
      let lower = candidate.lowercased()
      let scalars = Array(lower.unicodeScalars)
      if scalars == wanted {
        ranked.append((0, candidate))
      } else if let distance = editDistance(wanted, scalars, limit: budget) {
        ranked.append((distance, candidate))
      } else if lower.contains(name.lowercased()) || name.lowercased().contains(lower) {
        ranked.append((budget + 1, candidate))
      }
    }
    return ranked.sorted { ($0.rank, $0.name) < ($1.rank, $1.name) }.prefix(limit).map(\.name)
  }

  /// ` (did you mean a or b?)`, or "" when nothing is close.
  public static func phrase(for name: String, among candidates: some Sequence<String>) -> String {
    let close = closest(to: name, among: candidates)
    guard !close.isEmpty else { return "" }
    return "; did you mean \(orList(close))?"
  }

  /// `a`, `a or b`, `a, b or c`.
  public static func orList(_ names: [String]) -> String {
    guard names.count > 1 else { return names.first ?? "" }
    return names.dropLast().joined(separator: ", ") + " or " + names.last!
  }

  /// `a`, `a and b`, `a, b and c`.
  public static func andList(_ names: [String]) -> String {
    guard names.count > 1 else { return names.first ?? "" }
    return names.dropLast().joined(separator: ", ") + " and " + names.last!
  }

  /// Levenshtein distance, nil when it exceeds `limit` (the rows stop early).
  static func editDistance(_ left: [Unicode.Scalar], _ right: [Unicode.Scalar], limit: Int) -> Int? {
    guard abs(left.count - right.count) <= limit else { return nil }
    guard !left.isEmpty else { return right.count }
    var previous = Array(0...right.count)
    var current = [Int](repeating: 0, count: right.count + 1)
    for i in 1...left.count {
      current[0] = i
      var rowMinimum = i
      for j in 1..<(right.count + 1) {
        let substitution = previous[j - 1] + (left[i - 1] == right[j - 1] ? 0 : 1)
        current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
        rowMinimum = min(rowMinimum, current[j])
      }
      guard rowMinimum <= limit else { return nil }
      swap(&previous, &current)
    }
    return previous[right.count] <= limit ? previous[right.count] : nil
  }

  /// Time zone identifiers close to `name`: `Berlin` → `Europe/Berlin` (a city alone), then by
  /// spelling.
  public static func timeZones(near name: String) -> [String] {
    let known = TimeZone.knownTimeZoneIdentifiers
    func city(_ identifier: String) -> String { String(identifier.split(separator: "/").last ?? "") }
    let wanted = name.lowercased().replacingOccurrences(of: " ", with: "_")
    let exact = known.filter { city($0).lowercased() == wanted }
    if !exact.isEmpty { return Array(exact.prefix(3)) }
    let byCity = Dictionary(known.map { (city($0), $0) }, uniquingKeysWith: { first, _ in first })
    let cities = closest(to: name, among: byCity.keys).compactMap { byCity[$0] }
    return cities.isEmpty ? closest(to: name, among: known) : cities
  }
}
