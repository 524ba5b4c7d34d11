import ArgumentParser
import Foundation
import TallyKit

/// What `--format` asks for: detect the format from the content, or read every file as one.
///
/// The option stays a `String`, checked in `validate()`, so its help and its error text list
/// `auto` with the formats in the order `tally ingest --help` gives them.
enum IngestFormat: Equatable {
  case auto
  case given(InputFormat)

  /// Nil for a word that names no format.
  init?(_ argument: String) {
    if argument == "auto" {
      self = .auto
    } else if let format = InputFormat(rawValue: argument) {
      self = .given(format)
    } else {
      return nil
    }
  }

  /// The format the ingester is told; nil lets it detect one.
  var inputFormat: InputFormat? {
    switch self {
    case .auto: nil
    case .given(let format): format
    }
  }
}

/// Where `tally ingest` writes its summary.
enum IngestSummaryFormat: String, ExpressibleByArgument, CaseIterable {
  /// Lines on stderr.
  case table
  /// One JSON object on stdout for the whole run.
  case json
}

struct IngestCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ingest",
    abstract:
      "Add usage files to the ledger: batch results, API logs, OpenAI batch output, Anthropic usage and cost reports.",
    discussion: """
      Each file is one transaction: a malformed line rejects the whole file (exit 65, nothing
      written) unless --skip-invalid. Ingest is idempotent by request key: the same file twice,
      or a re-downloaded copy in another order, adds nothing. The summary goes to stderr (with
      --summary json, as one JSON object on stdout); it counts the records each attribution rule
      attributed and warns when --map or --id-pattern matched none of a file's custom_ids.
      Anthropic Admin API usage and cost reports (one page or several pages in a file) are
      stored per time bucket: a re-downloaded report with other numbers for a bucket replaces
      that bucket, and the summary counts its rows as revised.
      """
  )

  @Argument(
    help:
      "Input files (JSON Lines, or Admin API report JSON): regular files, pipes, FIFOs, or - for standard input; a directory (Claude Code's ~/.claude/projects) is walked for its *.jsonl files.",
    completion: .file())
  var files: [String]

  @Option(
    help:
      "auto (detect from the content), anthropic-batch, openai-batch, api-log, claude-code, litellm-spend, otel-genai, anthropic-usage-report, anthropic-cost-report, anthropic-analytics-usage, anthropic-analytics-cost, openai-usage-report or openai-cost-report."
  )
  var format: String = "auto"

  @Option(
    help: ArgumentHelp(
      "The batch object saved as JSON: its id and created_at date the results.", valueName: "BATCH.json"),
    completion: .file(extensions: ["json"]))
  var batch: String?

  @Option(help: "The batch id, when no batch object is given.")
  var batchID: String?

  @Option(
    help: ArgumentHelp("The day of a batch's requests, when no batch object is given.", valueName: "date"),
    transform: CivilDate.argument)
  var date: CivilDate?

  @Option(help: "Tenant for records that name none.")
  var tenant: String?

  @Option(help: "Job for records that name none.")
  var job: String?

  @Option(
    help: ArgumentHelp("A custom_id,tenant,job CSV.", valueName: "MAP.csv"),
    completion: .file(extensions: ["csv"]))
  var map: String?

  @Option(
    help: ArgumentHelp(
      "A regex with named groups tenant and job, searched in custom_id like grep (anchor it with ^ and $).",
      valueName: "REGEX"))
  var idPattern: String?

  @Option(
    help: ArgumentHelp(
      "A field of each record that names its tenant (the first attribution rule; absent, the next rule applies): a JSON path such as metadata.team or request_tags[tenant], a CSV column, or an OpenTelemetry attribute such as user.id.",
      valueName: "PATH"))
  var tenantFrom: String?

  @Option(
    help: ArgumentHelp("A field of each record that names its job (like --tenant-from).", valueName: "PATH"))
  var jobFrom: String?

  @Flag(help: "Skip and count malformed lines instead of rejecting the file.")
  var skipInvalid = false

  @Flag(help: "Parse and report without writing.")
  var dryRun = false

  @Option(help: "The summary as table (stderr) or json (one object on stdout).")
  var summary: IngestSummaryFormat = .table

  @OptionGroup var ledger: LedgerOptions
  @OptionGroup var pricing: PricingOptions

  /// `--format`, checked in `validate()`.
  var ingestFormat: IngestFormat { IngestFormat(format) ?? .auto }

  func validate() throws {
    if IngestFormat(format) == nil {
      throw ValidationError(
        "--format: \"\(format)\" is not a format; expected auto, \(InputFormat.allCases.map(\.rawValue).joined(separator: ", "))"
      )
    }
    if batch != nil && date != nil {
      throw ValidationError("give the batch's time with --batch or with --date, not both")
    }
    if batch != nil && batchID != nil {
      throw ValidationError("--batch already names the batch; drop --batch-id")
    }
    if let idPattern {
      do { _ = try IDPattern(idPattern) } catch { throw ValidationError("--id-pattern: \(error)") }
    }
    for (option, path) in [("--tenant-from", tenantFrom), ("--job-from", jobFrom)] {
      if let path {
        do { _ = try FieldPath(path) } catch { throw ValidationError("\(option): \(error)") }
      }
    }
    try validateFilesExist(files, standardInput: true)
    try validateFilesExist([batch, map].compactMap { $0 })
  }

  func run() throws {
    var options = IngestOptions()
    options.format = ingestFormat.inputFormat
    options.batchID = batchID
    options.date = date
    options.skipInvalid = skipInvalid
    options.dryRun = dryRun
    options.attribution.tenant = tenant
    options.attribution.job = job
    options.attribution.idPattern = try idPattern.map { try IDPattern($0) }
    options.attribution.tenantFrom = try tenantFrom.map { try FieldPath($0) }
    options.attribution.jobFrom = try jobFrom.map { try FieldPath($0) }
    options.recorded = recordedOptions
    let seconds = Int64(Date().timeIntervalSince1970)
    do {
      if let batch {
        options.batch = try readBatchObject(batch, now: seconds)
        options.batchPath = batch
      }
      if let map { options.attribution.map = try Attribution.parseMap(try readInput(map), file: map) }
    } catch let failure as IngestFailure {
      throw CLIFailure(failure)
    }
    let prices = try pricing.loadPriceBook()
    // A dry run writes nothing at all: on a ledger that does not exist yet, it runs in memory.
    let database =
      dryRun && !ledger.mayExist
      ? try Ledger.inMemory() : try ledger.open()
    let ingester = Ingester(prices: prices)
    let now = Timestamp.format(seconds)
    var failed: Int32 = 0
    var summaries: [JSONValue] = []
    for file in try inputFiles() {
      var options = options
      // A results file named after its batch pairs with the batch object saved beside it,
      // unless the batch (or its id or day) was given.
      if batch == nil && batchID == nil && date == nil, let companion = BatchPairing.companion(of: file) {
        options.batch = try readBatchObject(companion, now: seconds)
        options.batchPath = companion
        options.batchPairedByName = true
        options.recorded["batch"] = companion
      }
      let bar = ProgressBar(path: file)
      do {
        let result = try ingester.ingest(
          path: file, into: database, options: options, now: now, progress: bar?.update)
        bar?.finish()
        switch summary {
        case .table: print(summary: result)
        case .json: summaries.append(result.json)
        }
        for warning in result.attribution.warnings(file: file) + result.warnings { Terminal.warning(warning) }
      } catch {
        bar?.finish()
        // One file's failure does not stop the others: print it now, exit with the worst status.
        let failure = CLIFailure(error)
        for message in failure.messages { Terminal.error(message) }
        failed = max(failed, failure.status)
        summaries.append(
          IngestSummary.failureJSON(file: file, exitStatus: failure.status, errors: failure.messages))
      }
    }
    if summary == .json {
      Swift.print(IngestSummary.runJSON(files: summaries, dryRun: dryRun), terminator: "")
    }
    if failed != 0 { throw CLIFailure([], status: failed) }
  }

  /// The files to ingest: a directory stands for its `*.jsonl` files, walked recursively in
  /// sorted order (Claude Code's `~/.claude/projects`), with --format claude-code, or with
  /// --format auto when every one of them is a Claude Code session log; each is its own
  /// transaction. Any other directory is left to the reader, which refuses it.
  func inputFiles() throws -> [String] {
    var expanded: [String] = []
    for file in files {
      var isDirectory: ObjCBool = false
      guard file != "-", ingestFormat == .auto || ingestFormat == .given(.claudeCode),
        FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), isDirectory.boolValue
      else {
        expanded.append(file)
        continue
      }
      let found = ClaudeCodeReader.sessionFiles(in: file)
      // With --format auto, only a tree of Claude Code session logs is walked; any other
      // directory is refused as before (give the files in it).
      if ingestFormat == .auto, !found.allSatisfy(Self.isClaudeCodeLog) {
        expanded.append(file)
        continue
      }
      if found.isEmpty {
        throw CLIFailure(
          [
            "\(file): is a directory with no *.jsonl files in it (Claude Code keeps them in ~/.claude/projects)"
          ], status: 64)
      }
      expanded += found
    }
    return expanded
  }

  /// Whether a file's first line is a Claude Code session line (an empty file counts as one).
  static func isClaudeCodeLog(_ path: String) -> Bool {
    do {
      guard let first = try LineReader(path: path).firstLine() else { return true }
      return first.withUnsafeBytes { InputFormat.detect(firstLine: $0) } == .claudeCode
    } catch {
      return false
    }
  }

  /// The options that shape the rows, as the ledger records them with each source.
  var recordedOptions: [String: String] {
    var recorded: [String: String] = [:]
    if let format = ingestFormat.inputFormat { recorded["format"] = format.rawValue }
    recorded["batch"] = batch
    recorded["batch_id"] = batchID
    recorded["date"] = date?.description
    recorded["tenant"] = tenant
    recorded["job"] = job
    recorded["map"] = map
    recorded["id_pattern"] = idPattern
    recorded["tenant_from"] = tenantFrom
    recorded["job_from"] = jobFrom
    if skipInvalid { recorded["skip_invalid"] = "true" }
    return recorded
  }

  /// Reads and checks a batch object; exits 65 when it is not one.
  func readBatchObject(_ path: String, now: Int64) throws -> BatchInfo {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    do {
      let info = try BatchInfo.parse(data)
      try info.check(now: now)
      return info
    } catch {
      throw CLIFailure(["\(path): \(error.message)"], status: 65)
    }
  }

  func print(summary: IngestSummary) {
    let format =
      summary.format.map { $0.rawValue + (summary.formatDetected ? " (detected)" : "") } ?? "empty file"
    var lines = ["\(summary.file): \(format)\(dryRun ? ", dry run: nothing written" : "")"]
    if let object = summary.pairedBatchObject {
      lines.append("  batch object \(object) (found beside the file; --batch FILE gives another)")
    }
    if summary.format?.isProviderReport == true {
      lines.append(
        "  read \(summary.read) rows in \(summary.pages) page\(summary.pages == 1 ? "" : "s"), new \(summary.new), duplicates \(summary.duplicates), revised \(summary.revised), invalid \(summary.invalid)"
      )
      if let next = summary.continuation {
        lines.append(
          "  the last page says has_more: true (next_page \"\(next)\"): ingest the following pages too")
      }
    } else {
      lines.append(
        "  read \(summary.read), new \(summary.new), duplicates \(summary.duplicates), not billed \(summary.notBilled), invalid \(summary.invalid)"
      )
    }
    if summary.skipped > 0, summary.format == .otelGenAI {
      let one = summary.skipped == 1
      lines.append(
        "  skipped \(summary.skipped) \(one ? "span that is not a model call" : "spans that are not model calls") (agent, tool and other spans)"
      )
    } else if summary.skipped > 0 {
      let one = summary.skipped == 1
      lines.append(
        "  skipped \(summary.skipped) \(one ? "line that is not an API request" : "lines that are not API requests") (user, system, summary lines)"
      )
    }
    let attribution = summary.attribution
    if attribution.record > 0 || map != nil || idPattern != nil || tenant != nil || job != nil
      || attribution.defaults > 0 || tenantFrom != nil || jobFrom != nil,
      summary.format?.isProviderReport != true
    {
      let defaults = attribution.defaults > 0 ? ", format defaults \(attribution.defaults)" : ""
      let fields =
        tenantFrom != nil || jobFrom != nil ? "--tenant-from/--job-from \(attribution.field), " : ""
      lines.append(
        "  attributed: \(fields)record fields \(attribution.record), map \(attribution.map), id-pattern \(attribution.pattern), flags \(attribution.flags)\(defaults); unattributed \(attribution.unattributed)"
      )
    }
    if summary.format == .litellmSpend, let spend = summary.reportedSpend {
      let unpriced =
        summary.reportedUnpriced > 0
        ? " (billed rows Tally prices; \(summary.reportedUnpriced) unpriced left out of both)" : ""
      lines.append(
        "  LiteLLM said $\(spend.json), Tally prices $\(summary.tallyPriceOfReported.json)\(unpriced)")
    }
    for problem in summary.problems where summary.invalid > 0 {
      lines.append("  skipped \(problem.description.escapingControlCharacters())")
    }
    if !summary.unpricedModels.isEmpty {
      lines.append(
        "  unpriced models (stored, excluded from costs): "
          + summary.unpricedModels.sorted { $0.key < $1.key }.map {
            "\($0.key.escapingControlCharacters()) (\($0.value))"
          }.joined(separator: ", "))
    }
    if !summary.notPricedFeatures.isEmpty {
      lines.append(
        "  stored at standard rates' usage, surcharges not priced yet: "
          + summary.notPricedFeatures.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }.joined(
            separator: ", "))
    }
    FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
  }
}

/// A one-line progress bar on stderr, only when stderr is a terminal and the input a regular file
/// (a pipe has no size to measure progress against).
final class ProgressBar {
  let total: Int64
  let name: String
  var lastPercent = -1

  init?(path: String) {
    guard isatty(STDERR_FILENO) == 1, path != "-",
      let attributes = try? FileManager.default.attributesOfItem(atPath: path),
      attributes[.type] as? FileAttributeType == .typeRegular,
      let size = attributes[.size] as? NSNumber, size.int64Value > 0
    else { return nil }
    total = size.int64Value
    name = URL(fileURLWithPath: path).lastPathComponent
  }

  func update(_ bytes: Int64) {
    let percent = Int(bytes * 100 / total)
    guard percent != lastPercent else { return }
    lastPercent = percent
    let filled = percent * 30 / 100
    let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled)
    FileHandle.standardError.write(Data("\r\(name) [\(bar)] \(percent)%".utf8))
  }

  func finish() {
    guard lastPercent >= 0 else { return }
    FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
  }
}

extension CLIFailure {
  /// What an ingest failure prints, and its exit status.
  init(_ failure: IngestFailure) {
    switch failure {
    case .usage(let message): self.init(message, status: 64)
    case .invalidInput(let problems):
      self.init(
        problems.map(\.description) + [
          "\(problems.first?.file ?? ""): nothing was written (fix the lines above, or pass --skip-invalid to skip them)"
        ], status: 65)
    case .failed(let message): self.init(message, status: 1)
    case .refused(let problem):
      self.init([problem.description, "\(problem.file): nothing was written"], status: 65)
    }
  }
}
