import ArgumentParser
import Foundation
import TallyKit

extension PriceImportFormat: ExpressibleByArgument {}

struct PricingImport: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "import",
    abstract: "Convert a LiteLLM or genai-prices price list into a Tally price table.",
    discussion: """
      Prints the table (CSV, ready for --pricing) on stdout; on stderr, every entry left out and \
      why, and what was imported with a caveat. Every row takes effect on --at and stays open.
      """
  )

  @Argument(
    help:
      "The list's format: litellm (model_prices_and_context_window.json) or genai-prices (prices/data.json).")
  var format: PriceImportFormat

  @Argument(help: "The JSON file (- for standard input).", completion: .file(extensions: ["json"]))
  var file: String

  @Option(help: "Only this provider (repeatable): anthropic, bedrock, google, groq, openai, vertex.")
  var provider: [String] = []

  @Option(
    help: ArgumentHelp(
      "effective_from of every imported row (YYYY-MM-DD, UTC); default today.", valueName: "date"),
    transform: CivilDate.argument)
  var at: CivilDate?

  func validate() throws {
    try validateFilesExist([file], standardInput: true)
    for name in provider where !PriceTable.knownProviders.contains(name) {
      throw ValidationError(
        "--provider: unknown provider \"\(name)\"; expected one of \(PriceTable.knownProviders.joined(separator: ", "))"
      )
    }
  }

  func run() throws {
    let data: Data
    if file == "-" {
      data = FileHandle.standardInput.readDataToEndOfFile()
    } else {
      guard let contents = FileManager.default.contents(atPath: file) else {
        throw CLIFailure(["\(file): cannot be read"], status: 1)
      }
      data = contents
    }
    let date = at ?? Terminal.today
    let imported: PriceImport
    do {
      imported = try PriceImport.run(
        format, data: data, at: date, providers: provider.isEmpty ? nil : Set(provider))
    } catch {
      throw CLIFailure(
        ["\(file): \(error.description); expected a \(format.rawValue) price list"], status: 65)
    }
    print(imported.csv(effectiveFrom: date), terminator: "")
    for line in imported.report(file: file) {
      FileHandle.standardError.write(Data(("tally: " + line + "\n").utf8))
    }
  }
}
