import Foundation

extension IngestSummary {
  /// One file of `tally ingest --summary json`: the counts of the table summary, the
  /// attribution by rule, and the warnings.
  public var json: JSONValue {
    let sortedCounts = { (counts: [String: Int]) -> JSONValue in
      .object(counts.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.integer($0.value)) })
    }
    let members: [(String, JSONValue)] = [
      ("file", .string(file)),
      ("status", .string("ingested")),
      ("format", format.map { .string($0.rawValue) } ?? .null),
      ("format_detected", .bool(formatDetected)),
      ("read", .integer(read)),
      ("new", .integer(new)),
      ("duplicates", .integer(duplicates)),
      ("not_billed", .integer(notBilled)),
      ("invalid", .integer(invalid)),
      ("revised", .integer(revised)),
      ("pages", .integer(pages)),
      ("continuation", continuation.map { .string($0) } ?? .null),
      (
        "attributed",
        .object([
          ("field", .integer(attribution.field)),
          ("record", .integer(attribution.record)),
          ("map", .integer(attribution.map)),
          ("pattern", .integer(attribution.pattern)),
          ("flags", .integer(attribution.flags)),
          ("unattributed", .integer(attribution.unattributed)),
        ])
      ),
      ("unpriced_models", sortedCounts(unpricedModels)),
      ("not_priced_features", sortedCounts(notPricedFeatures)),
      (
        "problems",
        .array(
          problems.map { .object([("line", .integer($0.line)), ("message", .string($0.message))]) })
      ),
      ("warnings", .array((attribution.warnings(file: file) + warnings).map { .string($0) })),
    ]
    let paired: [(String, JSONValue)] =
      pairedBatchObject.map { [("paired_batch_object", JSONValue.string($0))] } ?? []
    return .object(members + paired + sourceLogJSON)
  }

  /// Members only Claude Code and LiteLLM summaries carry: lines skipped as not requests, the
  /// records attributed by the format's defaults, and LiteLLM's own spend beside Tally's price.
  private var sourceLogJSON: [(String, JSONValue)] {
    var members: [(String, JSONValue)] = []
    if format == .claudeCode || skipped > 0 {
      members += [("skipped", .integer(skipped)), ("attributed_by_default", .integer(attribution.defaults))]
    }
    if format == .litellmSpend {
      members += [
        ("litellm_spend_usd", reportedSpend.map { .string($0.json) } ?? .null),
        ("tally_price_usd", .string(tallyPriceOfReported.json)),
        ("unpriced_rows", .integer(reportedUnpriced)),
      ]
    }
    return members
  }

  /// A file whose ingest failed, in `tally ingest --summary json`: nothing of it was written.
  public static func failureJSON(file: String, exitStatus: Int32, errors: [String]) -> JSONValue {
    .object([
      ("file", .string(file)),
      ("status", .string("failed")),
      ("exit_status", .integer(Int(exitStatus))),
      ("errors", .array(errors.map { .string($0) })),
    ])
  }

  /// The whole run of `tally ingest --summary json`: one object, one member per file in order.
  public static func runJSON(files: [JSONValue], dryRun: Bool) -> String {
    JSONValue.object([("files", .array(files)), ("dry_run", .bool(dryRun))]).rendered()
  }
}
