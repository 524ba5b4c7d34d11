import Foundation

/// How a file is ingested (the `tally ingest` options).
public struct IngestOptions {
  /// Nil: detect from the first record.
  public var format: InputFormat?
  /// The batch object given with `--batch FILE.json`.
  public var batch: BatchInfo?
  public var batchID: String?
  public var date: CivilDate?
  public var attribution = Attribution()
  public var skipInvalid = false
  public var dryRun = false
  /// Where `batch` was read from, as the user named it (for messages and the sources list).
  public var batchPath: String?
  /// Whether `batch` was found beside the results file rather than given with `--batch`.
  public var batchPairedByName = false
  /// The options that shaped the rows, as `tally ledger sources` shows them (`batch`, `map`,
  /// `id_pattern`, ...): stored with the source, so a removed file can be ingested again the
  /// same way.
  public var recorded: [String: String] = [:]
  /// The format was told from the file's first bytes before the lines were read (a
  /// pretty-printed LiteLLM JSON array), not given with `--format`.
  var formatSniffed = false

  public init() {}

  /// `recorded` as one compact JSON object with sorted keys; nil when empty.
  var recordedJSON: String? {
    guard !recorded.isEmpty else { return nil }
    return "{"
      + recorded.sorted { $0.key < $1.key }.map {
        "\(JSONValue.quoted($0.key)):\(JSONValue.quoted($0.value))"
      }
      .joined(separator: ",") + "}"
  }
}

/// What one file's ingest did, for the summary on stderr (and JSON on stdout).
public struct IngestSummary: Sendable {
  public var file: String
  public var format: InputFormat?
  public var formatDetected = false
  public var read = 0
  public var new = 0
  public var duplicates = 0
  public var notBilled = 0
  public var invalid = 0
  /// Lines that are not requests (Claude Code user, system and summary lines): not invalid.
  public var skipped = 0
  /// LiteLLM: the rows' own `spend`, summed exactly, and Tally's price of the same rows (billed
  /// rows Tally can price; `reportedUnpriced` counts the billed rows it cannot, left out of both).
  public var reportedSpend: Money?
  public var tallyPriceOfReported = Money.zero
  public var reportedUnpriced = 0
  /// Provider reports: rows of a bucket already in the ledger that the newer report changed
  /// or no longer has (the bucket is replaced whole).
  public var revised = 0
  /// Provider reports: pages read.
  public var pages = 0
  /// Provider reports: the `next_page` of a last page that says `has_more: true`.
  public var continuation: String?
  /// Model name → records whose usage could not be priced (stored, never dropped).
  public var unpricedModels: [String: Int] = [:]
  /// Usage Tally stores but does not price yet, such as `inference_geo us` → records.
  public var notPricedFeatures: [String: Int] = [:]
  /// The first problems found (at most ten are kept), in line order.
  public var problems: [SourceProblem] = []
  /// Which attribution rules filled tenant and job, and which matched no id.
  public var attribution = AttributionCounts()
  /// The batch object found beside the file and used for it (no `--batch` was given).
  public var pairedBatchObject: String?
  /// Warnings about the file as a whole, `file: what`, such as a provider without price rows
  /// for a model, or a `--date` that dates none of the lines.
  public var warnings: [String] = []

  /// The warning for requests that fall in closed months: they do not change those months.
  static func lateWarnings(_ late: [CivilDate: Int], file: String) -> [String] {
    late.sorted { $0.key < $1.key }.map { month, count in
      let name = String(month.description.prefix(7))
      return
        "\(file): \(count) billed request\(count == 1 ? "" : "s") in \(name), which is closed: kept out of its closed figures, \(count == 1 ? "it is" : "they are") a prior-period adjustment in the first open month (tally periods)"
    }
  }
}

/// Why an ingest did not happen.
public enum IngestFailure: Error, Sendable {
  /// A usage error (exit 64): missing batch id or time, conflicting flags.
  case usage(String)
  /// Bad input (exit 65): nothing of the file was written.
  case invalidInput([SourceProblem])
  /// The file could not be read, or the ledger not written (exit 1).
  case failed(String)
  /// Bad input as a whole (exit 65), such as a batch object that is not the file's, or a
  /// file already in the ledger under another batch: nothing of it was written.
  case refused(SourceProblem)
}

/// Reads input files into the ledger: one transaction per file, idempotent by request key.
public struct Ingester {
  public let prices: PriceBook
  /// Problems kept for the report; the count of invalid lines has them all.
  public static let problemLimit = 10

  public init(prices: PriceBook) { self.prices = prices }

  /// Ingests one file. Either every valid line is written (bad lines skipped and counted with
  /// `skipInvalid`) or nothing is: a bad line without `skipInvalid` rolls the file back.
  public func ingest(
    path: String, into ledger: Ledger, options: IngestOptions, now: String, progress: ((Int64) -> Void)? = nil
  ) throws(IngestFailure) -> IngestSummary {
    let input = try LineReader(path: path, progress: progress)
    if let report = try providerReport(in: input, format: options.format) {
      return try ingestProviderReport(input, report, into: ledger, options: options, now: now)
    }
    guard let nowSeconds = Timestamp.parse(now) else {
      throw .failed("now \"\(now)\" is not an RFC 3339 time")
    }
    var options = options
    if options.format == nil, let first = try input.firstLine(), first.first == UInt8(ascii: "["),
      first.withUnsafeBytes({ InputFormat.detect(firstLine: $0) }) == nil
    {
      _ = try input.readAll(limit: 1 << 16)
      if InputFormat.isLiteLLMArray(input.content) {
        options.format = .litellmSpend
        options.formatSniffed = true
      }
    }
    // Reading and parsing run on their own thread, a chunk ahead of the ledger writes.
    let parsing = ParsedChunks()
    // The parser owns the input, the options and its own state; the writer touches none of them.
    struct Job: @unchecked Sendable {
      let ingester: Ingester
      let input: LineReader
      let options: IngestOptions
    }
    let job = Job(ingester: self, input: input, options: options)
    let parser = Thread {
      parsing.run { chunks in
        try job.ingester.parse(job.input, path: path, options: job.options, now: nowSeconds, into: chunks)
      }
    }
    parser.stackSize = 8 << 20
    parser.start()
    defer { parsing.cancel() }

    var summary = IngestSummary(file: path, format: options.format)
    if options.batchPairedByName { summary.pairedBatchObject = options.batchPath }
    var conflicts: [SourceProblem] = []
    // Lines whose request succeeded (billed), for the batch object's request_counts.
    var successfulLines = 0
    var batchID: String?
    struct Rollback: Error {}
    do {
      try ledger.transaction(commit: !options.dryRun) { writer in
        // The requests name their source, so it is added first; the file's hash and format are
        // known only once the last line is read, and `finishSource` records them.
        let sourceID = try writer.addSource(
          path: path, contentHash: "", format: options.format?.rawValue ?? "auto", ingestedAt: now)
        func countOutcomes(_ chunk: ParsedChunks.Chunk, _ outcomes: [InsertOutcome]) {
          for (index, outcome) in outcomes.enumerated() {
            let record = chunk.inserts[index].record
            // An iteration's row follows its request, which the counts count once; its model
            // may be unpriced on its own, and its usage may conflict on its own.
            if record.part != 0 {
              if case .new = outcome, chunk.unpriced[index] {
                summary.unpricedModels[record.model ?? "", default: 0] += 1
              }
              if case .conflict = outcome {} else { continue }
            }
            if record.billed && record.part == 0 { successfulLines += 1 }
            if batchID == nil { batchID = record.batchID }
            switch outcome {
            case .new:
              summary.new += 1
              if !record.billed { summary.notBilled += 1 }
              if chunk.unpriced[index] { summary.unpricedModels[record.model ?? "", default: 0] += 1 }
              if record.inferenceGeo == "us" {
                summary.notPricedFeatures["inference_geo us (data residency)", default: 0] += 1
              }
              if record.serviceTier == "priority" {
                summary.notPricedFeatures["service_tier priority", default: 0] += 1
              }
            case .duplicate:
              summary.duplicates += 1
            case .conflict(let existingSourceID, let existingPath):
              summary.invalid += 1
              if conflicts.count < Ingester.problemLimit {
                let message =
                  existingSourceID == sourceID
                  ? "\(record.customID.map { "custom_id \"\($0)\"" } ?? "request \(record.key)") appears twice in this file with different usage"
                  : "request \(record.key) is already in the ledger (from \(existingPath)) with different usage"
                conflicts.append(SourceProblem(file: path, line: chunk.lines[index], message: message))
              }
            }
          }
        }
        // On PostgreSQL each chunk is sent before the previous one is finished: the server
        // inserts one chunk while this thread prepares the next.
        var previous: (chunk: ParsedChunks.Chunk, sent: SentInserts)?
        while let chunk = try parsing.next() {
          if !writer.sendsAhead, let ahead = previous.take() {
            countOutcomes(ahead.chunk, try writer.finish(ahead.sent))
          }
          let sent = try writer.send(chunk.inserts, sourceID: sourceID, summed: chunk.rollups)
          if let ahead = previous.take() { countOutcomes(ahead.chunk, try writer.finish(ahead.sent)) }
          if writer.sendsAhead {
            previous = (chunk, sent)
          } else {
            countOutcomes(chunk, try writer.finish(sent))
          }
        }
        if let ahead = previous.take() { countOutcomes(ahead.chunk, try writer.finish(ahead.sent)) }
        let parsed = parsing.summary
        summary.format = parsed.format
        summary.formatDetected = parsed.formatDetected
        summary.read = parsed.read
        summary.invalid += parsed.invalid
        summary.skipped = parsed.skipped
        // Claude Code's streamed repeats, folded before the writes.
        summary.duplicates += parsed.duplicates
        summary.reportedSpend = parsed.reportedSpend
        summary.tallyPriceOfReported = parsed.tallyPriceOfReported
        summary.reportedUnpriced = parsed.reportedUnpriced
        // Poll snapshots: counted as not billed, never stored (see `LineError.pollSnapshot`).
        summary.notBilled += parsed.notBilled
        summary.warnings = parsed.warnings
        summary.attribution = parsed.attribution
        // Each side kept its first problems in line order: together, the first of the file.
        summary.problems = Array(
          (parsed.problems + conflicts).sorted { $0.line < $1.line }.prefix(Ingester.problemLimit))
        if summary.invalid > 0 && !options.skipInvalid { throw Rollback() }
        if let batch = options.batch, summary.format == .anthropicBatch || summary.format == .openaiBatch {
          let batchPath = options.batchPath ?? "given with --batch"
          try BatchPairing.checkID(path: path, batch: batch, batchPath: batchPath)
          try BatchPairing.checkCounts(
            path: path, format: summary.format, batch: batch, batchPath: batchPath, lines: summary.read,
            successfulLines: successfulLines)
          try writer.upsert(batch: batch)
        }
        if summary.read > 0,
          let earlier = try writer.activeSource(
            contentHash: parsing.contentHash, otherThan: sourceID, batchIDNot: batchID)
        {
          throw IngestFailure.refused(
            SourceProblem(
              file: path, line: 0,
              message:
                "this file is already in the ledger as source \(earlier.id) (\(earlier.path)) under \(earlier.batchID.map { "batch \($0)" } ?? "no batch id"); ingesting it under \(batchID.map { "batch \($0)" } ?? "no batch id") would count its requests twice. If the earlier pairing is wrong, take it out with `tally ledger remove \(earlier.id)`, then ingest this file again"
            ))
        }
        let late = try writer.finishSource(
          sourceID, contentHash: parsing.contentHash, format: summary.format?.rawValue ?? "empty",
          summary: summary, batchID: batchID, options: options.recordedJSON)
        summary.warnings += IngestSummary.lateWarnings(late, file: path)
      }
    } catch is Rollback {
      throw .invalidInput(summary.problems)
    } catch let overflow as LedgerSumOverflow {
      throw .invalidInput([SourceProblem(file: path, line: 0, message: overflow.description)])
    } catch let failure as IngestFailure {
      throw failure
    } catch {
      throw .failed("\(path): \(error)")
    }
    return summary
  }

  /// Reads, parses and attributes every line of `input`, handing records to `chunks` in
  /// chunks; what it counted (read, invalid, problems, attribution, format) goes into
  /// `chunks.summary`.
  private func parse(
    _ input: LineReader, path: String, options: IngestOptions, now: Int64, into chunks: ParsedChunks
  ) throws {
    let run = ParseRun(ingester: self, path: path, options: options, now: now, chunks: chunks)
    let contentHash = try input.forEachLine(overlong: { lineNumber in
      run.problem(lineNumber, LineReader.overlongMessage)
    }) { lineNumber, bytes in
      try run.line(lineNumber, bytes)
    }
    try run.finish()
    chunks.finish(summary: run.summary, contentHash: contentHash)
  }

  /// One file's parsing: the reader, what it counted, and the chunk being filled.
  private final class ParseRun {
    let ingester: Ingester
    let path: String
    let options: IngestOptions
    let now: Int64
    let chunks: ParsedChunks
    var summary: IngestSummary
    var reader: (any UsageReader)?
    /// OpenTelemetry: several records a line.
    var multiReader: (any MultiRecordReader)?
    /// Claude Code: streamed repeats folded into one record (see `RepeatFolder`).
    var folder: RepeatFolder?
    /// LiteLLM: rows cut from the lines (see `LiteLLMRows`).
    var rows: LiteLLMRows?
    var rowsBroken = false
    var lastLine = 0
    var chunk = ParsedChunks.Chunk()
    var modelIDs: [ProviderModel: String?] = [:]
    var pricedCache: [PricedKey: Unpriced?] = [:]
    var providerMisses: Set<String> = []
    // OpenAI batch lines dated by their own `created` while --date was given.
    var ownTimes = 0

    init(ingester: Ingester, path: String, options: IngestOptions, now: Int64, chunks: ParsedChunks) {
      self.ingester = ingester
      self.path = path
      self.options = options
      self.now = now
      self.chunks = chunks
      summary = IngestSummary(file: path, format: options.format)
      summary.formatDetected = options.formatSniffed
    }

    func problem(_ line: Int, _ message: String) {
      summary.read += 1
      summary.invalid += 1
      if summary.problems.count < Ingester.problemLimit {
        summary.problems.append(SourceProblem(file: path, line: line, message: message))
      }
    }

    func line(_ lineNumber: Int, _ bytes: UnsafeRawBufferPointer) throws {
      lastLine = lineNumber
      if reader == nil {
        // With --skip-invalid, lines the format cannot be told from are skipped until one can.
        guard
          let format = try options.format
            ?? ingester.detect(bytes, path: path, line: lineNumber, options: options, summary: &summary)
        else { return }
        summary.format = format
        reader = try ingester.makeReader(format, path: path, options: options, now: now)
        multiReader = reader as? any MultiRecordReader
        if format == .claudeCode { folder = RepeatFolder() }
        if format == .litellmSpend { rows = LiteLLMRows() }
      }
      guard rows != nil else { return try read(lineNumber, bytes) }
      // LiteLLM: a row may span lines (a pretty-printed array, a CSV cell with line breaks).
      guard !rowsBroken else { return }
      var cut: [(Int, [UInt8])] = []
      do {
        try rows!.feed(bytes, number: lineNumber) { line, row in cut.append((line, Array(row))) }
      } catch let error as LiteLLMRowsError {
        rowsBroken = true
        for (line, row) in cut { try row.withUnsafeBytes { try read(line, $0) } }
        problem(error.line, error.message)
        return
      }
      for (line, row) in cut { try row.withUnsafeBytes { try read(line, $0) } }
    }

    func finish() throws {
      if let rows, !rowsBroken {
        do { try rows.finish(lastLine: lastLine) } catch let error as LiteLLMRowsError {
          problem(error.line, error.message)
        }
      }
      if var folder {
        for (line, record) in folder.finish() { try process(record, lineNumber: line) }
        summary.duplicates += folder.folded
        self.folder = nil
      }
      if let litellm = reader as? LiteLLMSpendReader, litellm.rowsWithoutUsageObject > 0 {
        let count = litellm.rowsWithoutUsageObject
        summary.warnings.append(
          "\(path): \(count) row\(count == 1 ? " has" : "s have") no metadata.usage_object: their cache tokens are unknown and counted as input"
        )
      }
      if !chunk.inserts.isEmpty { try chunks.put(chunk) }
      summary.warnings += providerMisses.sorted().map { "\(path): \($0)" }
      if let date = options.date, ownTimes > 0 {
        summary.warnings.append(
          "\(path): --date \(date) is not used for \(ownTimes) line\(ownTimes == 1 ? "" : "s"): OpenAI batch lines are dated by their own response.body.created; --date dates only lines without one (error lines)"
        )
      }
    }

    /// One line (one row) of the file: its record, folded, attributed, priced and queued.
    func read(_ lineNumber: Int, _ bytes: UnsafeRawBufferPointer) throws {
      if multiReader != nil { return try readMany(lineNumber, bytes) }
      summary.read += 1
      var record: UsageRecord?
      do {
        record = try reader!.record(from: bytes)
        // Read again only when --tenant-from / --job-from is given.
        if record != nil, options.attribution.readsFields {
          record!.fromField = try reader!.fields(
            tenant: options.attribution.tenantFrom, job: options.attribution.jobFrom, line: bytes)
        }
      } catch {
        if error == .pollSnapshot {
          summary.notBilled += 1
        } else if error == .notARequest {
          // A CSV header is not a row; a Claude Code user or summary line is read and skipped.
          if summary.format == .litellmSpend { summary.read -= 1 } else { summary.skipped += 1 }
        } else {
          summary.read -= 1
          problem(lineNumber, error.message)
        }
        return
      }
      guard let record else { return }
      if folder != nil {
        for (line, record) in folder!.add(record, line: lineNumber) { try process(record, lineNumber: line) }
      } else {
        try process(record, lineNumber: lineNumber)
      }
    }

    /// A line of several records (OpenTelemetry spans): each is read, the spans that are not
    /// requests are skipped; a problem anywhere in the line makes the whole line invalid.
    func readMany(_ lineNumber: Int, _ bytes: UnsafeRawBufferPointer) throws {
      let read: (records: [UsageRecord], skipped: Int)
      do {
        read = try multiReader!.records(from: bytes)
      } catch {
        problem(lineNumber, error.message)
        return
      }
      summary.read += read.records.count + read.skipped
      summary.skipped += read.skipped
      for record in read.records { try process(record, lineNumber: lineNumber) }
    }

    /// The model id a record's name resolves to, looked up once per provider and name. Only the
    /// provider's own rows count: a Bedrock request is not priced at Anthropic's rates.
    func modelID(of record: UsageRecord) -> String? {
      guard let model = record.model else { return nil }
      let key = ProviderModel(provider: record.provider, model: model)
      if let known = modelIDs[key] { return known }
      let id = ingester.prices.resolve(model, provider: record.provider)?.id
      modelIDs[key] = id
      return id
    }

    /// Sums a row for the rollups, notes whether it can be priced, and queues it for the writer.
    func add(_ record: UsageRecord, modelID: String?, lineNumber: Int) throws {
      let insert = LedgerInsert(record: record, modelID: modelID)
      try chunk.rollups.add(insert)
      let unpriced = ingester.unpricedReason(record, cache: &pricedCache)
      if let unpriced, case .noProviderRows = unpriced { providerMisses.insert(unpriced.description) }
      chunk.unpriced.append(unpriced != nil)
      chunk.inserts.append(insert)
      chunk.lines.append(lineNumber)
    }

    func process(_ record: UsageRecord, lineNumber: Int) throws {
      let prices = ingester.prices
      var record = record
      try options.attribution.apply(to: &record, counting: &summary.attribution, file: path, line: lineNumber)
      let modelID = modelID(of: record)
      if let spend = record.reportedSpend, record.billed {
        let probe = Usage(tokens: record.tokens, webSearches: record.webSearches)
        if case .success(let cost) = prices.cost(
          of: probe, model: modelID ?? record.model ?? "", mode: record.mode,
          on: Timestamp.utcDay(record.timestamp),
          requestInputTokens: record.tokens.totalInput, provider: record.provider)
        {
          summary.reportedSpend += Money(spend)
          summary.tallyPriceOfReported = summary.tallyPriceOfReported + cost.actual
        } else {
          summary.reportedUnpriced += 1
        }
      }
      if let date = options.date, summary.format == .openaiBatch, record.timestamp != Timestamp.startOf(date)
      {
        ownTimes += 1
      }
      try add(record, modelID: modelID, lineNumber: lineNumber)
      // An iteration billed apart (an advisor's model, a compaction step) is a row of its own,
      // attributed like its request.
      for part in record.iterationRecords() {
        try add(part, modelID: self.modelID(of: part), lineNumber: lineNumber)
      }
      if chunk.inserts.count == ParsedChunks.chunkSize {
        try chunks.put(chunk)
        chunk = ParsedChunks.Chunk()
      }
    }
  }

  /// The format told from a line; nil for a line it cannot be told from that `--skip-invalid`
  /// skips (counted as read and invalid), else the problem is thrown.
  fileprivate func detect(
    _ bytes: UnsafeRawBufferPointer, path: String, line: Int, options: IngestOptions,
    summary: inout IngestSummary
  ) throws -> InputFormat? {
    if let format = InputFormat.detect(firstLine: bytes) {
      summary.formatDetected = true
      return format
    }
    let problem = SourceProblem(
      file: path, line: line,
      message: InputFormat.undetected(bytes)
        ?? (InputFormat.isJSON(bytes)
          ? "cannot tell the format from the first record; give --format (\(InputFormat.allCases.map(\.rawValue).joined(separator: ", ")))"
          : "not valid JSON (a truncated or corrupted line?)"))
    guard options.skipInvalid else { throw IngestFailure.invalidInput(summary.problems + [problem]) }
    summary.read += 1
    summary.invalid += 1
    if summary.problems.count < Ingester.problemLimit { summary.problems.append(problem) }
    return nil
  }

  fileprivate func makeReader(
    _ format: InputFormat, path: String, options: IngestOptions, now: Int64
  ) throws -> any UsageReader {
    if options.batch != nil && options.date != nil {
      throw IngestFailure.usage("give the batch's time with --batch FILE.json or with --date, not both")
    }
    do {
      try options.batch?.check(now: now)
      if let date = options.date {
        try checkRequestTime(Timestamp.startOf(date), now: now, "--date \(date)")
      }
    } catch {
      throw IngestFailure.usage(error.message)
    }
    switch format {
    case .anthropicBatch:
      let fileName = URL(fileURLWithPath: path).lastPathComponent
      let fromName = fileName.firstMatch(of: /msgbatch_[A-Za-z0-9]+/).map { String($0.output) }
      guard let batchID = options.batch?.id ?? options.batchID ?? fromName else {
        throw IngestFailure.usage(
          "\(path): Anthropic batch results carry no batch id; give the batch object with --batch FILE.json, or --batch-id msgbatch_…"
        )
      }
      let timestamp = options.batch?.createdAt ?? options.date.map(Timestamp.startOf)
      guard let timestamp else {
        throw IngestFailure.usage(
          "\(path): Anthropic batch results carry no time; give the batch object with --batch FILE.json (its created_at dates the requests) or the day with --date YYYY-MM-DD"
        )
      }
      return AnthropicBatchReader(batchID: batchID, timestamp: timestamp)
    case .openaiBatch:
      return OpenAIBatchReader(
        batchID: options.batch?.id ?? options.batchID,
        fallbackTimestamp: options.batch?.createdAt ?? options.date.map(Timestamp.startOf), now: now)
    case .anthropicUsageReport, .anthropicCostReport, .openaiUsageReport, .openaiCostReport,
      .anthropicAnalyticsUsage, .anthropicAnalyticsCost:
      throw IngestFailure.usage("\(path): \(format.rawValue) is a report, not per-request records")
    case .claudeCode:
      return ClaudeCodeReader(path: path, now: now)
    case .litellmSpend:
      let prices = self.prices
      return LiteLLMSpendReader(providerOfModel: { prices.resolve($0)?.provider }, now: now)
    case .otelGenAI:
      let prices = self.prices
      return OTelGenAIReader(
        providerOfModel: { prices.resolve($0)?.provider }, now: now,
        tenantFrom: options.attribution.tenantFrom, jobFrom: options.attribution.jobFrom)
    case .apiLog:
      let prices = self.prices
      return APILogReader(providerOfModel: { prices.resolve($0)?.provider }, now: now)
    }
  }

  fileprivate struct ProviderModel: Hashable {
    let provider: String
    let model: String
  }

  /// What decides whether a record can be priced: the answer is cached per file.
  fileprivate struct PricedKey: Hashable {
    let provider: String
    let model: String
    let day: Int64
    let mode: Mode
    let sizeClass: Int
    let webSearches: Bool
    let audioInput: Bool
    let audioOutput: Bool
  }

  /// Why a billed record's usage cannot be priced, nil when it can (answers cached per file).
  fileprivate func unpricedReason(_ record: UsageRecord, cache: inout [PricedKey: Unpriced?]) -> Unpriced? {
    guard record.billed, let model = record.model else { return nil }
    let key = PricedKey(
      provider: record.provider, model: model, day: Int64(Timestamp.utcDay(record.timestamp).daysSinceEpoch),
      mode: record.mode,
      sizeClass: Ledger.sizeClass(record.tokens.totalInput),
      webSearches: record.webSearches > 0, audioInput: record.tokens.audioInput > 0,
      audioOutput: record.tokens.audioOutput > 0)
    if let known = cache[key] { return known }
    let probe = Usage(
      tokens: TokenCounts(audioInput: key.audioInput ? 1 : 0, audioOutput: key.audioOutput ? 1 : 0),
      webSearches: key.webSearches ? 1 : 0)
    let result = prices.cost(
      of: probe, model: model, mode: record.mode, on: Timestamp.utcDay(record.timestamp),
      requestInputTokens: key.sizeClass, provider: record.provider)
    let unpriced: Unpriced? = if case .failure(let reason) = result { reason } else { nil }
    cache[key] = unpriced
    return unpriced
  }
}

/// Parsed records on their way from the parsing thread to the ledger writes: a bounded queue
/// of chunks (memory stays flat), the parser's counts, and its error if it failed.
final class ParsedChunks: @unchecked Sendable {
  struct Chunk {
    var inserts: [LedgerInsert] = []
    /// The line of each insert.
    var lines: [Int] = []
    /// Whether each insert's usage cannot be priced.
    var unpriced: [Bool] = []
    /// Every insert, summed for the rollups.
    var rollups = RollupBuffer()
  }
  static let chunkSize = 16_384
  private static let capacity = 2

  private let condition = NSCondition()
  private var queue: [Chunk] = []
  private var finished = false
  private var cancelled = false
  private var failure: (any Error)?
  private(set) var summary = IngestSummary(file: "")
  private(set) var contentHash = ""

  private struct Cancelled: Error {}

  /// Runs the parser, recording how it ended.
  func run(_ parse: (ParsedChunks) throws -> Void) {
    var error: (any Error)?
    do { try parse(self) } catch is Cancelled {} catch let thrown { error = thrown }
    condition.lock()
    if let error { failure = error }
    finished = true
    condition.broadcast()
    condition.unlock()
  }

  /// Waits for room, then queues a chunk; throws when the writer stopped.
  func put(_ chunk: Chunk) throws {
    condition.lock()
    defer { condition.unlock() }
    while queue.count >= ParsedChunks.capacity && !cancelled { condition.wait() }
    if cancelled { throw Cancelled() }
    queue.append(chunk)
    condition.broadcast()
  }

  /// Records what the parser counted (it has put its last chunk).
  func finish(summary: IngestSummary, contentHash: String) {
    condition.lock()
    self.summary = summary
    self.contentHash = contentHash
    condition.unlock()
  }

  /// The next chunk, nil when the parser is done; rethrows the parser's error.
  func next() throws -> Chunk? {
    condition.lock()
    defer { condition.unlock() }
    while queue.isEmpty && !finished { condition.wait() }
    if let failure { throw failure }
    if queue.isEmpty { return nil }
    let chunk = queue.removeFirst()
    condition.broadcast()
    return chunk
  }

  /// Stops the parser (the writer is done or failed) and waits until it has stopped.
  func cancel() {
    condition.lock()
    cancelled = true
    queue = []
    condition.broadcast()
    while !finished { condition.wait() }
    condition.unlock()
  }
}
