extension String {
  /// The text with its control characters written as visible escapes, so that a name read from
  /// an input file cannot act on the terminal that shows it (retitle the window, clear the
  /// screen, hide a row behind a carriage return).
  ///
  /// Tab, line feed and carriage return read `\t`, `\n`, `\r`; ESC reads `\e`; the other C0
  /// controls and DEL read `\x07`, `\x7F`; the C1 controls (U+0080...U+009F) read `\u{9B}`.
  /// Characters in `kept` stay as they are (CSV keeps tab, CR and LF, which its quoting
  /// carries). A backslash already in the text is left alone: the escapes are for reading, not
  /// for parsing back.
  public func escapingControlCharacters(keeping kept: Set<Unicode.Scalar> = []) -> String {
    // Most names have no control character: one pass over the bytes says so. C1 controls are
    // encoded as 0xC2 0x80...0x9F, so a 0xC2 byte sends the text to the slow path.
    guard utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 }) else { return self }
    var out = String.UnicodeScalarView()
    for scalar in unicodeScalars {
      guard scalar.isControlCharacter, !kept.contains(scalar) else {
        out.append(scalar)
        continue
      }
      out.append(contentsOf: scalar.visibleEscape.unicodeScalars)
    }
    return String(out)
  }
}

extension Unicode.Scalar {
  /// C0 (U+0000...U+001F), DEL (U+007F) or C1 (U+0080...U+009F).
  var isControlCharacter: Bool { value < 0x20 || (0x7F...0x9F).contains(value) }

  /// How `escapingControlCharacters` writes this control character.
  var visibleEscape: String {
    let hex = String(value, radix: 16, uppercase: true)
    switch value {
    case 0x09: return "\\t"
    case 0x0A: return "\\n"
    case 0x0D: return "\\r"
    case 0x1B: return "\\e"
    case 0..<0x80: return "\\x" + (hex.count < 2 ? "0" : "") + hex
    default: return "\\u{\(hex)}"
    }
  }
}
