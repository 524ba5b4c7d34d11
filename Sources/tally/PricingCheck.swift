import ArgumentParser
import TallyKit

struct PricingCheck: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Validate price tables: the bundled ones, or the files given.",
    discussion: "Prints every problem as file:line: column NAME: what is wrong, and exits 65 if there is any."
  )

  @Argument(
    help: "Price table CSV files; default the bundled tables.", completion: .file(extensions: ["csv"]))
  var files: [String] = []

  func validate() throws { try validateFilesExist(files) }

  func run() throws {
    let sources =
      try files.isEmpty ? PriceBook.bundledTableSources : files.map { (file: $0, text: try readInput($0)) }
    let results = sources.map { PriceTable.parse($0.text, file: $0.file) }
    let problems = results.flatMap(\.problems)
    guard problems.isEmpty else {
      print(problems.map(\.description).joined(separator: "\n"))
      Terminal.error(
        "\(problems.count) problem\(problems.count == 1 ? "" : "s") in \(Set(problems.map(\.file)).count) of \(sources.count) file\(sources.count == 1 ? "" : "s")"
      )
      throw ExitCode(65)
    }
    let rows = results.map(\.table.cards.count).reduce(0, +)
    print(
      "ok: \(rows) rows in \(sources.count) file\(sources.count == 1 ? "" : "s") (\(sources.map(\.file).joined(separator: ", ")))"
    )
  }
}
