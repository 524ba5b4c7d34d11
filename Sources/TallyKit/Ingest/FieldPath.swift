import Foundation

/// A field of a record named by `--tenant-from` / `--job-from`.
///
/// The syntax is small: members joined by dots (`metadata.user_api_key_team_alias`), `[n]` for
/// the n-th element of an array (0-based, `tags[0]`), and `[name]` for a member whose name has
/// dots in it (`metadata[user.id]`) or, on an array of strings, for the tag `name:value`, whose
/// value it yields (`request_tags[jobID]` reads `"jobID:214590"` as `214590`). In a CSV file the
/// first member names a column: the cell itself, or, when more follows, the JSON in the cell.
/// In an OpenTelemetry span the whole path is one attribute key (`user.id`, `tenant.id`),
/// looked up in the span's attributes, then its resource's.
public struct FieldPath: Hashable, Sendable, CustomStringConvertible {
  public enum Step: Hashable, Sendable {
    case member(String)
    case index(Int)
    /// `[name]`: a member of an object, or the `name:value` tag of an array of strings.
    case bracket(String)
  }

  /// As the user wrote it.
  public let text: String
  public let steps: [Step]

  public var description: String { text }

  public init(_ text: String) throws(FieldPathError) {
    self.text = text
    var steps: [Step] = []
    var index = text.startIndex
    var expectMember = true
    while index < text.endIndex {
      let character = text[index]
      if character == "[" {
        guard let close = text[index...].firstIndex(of: "]") else {
          throw FieldPathError("\"\(text)\": [ is not closed with ]")
        }
        let inside = String(text[text.index(after: index)..<close])
        guard !inside.isEmpty else { throw FieldPathError("\"\(text)\": [] names nothing") }
        if let position = Int(inside), position >= 0, inside.allSatisfy(\.isASCII) {
          steps.append(.index(position))
        } else {
          steps.append(.bracket(inside))
        }
        index = text.index(after: close)
        expectMember = false
        if index < text.endIndex {
          if text[index] == "." {
            index = text.index(after: index)
            expectMember = true
            guard index < text.endIndex else { throw FieldPathError("\"\(text)\" ends with a dot") }
          } else if text[index] != "[" {
            throw FieldPathError("\"\(text)\": expected . or [ after ]")
          }
        }
        continue
      }
      guard expectMember else { throw FieldPathError("\"\(text)\": expected . or [") }
      let end = text[index...].firstIndex(where: { $0 == "." || $0 == "[" }) ?? text.endIndex
      let name = String(text[index..<end])
      guard !name.isEmpty else { throw FieldPathError("\"\(text)\": an empty member name") }
      steps.append(.member(name))
      index = end
      expectMember = false
      if index < text.endIndex, text[index] == "." {
        index = text.index(after: index)
        expectMember = true
        guard index < text.endIndex else { throw FieldPathError("\"\(text)\" ends with a dot") }
      }
    }
    guard !steps.isEmpty else { throw FieldPathError("the path is empty") }
    self.steps = steps
  }

  /// The value at the path in `node`: a string, or a number as written; nil when any step is
  /// absent, or the value is null or empty. An object, an array or a boolean is an error.
  public func value(in node: JSONNode) throws(LineError) -> String? {
    var current = node
    for step in steps {
      switch (step, current.value) {
      case (.member(let name), .object), (.bracket(let name), .object):
        guard let next = current[name] else { return nil }
        current = next
      case (.index(let position), .array(let items)):
        guard position < items.count else { return nil }
        current = items[position]
      case (.bracket(let name), .array(let items)):
        let prefix = name + ":"
        for item in items {
          if case .string(let tag) = item.value, tag.hasPrefix(prefix) {
            let value = String(tag.dropFirst(prefix.count))
            return value.isEmpty ? nil : value
          }
        }
        return nil
      default:
        return nil
      }
    }
    return try Self.text(of: current, text)
  }

  /// A leaf value as text (see `value(in:)`).
  static func text(of node: JSONNode, _ path: String) throws(LineError) -> String? {
    switch node.value {
    case .string(let text): return text.isEmpty ? nil : text
    case .number(let text): return text
    case .null: return nil
    default:
      throw LineError(
        "\(path) (named by --tenant-from/--job-from) is \(node.kind); expected a string or a number")
    }
  }

  /// The value at the path in a JSON line; nil when absent.
  public func value(inJSON bytes: UnsafeRawBufferPointer) throws(LineError) -> String? {
    let node: JSONNode
    do {
      guard let parsed = try JSONDocuments.parse(Data(bytes)).first else { return nil }
      node = parsed
    } catch {
      throw LineError("not valid JSON (\(error.message))")
    }
    return try value(in: node)
  }

  /// The path without its first member (for a CSV cell holding JSON); nil when it is one member.
  var rest: FieldPath? {
    guard steps.count > 1, case .member(let first) = steps[0] else { return nil }
    var text = String(self.text.dropFirst(first.count))
    if text.hasPrefix(".") { text.removeFirst() }
    return try? FieldPath(text)
  }
}

/// Why a `--tenant-from` / `--job-from` path cannot be read.
public struct FieldPathError: Error, Sendable, CustomStringConvertible {
  public let description: String
  init(_ description: String) { self.description = description }
}

/// The fields `--tenant-from` and `--job-from` name, as read from one record.
public struct FieldAttribution: Hashable, Sendable {
  public var tenant: String?
  public var job: String?
  public init(tenant: String? = nil, job: String? = nil) {
    self.tenant = tenant
    self.job = job
  }
}
