import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Streams a file's lines with constant memory (plus the longest line): LF or CRLF endings,
/// a UTF-8 byte-order mark, blank lines skipped but counted, lines of any length.
///
/// Also computes a 64-bit FNV-1a hash of the raw bytes, which identifies the file's content in
/// the ledger's sources table (idempotency itself is by request key, not by this hash).
public struct LineReader {
  public let path: String
  /// Called after each chunk with the bytes read so far (for progress).
  public var progress: ((Int64) -> Void)?

  public init(path: String, progress: ((Int64) -> Void)? = nil) {
    self.path = path
    self.progress = progress
  }

  /// Calls `body` with each non-blank line's 1-based number and bytes (without the line ending);
  /// returns the content hash as 16 hex digits.
  @discardableResult
  public func forEachLine(_ body: (_ line: Int, _ bytes: Data) throws -> Void) throws -> String {
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path])
    }
    defer { try? handle.close() }
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    var pending = [UInt8]()
    var lineNumber = 0
    var total: Int64 = 0
    var atStart = true

    func emit(_ line: ArraySlice<UInt8>) throws {
      lineNumber += 1
      var slice = line
      if atStart {
        atStart = false
        if slice.starts(with: [0xEF, 0xBB, 0xBF]) { slice = slice.dropFirst(3) }
      }
      if slice.last == UInt8(ascii: "\r") { slice = slice.dropLast() }
      guard slice.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return }
      try body(lineNumber, Data(slice))
    }

    while true {
      let chunk = try handle.read(upToCount: 4 << 20) ?? Data()
      if chunk.isEmpty { break }
      total += Int64(chunk.count)
      chunk.withUnsafeBytes { raw in
        for byte in raw {
          hash ^= UInt64(byte)
          hash = hash &* 0x100_0000_01b3
        }
      }
      pending.append(contentsOf: chunk)
      var start = 0
      try pending.withUnsafeBufferPointer { buffer in
        while start < buffer.count,
          let found = memchr(buffer.baseAddress! + start, 0x0A, buffer.count - start)
        {
          let end = buffer.baseAddress!.distance(to: found.assumingMemoryBound(to: UInt8.self))
          try emit(pending[start..<end])
          start = end + 1
        }
      }
      pending.removeFirst(start)
      progress?(total)
    }
    if !pending.isEmpty { try emit(pending[...]) }
    let hex = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
  }
}
