import Foundation

/// A run that cannot go on: messages for stderr and the exit status, thrown from any helper and
/// printed once by `Tally.main`.
///
/// The statuses are the ones `tally --help` lists: 64 usage, 65 bad input data, 1 anything else.
/// A usage problem found only once the ledger or a file is read is thrown as this, not as
/// `ValidationError`: the message says what to give instead, and a usage line under it would
/// only repeat the command's synopsis.
struct CLIFailure: Error {
  /// Each printed as its own `tally: ` line.
  let messages: [String]
  let status: Int32

  init(_ messages: [String], status: Int32) {
    self.messages = messages
    self.status = status
  }

  init(_ message: String, status: Int32) { self.init([message], status: status) }

  /// Prints `warnings` to stderr; with `strict`, any warning is a failure (exit 65) and the
  /// `unwritten` output (`report`, `review`) is not written.
  static func emit(_ warnings: [String], strict: Bool, unwritten: String) throws {
    guard strict, !warnings.isEmpty else {
      for warning in warnings { Terminal.warning(warning) }
      return
    }
    throw CLIFailure(
      warnings + [
        "--strict: \(warnings.count) warning\(warnings.count == 1 ? "" : "s"), no \(unwritten) written"
      ],
      status: 65)
  }

  /// Prints the messages and ends the process.
  ///
  /// Only `Tally.main` and a `validate()` may call this: argument-parser turns anything a
  /// `validate()` throws into `Error: …` with status 1, so a failure found there exits itself.
  func exit() -> Never {
    for message in messages { Terminal.error(message) }
    Foundation.exit(status)
  }
}
