import Foundation

/// Claude Code's session logs, `~/.claude/projects/<project>/<session>.jsonl` (and subagent
/// files beneath, `<session>/subagents/agent-<id>.jsonl`): one JSON object per line.
///
/// Only `"type":"assistant"` lines carry usage (Anthropic's shape in `message.usage`); user,
/// system, summary and snapshot lines bill nothing and are skipped (`LineError.notARequest`),
/// and so are Claude Code's own placeholder messages (`message.model` `<synthetic>`, or
/// `isApiErrorMessage`). The key is `claude-code:<message.id>:<requestId>`. Streaming writes the
/// same message several times; `RepeatFolder` keeps one of them (see there).
///
/// Tenant and job are not fields of the line: the record carries them as defaults
/// (`defaultTenant` = the project, `defaultJob` = `claude-code`), which `--tenant`/`--job` override.
public struct ClaudeCodeReader: UsageReader {
  struct Line: Decodable {
    struct Message: Decodable {
      var id: String?
      var model: String?
      var usage: UsageFields?
    }
    var type: String?
    var timestamp: String?
    var requestId: String?
    var sessionId: String?
    var cwd: String?
    var isSidechain: Bool?
    var isApiErrorMessage: Bool?
    var message: Message?
  }

  /// The project folder the file sits in (the name under `projects/`, else the parent folder).
  public let projectFolder: String?
  public let now: Int64
  /// The project of the last line that named its `cwd` (a line without one is in the same session).
  private var lastProject: String?
  private let decoder = JSONDecoder()

  public init(path: String, now: Int64) {
    self.projectFolder = Self.projectFolder(of: path)
    self.now = now
  }

  /// The folder under `projects/` in `path`, else the file's parent folder; nil for `-`.
  public static func projectFolder(of path: String) -> String? {
    guard path != "-" else { return nil }
    let components = URL(fileURLWithPath: path).standardizedFileURL.pathComponents
    if let index = components.lastIndex(of: "projects"), index + 2 < components.count {
      return components[index + 1]
    }
    return components.count >= 2 ? components[components.count - 2] : nil
  }

  /// The project a session's `cwd` names: its last path component (exact; the folder name is
  /// Claude Code's mangling of the whole path, with `/`, `.` and `_` all written `-`).
  public static func project(ofCWD cwd: String) -> String? {
    let last = cwd.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init)
    return last?.isEmpty == false ? last : nil
  }

  public mutating func record(from line: UnsafeRawBufferPointer) throws(LineError) -> UsageRecord? {
    let decoded = try decodeLine(Line.self, from: line, decoder: decoder)
    if let cwd = decoded.cwd, let project = Self.project(ofCWD: cwd) { lastProject = project }
    guard let type = decoded.type else {
      throw LineError("type is missing (not a Claude Code session line?)")
    }
    guard type == "assistant" else { throw LineError.notARequest }
    guard let message = decoded.message else { throw LineError("message is missing") }
    if message.model == "<synthetic>" || decoded.isApiErrorMessage == true { throw LineError.notARequest }
    guard let id = message.id else { throw LineError("message.id is missing") }
    try checkStoredText(id, "message.id")
    try checkStoredText(decoded.requestId, "requestId")
    guard let model = message.model else { throw LineError("message.model is missing") }
    try checkStoredText(model, "message.model")
    guard let usage = message.usage else { throw LineError("message.usage is missing") }
    guard let text = decoded.timestamp else { throw LineError("timestamp is missing") }
    guard let timestamp = Timestamp.parse(text) else {
      throw LineError("timestamp \"\(text)\" is not an RFC 3339 time such as 2026-11-03T10:22:11.123Z")
    }
    try checkRequestTime(timestamp, now: now, "timestamp \"\(text)\"")
    let (tokens, webSearches) = try usage.anthropicTokens(at: "message.usage")
    var record = UsageRecord(
      key: "claude-code:\(id)" + (decoded.requestId.map { ":\($0)" } ?? ""),
      provider: ProviderShapes.providerOfMessage(id: id), model: model, mode: .sync, timestamp: timestamp,
      status: .succeeded, tokens: tokens, webSearches: webSearches, serviceTier: usage.service_tier,
      inferenceGeo: usage.inference_geo)
    record.defaultTenant = lastProject ?? projectFolder
    record.defaultJob = "claude-code"
    return record
  }

  /// The `*.jsonl` files under `directory`, recursively, sorted by path (byte order).
  public static func sessionFiles(in directory: String) -> [String] {
    let root = URL(fileURLWithPath: directory)
    guard
      let walker = FileManager.default.enumerator(
        at: root, includingPropertiesForKeys: [.isRegularFileKey], options: [])
    else { return [] }
    var files: [String] = []
    let prefix = directory.hasSuffix("/") ? directory : directory + "/"
    let rootPath = root.standardizedFileURL.path
    for case let url as URL in walker where url.pathExtension == "jsonl" {
      guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
      let full = url.standardizedFileURL.path
      let relative =
        full.hasPrefix(rootPath + "/") ? String(full.dropFirst(rootPath.count + 1)) : url.lastPathComponent
      files.append(prefix + relative)
    }
    return files.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
  }
}

/// Claude Code writes one streamed message several times (a line per content block, the usage
/// growing as it streams): this keeps one line per key, the one with the most output tokens
/// (on a tie, the later line), and counts the others as duplicates.
///
/// Repeats are written close together, so at most `window` keys wait at a time (memory stays
/// flat): a key that falls out of the window is written, and a repeat of it after that reaches
/// the ledger like any other duplicate (same usage: a duplicate; other usage: a conflict).
struct RepeatFolder {
  static let window = 4_096
  private var pending: [String: (line: Int, record: UsageRecord)] = [:]
  private var order: [String] = []
  private var head = 0
  /// Lines folded into another line of the same message.
  private(set) var folded = 0

  /// Takes a record; returns those that leave the window.
  mutating func add(_ record: UsageRecord, line: Int) -> [(line: Int, record: UsageRecord)] {
    if let earlier = pending[record.key] {
      folded += 1
      if record.tokens.output >= earlier.record.tokens.output { pending[record.key] = (line, record) }
      return []
    }
    pending[record.key] = (line, record)
    order.append(record.key)
    var out: [(line: Int, record: UsageRecord)] = []
    while order.count - head > Self.window {
      if let evicted = pending.removeValue(forKey: order[head]) { out.append(evicted) }
      head += 1
    }
    if head > Self.window {
      order.removeFirst(head)
      head = 0
    }
    return out
  }

  /// What is still waiting, in the order the keys first appeared.
  mutating func finish() -> [(line: Int, record: UsageRecord)] {
    let out = order[head...].compactMap { pending[$0] }
    pending = [:]
    order = []
    head = 0
    return out
  }
}

extension LineError {
  /// What a reader throws for a line that is not a request at all (a Claude Code user, system
  /// or summary line; a CSV header): counted as skipped, neither billed nor invalid.
  public static let notARequest = LineError("(not a request: skipped)")
}
