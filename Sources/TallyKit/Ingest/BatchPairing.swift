import Foundation

/// How a batch results file and its batch object go together: the batch id a file name
/// carries, the batch object found beside a results file, and the checks that refuse a batch
/// object that is not the file's.
///
/// The checks, for a batch object given with `--batch` (or found beside the file):
/// - its id must be the batch id of the file name when the name carries one (`msgbatch_…` for
///   Anthropic; for OpenAI `batch_…` with at least eight letters and digits, one of them a
///   digit, so that `batch_output.jsonl` names no batch);
/// - its `request_counts` must agree with the file. An Anthropic results file holds every
///   request of the batch, so its lines must number processing + succeeded + errored +
///   canceled + expired. OpenAI splits a batch into an output file and an error file, so each
///   is checked against what it can hold: an `…_output.jsonl` must have exactly `completed`
///   successful (status 200) lines; an `…_errors.jsonl` no successful line and at most
///   `total - completed` lines (failed requests, and the unfinished ones of an expired batch);
///   a file whose name tells neither at most `completed` successful lines and at most `total`
///   lines.
public enum BatchPairing {
  /// The batch id in a file's name: `msgbatch_…` (Anthropic), else an OpenAI `batch_…` id.
  public static func batchID(inFileName path: String) -> String? {
    let name = URL(fileURLWithPath: path).lastPathComponent
    if let match = name.firstMatch(of: /msgbatch_[A-Za-z0-9]+/) { return String(match.output) }
    for match in name.matches(of: /batch_([A-Za-z0-9]+)/) {
      // Not the tail of a longer word, and an id rather than a word such as `output`.
      if match.range.lowerBound > name.startIndex {
        let before = name[name.index(before: match.range.lowerBound)]
        if before.isLetter || before.isNumber { continue }
      }
      let token = match.output.1
      if token.count >= 8 && token.contains(where: \.isNumber) { return String(match.output.0) }
    }
    return nil
  }

  /// The batch object saved beside a results file under the batch's own name, when there is
  /// one: `msgbatch_X.json` for `msgbatch_X_results.jsonl`, `batch_X.json` for OpenAI's
  /// `batch_X_output.jsonl` and `batch_X_errors.jsonl`.
  public static func companion(of path: String) -> String? {
    guard path != "-" else { return nil }
    let url = URL(fileURLWithPath: path)
    let name = url.lastPathComponent
    let stem: Substring
    if let match = name.wholeMatch(of: /(msgbatch_[A-Za-z0-9]+)_results\.jsonl/) {
      stem = match.output.1
    } else if let match = name.wholeMatch(of: /(batch_[A-Za-z0-9]+)_(?:output|errors?)\.jsonl/) {
      stem = match.output.1
    } else {
      return nil
    }
    let directory = (path as NSString).deletingLastPathComponent
    let candidate =
      directory.isEmpty ? "\(stem).json" : (directory as NSString).appendingPathComponent("\(stem).json")
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue
    else { return nil }
    return candidate
  }

  /// Refuses a batch object whose id is not the batch id of the file's name.
  static func checkID(path: String, batch: BatchInfo, batchPath: String) throws(IngestFailure) {
    guard let named = batchID(inFileName: path), named != batch.id else { return }
    throw .refused(
      SourceProblem(
        file: path, line: 0, message: "the batch object \(batchPath) is for batch \(batch.id), not \(named)"))
  }

  /// Refuses a batch object whose `request_counts` the file's lines contradict.
  static func checkCounts(
    path: String, format: InputFormat?, batch: BatchInfo, batchPath: String, lines: Int, successfulLines: Int
  ) throws(IngestFailure) {
    guard let counts = batch.requestCounts else { return }
    let prefix = "the batch object \(batchPath)"
    func refuse(_ message: String) -> IngestFailure {
      .refused(SourceProblem(file: path, line: 0, message: message))
    }
    switch format {
    case .anthropicBatch?:
      guard lines != counts.total else { return }
      throw refuse(
        "\(prefix) counts \(counts.total) request\(counts.total == 1 ? "" : "s"), the file has \(lines) result line\(lines == 1 ? "" : "s")"
      )
    case .openaiBatch?:
      let name = URL(fileURLWithPath: path).lastPathComponent
      if name.hasSuffix("_output.jsonl") {
        if successfulLines != counts.completed {
          throw refuse(
            "\(prefix) counts \(counts.completed) completed requests, the output file has \(successfulLines) successful result lines"
          )
        }
      } else if name.hasSuffix("_errors.jsonl") || name.hasSuffix("_error.jsonl") {
        if successfulLines > 0 {
          throw refuse(
            "an error file has no successful results, and this one has \(successfulLines) (is it the output file of \(batch.id)?)"
          )
        }
        if lines > counts.total - counts.completed {
          throw refuse(
            "\(prefix) counts \(counts.total) requests of which \(counts.completed) completed, so at most \(counts.total - counts.completed) error lines; the file has \(lines)"
          )
        }
      } else if successfulLines > counts.completed || lines > counts.total {
        throw refuse(
          "\(prefix) counts \(counts.total) requests of which \(counts.completed) completed; the file has \(lines) result lines, \(successfulLines) of them successful"
        )
      }
    default:
      return
    }
  }

  /// What a whole-file JSON document is when it is a batch object: the provider's name for
  /// it (`message_batch` or `batch`), else nil.
  static func batchObjectKind(_ documents: [JSONNode]) -> String? {
    guard documents.count == 1, case .object(let members) = documents[0].value else { return nil }
    for (key, value) in members {
      if key == "type", case .string("message_batch") = value.value {
        return "an Anthropic message batch object"
      }
      if key == "object", case .string("batch") = value.value { return "an OpenAI batch object" }
    }
    return nil
  }
}
