import Foundation

/// What a budget line covers: one tenant, job or model, or all usage.
public enum BudgetScope: String, Sendable, CaseIterable {
  case tenant, job, model, total

  /// The dimension whose value the line names; nil for `total`.
  public var dimension: ReportDimension? {
    switch self {
    case .tenant: .tenant
    case .job: .job
    case .model: .model
    case .total: nil
    }
  }
}

/// One line of a budget file: a monthly budget for a scope, and the share of it that alerts.
public struct BudgetLine: Sendable, Equatable {
  public let scope: BudgetScope
  /// The tenant, job or model; "" for `total`.
  public let name: String
  public let monthlyBudget: Money
  /// A percentage of the budget (`80` is 80%); 100 when the file gives none.
  public let alertPercent: Exact
  /// The 1-based line of the file it was read from.
  public let line: Int

  public init(
    scope: BudgetScope, name: String, monthlyBudget: Money, alertPercent: Exact = 100, line: Int = 0
  ) {
    self.scope = scope
    self.name = name
    self.monthlyBudget = monthlyBudget
    self.alertPercent = alertPercent
    self.line = line
  }

  /// `tenant acme`, `total`.
  public var label: String { scope == .total ? "total" : "\(scope.rawValue) \(name)" }
}

/// Monthly budgets read from `scope,name,monthly_budget_usd[,alert_pct]` CSV
/// (`tally report budget --budgets`).
public struct BudgetFile: Sendable {
  /// The lines in file order.
  public let lines: [BudgetLine]
  /// The file as named on the command line.
  public let file: String

  public init(lines: [BudgetLine], file: String) {
    self.lines = lines
    self.file = file
  }

  static let requiredColumns = ["scope", "name", "monthly_budget_usd"]
  static let columns = requiredColumns + ["alert_pct"]

  /// Parses the file strictly: a header naming `scope`, `name` and `monthly_budget_usd`, and
  /// optionally `alert_pct` (other columns are ignored, unless one looks like a misspelt known
  /// column); a scope of `tenant`, `job`, `model` (with a name) or `total` (without); a budget
  /// that is a plain decimal of zero or more; an alert percentage in (0, 1000], 100 when empty;
  /// each scope and name once. Every problem is listed as `file:line: column X: ...`.
  public static func parse(_ text: String, file: String) throws(SourceProblems) -> BudgetFile {
    let records: [CSVRecord]
    do {
      records = try CSVReader.records(text, file: file)
    } catch {
      throw SourceProblems(error)
    }
    let expectedHeader = columns.joined(separator: ",")
    guard let header = records.first else {
      throw SourceProblems(
        SourceProblem(
          file: file, line: 1, message: "the file is empty; expected the header \(expectedHeader)"))
    }
    let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
    var problems: [SourceProblem] = []
    func headerProblem(_ column: String?, _ message: String) {
      problems.append(SourceProblem(file: file, line: header.line, column: column, message: message))
    }
    // A misspelt column would otherwise be ignored: say which known column it seems to mean.
    var meant: [String: String] = [:]
    for name in names where !columns.contains(name) {
      if let column = Suggestions.closest(to: name, among: columns.filter { !names.contains($0) }).first,
        meant[column] == nil
      {
        meant[column] = name
      }
    }
    for column in requiredColumns where !names.contains(column) {
      let hint = meant[column].map { "; rename the column \($0) to \(column)" } ?? ""
      headerProblem(
        column,
        "missing from the header; expected \(expectedHeader) (alert_pct may be left out)\(hint)")
    }
    if let name = meant["alert_pct"] {
      headerProblem(name, "not a budget file column; did you mean alert_pct?")
    }
    guard problems.isEmpty, let scopeColumn = names.firstIndex(of: "scope"),
      let nameColumn = names.firstIndex(of: "name"),
      let budgetColumn = names.firstIndex(of: "monthly_budget_usd")
    else { throw SourceProblems(problems) }
    let alertColumn = names.firstIndex(of: "alert_pct")

    var lines: [BudgetLine] = []
    var seen: [String: Int] = [:]
    for record in records.dropFirst() {
      func problem(_ column: String?, _ message: String) {
        problems.append(SourceProblem(file: file, line: record.line, column: column, message: message))
      }
      guard record.fields.count == names.count else {
        problem(
          nil,
          "expected \(names.count) fields (\(names.joined(separator: ","))), found \(record.fields.count)")
        continue
      }
      func field(_ column: Int) -> String { record.fields[column].trimmingCharacters(in: .whitespaces) }
      let problemsBefore = problems.count
      let scopeText = field(scopeColumn)
      let scope = BudgetScope(rawValue: scopeText)
      if scope == nil {
        let scopes = BudgetScope.allCases.map(\.rawValue)
        problem(
          "scope",
          "\"\(scopeText)\" is not a scope; expected \(Suggestions.orList(scopes))"
            + Suggestions.phrase(for: scopeText, among: scopes))
      }
      let name = field(nameColumn)
      if let scope {
        if scope == .total, !name.isEmpty {
          problem(
            "name", "\"\(name)\" given for scope total; a total budget covers all usage: leave the name empty"
          )
        } else if scope != .total, name.isEmpty {
          problem("name", "empty; a \(scope.rawValue) budget names the \(scope.rawValue)")
        }
      }
      let budgetText = field(budgetColumn)
      let budget = Money(parsing: budgetText)
      if budgetText.isEmpty {
        problem("monthly_budget_usd", "empty; every line gives a monthly budget in dollars")
      } else if budget == nil {
        problem(
          "monthly_budget_usd",
          "\"\(budgetText)\" is not a decimal number; write dollars like 1500 or 1234.56, without $ or thousands separators"
        )
      } else if let budget, budget < .zero {
        problem("monthly_budget_usd", "\(budgetText) is negative; a budget is zero or more")
      }
      var alertPercent: Exact = 100
      if let alertText = alertColumn.map(field), !alertText.isEmpty {
        if let value = ExactDecimal.parse(alertText), value > 0, value <= 1000 {
          alertPercent = Exact(value)
        } else {
          problem(
            "alert_pct",
            "\"\(alertText)\" is not a percentage above 0 and at most 1000; write 80 to alert at 80% of the budget, or leave it empty for 100"
          )
        }
      }
      guard problems.count == problemsBefore, let scope, let budget else { continue }
      let key = scope.rawValue + "\u{1F}" + name
      if let first = seen[key] {
        if scope == .total {
          problem("scope", "the total already has a budget on line \(first)")
        } else {
          problem("name", "\(scope.rawValue) \"\(name)\" already has a budget on line \(first)")
        }
        continue
      }
      seen[key] = record.line
      lines.append(
        BudgetLine(
          scope: scope, name: name, monthlyBudget: budget, alertPercent: alertPercent, line: record.line))
    }
    if problems.isEmpty, lines.isEmpty {
      headerProblem(nil, "no budget under the header; add lines such as tenant,acme,500,80 or total,,2000")
    }
    guard problems.isEmpty else { throw SourceProblems(problems) }
    return BudgetFile(lines: lines, file: file)
  }
}
