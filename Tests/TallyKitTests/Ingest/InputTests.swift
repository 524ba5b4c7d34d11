import Foundation
import Testing

@testable import TallyKit

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Reading input: every kind of file read once, line limits, and the bounds on what a line may
/// say (issue "Hardening", items 3 to 7).
@Suite struct InputTests {
  typealias F = IngestFixtures

  static func temporaryFile(_ name: String, _ bytes: [UInt8]) throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "tally-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let path = directory.appendingPathComponent(name).path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
  }

  /// What ingesting `path` into a fresh ledger fails with, as `file:line: message` lines (or
  /// `usage: …`); a summary line when it does not fail.
  static func problems(_ path: String, _ options: IngestOptions = IngestOptions()) throws -> [String] {
    let (ledger, _) = try F.ledger()
    do {
      let summary = try F.ingest(path, into: ledger, options)
      return ["no failure: read \(summary.read), new \(summary.new)"]
    } catch {
      switch error {
      case .invalidInput(let problems): return problems.map(\.description)
      case .usage(let message): return ["usage: \(message)"]
      case .failed(let message): return ["failed: \(message)"]
      case .refused(let problem): return ["refused: \(problem)"]
      }
    }
  }

  /// A pipe whose ends are closed on exec, so a child process started meanwhile cannot hold the
  /// write end open.
  static func makePipe() -> (read: Int32, write: Int32) {
    var ends: [Int32] = [0, 0]
    precondition(pipe(&ends) == 0)
    for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
    return (ends[0], ends[1])
  }

  /// Writes `parts` to `descriptor` one `write(2)` each, with a pause between, then closes it.
  static func writeSlowly(_ parts: [[UInt8]], to descriptor: @escaping @Sendable () -> Int32) -> Thread {
    let thread = Thread {
      let fd = descriptor()
      for (index, part) in parts.enumerated() {
        if index > 0 { usleep(50_000) }
        part.withUnsafeBytes { bytes in
          var offset = 0
          while offset < bytes.count {
            let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written <= 0 { break }
            offset += written
          }
        }
      }
      close(fd)
    }
    thread.start()
    return thread
  }

  /// The file's bytes in three pieces cut inside lines.
  static func threeParts(of path: String) throws -> [[UInt8]] {
    let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    let first = bytes.count / 3 + 7
    let second = 2 * bytes.count / 3 + 11
    return [Array(bytes[..<first]), Array(bytes[first..<second]), Array(bytes[second...])]
  }

  // MARK: - Reading once, from any kind of file

  @Test func aPipeIsReadOnceWithTheSameResultAsTheFile() throws {
    let file = F.path("api-log/mixed.jsonl")
    let (fileLedger, _) = try F.ledger()
    let fromFile = try F.ingest(file, into: fileLedger)

    let ends = Self.makePipe()
    let writer = Self.writeSlowly(try Self.threeParts(of: file)) { ends.write }
    let (pipeLedger, _) = try F.ledger()
    let fromPipe = try F.ingest("/dev/fd/\(ends.read)", into: pipeLedger)
    close(ends.read)
    while writer.isExecuting { usleep(1000) }
    #expect((fromPipe.format, fromPipe.formatDetected) == (.apiLog, true))
    #expect(
      (fromPipe.read, fromPipe.new, fromPipe.duplicates, fromPipe.invalid)
        == (fromFile.read, fromFile.new, fromFile.duplicates, fromFile.invalid))
    #expect((fromPipe.read, fromPipe.new, fromPipe.duplicates) == (10, 9, 1))
    let requests = { (ledger: Ledger) in try F.dump(ledger).filter { !$0.hasPrefix("source:") } }
    #expect(try requests(pipeLedger) == requests(fileLedger))
    // The content hash is the file's, whichever way it was read.
    let hashes = try [fileLedger, pipeLedger].map { ledger in
      try ledger.read { db in try String.fetchOne(db, sql: "SELECT content_hash FROM source") }
    }
    #expect(hashes[0] == hashes[1] && hashes[0]?.count == 16)
  }

  @Test func aFIFOWrittenThreeTimesCountsEachLineOnce() throws {
    let file = F.results
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "tally-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let fifo = directory.appendingPathComponent("msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d_results.fifo").path
    #expect(mkfifo(fifo, 0o600) == 0)
    let writer = Self.writeSlowly(try Self.threeParts(of: file)) { open(fifo, O_WRONLY) }
    let (ledger, _) = try F.ledger()
    let summary = try F.ingest(fifo, into: ledger, try F.batchOptions())
    while writer.isExecuting { usleep(1000) }
    #expect(
      (summary.read, summary.new, summary.duplicates, summary.notBilled, summary.invalid) == (12, 12, 0, 4, 0)
    )
    #expect(try F.spend(ledger, by: []).totals.cost?.json == "0.0806576")
  }

  @Test func aProviderReportFromAPipeIsBufferedAndDetected() throws {
    let file = CLIRoot.examples.appendingPathComponent("reconcile/usage-report.json").path
    let (fileLedger, _) = try F.ledger()
    let fromFile = try F.ingest(file, into: fileLedger)
    let ends = Self.makePipe()
    let writer = Self.writeSlowly(try Self.threeParts(of: file)) { ends.write }
    let (pipeLedger, _) = try F.ledger()
    let fromPipe = try F.ingest("/dev/fd/\(ends.read)", into: pipeLedger)
    close(ends.read)
    while writer.isExecuting { usleep(1000) }
    #expect((fromPipe.format, fromPipe.formatDetected) == (.anthropicUsageReport, true))
    #expect((fromPipe.read, fromPipe.new, fromPipe.pages) == (fromFile.read, fromFile.new, fromFile.pages))
    #expect((fromPipe.read, fromPipe.new, fromPipe.pages) == (7, 7, 1))
  }

  @Test func aDirectoryIsRefusedWithAUsageError() throws {
    let directory = F.path("api-log")
    #expect(
      try Self.problems(directory) == [
        "usage: \(directory): is a directory; give the files in it"
      ])
    #expect(
      try Self.problems(directory + "/none.jsonl") == [
        "usage: \(directory)/none.jsonl: no such file"
      ])
  }

  // MARK: - Lines

  @Test func aLineOver64MiBIsAnErrorAndCanBeSkipped() throws {
    let good = Array(try Data(contentsOf: URL(fileURLWithPath: F.path("api-log/mixed.jsonl"))))
    let lines = good.split(separator: 0x0A, omittingEmptySubsequences: false)
    var bytes = Array(lines[0]) + [0x0A]
    bytes += Array(#"{"timestamp":"2026-11-02T10:00:00Z","note":""#.utf8)
    bytes += [UInt8](repeating: UInt8(ascii: "x"), count: LineReader.maxLineLength)
    bytes += Array(#""}"#.utf8) + [0x0A]
    bytes += Array(lines[2]) + [0x0A]
    let path = try Self.temporaryFile("long.jsonl", bytes)
    #expect(
      try Self.problems(path) == [
        "\(path):2: the line is longer than 64 MiB"
      ])
    var options = IngestOptions()
    options.skipInvalid = true
    let (ledger, _) = try F.ledger()
    let summary = try F.ingest(path, into: ledger, options)
    #expect((summary.read, summary.new, summary.invalid) == (3, 2, 1))
    #expect(summary.problems.map(\.description) == ["\(path):2: the line is longer than 64 MiB"])
    try? FileManager.default.removeItem(atPath: path)
  }

  /// Lines split across reads of a pipe, CRLF, a byte-order mark, blank lines, and lines over a
  /// (small) limit, which are dropped as they arrive and counted.
  @Test func lineReaderSplitsAndLimitsLinesAcrossReads() throws {
    var random = DemoRandom(seed: 3)
    var expected: [(Int, [UInt8])] = []
    var overlong: [Int] = []
    var bytes: [UInt8] = [0xEF, 0xBB, 0xBF]
    for number in 1...3000 {
      let length =
        random.chance(perMille: 50) && number > 1 ? random.int(1000...200_000) : random.int(0...900)
      let line = (0..<length).map { _ in UInt8(ascii: "a") + UInt8(random.int(0...25)) }
      let crlf = random.chance(perMille: 300)
      bytes += line + (crlf ? [0x0D, 0x0A] : [0x0A])
      // The limit counts the bytes before the line feed, a CR included.
      if length + (crlf ? 1 : 0) > 100_000 {
        overlong.append(number)
      } else if length > 0 {
        expected.append((number, line))
      }
    }
    bytes += Array("tail without newline".utf8)
    expected.append((3001, Array("tail without newline".utf8)))
    let path = try Self.temporaryFile("lines.txt", bytes)

    for source in ["file", "pipe"] {
      var writer: Thread?
      var input = path
      let ends = Self.makePipe()
      if source == "pipe" {
        writer = Self.writeSlowly([bytes]) { ends.write }
        input = "/dev/fd/\(ends.read)"
      } else {
        close(ends.write)
      }
      let reader = try LineReader(path: input, progress: nil, maxLineLength: 100_000)
      var got: [(Int, [UInt8])] = []
      var tooLong: [Int] = []
      let hash = try reader.forEachLine(overlong: { tooLong.append($0) }) { got.append(($0, Array($1))) }
      close(ends.read)
      while writer?.isExecuting == true { usleep(1000) }
      #expect(got.map(\.0) == expected.map(\.0), "\(source)")
      #expect(got.map(\.1) == expected.map(\.1), "\(source)")
      #expect(tooLong == overlong, "\(source)")
      #expect(!overlong.isEmpty)
      var whole = ContentHash()
      bytes.withUnsafeBytes { whole.update($0) }
      #expect(hash == whole.hex, "\(source)")
    }
  }

  @Test(arguments: [
    ("", "ef46db3751d8e999"), ("a", "d24ec4f1a98c6e5b"), ("abc", "44bc2cf5ad770999"),
    ("Nobody inspects the spammish repetition", "fbcea83c8a378bf1"),
  ])
  func contentHashIsXXH64(_ text: String, _ hex: String) {
    var whole = ContentHash()
    Array(text.utf8).withUnsafeBytes { whole.update($0) }
    #expect(whole.hex == hex)
    // Fed one byte at a time, the hash is the same.
    var pieces = ContentHash()
    for byte in text.utf8 { [byte].withUnsafeBytes { pieces.update($0) } }
    #expect(pieces.hex == hex)
  }

  // MARK: - The first line

  @Test func aFirstLineThatIsNotJSONSaysSo() throws {
    let notJSON = try Self.temporaryFile(
      "first.jsonl", Array("2026-11-02 18:31:07 ERROR gateway timeout\n".utf8))
    #expect(
      try Self.problems(notJSON) == [
        "\(notJSON):1: not valid JSON (a truncated or corrupted line?)"
      ])
    let unknown = try Self.temporaryFile("unknown.jsonl", Array(#"{"hello":"world"}"#.utf8) + [0x0A])
    #expect(
      try Self.problems(unknown) == [
        "\(unknown):1: cannot tell the format from the first record (an object with hello); give --format (anthropic-batch, openai-batch, api-log, anthropic-usage-report, anthropic-cost-report, openai-usage-report, openai-cost-report, anthropic-analytics-usage, anthropic-analytics-cost, claude-code, litellm-spend, otel-genai)"
      ])
  }

  @Test func skipInvalidSkipsLinesUntilTheFormatCanBeTold() throws {
    let mixed = Array(try Data(contentsOf: URL(fileURLWithPath: F.path("api-log/mixed.jsonl"))))
    let bytes = Array("2026-11-02 gateway restarted\n\n{\"hello\":1}\n".utf8) + mixed
    let path = try Self.temporaryFile("log.jsonl", bytes)
    var options = IngestOptions()
    options.skipInvalid = true
    let (ledger, _) = try F.ledger()
    let summary = try F.ingest(path, into: ledger, options)
    #expect((summary.format, summary.formatDetected) == (.apiLog, true))
    #expect((summary.read, summary.new, summary.duplicates, summary.invalid) == (12, 9, 1, 2))
    #expect(
      summary.problems.map(\.description) == [
        "\(path):1: not valid JSON (a truncated or corrupted line?)",
        "\(path):3: cannot tell the format from the first record (an object with hello); give --format (anthropic-batch, openai-batch, api-log, anthropic-usage-report, anthropic-cost-report, openai-usage-report, openai-cost-report, anthropic-analytics-usage, anthropic-analytics-cost, claude-code, litellm-spend, otel-genai)",
      ])
    #expect(try F.spend(ledger, by: []).totals.cost?.json == "0.1221784")
    // Without --skip-invalid the first line stops the file.
    #expect(
      try Self.problems(path) == [
        "\(path):1: not valid JSON (a truncated or corrupted line?)"
      ])
    // With --format, a bad first line is an ordinary invalid line.
    options.format = .apiLog
    let given = try F.ingest(path, into: try F.ledger().0, options)
    #expect((given.formatDetected, given.read, given.new, given.invalid) == (false, 12, 9, 2))
  }

  // MARK: - Bounds

  @Test func tokenCountsAreWholeNumbersUpTo10To12() throws {
    var options = IngestOptions()
    options.batchID = "msgbatch_bounds"
    options.date = CivilDate(parsing: "2026-11-02")
    let file = F.path("anthropic-batch/bounds.jsonl")
    #expect(
      try Self.problems(file, options) == [
        "\(file):2: result.message.usage.input_tokens: 5000000000000000000 is more than 10^12 tokens",
        "\(file):3: result.message.usage.input_tokens is null",
        "\(file):4: result.message.usage.output_tokens is missing",
        "\(file):5: result.message.usage.cache_read_input_tokens: the number is not a whole number of tokens from 0 to 10^12",
        "\(file):6: result.message.usage.output_tokens: 2.5 is not a whole number of tokens",
        "\(file):8: result.message.usage.input_tokens: 9223372036854775807 is more than 10^12 tokens",
        "\(file):9: result.message.usage: the token counts add up to 1100000000001, more than 10^12 in one request",
        "\(file):10: result.message.usage.server_tool_use.web_search_requests: 1000000000001 is more than 10^12 web searches",
        "\(file):11: custom_id contains a NUL character",
        "\(file):12: result.message.usage.output_tokens: -3 is negative; token counts cannot be negative",
      ])
    options.skipInvalid = true
    let (ledger, _) = try F.ledger()
    let summary = try F.ingest(file, into: ledger, options)
    #expect((summary.read, summary.new, summary.invalid) == (12, 2, 10))
    // 10^12 exactly is allowed; 1.0 reads as 1; null optional counts read as 0.
    #expect(
      try F.spend(ledger, by: []).totals.tokens == TokenCounts(input: 1_000_000_000_007, output: 1))
  }

  @Test func requiredCountsNamesAndTimesInAPILogs() throws {
    let file = F.path("api-log/bounds.jsonl")
    #expect(
      try Self.problems(file) == [
        #"\#(file):2: timestamp "0001-01-01T00:00:00Z" is before 2000"#,
        #"\#(file):3: timestamp "2999-01-01T00:00:00Z" is more than a day in the future"#,
        "\(file):4: response.created 9223372036854775807 is more than a day in the future",
        "\(file):5: tenant contains a NUL character",
        "\(file):6: metadata.tenant contains a NUL character",
        "\(file):7: request_id contains a NUL character",
        "\(file):8: response.usage.prompt_tokens is null",
        "\(file):9: response.usage.output_tokens is missing",
        "\(file):10: response.usage.input_tokens is missing",
        #"\#(file):11: timestamp "1999-12-31T23:59:59Z" is before 2000"#,
      ])
  }

  @Test func openAIBatchTimesAndCounts() throws {
    let file = F.path("openai-batch/bounds.jsonl")
    #expect(
      try Self.problems(file) == [
        "\(file):2: response.body.created 9223372036854775807 is more than a day in the future",
        "\(file):3: response.body.created 0 is before 2000",
        "\(file):4: response.body.usage.completion_tokens is null",
        "\(file):5: response.body.usage.prompt_tokens: 5000000000000000000 is more than 10^12 tokens",
        "\(file):6: id contains a NUL character",
        "\(file):7: response.body.usage: the token counts add up to 1100000000000, more than 10^12 in one request",
      ])
  }

  @Test func aRawNULInATenantNamesTheField() throws {
    let line =
      "{\"timestamp\":\"2026-11-02T10:00:00Z\",\"tenant\":\"ac\u{0}me\",\"request_id\":\"req_1\",\"usage\":{\"input_tokens\":10,\"output_tokens\":5},\"model\":\"claude-haiku-4-5\"}\n"
    let path = try Self.temporaryFile("nul.jsonl", Array(line.utf8))
    #expect(
      try Self.problems(path) == [
        "\(path):1: tenant contains a NUL character"
      ])
  }

  @Test func batchTimesAndDatesOutsideTheRangeAreUsageErrors() throws {
    var options = IngestOptions()
    options.batchID = "msgbatch_x"
    options.date = CivilDate(parsing: "1999-12-31")
    #expect(
      try Self.problems(F.path("anthropic-batch/shuffled-copy.jsonl"), options) == [
        "usage: --date 1999-12-31 is before 2000"
      ])
    options.date = CivilDate(parsing: "2026-11-23")
    #expect(
      try Self.problems(F.path("anthropic-batch/shuffled-copy.jsonl"), options) == [
        "usage: --date 2026-11-23 is more than a day in the future"
      ])
    options.date = nil
    options.batch = BatchInfo(
      id: "msgbatch_x", provider: "anthropic", createdAt: 0, endedAt: nil, status: nil)
    #expect(
      try Self.problems(F.path("anthropic-batch/shuffled-copy.jsonl"), options) == [
        "usage: the batch's created_at 1970-01-01T00:00:00Z is before 2000"
      ])
  }
}
