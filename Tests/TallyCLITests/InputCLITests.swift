import Foundation
import Testing

/// `tally ingest` on input that is not a regular file: standard input, `/dev/stdin`, a process
/// substitution, a FIFO; and a directory, which is refused.
@Suite("Ingest from pipes, FIFOs and standard input")
struct InputCLITests {
  typealias L = LedgerCLITests

  /// Runs a bash script with `$TALLY` set to the binary under test.
  static func bash(_ script: String, in directory: URL? = nil) throws -> CLIResult {
    try CLI.run(
      ["-c", "TALLY=\(CLI.shellQuoted(CLI.executable.path)); " + script], in: directory,
      executable: URL(fileURLWithPath: "/bin/bash"))
  }

  static let log = L.fixture("api-log/mixed.jsonl")
  static let summary =
    "  read 10, new 9, duplicates 1, not billed 0, invalid 0\n"
    + "  attributed: record fields 9, map 0, id-pattern 0, flags 0; unattributed 1\n"

  /// (SQLite only: the shell runs tally itself, with the path as it is.)
  @Test(TestEngine.sqliteOnly) func standardInputAsDash() throws {
    let ledger = try L.ledgerPath()
    let result = try Self.bash(
      "cat \(CLI.shellQuoted(Self.log)) | \"$TALLY\" ingest --ledger \(CLI.shellQuoted(ledger)) -")
    #expect(result.status == 0, "\(result)")
    #expect(result.stderr == "-: api-log (detected)\n" + Self.summary)
    let spend = try CLI.run(["report", "spend", "--ledger", ledger, "--by", "model", "--format", "csv"])
    let again = try L.ledgerPath()
    _ = try CLI.run(["ingest", "--ledger", again, Self.log])
    #expect(
      spend.stdout
        == (try CLI.run(["report", "spend", "--ledger", again, "--by", "model", "--format", "csv"])).stdout)
    #expect(spend.stdout.contains("claude-sonnet-4-5-20250929"))
  }

  @Test func devStdinAndProcessSubstitution() throws {
    let ledger = try L.ledgerPath()
    let redirected = try Self.bash(
      "\"$TALLY\" ingest --ledger \(CLI.shellQuoted(ledger)) /dev/stdin < \(CLI.shellQuoted(Self.log))")
    #expect(redirected.status == 0, "\(redirected)")
    #expect(redirected.stderr == "/dev/stdin: api-log (detected)\n" + Self.summary)
    let substituted = try Self.bash(
      "\"$TALLY\" ingest --ledger \(CLI.shellQuoted(ledger)) --dry-run <(gzip -c \(CLI.shellQuoted(Self.log)) | gzip -dc)"
    )
    #expect(substituted.status == 0, "\(substituted)")
    #expect(substituted.stderr.hasPrefix("/dev/fd/"), "\(substituted)")
    #expect(
      substituted.stderr.hasSuffix(
        ": api-log (detected), dry run: nothing written\n  read 10, new 0, duplicates 10, not billed 0, invalid 0\n"
          + "  attributed: record fields 9, map 0, id-pattern 0, flags 0; unattributed 1\n"
      ),
      "\(substituted)")
  }

  @Test func aFIFOWrittenThreeTimesIsReadOnce() throws {
    let directory = try CLI.temporaryDirectory()
    let ledger = directory.appendingPathComponent("tally.sqlite").path
    let result = try Self.bash(
      """
      mkfifo log.fifo
      ( exec 3>log.fifo; head -n 3 \(CLI.shellQuoted(Self.log)) >&3; sleep 0.2
        sed -n 4,6p \(CLI.shellQuoted(Self.log)) >&3; sleep 0.2
        sed -n '7,$p' \(CLI.shellQuoted(Self.log)) >&3 ) &
      "$TALLY" ingest --ledger \(CLI.shellQuoted(ledger)) log.fifo
      status=$?; wait; exit $status
      """, in: directory)
    #expect(result.status == 0, "\(result)")
    #expect(result.stderr == "log.fifo: api-log (detected)\n" + Self.summary)
  }

  @Test func anAdminReportThroughAPipeIsDetected() throws {
    let report = CLI.packageRoot.appendingPathComponent("examples/reconcile/usage-report.json").path
    let ledger = try L.ledgerPath()
    let result = try Self.bash(
      "cat \(CLI.shellQuoted(report)) | \"$TALLY\" ingest --ledger \(CLI.shellQuoted(ledger)) -")
    #expect(result.status == 0, "\(result)")
    #expect(
      result.stderr
        == "-: anthropic-usage-report (detected)\n  read 7 rows in 1 page, new 7, duplicates 0, revised 0, invalid 0\n"
    )
  }

  @Test func aDirectoryIsAUsageError() throws {
    let ledger = try L.ledgerPath()
    let result = try CLI.run(["ingest", "--ledger", ledger, "examples"])
    #expect(result.status == 64, "\(result)")
    #expect(result.stderr == "tally: examples: is a directory; give the files in it\n")
    #expect(result.stdout == "")
  }

  @Test func standardInputTwiceIsAUsageError() throws {
    let result = try CLI.run(["ingest", "--dry-run", "-", "-"])
    #expect(result.status == 64, "\(result)")
    #expect(
      result.stderr.hasPrefix("Error: - (standard input) can be read only once; give it once\n"), "\(result)")
  }
}
