import Foundation

/// Terminal tables: aligned columns (numbers right, text left), thousands separators, a rule
/// under the header and above the totals row.
///
/// Widths are terminal display widths (`displayWidth`), so CJK names and emoji line up. Text
/// cells show their control characters as visible escapes (`\e`, `\r`, `\x07`: a name cannot
/// act on the terminal) and are cut to `TableRenderer.maximumTextWidth` columns, so one huge
/// name cannot make a huge table. On a narrow terminal, columns are dropped, least important
/// first (`Column.dropPriority`); if the table is still too wide, the widest text columns are
/// cut to no less than `TableRenderer.minimumCutWidth` columns, ending in "…". Numbers, dates
/// and bars are never cut. With `RenderOptions.color`, the header and totals row are bold and
/// negative amounts red; without it the output has no escape codes.
extension ReportTable {
  public func renderTable(_ options: RenderOptions = RenderOptions()) -> String {
    let table = presented(precision: options.precision)
    let (rows, totals) = (table.rows, table.totals)
    let header = columns.map(\.title)
    let body = rows.map { $0.map { TableRenderer.text($0, precision: options.precision) } }
    let footer = totals.map { $0.map { TableRenderer.text($0, precision: options.precision) } }
    let sample = rows.first ?? totals
    let rightAligned = columns.indices.map { index in
      sample.map { TableRenderer.isNumeric($0[index]) } ?? false
    }
    let allRows = rows + (totals.map { [$0] } ?? [])
    let cuttable = columns.indices.map { index in allRows.allSatisfy { TableRenderer.isText($0[index]) } }
    var widths = columns.indices.map { index in
      let texts = [header[index]] + body.map { $0[index] } + (footer.map { [$0[index]] } ?? [])
      return texts.map(\.displayWidth).max() ?? 0
    }
    var visible = columns.indices.filter { index in
      !columns[index].exportOnly
        && (!columns[index].tableHidesZeros || !allRows.allSatisfy { $0[index] == .count(0) })
    }
    let gap = 2
    func totalWidth() -> Int { visible.map { widths[$0] }.reduce(0, +) + gap * max(0, visible.count - 1) }
    if let limit = options.width {
      while totalWidth() > limit,
        let drop = visible.filter({ columns[$0].dropPriority > 0 }).max(by: {
          columns[$0].dropPriority < columns[$1].dropPriority
        })
      {
        visible.removeAll { $0 == drop }
      }
      // One column at a time, so that the widest text columns end up equally wide.
      while totalWidth() > limit,
        let widest = visible.filter({ cuttable[$0] && widths[$0] > TableRenderer.minimumCutWidth }).max(by: {
          widths[$0] < widths[$1]
        })
      {
        widths[widest] -= 1
      }
    }
    func line(_ texts: [String], cells: [Cell]?) -> String {
      visible.map { index in
        let text = texts[index].truncated(toDisplayWidth: widths[index])
        let padding = String(repeating: " ", count: widths[index] - text.displayWidth)
        let negative = cells.map { TableRenderer.isMoney($0[index]) && text.hasPrefix("-") } ?? false
        let shown = options.color && negative ? TableRenderer.red(text) : text
        return rightAligned[index] ? padding + shown : shown + padding
      }.joined(separator: String(repeating: " ", count: gap)).trimmingTrailingSpaces()
    }
    func bold(_ text: String) -> String { options.color ? TableRenderer.bold(text) : text }
    let rule = String(repeating: "-", count: totalWidth())
    var lines: [String] = []
    lines.append(bold(line(header, cells: nil)))
    lines.append(rule)
    lines += zip(body, rows).map { line($0, cells: $1) }
    if let footer {
      lines.append(rule)
      lines.append(bold(line(footer, cells: totals)))
    }
    return lines.joined(separator: "\n") + "\n"
  }
}

enum TableRenderer {
  /// Text columns are never cut below this many terminal columns.
  static let minimumCutWidth = 12

  /// A text cell is cut to this many terminal columns, whatever the terminal's width.
  static let maximumTextWidth = 64

  static func isNumeric(_ cell: Cell) -> Bool {
    switch cell {
    case .text, .date, .flag, .bar: false
    case .presented(_, let shown): isNumeric(shown)
    default: true
    }
  }

  /// Whether the cell is free text (a name, an id): the only kind a narrow table may cut.
  static func isText(_ cell: Cell) -> Bool {
    switch cell {
    case .text: true
    case .presented(_, let shown): isText(shown)
    default: false
    }
  }

  static func isMoney(_ cell: Cell) -> Bool {
    switch cell {
    case .money: true
    case .presented(_, let shown): isMoney(shown)
    default: false
    }
  }

  static func bold(_ text: String) -> String { "\u{1B}[1m" + text + "\u{1B}[0m" }

  /// Red foreground, reset to the default foreground only, so that a bold line stays bold.
  static func red(_ text: String) -> String { "\u{1B}[31m" + text + "\u{1B}[39m" }

  static func text(_ cell: Cell, precision: Int) -> String {
    switch cell {
    case .text(let text): text.escapingControlCharacters().truncated(toDisplayWidth: maximumTextWidth)
    case .count(let value): ExactDecimal.fixed(Decimal(value), scale: 0, grouping: true)
    case .quantity(let value):
      value.map { ExactDecimal.fixed($0.decimal, scale: $0.isWhole ? 0 : precision, grouping: true) } ?? ""
    case .money(let money): money?.terminal(precision: precision) ?? ""
    case .percent(let value):
      value.map { ExactDecimal.fixed($0.decimal, scale: precision, grouping: true) + "%" } ?? ""
    case .rate(let value): value.map { ExactDecimal.atLeast($0, minimumScale: 2, grouping: true) } ?? ""
    case .date(let date): date?.description ?? ""
    case .flag(let value): value ? "yes" : "no"
    case .presented(_, let shown): text(shown, precision: precision)
    case .bar(let fraction): bar(fraction, width: barWidth)
    }
  }

  /// Width of a full bar, in terminal columns.
  static let barWidth = 20

  /// A horizontal bar in eighth blocks; any non-zero fraction shows at least a sliver.
  static func bar(_ fraction: Exact, width: Int) -> String {
    let eighths = (fraction * Exact(Decimal(width * 8))).decimal
    var count = ExactDecimal.wholeNumber(ExactDecimal.rounded(eighths, scale: 0)) ?? 0
    count = min(max(count, fraction.isZero ? 0 : 1), width * 8)
    let partial = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"][count % 8]
    return String(repeating: "█", count: count / 8) + partial
  }
}

extension String {
  /// The number of terminal columns the text takes.
  ///
  /// Each character (grapheme cluster) counts 2 when it is East Asian Wide or Fullwidth (CJK
  /// ideographs, Hangul, kana, fullwidth forms) or an emoji shown as such (including flags,
  /// skin tones, ZWJ sequences and a base followed by U+FE0F); 0 when it is only combining
  /// marks, format characters (zero-width joiners, variation selectors) or controls; else 1.
  /// Ambiguous-width characters (box drawing, block elements, "…") count 1, as in a terminal
  /// outside a CJK locale.
  public var displayWidth: Int { reduce(0) { $0 + $1.displayWidth } }

  /// The text cut to at most `width` terminal columns, ending in "…" when it was cut.
  ///
  /// Reads no further than the cut, so cutting a megabyte-long name costs what the cut keeps.
  func truncated(toDisplayWidth width: Int) -> String {
    var used = 0
    // The end of the longest prefix that leaves a column for "…".
    var kept = startIndex
    var index = startIndex
    while index < endIndex {
      used += self[index].displayWidth
      if used > width {
        guard width > 1 else { return width == 1 ? "…" : "" }
        return String(self[..<kept]).trimmingTrailingSpaces() + "…"
      }
      index = self.index(after: index)
      if used <= width - 1 { kept = index }
    }
    return self
  }

  func trimmingTrailingSpaces() -> String {
    String(self[..<(lastIndex { $0 != " " }.map { index(after: $0) } ?? startIndex)])
  }
}

extension Character {
  /// Terminal columns: the widest scalar of the cluster, 2 when U+FE0F asks for the emoji
  /// presentation of an emoji, 1 when U+FE0E asks for its text presentation.
  var displayWidth: Int {
    if isASCII { return asciiValue.map { $0 >= 0x20 && $0 < 0x7F ? 1 : 0 } ?? 1 }
    let scalars = unicodeScalars
    var width = scalars.reduce(0) { max($0, $1.displayWidth) }
    if let base = scalars.first, base.properties.isEmoji, !base.isEastAsianWide {
      if scalars.contains("\u{FE0F}") { width = 2 }
      if scalars.contains("\u{FE0E}") { width = 1 }
    }
    return width
  }
}

extension Unicode.Scalar {
  var displayWidth: Int {
    if value >= 0x20 && value < 0x7F { return 1 }
    switch properties.generalCategory {
    case .nonspacingMark, .enclosingMark, .format, .control: return 0
    default: break
    }
    if value < 0x1100 { return 1 }
    // Hangul medial vowels and final consonants join the syllable their leading consonant opened.
    if (0x1160...0x11FF).contains(value) || (0xD7B0...0xD7FF).contains(value) { return 0 }
    return isEastAsianWide || properties.isEmojiPresentation ? 2 : 1
  }

  /// East Asian Wide or Fullwidth (UAX #11), by block; emoji are judged by their properties.
  var isEastAsianWide: Bool {
    Self.wideRanges.contains { $0.contains(value) }
  }

  private static let wideRanges: [ClosedRange<UInt32>] = [
    0x1100...0x115F,  // Hangul Jamo leading consonants
    0x2329...0x232A,  // angle brackets
    0x2E80...0x303E,  // CJK radicals, Kangxi radicals, ideographic description, CJK symbols
    0x3041...0x33FF,  // Hiragana, Katakana, Bopomofo, Hangul compatibility Jamo, CJK compatibility
    0x3400...0x4DBF,  // CJK Extension A
    0x4E00...0x9FFF,  // CJK Unified Ideographs
    0xA000...0xA4CF,  // Yi
    0xA960...0xA97F,  // Hangul Jamo Extended-A
    0xAC00...0xD7A3,  // Hangul syllables
    0xF900...0xFAFF,  // CJK compatibility ideographs
    0xFE10...0xFE19,  // vertical forms
    0xFE30...0xFE6F,  // CJK compatibility forms, small form variants
    0xFF01...0xFF60,  // fullwidth forms
    0xFFE0...0xFFE6,  // fullwidth signs
    0x16FE0...0x16FE4,  // ideographic symbols
    0x17000...0x18CFF,  // Tangut, Khitan
    0x1B000...0x1B2FF,  // Kana supplement and extensions, Nushu
    0x1F200...0x1F2FF,  // enclosed ideographic supplement
    0x20000...0x2FFFD,  // CJK Extensions B to F, compatibility supplement
    0x30000...0x3FFFD,  // CJK Extensions G and H
  ]
}
