/// XXH64 (seed 0) of a stream of bytes, fed in pieces of any size: the content hash that
/// identifies an input file in the ledger's sources table.
///
/// XXH64 rather than a byte-at-a-time hash such as FNV-1a because it runs four independent lanes
/// over 32-byte stripes: several GB/s, where FNV-1a's multiply per byte caps it near 1 GB/s,
/// as much time as the whole parse of a batch results file.
struct ContentHash {
  private static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
  private static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
  private static let prime3: UInt64 = 0x1656_67B1_9E37_79F9
  private static let prime4: UInt64 = 0x85EB_CA77_C2B2_AE63
  private static let prime5: UInt64 = 0x27D4_EB2F_1656_67C5

  private var lanes: (UInt64, UInt64, UInt64, UInt64) = (
    prime1 &+ prime2, prime2, 0, 0 &- prime1
  )
  private var length: UInt64 = 0
  /// Bytes of an unfinished 32-byte stripe.
  private var pending: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
  private var pendingCount = 0

  @inline(__always)
  private static func round(_ lane: UInt64, _ input: UInt64) -> UInt64 {
    rotate(lane &+ input &* prime2, 31) &* prime1
  }

  @inline(__always)
  private static func rotate(_ value: UInt64, _ bits: UInt64) -> UInt64 {
    (value << bits) | (value >> (64 - bits))
  }

  @inline(__always)
  private mutating func stripe(_ pointer: UnsafeRawPointer) {
    lanes.0 = ContentHash.round(lanes.0, UInt64(littleEndian: pointer.loadUnaligned(as: UInt64.self)))
    lanes.1 = ContentHash.round(
      lanes.1, UInt64(littleEndian: pointer.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
    lanes.2 = ContentHash.round(
      lanes.2, UInt64(littleEndian: pointer.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
    lanes.3 = ContentHash.round(
      lanes.3, UInt64(littleEndian: pointer.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
  }

  mutating func update(_ bytes: UnsafeRawBufferPointer) {
    guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
    length &+= UInt64(bytes.count)
    var offset = 0
    if pendingCount > 0 {
      let take = min(32 - pendingCount, bytes.count)
      withUnsafeMutableBytes(of: &pending) { buffer in
        buffer.baseAddress!.advanced(by: pendingCount).copyMemory(from: base, byteCount: take)
      }
      pendingCount += take
      offset = take
      guard pendingCount == 32 else { return }
      var full = pending
      withUnsafeBytes(of: &full) { stripe($0.baseAddress!) }
      pendingCount = 0
    }
    while bytes.count - offset >= 32 {
      stripe(base + offset)
      offset += 32
    }
    if offset < bytes.count {
      let rest = bytes.count - offset
      withUnsafeMutableBytes(of: &pending) { buffer in
        buffer.baseAddress!.copyMemory(from: base + offset, byteCount: rest)
      }
      pendingCount = rest
    }
  }

  /// The hash of everything fed so far, as 16 lowercase hex digits.
  var hex: String {
    typealias H = ContentHash
    var hash: UInt64
    if length >= 32 {
      hash =
        H.rotate(lanes.0, 1) &+ H.rotate(lanes.1, 7) &+ H.rotate(lanes.2, 12) &+ H.rotate(lanes.3, 18)
      for lane in [lanes.0, lanes.1, lanes.2, lanes.3] {
        hash = (hash ^ H.round(0, lane)) &* H.prime1 &+ H.prime4
      }
    } else {
      hash = H.prime5
    }
    hash &+= length
    var tail = pending
    withUnsafeBytes(of: &tail) { buffer in
      var index = 0
      while index + 8 <= pendingCount {
        let word = UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: index, as: UInt64.self))
        hash = H.rotate(hash ^ H.round(0, word), 27) &* H.prime1 &+ H.prime4
        index += 8
      }
      if index + 4 <= pendingCount {
        let word = UInt64(UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: index, as: UInt32.self)))
        hash = H.rotate(hash ^ (word &* H.prime1), 23) &* H.prime2 &+ H.prime3
        index += 4
      }
      while index < pendingCount {
        hash = H.rotate(hash ^ (UInt64(buffer[index]) &* H.prime5), 11) &* H.prime1
        index += 1
      }
    }
    hash ^= hash >> 33
    hash &*= H.prime2
    hash ^= hash >> 29
    hash &*= H.prime3
    hash ^= hash >> 32
    let digits = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
  }
}
