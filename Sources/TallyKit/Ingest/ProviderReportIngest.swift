import Foundation

extension Ingester {
  /// A provider report found in the input: its kind, whether it was detected (not given with
  /// `--format`), and its pages when detection already parsed them.
  struct ProviderReportInput {
    let format: ProviderReportFormat
    let detected: Bool
    let documents: [JSONNode]?
  }

  /// The report kind of an input that is a provider report, from `--format` or, when it is not
  /// given, from the content; nil for per-request formats.
  ///
  /// A first line that is no per-request record but opens a JSON object or array may be a
  /// (pretty-printed) report: then the input is read whole into memory, from the same single read
  /// the lines would come from. Reports are aggregates; an input over 64 MiB is per-request data
  /// and is never read whole here.
  func providerReport(in input: LineReader, format: InputFormat?) throws(IngestFailure)
    -> ProviderReportInput?
  {
    if let format {
      return ProviderReportFormat(format).map {
        ProviderReportInput(format: $0, detected: false, documents: nil)
      }
    }
    let limit = 64 << 20
    guard let first = try input.firstLine(),
      first.withUnsafeBytes({ InputFormat.detect(firstLine: $0) }) == nil,
      let opening = first.first(where: { $0 != 0x20 && $0 != 0x09 }),
      opening == UInt8(ascii: "{") || opening == UInt8(ascii: "["),
      (input.regularFileSize ?? 0) <= Int64(limit),
      try input.readAll(limit: limit),
      let documents = try? JSONDocuments.parse(Data(input.content))
    else { return nil }
    guard let detected = ProviderReportReader.format(of: documents),
      let format = ProviderReportFormat(detected)
    else {
      if let object = BatchPairing.batchObjectKind(documents) {
        let path = input.path
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let results =
          stem.hasPrefix("msgbatch_")
          ? "\(stem)_results.jsonl" : stem.hasPrefix("batch_") ? "\(stem)_output.jsonl" : "RESULTS.jsonl"
        throw .usage(
          "\(path) is \(object), not results: give it with --batch \(path) together with its results file (tally ingest \(results) --batch \(path)); a results file named after its batch finds it on its own"
        )
      }
      return nil
    }
    return ProviderReportInput(format: format, detected: true, documents: documents)
  }

  /// Ingests an Admin API report file: every page, one transaction.
  ///
  /// Each time bucket is stored whole: a bucket already in the ledger with other numbers is
  /// replaced by the newer report and its rows are counted as revised; the same numbers again
  /// are duplicates. A bucket that overlaps a bucket of another width (1h against 1d) is an
  /// error, since both would count the same usage.
  func ingestProviderReport(
    _ input: LineReader, _ report: ProviderReportInput, into ledger: Ledger, options: IngestOptions,
    now: String
  ) throws(IngestFailure) -> IngestSummary {
    let path = input.path
    var summary = IngestSummary(file: path, format: report.format.format)
    summary.formatDetected = report.detected
    let documents: [JSONNode]
    if let parsed = report.documents {
      documents = parsed
    } else {
      _ = try input.readAll()
      do {
        documents = try JSONDocuments.parse(Data(input.content))
      } catch {
        throw .invalidInput([SourceProblem(file: path, line: error.line, message: error.message)])
      }
    }
    let read = ProviderReportReader.read(documents, format: report.format, file: path)
    summary.read = read.rowsRead
    summary.invalid = read.invalidRows
    summary.problems = read.problems
    summary.pages = read.pages
    summary.continuation = read.continuation
    let buckets = Self.dedupe(read.buckets, into: &summary)
    if summary.invalid > 0 && !options.skipInvalid { throw .invalidInput(summary.problems) }

    let truncated = buckets.filter(\.truncated)
    if let first = truncated.first {
      summary.warnings.append(
        "\(path): \(truncated.count) bucket\(truncated.count == 1 ? "" : "s") (the first from \(Timestamp.format(first.start))) \(truncated.count == 1 ? "holds" : "hold") \(ProviderReportReader.analyticsGroupLimit) groups: incomplete: the API returns at most \(ProviderReportReader.analyticsGroupLimit) groups per bucket; download with fewer group_by dimensions or narrower filters"
      )
    }

    for bucket in buckets {
      for (row, _) in bucket.usage where !row.model.isEmpty && prices.resolve(row.model) == nil {
        summary.unpricedModels[row.model, default: 0] += 1
      }
      for (row, _) in bucket.cost where !row.model.isEmpty && prices.resolve(row.model) == nil {
        summary.unpricedModels[row.model, default: 0] += 1
      }
    }

    try store(
      buckets, of: report.format, from: input, into: ledger, summary: &summary, options: options, now: now)
    return summary
  }

  /// The buckets of a file, each once: the same bucket twice (a page saved twice) counts once,
  /// as duplicates; with other results it is a problem, and so is a result repeating the
  /// identity of another in its bucket (such a bucket is left out).
  static func dedupe(_ read: [ProviderReportFile.Bucket], into summary: inout IngestSummary)
    -> [ProviderReportFile.Bucket]
  {
    struct BucketKey: Hashable {
      let start: Int64
      let end: Int64
    }
    var buckets: [ProviderReportFile.Bucket] = []
    var seen: [BucketKey: Int] = [:]
    for bucket in read {
      let repeated =
        repeatedLines(bucket.usage.map { ($0.row.identity, $0.line) })
        + repeatedLines(bucket.cost.map { ($0.row.identity, $0.line) })
      for line in repeated {
        summary.reject(
          line,
          "this result repeats the dimensions of an earlier result of the bucket starting \(Timestamp.format(bucket.start))"
        )
      }
      if !repeated.isEmpty { continue }
      let key = BucketKey(start: bucket.start, end: bucket.end)
      if let index = seen[key] {
        let earlier = buckets[index]
        if Set(earlier.usage.map(\.row)) == Set(bucket.usage.map(\.row))
          && Set(earlier.cost.map(\.row)) == Set(bucket.cost.map(\.row))
        {
          summary.duplicates += bucket.usage.count + bucket.cost.count
        } else {
          summary.reject(
            bucket.line,
            "the bucket \(Timestamp.format(bucket.start)) to \(Timestamp.format(bucket.end)) appears twice in this file with different results"
          )
        }
        continue
      }
      seen[key] = buckets.count
      buckets.append(bucket)
    }
    return buckets
  }

  /// The lines of the results whose identity an earlier result of the list has.
  private static func repeatedLines<Identity: Hashable>(_ results: [(Identity, line: Int)]) -> [Int] {
    var seen: Set<Identity> = []
    return results.filter { !seen.insert($0.0).inserted }.map(\.line)
  }

  /// Stores the buckets in one transaction under a new source, counting their rows as new,
  /// duplicate or revised; a bucket overlapping one of another width is a problem, and any
  /// problem rolls the file back unless `--skip-invalid`.
  private func store(
    _ buckets: [ProviderReportFile.Bucket], of format: ProviderReportFormat, from input: LineReader,
    into ledger: Ledger, summary: inout IngestSummary, options: IngestOptions, now: String
  ) throws(IngestFailure) {
    let path = input.path
    struct Rollback: Error {}
    do {
      let contentHash = input.contentHash
      try ledger.transaction(commit: !options.dryRun) { writer in
        let sourceID = try writer.addSource(
          path: path, contentHash: contentHash, format: format.format.rawValue, ingestedAt: now)
        for bucket in buckets {
          let outcome = try writer.replaceProviderBucket(
            format.kind, start: bucket.start, end: bucket.end, usage: bucket.usage.map(\.row),
            cost: bucket.cost.map(\.row), sourceID: sourceID, provider: format.provider,
            truncated: bucket.truncated)
          switch outcome {
          case .stored(let new, let duplicates, let revised):
            summary.new += new
            summary.duplicates += duplicates
            summary.revised += revised
          case .overlaps(let start, let end, let existingPath):
            summary.reject(
              bucket.line,
              "the bucket \(Timestamp.format(bucket.start)) to \(Timestamp.format(bucket.end)) overlaps the bucket \(Timestamp.format(start)) to \(Timestamp.format(end)) already in the ledger (from \(existingPath)): one period's report must use one bucket_width"
            )
          }
        }
        if summary.invalid > 0 && !options.skipInvalid { throw Rollback() }
        try writer.finishSource(
          sourceID, contentHash: contentHash, format: format.format.rawValue, summary: summary,
          options: options.recordedJSON)
      }
    } catch is Rollback {
      throw .invalidInput(summary.problems)
    } catch {
      throw .failed("\(path): \(error)")
    }
  }
}

extension IngestSummary {
  /// Counts an invalid row and keeps its problem, if fewer than `Ingester.problemLimit` are kept.
  fileprivate mutating func reject(_ line: Int, _ message: String) {
    invalid += 1
    if problems.count < Ingester.problemLimit {
      problems.append(SourceProblem(file: file, line: line, message: message))
    }
  }
}
