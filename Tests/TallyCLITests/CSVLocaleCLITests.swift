import Foundation
import Testing

/// CSV for spreadsheets in other locales, end to end: `--csv-delimiter`, `--decimal-comma`,
/// `--csv-bom` and the config file's `[csv]` defaults, read back by an independent reader
/// (Python's `csv` module).
@Suite("CSV dialects")
struct CSVLocaleCLITests {
  typealias L = LedgerCLITests

  /// A fresh `tally demo` directory: the ledger and the revenue file of October 2026.
  static func demo() throws -> URL {
    let directory = try CLI.temporaryDirectory("tally-csv-locale")
    let demo = try CLI.run(["demo", "--dir", "demo"], in: directory)
    #expect(demo.status == 0, "\(demo)")
    return directory.appendingPathComponent("demo")
  }

  /// Reads `csv` with Python's csv module (`delimiter`, BOM stripped by `utf-8-sig`) and returns
  /// the rows as lists of fields; also the sum of `column` as an exact `decimal.Decimal` after
  /// `,` is replaced by `.`, as a string.
  static func python(_ csv: String, delimiter: String, sum column: String, in directory: URL) throws -> (
    rows: [[String]], sum: String
  ) {
    let file = directory.appendingPathComponent("read-\(UUID().uuidString).csv")
    try Data(csv.utf8).write(to: file)
    let script = """
      import csv, decimal, json, sys
      rows = list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8-sig'), delimiter=sys.argv[2]))
      index = rows[0].index(sys.argv[3])
      total = sum(decimal.Decimal(row[index].replace(',', '.')) for row in rows[1:] if row[index] != '')
      print(json.dumps({'rows': rows, 'sum': str(total)}))
      """
    let result = try CLI.run(
      ["python3", "-c", script, file.path, delimiter, column],
      executable: URL(fileURLWithPath: "/usr/bin/env"))
    #expect(result.status == 0, "\(result)")
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    return (try #require(object["rows"] as? [[String]]), try #require(object["sum"] as? String))
  }

  static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]

  @Test func demoChargebackWithDecimalCommasSumsToTheSameTotal() throws {
    let demo = try Self.demo()
    let base = [
      "report", "chargeback", "--ledger", "demo/tally.sqlite", "--month", "2026-10", "--revenue",
      "demo/revenue-2026-10.csv", "--format", "csv",
    ]
    let directory = demo.deletingLastPathComponent()
    let standard = try CLI.run(base, in: directory)
    let european = try CLI.run(base + ["--csv-delimiter", ";", "--decimal-comma"], in: directory)
    #expect(standard.status == 0, "\(standard)")
    #expect(european.status == 0, "\(european)")
    // `--decimal-comma` alone chooses `;`: the same bytes as giving it.
    let implied = try CLI.run(base + ["--decimal-comma"], in: directory)
    #expect(implied.stdout == european.stdout)

    let plain = try Self.python(standard.stdout, delimiter: ",", sum: "cost_usd", in: directory)
    let comma = try Self.python(european.stdout, delimiter: ";", sum: "cost_usd", in: directory)
    #expect(comma.sum == plain.sum)
    #expect(plain.sum == "344.92", "the demo's October cost, as the chargeback table's total shows")
    // Every field is the standard one with its decimal point written as a comma.
    #expect(comma.rows.count == plain.rows.count)
    #expect(comma.rows.map { $0.map { $0.replacingOccurrences(of: ",", with: ".") } } == plain.rows)
    #expect(comma.rows.count == 16, "header, 14 tenants with usage, vandelay with revenue only")
    let costColumn = try #require(comma.rows[0].firstIndex(of: "cost_usd"))
    #expect(
      comma.rows.dropFirst().allSatisfy { $0[costColumn].contains(",") && !$0[costColumn].contains(".") })
    // Tenants with no revenue have a negative margin: a plain number, not a neutralised text.
    let margin = try #require(comma.rows[0].firstIndex(of: "gross_margin_usd"))
    let negative = comma.rows.dropFirst().map { $0[margin] }.filter { $0.hasPrefix("-") }
    #expect(!negative.isEmpty)
    #expect(negative.allSatisfy { $0.range(of: #"^-\d+,\d\d$"#, options: .regularExpression) != nil })
    #expect(!european.stdout.contains("'-"))
    // Counts keep their digits: no thousands separator, no decimal comma.
    #expect(european.stdout.contains("\nacme;960;21892741;"))

    // FOCUS in the same dialect: the same exact cost, every field otherwise the same.
    let focusBase = [
      "report", "chargeback", "--ledger", "demo/tally.sqlite", "--month", "2026-10", "--format", "focus",
    ]
    let focus = try CLI.run(focusBase, in: directory)
    let focusComma = try CLI.run(focusBase + ["--decimal-comma", "--csv-bom"], in: directory)
    #expect(focusComma.status == 0, "\(focusComma)")
    #expect(Array(focusComma.stdout.utf8.prefix(3)) == Self.bom)
    let focusPlain = try Self.python(focus.stdout, delimiter: ",", sum: "BilledCost", in: directory)
    let focusEuropean = try Self.python(focusComma.stdout, delimiter: ";", sum: "BilledCost", in: directory)
    #expect(focusEuropean.sum == focusPlain.sum)
    #expect(focusPlain.sum == "344.917828925", "FOCUS amounts are exact: the JSON total")
    #expect(focusEuropean.rows.count == focusPlain.rows.count)
  }

  /// A tenant name with the delimiter, a quote, a newline and a leading `=` comes back from
  /// Python's reader as it was, with the neutralising quote; `,` needs no quoting with `;`.
  @Test func hostileTenantRoundTripsWithSemicolons() throws {
    let hostile = "=cmd|' /C calc'!A0;\"quoted\"\nsecond line"
    let names = [hostile, "Comma, Inc", "plain"]
    let directory = URL(fileURLWithPath: try L.ledgerPath()).deletingLastPathComponent()
    let log = directory.appendingPathComponent("hostile.jsonl")
    let lines = names.enumerated().map { index, name -> String in
      let tenant = String(decoding: try! JSONSerialization.data(withJSONObject: [name]), as: UTF8.self)
      return """
        {"timestamp":"2026-10-0\(index + 1)T10:00:00Z","tenant":\(tenant.dropFirst().dropLast()),"job":"j","request_id":"req_\(index)","usage":{"input_tokens":\(123_457 * (index + 1)),"output_tokens":10},"model":"claude-haiku-4-5","provider":"anthropic"}
        """
    }
    try lines.joined(separator: "\n").write(to: log, atomically: true, encoding: .utf8)
    let ledger = directory.appendingPathComponent("tally.sqlite").path
    let ingest = try CLI.run(["ingest", "--ledger", ledger, log.path])
    #expect(ingest.status == 0, "\(ingest)")

    for (format, column) in [("csv", "tenant"), ("focus", "SubAccountName")] {
      let result = try CLI.run([
        "report", "chargeback", "--ledger", ledger, "--month", "2026-10", "--format", format,
        "--csv-delimiter", ";", "--decimal-comma", "--csv-bom",
      ])
      #expect(result.status == 0, "\(result)")
      #expect(Array(result.stdout.utf8.prefix(3)) == Self.bom)
      #expect(
        result.stdout.contains("Comma, Inc;") && !result.stdout.contains("\"Comma, Inc\""),
        "a comma needs no quotes when ; separates")
      let read = try Self.python(
        result.stdout, delimiter: ";", sum: format == "csv" ? "cost_usd" : "BilledCost", in: directory)
      let index = try #require(read.rows[0].firstIndex(of: column))
      #expect(
        Set(read.rows.dropFirst().map { $0[index] }) == Set(["'" + hostile, "Comma, Inc", "plain"]),
        "\(format)")
      #expect(read.rows.dropFirst().allSatisfy { $0.count == read.rows[0].count }, "\(format)")
      let standard = try CLI.run([
        "report", "chargeback", "--ledger", ledger, "--month", "2026-10", "--format", format,
      ])
      let plain = try Self.python(
        standard.stdout, delimiter: ",", sum: format == "csv" ? "cost_usd" : "BilledCost", in: directory)
      #expect(read.sum == plain.sum, "\(format)")
    }
  }

  @Test func everyCSVCommandTakesTheDialect() throws {
    let at = ["--at", "2026-11-21"]
    // pricing list: rates take the comma; the BOM comes once.
    let pricing = try CLI.run(
      ["pricing", "list", "--provider", "openai"] + at + ["--format", "csv", "--decimal-comma", "--csv-bom"])
    #expect(pricing.status == 0, "\(pricing)")
    #expect(Array(pricing.stdout.utf8.prefix(3)) == Self.bom)
    #expect(pricing.stdout.contains("\nopenai;gpt-4o-mini;;2024-07-18;;0;0,15;0,6;0,15;0,15;0,075;"))
    // whatif and estimate by section: the BOM once, not once per block.
    for command in ["whatif", "estimate"] {
      let result = try CLI.run(
        [command, "examples/workloads.toml"] + at + ["--format", "csv", "--section", "all", "--csv-bom"])
      #expect(result.status == 0, "\(result)")
      let bytes = Array(result.stdout.utf8)
      #expect(Array(bytes.prefix(3)) == Self.bom)
      #expect(bytes.dropFirst(3).firstRange(of: Self.bom) == nil, "\(command): one BOM")
      #expect(result.stdout.contains("\n\nsection,"), "\(command) has more than one block")
    }
    // ledger sources, tab-separated.
    let ledger = try L.demoLedger()
    let sources = try CLI.run([
      "ledger", "sources", "--ledger", ledger, "--format", "csv", "--csv-delimiter", "tab",
    ])
    let literal = try CLI.run([
      "ledger", "sources", "--ledger", ledger, "--format", "csv", "--csv-delimiter", "\t",
    ])
    #expect(sources.status == 0, "\(sources)")
    #expect(sources.stdout.hasPrefix("id\tpath\t"))
    #expect(literal.stdout == sources.stdout)
    // Table and JSON output ignore the CSV options.
    for format in ["table", "json"] {
      let plain = try CLI.run(["report", "spend", "--ledger", ledger, "--format", format])
      let flagged = try CLI.run(
        ["report", "spend", "--ledger", ledger, "--format", format, "--decimal-comma", "--csv-bom"])
      #expect(flagged.stdout == plain.stdout, "\(format)")
    }
  }

  @Test func usageErrors() throws {
    let comma = try CLI.run(["pricing", "list", "--format", "csv", "--decimal-comma", "--csv-delimiter", ","])
    #expect(comma.status == 64)
    #expect(
      comma.stderr.hasPrefix(
        "Error: --decimal-comma writes 1234,50, so the delimiter cannot be a comma: use --csv-delimiter ';' (or tab)\n"
      ))
    let pipe = try CLI.run(["pricing", "list", "--format", "csv", "--csv-delimiter", "|"])
    #expect(pipe.status == 64)
    #expect(
      pipe.stderr.hasPrefix(
        #"Error: The value '|' is invalid for '--csv-delimiter <delim>': expected ",", ";" or "tab" (or a literal tab)"#
      ))
  }

  /// `$TALLY_CONFIG`, `$XDG_CONFIG_HOME` and `~/.config`, each with `[csv]` defaults that the
  /// command line overrides.
  @Test func configFileDefaultsAndOverrides() throws {
    let directory = try CLI.temporaryDirectory("tally-config")
    let config = directory.appendingPathComponent("config.toml")
    try "# exports for the Frankfurt office\n[csv]\nbom = true\ndecimal_comma = true\n".write(
      to: config, atomically: true, encoding: .utf8)
    let list = ["pricing", "list", "--provider", "openai", "--at", "2026-11-21", "--format", "csv"]
    let standard = try CLI.run(list)
    let flags = try CLI.run(list + ["--csv-bom", "--decimal-comma"])
    #expect(Array(flags.stdout.utf8.prefix(3)) == Self.bom)
    #expect(flags.stdout.contains(";0,15;"))

    let configured = try CLI.run(list, environment: ["TALLY_CONFIG": config.path])
    #expect(configured.status == 0, "\(configured)")
    #expect(configured.stdout == flags.stdout)
    let overridden = try CLI.run(
      list + ["--no-csv-bom", "--no-decimal-comma"], environment: ["TALLY_CONFIG": config.path])
    #expect(overridden.stdout == standard.stdout)
    let tabs = try CLI.run(list + ["--csv-delimiter", "tab"], environment: ["TALLY_CONFIG": config.path])
    #expect(tabs.stdout.contains("\t0,15\t"))
    // A flag that contradicts the file names the line it contradicts.
    let contradiction = try CLI.run(
      list + ["--csv-delimiter", ","], environment: ["TALLY_CONFIG": config.path])
    #expect(contradiction.status == 64)
    #expect(
      contradiction.stderr.hasPrefix(
        "Error: --csv-delimiter ',' cannot hold decimal commas, which \(config.path):4 turns on: add --no-decimal-comma, or use --csv-delimiter ';'\n"
      ))
    // Table output does not read the config.
    #expect(
      try CLI.run(["pricing", "list"], environment: ["TALLY_CONFIG": "/no/such/config.toml"]).status == 0)

    // The default places: $XDG_CONFIG_HOME/tally, else ~/.config/tally.
    let xdg = directory.appendingPathComponent("xdg/tally")
    try FileManager.default.createDirectory(at: xdg, withIntermediateDirectories: true)
    try "[csv]\ndelimiter = \"tab\"\n".write(
      to: xdg.appendingPathComponent("config.toml"), atomically: true, encoding: .utf8)
    let fromXDG = try CLI.run(list, environment: ["XDG_CONFIG_HOME": xdg.deletingLastPathComponent().path])
    #expect(fromXDG.status == 0, "\(fromXDG)")
    #expect(fromXDG.stdout == (try CLI.run(list + ["--csv-delimiter", "tab"])).stdout)
    #expect(fromXDG.stdout.hasPrefix("provider\tmodel\t"))
    let home = directory.appendingPathComponent("home/.config/tally")
    try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: config, to: home.appendingPathComponent("config.toml"))
    let fromHome = try CLI.run(
      list, environment: ["XDG_CONFIG_HOME": nil, "HOME": directory.appendingPathComponent("home").path])
    #expect(fromHome.stdout == flags.stdout)
    // The developer's home never reaches the other tests: the harness points XDG_CONFIG_HOME at
    // an empty directory.
    let isolated = try CLI.run(list, environment: ["HOME": directory.appendingPathComponent("home").path])
    #expect(isolated.stdout == standard.stdout)
  }

  @Test func badConfigFilesExit64NamingFileAndLine() throws {
    let directory = try CLI.temporaryDirectory("tally-config")
    let config = directory.appendingPathComponent("config.toml")
    let list = ["pricing", "list", "--format", "csv"]
    for (text, message) in [
      (
        "[csv]\nbom = true\ndelimeter = \";\"\n",
        "config.toml:3: [csv]: unknown key \"delimeter\"; expected bom, delimiter or decimal_comma; did you mean delimiter?"
      ),
      ("[csv]\nbom = \"yes\"\n", "config.toml:2: [csv] bom: expected true or false, not \"yes\""),
      (
        "[csv]\ndelimiter = \"|\"\n",
        "config.toml:2: [csv] delimiter: expected \",\", \";\" or \"tab\", not \"|\""
      ),
      (
        "[report]\nprecision = 4\n",
        "config.toml:1: unknown section [report]; the config file has the section [csv] (keys bom, delimiter, decimal_comma)"
      ),
      (
        "decimal_comma = true\n",
        "config.toml:1: key \"decimal_comma\" is outside any section; put it under [csv]"
      ),
      (
        "[csv]\ndecimal_comma = true\ndelimiter = \",\"\n",
        "config.toml:3: [csv] delimiter = \",\" cannot hold decimal commas (decimal_comma = true, line 2): use \";\" or \"tab\""
      ),
      ("[csv\n", "config.toml:1: expected `]` to close the table header, found end of line"),
    ] {
      try text.write(to: config, atomically: true, encoding: .utf8)
      let result = try CLI.run(list, environment: ["TALLY_CONFIG": config.path])
      #expect(result.status == 64, "\(text): \(result)")
      #expect(result.stdout == "")
      #expect(result.stderr == "tally: \(directory.path)/\(message)\n")
    }
    let missing = try CLI.run(
      list, environment: ["TALLY_CONFIG": directory.appendingPathComponent("nope.toml").path])
    #expect(missing.status == 64)
    #expect(
      missing.stderr
        == "tally: TALLY_CONFIG=\(directory.path)/nope.toml: no such file; point it at a config file, or unset it (/dev/null: no config)\n"
    )
    let none = try CLI.run(list, environment: ["TALLY_CONFIG": "/dev/null"])
    #expect(none.status == 0, "\(none)")
    #expect(none.stdout.hasPrefix("provider,model,"))
  }
}
