import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One input file, opened once and read exactly once, from the start: a regular file, a pipe, a
/// FIFO, `/dev/stdin`, a process substitution (`<(zcat log.gz)`), or `-` for standard input.
///
/// Whatever needs the first bytes (format detection, provider-report sniffing) peeks at them
/// through `firstLine()` or `readAll(limit:)`, which keep what they read buffered; `forEachLine`
/// then streams the lines from the start with constant memory: LF or CRLF endings, a UTF-8
/// byte-order mark, blank lines skipped but counted, and at most `maxLineLength` bytes of one line
/// held (a longer line is reported and skipped, never buffered whole).
///
/// Also computes the XXH64 hash of the raw bytes (`ContentHash`), which identifies the file's
/// content in the ledger's sources table (idempotency itself is by request key, not by this hash).
public final class LineReader {
  /// The longest line read: 64 MiB.
  public static let maxLineLength = 64 << 20
  /// Bytes asked of each `read(2)`.
  static let chunkSize = 4 << 20

  /// The path as given (`-` for standard input).
  public let path: String
  /// The size of a regular file; nil for pipes, FIFOs and devices (no progress can be shown).
  public let regularFileSize: Int64?
  /// Called after each read with the bytes read so far (for progress).
  public var progress: ((Int64) -> Void)?

  let maxLineLength: Int
  private let descriptor: Int32
  private let ownsDescriptor: Bool
  private var buffer: UnsafeMutableRawPointer
  private var capacity: Int
  /// Bytes of the file held in `buffer`, from `buffer[0]`.
  private var count = 0
  private var atEOF = false
  private var hash = ContentHash()
  private var bytesRead: Int64 = 0
  private var started = false

  /// Opens `path` (`-` is standard input). Fails with a usage error for a missing file or a
  /// directory, and `.failed` for a file that cannot be opened.
  public convenience init(path: String, progress: ((Int64) -> Void)? = nil) throws(IngestFailure) {
    try self.init(path: path, progress: progress, maxLineLength: LineReader.maxLineLength)
  }

  init(path: String, progress: ((Int64) -> Void)?, maxLineLength: Int) throws(IngestFailure) {
    self.path = path
    self.progress = progress
    self.maxLineLength = maxLineLength
    if path == "-" {
      descriptor = STDIN_FILENO
      ownsDescriptor = false
    } else {
      var opened: Int32
      repeat { opened = open(path, O_RDONLY | O_CLOEXEC) } while opened < 0 && errno == EINTR
      guard opened >= 0 else {
        let code = errno
        if code == ENOENT || code == ENOTDIR { throw .usage("\(path): no such file") }
        throw .failed("\(path): cannot be read (\(String(cString: strerror(code))))")
      }
      descriptor = opened
      ownsDescriptor = true
    }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else {
      let code = errno
      if ownsDescriptor { close(descriptor) }
      throw .failed("\(path): cannot be read (\(String(cString: strerror(code))))")
    }
    switch status.st_mode & S_IFMT {
    case S_IFDIR:
      if ownsDescriptor { close(descriptor) }
      throw .usage("\(path): is a directory; give the files in it")
    case S_IFREG:
      regularFileSize = Int64(status.st_size)
    default:
      regularFileSize = nil
    }
    capacity = LineReader.chunkSize
    guard let allocated = malloc(capacity) else {
      if ownsDescriptor { close(descriptor) }
      throw .failed("\(path): out of memory")
    }
    buffer = allocated
  }

  deinit {
    free(buffer)
    if ownsDescriptor { close(descriptor) }
  }

  /// The content hash of the whole input as 16 hex digits; only meaningful once everything was
  /// read (`forEachLine` returned, or `readAll` returned true).
  public var contentHash: String { hash.hex }

  // MARK: - Peeking

  /// The first non-blank line (byte-order mark and CR removed), read without consuming anything;
  /// nil when the input has none or it is longer than `maxLineLength`.
  public func firstLine() throws(IngestFailure) -> [UInt8]? {
    var searchFrom = 0
    var lineStart = 0
    while true {
      while let newline = find(0x0A, from: searchFrom) {
        if let line = trimmed(lineStart, newline, first: lineStart == 0) {
          return Array(UnsafeRawBufferPointer(start: buffer + line.lowerBound, count: line.count))
        }
        lineStart = newline + 1
        searchFrom = lineStart
      }
      searchFrom = count
      if atEOF {
        guard let line = trimmed(lineStart, count, first: lineStart == 0) else { return nil }
        return Array(UnsafeRawBufferPointer(start: buffer + line.lowerBound, count: line.count))
      }
      guard count - lineStart <= maxLineLength else { return nil }
      try fill(limit: lineStart + maxLineLength + LineReader.chunkSize + 1)
    }
  }

  /// Reads the whole input into memory, unless it is longer than `limit` bytes; true when all of
  /// it is now in `content`. Nothing is consumed: `forEachLine` still starts at the beginning.
  public func readAll(limit: Int? = nil) throws(IngestFailure) -> Bool {
    while !atEOF {
      if let limit, count > limit { return false }
      try fill(limit: limit.map { $0 + LineReader.chunkSize + 1 } ?? Int.max)
    }
    return limit.map { count <= $0 } ?? true
  }

  /// The bytes read so far (all of the input after `readAll` returned true).
  public var content: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: buffer, count: count) }

  // MARK: - Streaming

  /// Calls `body` with each non-blank line's 1-based number and bytes (without the line ending,
  /// valid only during the call), reading large chunks and splitting them with `memchr`; returns
  /// the content hash. A line longer than `maxLineLength` goes to `overlong` with its number,
  /// and its bytes are dropped as they arrive. Call once.
  @discardableResult
  public func forEachLine(
    overlong: (_ line: Int) throws -> Void,
    _ body: (_ line: Int, _ bytes: UnsafeRawBufferPointer) throws -> Void
  ) throws -> String {
    precondition(!started, "forEachLine reads the input once")
    started = true
    var lineNumber = 0
    var lineStart = 0
    var searchFrom = 0
    /// Inside a line that was too long: drop bytes up to its end.
    var skipping = false
    while true {
      while let newline = find(0x0A, from: searchFrom) {
        if skipping {
          skipping = false
        } else {
          lineNumber += 1
          if newline - lineStart > maxLineLength {
            try overlong(lineNumber)
          } else if let line = trimmed(lineStart, newline, first: lineNumber == 1) {
            try body(lineNumber, UnsafeRawBufferPointer(start: buffer + line.lowerBound, count: line.count))
          }
        }
        lineStart = newline + 1
        searchFrom = lineStart
      }
      searchFrom = count
      if atEOF {
        if !skipping && lineStart < count {
          lineNumber += 1
          if count - lineStart > maxLineLength {
            try overlong(lineNumber)
          } else if let line = trimmed(lineStart, count, first: lineNumber == 1) {
            try body(lineNumber, UnsafeRawBufferPointer(start: buffer + line.lowerBound, count: line.count))
          }
        }
        return hash.hex
      }
      if !skipping && count - lineStart > maxLineLength {
        lineNumber += 1
        try overlong(lineNumber)
        skipping = true
      }
      if skipping { lineStart = count }
      // Keep only the unfinished line, at the front, so the buffer never outgrows one line.
      if lineStart > 0 {
        let kept = count - lineStart
        if kept > 0 { memmove(buffer, buffer + lineStart, kept) }
        count = kept
        searchFrom -= lineStart
        lineStart = 0
      }
      try fill(limit: maxLineLength + LineReader.chunkSize + 1)
    }
  }

  /// `forEachLine` for callers that treat a line over the limit as an error: it throws
  /// `.invalidInput` naming the line.
  @discardableResult
  public func forEachLine(_ body: (_ line: Int, _ bytes: UnsafeRawBufferPointer) throws -> Void) throws
    -> String
  {
    try forEachLine(
      overlong: { line in
        throw IngestFailure.invalidInput([
          SourceProblem(file: path, line: line, message: LineReader.overlongMessage)
        ])
      }, body)
  }

  /// The problem reported for a line over `maxLineLength`.
  public static let overlongMessage = "the line is longer than 64 MiB"

  // MARK: - Buffer

  private func find(_ byte: UInt8, from offset: Int) -> Int? {
    guard offset < count, let found = memchr(buffer + offset, Int32(byte), count - offset) else { return nil }
    return buffer.distance(to: found)
  }

  /// The line in `start..<end` without a leading byte-order mark (on the first line) and a
  /// trailing CR; nil when only spaces, tabs and CRs are left.
  private func trimmed(_ start: Int, _ end: Int, first: Bool) -> Range<Int>? {
    let bytes = buffer.assumingMemoryBound(to: UInt8.self)
    var start = start
    var end = end
    if first && end - start >= 3 && bytes[start] == 0xEF && bytes[start + 1] == 0xBB
      && bytes[start + 2] == 0xBF
    {
      start += 3
    }
    if end > start && bytes[end - 1] == 0x0D { end -= 1 }
    var index = start
    while index < end && (bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0D) { index += 1 }
    return index < end ? start..<end : nil
  }

  /// Reads once more, growing the buffer when less than a chunk is free (up to `limit` bytes);
  /// sets `atEOF` at the end of the input. `realloc` grows a large buffer in place (mremap), so
  /// growing never holds two copies.
  private func fill(limit: Int) throws(IngestFailure) {
    if capacity - count < LineReader.chunkSize && capacity < limit {
      let grown = min(max(capacity * 2, count + LineReader.chunkSize), limit)
      guard let bigger = realloc(buffer, grown) else { throw .failed("\(path): out of memory") }
      buffer = bigger
      capacity = grown
    }
    var got: Int
    repeat { got = read(descriptor, buffer + count, capacity - count) } while got < 0 && errno == EINTR
    guard got >= 0 else {
      throw .failed("\(path): cannot be read (\(String(cString: strerror(errno))))")
    }
    if got == 0 {
      atEOF = true
      return
    }
    hash.update(UnsafeRawBufferPointer(start: buffer + count, count: got))
    count += got
    bytesRead += Int64(got)
    progress?(bytesRead)
  }
}
