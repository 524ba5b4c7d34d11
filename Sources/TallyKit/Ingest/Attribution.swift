import Foundation

/// Fills tenant and job, in the DESIGN.md order: the record's own fields, the mapping file,
/// the `--id-pattern` groups on `custom_id`, then the flags. What stays unknown stays nil and
/// is reported as `(unattributed)`.
public struct Attribution {
  /// `custom_id` → (tenant, job) from a `custom_id,tenant,job` CSV; empty cells are absent.
  public var map: [String: (tenant: String?, job: String?)] = [:]
  /// A regex with named groups `tenant` and/or `job`, matched against the whole `custom_id`.
  public var idPattern: Regex<AnyRegexOutput>?
  public var tenant: String?
  public var job: String?

  public init() {}

  /// Reads a `custom_id,tenant,job` mapping file; problems name file and line.
  public static func parseMap(_ text: String, file: String) throws(IngestFailure) -> [String: (
    tenant: String?, job: String?
  )] {
    let records: [CSVRecord]
    do {
      records = try CSVReader.records(text)
    } catch {
      throw .invalidInput([IngestProblem(file: file, line: error.line, message: error.message)])
    }
    guard let header = records.first,
      header.fields.map({ $0.trimmingCharacters(in: .whitespaces) }) == ["custom_id", "tenant", "job"]
    else {
      throw .invalidInput([
        IngestProblem(file: file, line: 1, message: "expected the header custom_id,tenant,job")
      ])
    }
    var map: [String: (tenant: String?, job: String?)] = [:]
    var problems: [IngestProblem] = []
    for record in records.dropFirst() {
      guard record.fields.count == 3, !record.fields[0].isEmpty else {
        problems.append(
          IngestProblem(
            file: file, line: record.line, message: "expected custom_id,tenant,job with a custom_id"))
        continue
      }
      let tenant = record.fields[1].isEmpty ? nil : record.fields[1]
      let job = record.fields[2].isEmpty ? nil : record.fields[2]
      if let earlier = map[record.fields[0]], earlier.tenant != tenant || earlier.job != job {
        problems.append(
          IngestProblem(
            file: file, line: record.line,
            message: "custom_id \"\(record.fields[0])\" is mapped twice, differently"))
      }
      map[record.fields[0]] = (tenant, job)
    }
    guard problems.isEmpty else { throw .invalidInput(problems) }
    return map
  }

  func apply(to record: inout UsageRecord) {
    if record.tenant != nil && record.job != nil { return }
    var fromPattern: (tenant: String?, job: String?) = (nil, nil)
    if let customID = record.customID, let idPattern, let match = try? idPattern.wholeMatch(in: customID) {
      fromPattern = (
        match.output["tenant"]?.substring.map(String.init), match.output["job"]?.substring.map(String.init)
      )
    }
    let mapped = record.customID.flatMap { map[$0] }
    record.tenant = record.tenant ?? mapped?.tenant ?? fromPattern.tenant ?? tenant
    record.job = record.job ?? mapped?.job ?? fromPattern.job ?? job
  }
}
