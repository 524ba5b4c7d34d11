import Foundation

/// Monthly fixed costs to allocate to tenants (`--shared-costs`): CSV with the header
/// `name,amount_usd,method,weights`, one line per cost.
///
/// `method` is `even`, `proportional`, `fixed` or `floor+proportional`; `weights` is
/// `tenant:value;tenant:value`: shares summing to exactly 1 for `fixed`, dollar floors for
/// `floor+proportional`, empty for the others. Numbers are read exactly.
public struct SharedCostsFile: Sendable {
  /// One policy per line, in file order.
  public let policies: [AllocationPolicy]
  /// The file as named on the command line.
  public var file = ""
  /// The `YYYY-MM` in the file's name (`shared-costs-2026-10.csv`), if any.
  public var month: String?

  static let columns = ["name", "amount_usd", "method", "weights"]

  /// Parses the file strictly, listing every problem as `file:line: column X: what is wrong`.
  public static func parse(_ text: String, file: String) throws(SourceProblems) -> SharedCostsFile {
    let records: [CSVRecord]
    do {
      records = try CSVReader.records(text, file: file)
    } catch {
      throw SourceProblems(error)
    }
    let expected = columns.joined(separator: ",")
    guard let header = records.first else {
      throw SourceProblems(
        SourceProblem(file: file, line: 1, message: "the file is empty; expected the header \(expected)"))
    }
    let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
    guard let nameColumn = names.firstIndex(of: "name"),
      let amountColumn = names.firstIndex(of: "amount_usd"),
      let methodColumn = names.firstIndex(of: "method"), let weightsColumn = names.firstIndex(of: "weights")
    else {
      throw SourceProblems(
        SourceProblem(
          file: file, line: header.line,
          message: "expected a header with the columns \(expected), found \(names.joined(separator: ","))"))
    }
    var problems: [SourceProblem] = []
    var policies: [AllocationPolicy] = []
    var slugLines: [String: (line: Int, name: String)] = [:]
    for record in records.dropFirst() {
      guard record.fields.count == names.count else {
        problems.append(
          SourceProblem(
            file: file, line: record.line,
            message: "expected \(names.count) fields, found \(record.fields.count)"))
        continue
      }
      func field(_ index: Int) -> String { record.fields[index].trimmingCharacters(in: .whitespaces) }
      let lineProblemsBefore = problems.count
      func problem(_ column: String, _ text: String) {
        problems.append(SourceProblem(file: file, line: record.line, column: column, message: text))
      }

      let name = field(nameColumn)
      var column: String?
      if name.isEmpty {
        problem("name", "empty; every shared cost has a name")
      } else if let slug = AllocationPolicy.sharedColumn(for: name) {
        column = slug
        if let first = slugLines[slug] {
          let same =
            first.name == name
            ? "\"\(name)\" is also on line \(first.line)"
            : "\"\(name)\" and \"\(first.name)\" on line \(first.line) both make the column \(slug)"
          problem("name", "\(same); give each shared cost its own name")
          column = nil
        } else {
          slugLines[slug] = (record.line, name)
        }
      } else {
        problem("name", "\"\(name)\" has no letter or digit to name its column shared_<name>_usd")
      }

      let amountText = field(amountColumn)
      let amount = Money(parsing: amountText)
      if amount == nil {
        problem(
          "amount_usd",
          "\"\(amountText)\" is not a decimal number; write dollars like 1234.56, without $ or thousands separators"
        )
      } else if let amount, amount < .zero {
        problem("amount_usd", "\(amountText) is negative; a shared cost is zero or more")
      }

      let methodText = field(methodColumn)
      let method = AllocationMethod(rawValue: methodText.lowercased())
      let methods = AllocationMethod.allCases.map(\.rawValue)
      if method == nil {
        let close = Suggestions.closest(to: methodText, among: methods)
        problem(
          "method",
          "unknown method \"\(methodText)\"\(close.isEmpty ? "" : " (did you mean \(Suggestions.orList(close))?)"); methods are \(Suggestions.orList(methods))"
        )
      }

      let weightsText = field(weightsColumn)
      var weights: [(tenant: String, value: Exact)] = []
      if let method {
        let what = method == .fixed ? "shares summing to 1" : "dollar floors"
        if !method.takesWeights, !weightsText.isEmpty {
          problem(
            "weights",
            "\(method.rawValue) takes no weights (it spreads over every tenant with direct cost); leave the column empty, or use fixed or floor+proportional"
          )
        } else if method.takesWeights, weightsText.isEmpty {
          problem("weights", "\(method.rawValue) needs weights written tenant:value;tenant:value (\(what))")
        } else if method.takesWeights {
          var seen: Set<String> = []
          var wellFormed = true
          for part in weightsText.split(separator: ";", omittingEmptySubsequences: false) {
            let entry = part.trimmingCharacters(in: .whitespaces)
            guard let colon = entry.lastIndex(of: ":") else {
              problem("weights", "\"\(entry)\" is not tenant:value; separate entries with ;")
              wellFormed = false
              continue
            }
            let tenant = entry[..<colon].trimmingCharacters(in: .whitespaces)
            let valueText = entry[entry.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            guard !tenant.isEmpty else {
              problem("weights", "\"\(entry)\" names no tenant; write tenant:value")
              wellFormed = false
              continue
            }
            guard let value = ExactDecimal.parse(valueText) else {
              problem("weights", "\"\(entry)\": \"\(valueText)\" is not a decimal number")
              wellFormed = false
              continue
            }
            guard value >= 0 else {
              problem("weights", "\"\(entry)\": \(valueText) is negative")
              wellFormed = false
              continue
            }
            guard tenant != unattributed else {
              problem(
                "weights",
                "(unattributed) never receives a shared cost; use --allocate-unattributed to spread it")
              wellFormed = false
              continue
            }
            guard seen.insert(tenant).inserted else {
              problem("weights", "\(tenant) appears twice; give each tenant once")
              wellFormed = false
              continue
            }
            weights.append((tenant, Exact(value)))
          }
          if wellFormed {
            let sum = weights.map(\.value).reduce(Exact(0), +)
            if method == .fixed, sum != 1 {
              problem(
                "weights",
                "the shares sum to \(sum), not 1; they must add up exactly (for thirds write 0.334;0.333;0.333)"
              )
            }
            if method == .floorPlusProportional, let amount, Money(sum) > amount {
              problem(
                "weights",
                "the floors sum to \(Money(sum).terminal()), above the amount \(amount.terminal()); lower the floors or raise amount_usd"
              )
            }
          }
        }
      }
      guard problems.count == lineProblemsBefore, let column, let amount, let method else { continue }
      policies.append(
        AllocationPolicy(
          name: name, column: column, amount: amount, method: method, weights: weights, line: record.line))
    }
    guard problems.isEmpty else { throw SourceProblems(problems) }
    return SharedCostsFile(policies: policies, file: file, month: RevenueFile.monthInName(file))
  }

  /// Checks that the report covers one whole calendar month (shared costs are monthly amounts),
  /// and the month the file's name gives, if any.
  public func checkPeriod(_ window: ReportWindow, report: String) throws(ReportError) {
    let covers = window.coverage
    guard let windowMonth = window.wholeMonth else {
      throw ReportError(
        "--shared-costs: \(file) holds monthly amounts, and \(report) covers \(covers): give --month \(month ?? "YYYY-MM")"
      )
    }
    if let month, month != windowMonth {
      throw ReportError(
        "--shared-costs: \(file) is for \(month), and \(report) covers \(windowMonth): give --month \(month), or the shared-costs file for \(windowMonth)"
      )
    }
  }
}
