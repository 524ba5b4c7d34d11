import ArgumentParser
import TallyKit

/// `--section`: which block of a report with several (`whatif`, `estimate`) `--format csv` writes.
enum SectionChoice: String, ExpressibleByArgument, CaseIterable {
  case rows, projection, margin, all

  /// The help of a report whose blocks are `blocks`.
  static func help(blocks: [SectionChoice]) -> ArgumentHelp {
    let names = blocks.map(\.rawValue).joined(separator: ", ")
    return ArgumentHelp(
      "With --format csv: the block to write (\(names), or all of them with a first column section; default rows).",
      valueName: "section")
  }

  /// A usage error unless the format is CSV and the report has the block; call from `validate()`.
  static func validate(_ section: SectionChoice?, format: OutputFormat, blocks: [SectionChoice]) throws {
    guard let section else { return }
    guard format == .csv else {
      throw ValidationError(
        "--section chooses the CSV block: use it with --format csv (tables show every block, JSON carries them all)"
      )
    }
    guard section == .all || blocks.contains(section) else {
      throw ValidationError(
        "--section \(section.rawValue): this report's blocks are \(blocks.map(\.rawValue).joined(separator: ", ")) and all"
      )
    }
  }

  /// The CSV of the chosen blocks; exits 64 naming `file` when the chosen block is missing (a
  /// margin without a `[finance]` table).
  func csv(_ sections: [ReportSection], output: OutputOptions, file: String) throws -> String {
    let dialect = try output.csvDialect()
    if self == .all {
      return ReportSection.renderCSV(sections, precision: output.precision, dialect: dialect)
    }
    guard let section = sections.first(where: { $0.name == rawValue }) else {
      throw CLIFailure(
        ["--section \(rawValue): \(file) has no [finance] table, so the report has no margin block"],
        status: 64)
    }
    return section.table.renderCSV(precision: output.precision, dialect: dialect)
  }
}
