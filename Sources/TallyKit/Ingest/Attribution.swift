import Foundation

/// Fills tenant and job, in the DESIGN.md order: the fields `--tenant-from` / `--job-from` name,
/// the record's own fields, the mapping file,
/// the `--id-pattern` groups on `custom_id`, then the flags, then what the format implies
/// (`UsageRecord.defaultTenant`, such as a Claude Code project). What stays unknown stays nil and
/// is reported as `(unattributed)`.
public struct Attribution: Sendable {
  /// The tenant and job a mapping file gives one `custom_id`; an empty cell is nil.
  public struct Mapped: Hashable, Sendable {
    public var tenant: String?
    public var job: String?

    public init(tenant: String?, job: String?) {
      self.tenant = tenant
      self.job = job
    }
  }

  /// `custom_id` → tenant and job, from a `custom_id,tenant,job` CSV (`parseMap`).
  public var map: [String: Mapped] = [:]
  /// Searched in `custom_id` like grep (it may match anywhere; `^` and `$` anchor it); its
  /// groups `tenant` and `job` fill what the record and the map left empty.
  public var idPattern: IDPattern?
  public var tenant: String?
  public var job: String?
  /// `--tenant-from` / `--job-from`: a field of the record, the first rule (see `FieldPath`).
  public var tenantFrom: FieldPath?
  public var jobFrom: FieldPath?

  public init() {}

  /// Whether a record's line is read again for `tenantFrom` / `jobFrom`.
  var readsFields: Bool { tenantFrom != nil || jobFrom != nil }

  /// Reads a `custom_id,tenant,job` mapping file; problems name file and line.
  public static func parseMap(_ text: String, file: String) throws(IngestFailure) -> [String: Mapped] {
    let records: [CSVRecord]
    do {
      records = try CSVReader.records(text, file: file)
    } catch {
      throw .invalidInput([error])
    }
    guard let header = records.first,
      header.fields.map({ $0.trimmingCharacters(in: .whitespaces) }) == ["custom_id", "tenant", "job"]
    else {
      throw .invalidInput([
        SourceProblem(file: file, line: 1, message: "expected the header custom_id,tenant,job")
      ])
    }
    var map: [String: Mapped] = [:]
    var problems: [SourceProblem] = []
    for record in records.dropFirst() {
      guard record.fields.count == 3, !record.fields[0].isEmpty else {
        problems.append(
          SourceProblem(
            file: file, line: record.line, message: "expected custom_id,tenant,job with a custom_id"))
        continue
      }
      let tenant = record.fields[1].isEmpty ? nil : record.fields[1]
      let job = record.fields[2].isEmpty ? nil : record.fields[2]
      let mapped = Mapped(tenant: tenant, job: job)
      if let earlier = map[record.fields[0]], earlier != mapped {
        problems.append(
          SourceProblem(
            file: file, line: record.line,
            message: "custom_id \"\(record.fields[0])\" is mapped twice, differently"))
      }
      map[record.fields[0]] = mapped
    }
    guard problems.isEmpty else { throw .invalidInput(problems) }
    return map
  }

  /// Fills what the record leaves empty, rule by rule, and counts in `counts` which rules
  /// supplied something. Fails (a usage error naming the file, line and `custom_id`) only when
  /// the pattern gives up on an id after `IDPattern.stepBudget` steps.
  func apply(
    to record: inout UsageRecord, counting counts: inout AttributionCounts, file: String, line: Int
  ) throws(IngestFailure) {
    counts.records += 1
    // The fields named with --tenant-from / --job-from come first: the user chose them over the
    // format's own fields. Absent, they fall through to the record's fields and the other rules.
    let own = (tenant: record.tenant, job: record.job)
    record.tenant = nil
    record.job = nil
    if fill(&record, tenant: record.fromField.tenant, job: record.fromField.job) { counts.field += 1 }
    if fill(&record, tenant: own.tenant, job: own.job) { counts.record += 1 }
    if record.tenant == nil || record.job == nil, let customID = record.customID {
      if !map.isEmpty {
        counts.mapLookups += 1
        if let mapped = map[customID] {
          counts.mapMatches += 1
          if fill(&record, tenant: mapped.tenant, job: mapped.job) { counts.map += 1 }
        } else if counts.mapMissExample == nil {
          counts.mapMissExample = customID
        }
      }
      if let idPattern,
        (record.tenant == nil && idPattern.capturesTenant) || (record.job == nil && idPattern.capturesJob)
      {
        counts.patternTries += 1
        let match: IDPattern.Match?
        do {
          match = try idPattern.firstMatch(in: customID)
        } catch {
          throw .usage(
            "\(file):\(line): custom_id \(AttributionCounts.shown(customID)): --id-pattern \(error); nothing of the file was written"
          )
        }
        if let match {
          counts.patternMatches += 1
          if fill(&record, tenant: match.tenant, job: match.job) { counts.pattern += 1 }
        } else if counts.patternMissExample == nil {
          counts.patternMissExample = customID
        }
      }
    }
    if fill(&record, tenant: tenant, job: job) { counts.flags += 1 }
    if fill(&record, tenant: record.defaultTenant, job: record.defaultJob) { counts.defaults += 1 }
    if record.tenant == nil && record.job == nil { counts.unattributed += 1 }
  }

  /// Sets what is still empty; whether anything was set.
  private func fill(_ record: inout UsageRecord, tenant: String?, job: String?) -> Bool {
    var filled = false
    if record.tenant == nil, let tenant {
      record.tenant = tenant
      filled = true
    }
    if record.job == nil, let job {
      record.job = job
      filled = true
    }
    return filled
  }
}

/// What attribution did to one file's records, for the ingest summary.
///
/// A rule counts the records it supplied a tenant or a job to; a record whose tenant and job
/// came from two rules counts under both. `unattributed` counts the records left with neither.
public struct AttributionCounts: Hashable, Sendable {
  /// Records seen.
  public var records = 0
  /// Records that carried a tenant or a job of their own.
  public var record = 0
  /// Records the fields named with `--tenant-from` / `--job-from` attributed.
  public var field = 0
  public var map = 0
  public var pattern = 0
  public var flags = 0
  /// Records the format's defaults attributed (Claude Code's project and job), after the flags.
  public var defaults = 0
  public var unattributed = 0
  /// `custom_id`s looked up in the map, and how many it had.
  public var mapLookups = 0
  public var mapMatches = 0
  public var mapMissExample: String?
  /// `custom_id`s the pattern was searched in, and how many it matched.
  public var patternTries = 0
  public var patternMatches = 0
  public var patternMissExample: String?

  public init() {}

  /// Warnings for a rule that matched none of the file's ids: a silent miss would put the
  /// whole file in `(unattributed)`.
  public func warnings(file: String) -> [String] {
    var warnings: [String] = []
    for (option, tries, matches, example) in [
      ("--map", mapLookups, mapMatches, mapMissExample),
      ("--id-pattern", patternTries, patternMatches, patternMissExample),
    ] where tries > 0 && matches == 0 {
      let outcome =
        unattributed == records
        ? "every record of it is (unattributed)"
        : unattributed > 0
          ? "\(unattributed) of its \(records) records are (unattributed)"
          : "the other rules attributed its records"
      warnings.append(
        "\(option) matched none of the \(tries) custom_id\(tries == 1 ? "" : "s") of \(file); \(outcome). Example id: \(Self.shown(example ?? ""))"
      )
    }
    return warnings
  }

  /// An id quoted for a message: control characters escaped, cut to 80 columns.
  static func shown(_ id: String) -> String {
    "\"" + id.escapingControlCharacters().truncated(toDisplayWidth: 80) + "\""
  }
}
