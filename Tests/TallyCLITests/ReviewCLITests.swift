import Foundation
import Testing

/// `tally review`: the page's figures are the reports' figures, it loads nothing, it escapes
/// every name, and a real browser renders and prints it without a console message.
///
/// The page is read with Python's own HTML parser (`Golden/fixtures/review/check_page.py`), not
/// with Tally's code: each element marked `data-figure="SECTION.COLUMN"` is compared with the
/// cell of that column in the CSV of the report the section names (its row by `data-row`; the
/// totals row, which CSV leaves out, as the sum of the CSV column where rounded cells add up to
/// the rounded total, else the JSON total rounded half-to-even).
@Suite("Review page")
struct ReviewCLITests {
  static let checker = CLI.goldenDirectory.appendingPathComponent("fixtures/review/check_page.py")
  static let month = "2026-10"

  /// A scratch directory with the demo and the example budgets, and its review page.
  static func demoReview(_ extra: [String] = []) throws -> (directory: URL, page: URL, run: CLIResult) {
    let directory = try CLI.temporaryDirectory("tally-review")
    let demo = try CLI.run(["demo", "--dir", "demo"], in: directory)
    guard demo.status == 0 else { throw HarnessError("tally demo failed: \(demo)") }
    try FileManager.default.createDirectory(
      at: directory.appendingPathComponent("examples"), withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      at: CLI.packageRoot.appendingPathComponent("examples/budgets-2026-10.csv"),
      to: directory.appendingPathComponent("examples/budgets-2026-10.csv"))
    let run = try CLI.run(
      [
        "review", "--month", month, "--revenue", "demo/revenue-2026-10.csv", "--budgets",
        "examples/budgets-2026-10.csv", "--ledger", "demo/tally.sqlite", "--out", "review.html",
      ] + extra, in: directory)
    return (directory, directory.appendingPathComponent("review.html"), run)
  }

  /// What `check_page.py` found on a page.
  struct Check: Decodable {
    let figures: Int
    let checked: Int
    let mismatches: [Mismatch]
    let unmarked: [String]
    let external: [String]
    let elements: [String]
    let attributes: [String]
    let rows: [String]
    let texts: [String]
    // swift-format-ignore: AlwaysUseLowerCamelCase
    let by_name: [String: String]

    struct Mismatch: Decodable, CustomStringConvertible {
      let found: AnyCodableText?
      let expected: String?
      let why: String?
      let figure: Figure
      var description: String {
        "\(figure.names.joined(separator: " ")) row \(figure.row ?? "(total)") <\(figure.tag)>\(figure.text)</\(figure.tag)>: found \(found?.text ?? "-"), expected \(expected ?? "-") \(why ?? "")"
      }
    }
    struct Figure: Decodable {
      let names: [String]
      let row: String?
      let tag: String
      let text: String
    }
    /// A string, or a list of strings (a figure count mismatch lists what it found).
    struct AnyCodableText: Decodable {
      let text: String
      init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
          self.text = text
        } else {
          text = (try container.decode([String].self)).joined(separator: ", ")
        }
      }
    }
  }

  static func check(_ page: URL, spec: URL? = nil) throws -> Check {
    let run = try CLI.run(
      ["python3", checker.path, page.path] + (spec.map { [$0.path] } ?? []),
      executable: URL(fileURLWithPath: "/usr/bin/env"))
    guard run.status == 0 else { throw HarnessError("check_page.py failed: \(run)") }
    return try JSONDecoder().decode(Check.self, from: Data(run.stdout.utf8))
  }

  @Test func everyFigureOnThePageIsTheReportsFigure() throws {
    let (directory, page, run) = try Self.demoReview()
    #expect(run.status == 0, "\(run)")
    #expect(run.stderr.contains("tally: wrote review.html"), "\(run.stderr)")
    // The reports the page names, run as a user would, in CSV (rows) and JSON (exact totals).
    let ledger = ["--ledger", "demo/tally.sqlite"]
    let reports: [(id: String, arguments: [String], keys: [String])] = [
      (
        "spend-day-model", ["report", "spend", "--by", "day,model", "--month", Self.month], ["day", "model"]
      ),
      ("spend-day", ["report", "spend", "--by", "day", "--month", Self.month], ["day"]),
      ("spend-day-previous", ["report", "spend", "--by", "day", "--month", "2026-09"], ["day"]),
      ("spend-model", ["report", "spend", "--by", "model", "--month", Self.month], ["model"]),
      ("spend-month", ["report", "spend", "--by", "month", "--to", "2026-10-31"], ["month"]),
      (
        "chargeback",
        ["report", "chargeback", "--month", Self.month, "--revenue", "demo/revenue-2026-10.csv"],
        ["tenant"]
      ),
      ("jobs", ["report", "jobs", "--month", Self.month], ["job"]),
      ("opportunities", ["report", "opportunities", "--month", Self.month], ["job"]),
      (
        "budget", ["report", "budget", "--budgets", "examples/budgets-2026-10.csv", "--month", Self.month],
        ["scope", "name"]
      ),
    ]
    var spec: [String: [String: Any]] = [:]
    for report in reports {
      var files: [String: String] = [:]
      for format in ["csv", "json"] {
        let result = try CLI.run(report.arguments + ledger + ["--format", format], in: directory)
        // report budget exits 1 when a budget alerts, after the whole report.
        #expect([0, 1].contains(result.status), "\(report.arguments): \(result)")
        let file = directory.appendingPathComponent("\(report.id).\(format)")
        try result.stdout.write(to: file, atomically: true, encoding: .utf8)
        files[format] = file.path
      }
      spec[report.id] = ["csv": files["csv"]!, "json": files["json"]!, "keys": report.keys]
    }
    let specFile = directory.appendingPathComponent("spec.json")
    try JSONSerialization.data(withJSONObject: spec).write(to: specFile)
    let check = try Self.check(page, spec: specFile)

    #expect(
      check.mismatches.isEmpty, "\(check.mismatches.prefix(10).map(\.description).joined(separator: "\n"))")
    // Every day x model, day, tenant, job and budget line is on the page: hundreds of figures.
    #expect(check.figures > 600, "\(check.figures) figures")
    #expect(check.checked >= check.figures)
    #expect(check.unmarked.isEmpty, "money or percentages outside a marked figure: \(check.unmarked)")
    // The figures people read first, as the reports print them (docs/finance-review.md).
    let expected = [
      "change.cost_usd@2026-10": "$344.92", "change.list_cost_usd@2026-10": "$582.82",
      "change.batch_savings_usd@2026-10": "$237.90", "chargeback.cost_usd@acme": "$55.27",
      "chargeback.gross_margin_usd@stark-labs": "-$7.97", "chargeback.gross_margin_usd@total": "$8,780.08",
      "chargeback.gross_margin_pct@total": "96.22%", "chargeback.share_pct@(unattributed)": "0.57%",
      "jobs.failed_requests@contract-review": "21", "jobs.batch_share_pct@contract-review": "100.00%",
      "opportunities.monthly_savings_usd@support-chat": "$28.23",
      "opportunities.worst_case_monthly_savings_usd@support-chat": "-$37.11",
      "spend-model.cost_usd@claude-sonnet-4-5-20250929": "$295.13",
    ]
    for (key, value) in expected {
      #expect(check.by_name[key] == value, "\(key)")
    }
    // Every section is there, with its chart and the command that prints its figures.
    let html = TestEngine.readingPaths(try String(contentsOf: page, encoding: .utf8))
    for id in ["daily-chart", "tenant-chart", "jobs-chart", "opportunities-chart", "budget-chart"] {
      #expect(html.contains("id=\"\(id)-title\""), "\(id)")
    }
    #expect(
      html.contains(
        "tally report chargeback --month 2026-10 --revenue demo/revenue-2026-10.csv --ledger demo/tally.sqlite"
      ))
    #expect(
      html.contains(
        "<code>tally review --month 2026-10 --revenue demo/revenue-2026-10.csv --budgets examples/budgets-2026-10.csv --ledger demo/tally.sqlite --out review.html</code>"
      ))
    #expect(html.contains("bundled pricing/anthropic.csv of 2026-10-07"))
    #expect(html.contains("Open month"))
  }

  @Test func thePageLoadsNothing() throws {
    let (_, page, run) = try Self.demoReview()
    #expect(run.status == 0, "\(run)")
    let html = try String(contentsOf: page, encoding: .utf8)
    // No reference of any kind outside the file (XML namespaces name, they do not load).
    let references = html.ranges(of: /https?:\/\/[^\s"'<>]*/).map { String(html[$0]) }.filter {
      !$0.hasPrefix("http://www.w3.org/")
    }
    #expect(references.isEmpty, "\(references)")
    #expect(!html.lowercased().contains("<script"))
    #expect(!html.contains("@import") && !html.contains("url(http") && !html.contains("@font-face"))
    // And the browser is told to refuse any that slipped in.
    #expect(html.contains("content=\"default-src 'none'; style-src 'unsafe-inline'\""))
    let check = try Self.check(page)
    #expect(check.external.isEmpty, "\(check.external)")
    #expect(
      !check.elements.contains("script") && !check.elements.contains("img")
        && !check.elements.contains("link"))
    // Only local references: pattern fills by id.
    for match in html.ranges(of: /url\(([^)]*)\)/) {
      #expect(html[match].hasPrefix("url(#"), "\(html[match])")
    }
  }

  @Test func aHostileTenantNameIsEscapedInHTMLAndSVG() throws {
    let directory = try CLI.temporaryDirectory("tally-review-hostile")
    let name = "<script>alert(1)</script> \"Q\" 'A' & Co. שלום 🧾"
    let tenantJSON = String(
      decoding: try JSONSerialization.data(withJSONObject: [name], options: []), as: UTF8.self
    )
    .dropFirst().dropLast()
    let lines = [
      """
      {"timestamp":"2026-10-03T10:00:00Z","tenant":\(tenantJSON),"job":"<img src=x onerror=alert(2)>","request_id":"req_1","usage":{"input_tokens":120000,"output_tokens":900},"model":"claude-sonnet-4-5","provider":"anthropic"}
      """,
      """
      {"timestamp":"2026-10-04T10:00:00Z","tenant":"acme","job":"j","request_id":"req_2","usage":{"input_tokens":1000,"output_tokens":10},"model":"claude-haiku-4-5","provider":"anthropic"}
      """,
    ]
    try lines.joined(separator: "\n").write(
      to: directory.appendingPathComponent("log.jsonl"), atomically: true, encoding: .utf8)
    let ledger = directory.appendingPathComponent("tally.sqlite").path
    let ingest = try CLI.run(["ingest", "--ledger", ledger, "log.jsonl"], in: directory)
    #expect(ingest.status == 0, "\(ingest)")
    try "tenant,revenue_usd\n\"\(name.replacingOccurrences(of: "\"", with: "\"\""))\",1.00\nacme,5\n".write(
      to: directory.appendingPathComponent("revenue-2026-10.csv"), atomically: true, encoding: .utf8)
    let run = try CLI.run(
      ["review", "--ledger", ledger, "--revenue", "revenue-2026-10.csv", "--out", "-"], in: directory)
    #expect(run.status == 0, "\(run)")
    let html = run.stdout
    // Nothing of the names reaches the markup as markup.
    #expect(!html.contains("<script"))
    #expect(!html.contains("<img"))
    #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &quot;Q&quot; &#39;A&#39; &amp; Co. שלום 🧾"))
    #expect(html.contains("&lt;img src=x onerror=alert(2)&gt;"))
    // In the SVG charts too: a bar's tooltip and label, and the name beside the bar.
    let svg = html.ranges(of: /<svg viewBox[\s\S]*?<\/svg>/).map { String(html[$0]) }.joined()
    #expect(
      svg.contains(
        "<title data-figure=\"chargeback.cost_usd\" data-row=\"&lt;script&gt;alert(1)&lt;/script&gt; &quot;Q&quot; &#39;A&#39; &amp; Co. שלום 🧾\">"
      ))
    #expect(
      svg.contains(
        ">&lt;script&gt;alert(1)&lt;/script&gt; &quot;Q&quot; &#39;A&#39; &amp; Co. שלום 🧾</tspan>")
        || svg.contains(">&lt;script&gt;alert(1)&lt;/script&gt; &quot;Q&quot; &#39;A"))
    // Read back by an HTML parser, the names are text and attribute values, exactly as given.
    let page = directory.appendingPathComponent("page.html")
    try html.write(to: page, atomically: true, encoding: .utf8)
    let check = try Self.check(page)
    #expect(!check.elements.contains("script") && !check.elements.contains("img"))
    #expect(!check.attributes.contains("onerror"))
    #expect(check.rows.contains(name), "\(check.rows)")
    #expect(check.texts.contains { $0.contains(name) })
    #expect(check.texts.contains("<img src=x onerror=alert(2)>"))
  }

  @Test func theTerminalSummaryHasTheHeadlineAndTheTopRows() throws {
    let (directory, _, _) = try Self.demoReview()
    let run = try CLI.run(
      [
        "review", "--month", Self.month, "--revenue", "demo/revenue-2026-10.csv", "--ledger",
        "demo/tally.sqlite",
        "--format", "table",
      ], in: directory, width: 160)
    #expect(run.status == 0, "\(run)")
    let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    #expect(lines[0] == "Review of 2026-10, 2026-10-01 to 2026-10-31 (UTC):")
    #expect(lines.contains("Spend         $344.92  (2026-09: $156.26, change $188.66, 120.74%)"))
    #expect(lines.contains("Gross margin  $8,780.08  (96.22% of revenue $9,125.00)"))
    #expect(lines.contains { $0.hasPrefix("stark-labs        313   $56.97  ████████████████████   16.52%") })
    #expect(lines.contains { $0.hasPrefix("(9 others)      1,709   $91.53") })
    #expect(lines.count < 60, "one screen: \(lines.count) lines")
    // On a terminal, without --out, the summary is the default; --out writes the page.
    if let terminal = try CLI.runOnTerminal(
      [
        "review", "--month", Self.month, "--ledger",
        directory.appendingPathComponent("demo/tally.sqlite").path,
      ])
    {
      #expect(terminal.stdout.contains("Review of 2026-10"), "\(terminal)")
    }
    let refused = try CLI.run(
      ["review", "--ledger", "demo/tally.sqlite", "--format", "table", "--out", "x.html"], in: directory)
    #expect(refused.status == 64)
    let defaultName = try CLI.run(["review", "--ledger", "demo/tally.sqlite"], in: directory)
    #expect(defaultName.status == 0, "\(defaultName)")
    #expect(
      FileManager.default.fileExists(
        atPath: directory.appendingPathComponent("tally-review-2026-10.html").path))
  }

  @Test func reconciliationAndPriorMonthsShowWhenTheLedgerHasThem() throws {
    let directory = try CLI.temporaryDirectory("tally-review-reconcile")
    let examples = CLI.packageRoot.appendingPathComponent("examples/reconcile").path
    let ledger = directory.appendingPathComponent("tally.sqlite").path
    let ingest = try CLI.run(
      ["ingest", "--ledger", ledger]
        + ["api-log.jsonl", "usage-report.json", "cost-report.json"].map {
          "\(examples)/\($0)"
        })
    #expect(ingest.status == 0, "\(ingest)")
    let run = try CLI.run(
      ["review", "--ledger", ledger, "--pricing", "\(examples)/contract-rates.csv", "--out", "-"],
      in: directory)
    #expect(run.status == 0, "\(run)")
    #expect(run.stdout.contains("Reconciliation with the provider&#39;s reports"))
    #expect(run.stdout.contains("Reconciliation: 1 row beyond tolerance"))
    #expect(
      run.stdout.contains(
        "data-figure=\"reconcile.delta_usd\" data-row=\"claude-sonnet-4-5-20250929\">$1.95<"))
  }

  @Test func aClosedMonthSaysSoAndKeepsItsFigures() throws {
    let (directory, _, _) = try Self.demoReview()
    let close = try CLI.run(
      ["close", "2026-10", "--ledger", "demo/tally.sqlite", "--note", "October invoices"], in: directory,
      environment: ["SOURCE_DATE_EPOCH": "1794000000", "USER": "finance"])
    #expect(close.status == 0, "\(close)")
    let run = try CLI.run(
      ["review", "--month", Self.month, "--ledger", "demo/tally.sqlite", "--out", "-"], in: directory)
    #expect(run.status == 0, "\(run)")
    #expect(
      run.stdout.contains("<p class=\"status closed\">Closed on 2026-11-06T"), "\(run.stdout.prefix(3000))")
    #expect(run.stdout.contains(" by finance: these are the figures as closed"))
    #expect(run.stdout.contains("data-figure=\"change.cost_usd\" data-row=\"2026-10\">$344.92<"))
    let summary = try CLI.run(
      ["review", "--month", Self.month, "--ledger", "demo/tally.sqlite", "--format", "table"], in: directory)
    #expect(summary.stdout.contains("Closed: 2026-10 (by finance at 2026-11-06T"), "\(summary)")
  }

  // MARK: - In a real browser

  /// Chromium (Debian's `chromium`), or nil. Under CI (`CI` set) a missing browser fails the
  /// test: `scripts/test` installs it.
  static func chromium() -> URL? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":") {
      for name in ["chromium", "chromium-browser", "google-chrome"] {
        let url = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
      }
    }
    return nil
  }

  /// Runs headless Chromium on `page` with a private profile; returns stderr's console lines
  /// (`INFO:CONSOLE`: every console message, error or not, is logged so with
  /// `--enable-logging=stderr --v=0`).
  static func chromium(_ browser: URL, _ arguments: [String], page: URL, profile: URL) throws -> (
    run: CLIResult, console: [String]
  ) {
    let run = try CLI.run(
      [
        "timeout", "120", browser.path, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
        "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--enable-logging=stderr",
        "--v=0",
        "--user-data-dir=\(profile.path)",
      ] + arguments + [page.absoluteString], executable: URL(fileURLWithPath: "/usr/bin/env"))
    let console = run.stderr.split(separator: "\n").map(String.init).filter { $0.contains(":CONSOLE") }
    return (run, console)
  }

  @Test func aRealBrowserRendersAndPrintsTheDemoPageWithoutAConsoleMessage() throws {
    guard let browser = Self.chromium() else {
      let ci = ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty && $0 != "false" } ?? false
      if ci {
        Issue.record(
          "chromium is not installed: CI runs scripts/test, which installs it (apt-get install chromium)")
      } else {
        print("note: chromium not found; the browser test did not run (scripts/test installs it)")
      }
      return
    }
    let (directory, page, run) = try Self.demoReview()
    #expect(run.status == 0, "\(run)")
    let profile = directory.appendingPathComponent("profile")

    // A screenshot: the expected size, and a real picture (many colours, much ink), not a blank page.
    let png = directory.appendingPathComponent("review.png")
    let shot = try Self.chromium(
      browser, ["--window-size=1200,1600", "--screenshot=\(png.path)"], page: page, profile: profile)
    #expect(shot.run.status == 0, "\(shot.run)")
    #expect(shot.console.isEmpty, "console messages: \(shot.console)")
    let stats = try CLI.run(
      ["python3", CLI.goldenDirectory.appendingPathComponent("fixtures/review/png_stats.py").path, png.path],
      executable: URL(fileURLWithPath: "/usr/bin/env"))
    #expect(stats.status == 0, "\(stats)")
    let values = (try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Double]) ?? [:]
    #expect(values["width"] == 1200 && values["height"] == 1600, "\(values)")
    #expect((values["colours"] ?? 0) >= 16, "\(values)")
    #expect((values["ink"] ?? 0) >= 0.03, "a mostly blank screenshot: \(values)")
    // The Okabe-Ito colours of the charts are drawn.
    #expect((values["chart_colours"] ?? 0) >= 3, "\(values)")

    // Printed to PDF: at least one page, and no console message either.
    let pdf = directory.appendingPathComponent("review.pdf")
    let print = try Self.chromium(
      browser, ["--print-to-pdf=\(pdf.path)", "--no-pdf-header-footer"], page: page, profile: profile)
    #expect(print.run.status == 0, "\(print.run)")
    #expect(print.console.isEmpty, "console messages: \(print.console)")
    let data = try Data(contentsOf: pdf)
    #expect(data.starts(with: Data("%PDF-".utf8)))
    let text = String(decoding: data, as: UTF8.self)
    let pages = text.ranges(of: /\/Type\s*\/Page[^s]/).count
    #expect(pages >= 1 && pages < 30, "\(pages) pages")

    // The DOM the browser built holds the figures as written (the page has no script to change it).
    let dom = try Self.chromium(browser, ["--dump-dom"], page: page, profile: profile)
    #expect(dom.run.status == 0)
    #expect(dom.run.stdout.contains("data-figure=\"chargeback.cost_usd\" data-row=\"acme\">$55.27</span>"))
    #expect(dom.console.isEmpty, "console messages: \(dom.console)")
  }
}
