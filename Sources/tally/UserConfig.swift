import Foundation
import TallyKit

/// The user's config file, found and read once per run, and only by a run that writes CSV.
///
/// `$TALLY_CONFIG` names it explicitly (it must exist; `/dev/null` means no config), else
/// `$XDG_CONFIG_HOME/tally/config.toml`, else `~/.config/tally/config.toml`; a file absent from
/// the default places is no config. A file that cannot be read or parsed is a `CLIFailure` (64)
/// with `file:line: ...`: a default silently dropped would change every export without a word.
enum UserConfig {
  private static let loaded = Result { () throws(CLIFailure) in try load(ProcessInfo.processInfo.environment)
  }

  /// The config file of this run, nil when there is none; read on the first call.
  static func file() throws(CLIFailure) -> ConfigFile? { try loaded.get() }

  /// Where the config file is, and whether the user named it (then it must exist).
  static func location(_ environment: [String: String]) -> (path: String, explicit: Bool)? {
    // An empty variable counts as unset, as the XDG base directory specification says.
    func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
    if let path = value("TALLY_CONFIG") { return (path, true) }
    if let base = value("XDG_CONFIG_HOME") { return (base + "/tally/config.toml", false) }
    if let home = value("HOME") { return (home + "/.config/tally/config.toml", false) }
    return nil
  }

  static func load(_ environment: [String: String]) throws(CLIFailure) -> ConfigFile? {
    guard let (path, explicit) = location(environment) else { return nil }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      guard explicit else { return nil }
      throw CLIFailure(
        "TALLY_CONFIG=\(path): no such file; point it at a config file, or unset it (/dev/null: no config)",
        status: 64)
    }
    if isDirectory.boolValue { throw CLIFailure(["\(path): is a directory, not a config file"], status: 64) }
    // Through a file handle: `String(contentsOfFile:)` refuses character devices, `/dev/null` too.
    guard let handle = FileHandle(forReadingAtPath: path), let data = try? handle.readToEnd() ?? Data(),
      let text = String(data: data, encoding: .utf8)
    else {
      throw CLIFailure(["\(path): cannot be read as UTF-8 text; fix or remove the config file"], status: 64)
    }
    do {
      return try ConfigFile.parse(text, file: path)
    } catch {
      throw CLIFailure([error.description], status: 64)
    }
  }
}
