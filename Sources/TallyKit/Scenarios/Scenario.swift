import Foundation

/// Usage a what-if transforms: one model, mode, tenant and job on one rate day, with exact
/// (possibly fractional) requests and tokens.
public struct ScenarioLine: Hashable, Sendable {
  /// `(unattributed)` when the usage names none.
  public var tenant: String
  public var job: String
  /// The declared workload it comes from; nil for ledger usage.
  public var workload: String?
  public var provider: String
  /// The canonical model id when the price table knows the model, else the name as recorded.
  public var model: String
  public var mode: Mode
  /// The day whose rates price it.
  public var rateDay: CivilDate
  /// Ledger usage: the size class of its requests (`UsageAggregate.sizeClass`).
  public var sizeClass: Int
  /// Declared workloads: the total input of one request, which decides the tier.
  public var requestInput: Exact?
  public var requests: Exact
  public var usage: UsageQuantities

  public init(
    tenant: String, job: String, workload: String? = nil, provider: String, model: String, mode: Mode,
    rateDay: CivilDate, sizeClass: Int = 0, requestInput: Exact? = nil, requests: Exact,
    usage: UsageQuantities
  ) {
    self.tenant = tenant
    self.job = job
    self.workload = workload
    self.provider = provider
    self.model = model
    self.mode = mode
    self.rateDay = rateDay
    self.sizeClass = sizeClass
    self.requestInput = requestInput
    self.requests = requests
    self.usage = usage
  }

  /// The request input `PriceBook.card` uses to pick the tier.
  var tierInput: Int {
    if let requestInput {
      // Round up: a request of 200,000.4 tokens of input is over the 200,000 threshold.
      let whole = ExactDecimal.rounded(requestInput.decimal, scale: 0)
      // Beyond an Int, it is beyond every tier.
      guard let value = ExactDecimal.wholeNumber(whole) else { return Int.max }
      return Exact(Decimal(value)) < requestInput ? value + 1 : value
    }
    return sizeClass
  }

  /// The context tier's label in the price table, such as `0-200k` or `272k+`.
  public func contextTier(_ prices: PriceBook) -> String {
    prices.contextLabel(
      model: model, on: rateDay, requestInputTokens: tierInput, provider: provider.isEmpty ? nil : provider)
  }

  /// The rate card that prices it.
  public func card(_ prices: PriceBook) -> Result<RateCard, Unpriced> {
    prices.card(
      model: model, on: rateDay, requestInputTokens: tierInput, provider: provider.isEmpty ? nil : provider)
  }

  /// What it costs at the rates of its mode.
  public func cost(_ prices: PriceBook) -> Result<Money, Unpriced> {
    card(prices).flatMap { card in
      Result { () throws(Unpriced) in try card.cost(of: usage, mode: mode, on: rateDay).actual }
    }
  }

  func value(of key: SelectorKey) -> String? {
    switch key {
    case .tenant: tenant
    case .job: job
    case .model: model
    case .mode: mode.rawValue
    case .workload: workload
    }
  }

  func scaled(by factor: Exact) -> ScenarioLine {
    var line = self
    line.requests = requests * factor
    line.usage = usage * factor
    return line
  }
}

extension ScenarioLine {
  /// A month of every declared workload of `file`, at the rates in force on `at`.
  ///
  /// A model the price table does not know, or with no rate in force on `at`, is an error naming
  /// the workload, model and date.
  public static func monthly(_ file: ScenarioFile, at: CivilDate, prices: PriceBook) throws(SourceProblem)
    -> [ScenarioLine]
  {
    var lines: [ScenarioLine] = []
    for workload in file.workloads {
      let tokens = workload.tokensPerRequest
      let card = try file.card(for: workload, at: at, prices: prices)
      let requests = Exact(workload.requests) * workload.per.perMonth(daysPerMonth: file.daysPerMonth)
      lines.append(
        ScenarioLine(
          tenant: workload.tenant ?? unattributed, job: workload.job ?? unattributed, workload: workload.name,
          provider: card.provider, model: card.model, mode: workload.mode, rateDay: at,
          requestInput: Exact(Decimal(tokens.totalInput)), requests: requests,
          usage: UsageQuantities(tokens: TokenQuantities(tokens) * requests)))
    }
    return lines
  }
}

/// A piece of what a baseline line became.
public struct ScenarioPart: Sendable {
  public var line: ScenarioLine
  /// The number of the switch-model change that set its model, if any: a part that cannot be
  /// priced is that change's problem.
  public var switchedBy: Int?
  /// The number of the move-to-batch change that moved it, if any: its cache reads are the
  /// best-effort kind (`BatchRisk`).
  public var movedToBatchBy: Int?

  /// What the part costs in the worst case of a move to batch: every cache read of moved traffic
  /// misses (`BatchRisk.cacheMisses`); traffic that did not move costs what it costs.
  public func worstCaseCost(_ prices: PriceBook) -> Result<Money, Unpriced> {
    guard movedToBatchBy != nil else { return line.cost(prices) }
    var worst = line
    worst.usage = BatchRisk.cacheMisses(line.usage)
    return worst.cost(prices)
  }
}

/// The risk of moving traffic to a batch API, shared by `report opportunities` and `whatif` so
/// that both put the same worst case and the same words on it.
public enum BatchRisk {
  /// Batch cache hits are best-effort: the worst case counts every cache read as a miss that
  /// re-writes the cache as a 5-minute write.
  public static func cacheMisses(_ usage: UsageQuantities) -> UsageQuantities {
    var missed = usage
    missed.tokens.cacheWrite5m = usage.tokens.cacheWrite5m + usage.tokens.cacheRead
    missed.tokens.cacheRead = 0
    return missed
  }

  /// The assumptions behind a batch figure and its worst case, in plain words.
  public static func assumptions(rates: String, daysPerMonth: Decimal, windowDays: Int?) -> [String] {
    var lines = [
      "Same requests and tokens, at the batch rates \(rates) (50% off sync on both providers).",
      "Batch results can take up to 24 hours: move only work that can wait.",
      "Batch cache hits are best-effort: the worst case counts every cache read as a miss that re-writes the cache (5-minute write).",
    ]
    if let windowDays {
      let month = ExactDecimal.plain(daysPerMonth)
      lines.append(
        "A month is \(month) days: the \(windowDays)-day window is scaled by \(month)/\(windowDays).")
    }
    return lines
  }
}

/// A baseline line and what the scenario turned it into (a move-to-batch splits it in two).
public struct ScenarioOutcome: Sendable {
  public let baseline: ScenarioLine
  public var parts: [ScenarioPart]
}

/// An ordered list of changes and the file they come from.
public struct Scenario: Sendable {
  public let file: String
  public let changes: [ScenarioChange]

  /// The `--where` filter the baseline was read with, if any: a change whose selector then
  /// matches nothing is a warning (the filter left its traffic out), not an error.
  public var narrowedBy: String?

  public init(file: String, changes: [ScenarioChange], narrowedBy: String? = nil) {
    self.file = file
    self.changes = changes
    self.narrowedBy = narrowedBy
  }

  /// Applies the changes in order, each to what the previous ones produced.
  ///
  /// Errors (naming the file, line and change): a switch to a model the price table does not
  /// know, a selector that matches no usage at its point in the chain. Warnings: a move-to-batch
  /// whose selected traffic is all batch already, or whose model has no batch rate (that traffic
  /// stays sync).
  public func apply(to lines: [ScenarioLine], prices: PriceBook) throws(SourceProblem) -> (
    outcomes: [ScenarioOutcome], warnings: [String]
  ) {
    var outcomes = lines.map { ScenarioOutcome(baseline: $0, parts: [ScenarioPart(line: $0)]) }
    var warnings: [String] = []
    for change in changes {
      let selector = resolved(change.selector, prices: prices)
      // Bound before `transform`: a switch to an unknown model fails before any part changes.
      let target: ResolvedModel?
      if case .switchModel(let to, _) = change.kind {
        guard let model = prices.resolve(to) else {
          throw error(
            change, key: "to",
            "to: unknown model \"\(to)\": no price table row has that id or alias; add it with --pricing FILE"
          )
        }
        target = model
      } else {
        target = nil
      }
      var matched = false
      var moved = false
      var alreadyBatch = false
      var noBatchRate: [String: Exact] = [:]
      func transform(_ part: ScenarioPart) -> [ScenarioPart] {
        guard selector.matches(part.line) else { return [part] }
        matched = true
        var changed = part
        switch change.kind {
        case .moveToBatch(let share):
          guard part.line.mode == .sync else {
            alreadyBatch = true
            return [part]
          }
          changed.line = part.line.scaled(by: share)
          changed.line.mode = .batch
          changed.movedToBatchBy = change.number
          // Traffic whose model has no batch rate (or no batch web-search rate) cannot move.
          if case .success = part.line.cost(prices), case .failure = changed.line.cost(prices) {
            noBatchRate[part.line.model, default: 0] =
              noBatchRate[part.line.model, default: 0] + part.line.requests
            return [part]
          }
          moved = true
          guard share != 1 else { return [changed] }
          var staying = part
          staying.line = part.line.scaled(by: 1 - share)
          return [staying, changed]
        case .switchModel(_, let ratio):
          guard let target else { return [part] }
          changed.line.model = target.id
          changed.line.provider = target.provider
          changed.switchedBy = change.number
          if let ratio {
            changed.line.usage.tokens = part.line.usage.tokens * ratio
            changed.line.requestInput = part.line.requestInput.map { $0 * ratio }
          }
        case .cache(let hitRate, let writeShare):
          let input = part.line.usage.tokens.input
          changed.line.usage.tokens.input = input * (1 - hitRate - writeShare)
          changed.line.usage.tokens.cacheRead = part.line.usage.tokens.cacheRead + input * hitRate
          changed.line.usage.tokens.cacheWrite5m = part.line.usage.tokens.cacheWrite5m + input * writeShare
        case .scale(let factor):
          changed.line = part.line.scaled(by: factor)
        }
        return [changed]
      }
      for index in outcomes.indices {
        outcomes[index].parts = outcomes[index].parts.flatMap(transform)
      }
      guard matched else {
        if let narrowedBy {
          warnings.append(
            "\(location(change)): \(change.label): matches no usage where \(narrowedBy); it changes nothing here"
          )
          continue
        }
        throw error(
          change, key: "where",
          "where { \(selector.description) } matches no usage\(available(selector, in: outcomes))")
      }
      for (model, requests) in noBatchRate.sorted(by: { $0.key < $1.key }) {
        warnings.append(
          "\(location(change)): \(change.label): \(model) has no batch rate; its \(requests.brief) selected sync requests stay sync"
        )
      }
      if case .moveToBatch = change.kind, !moved, noBatchRate.isEmpty, alreadyBatch {
        warnings.append(
          "\(location(change)): \(change.label): the traffic where \(selector) is all batch already; nothing moved"
        )
      }
    }
    return (outcomes, warnings)
  }

  private func location(_ change: ScenarioChange) -> FileLocation {
    FileLocation(file: file, line: change.line)
  }

  private func error(_ change: ScenarioChange, key: String, _ message: String) -> SourceProblem {
    SourceProblem(file: file, line: change.line(of: key), message: "\(change.label): \(message)")
  }

  /// The selector with model names as the price table's canonical ids, so aliases match.
  private func resolved(_ selector: Selector, prices: PriceBook) -> Selector {
    Selector(
      selector.conditions.map { condition in
        guard condition.key == .model else { return condition }
        return Selector.Condition(key: .model, values: condition.values.map { prices.resolve($0)?.id ?? $0 })
      })
  }

  /// For a selector that matched nothing: which of its values occur nowhere, and what does.
  private func available(_ selector: Selector, in outcomes: [ScenarioOutcome]) -> String {
    for condition in selector.conditions {
      var present = Set<String>()
      for outcome in outcomes {
        for part in outcome.parts {
          if let value = part.line.value(of: condition.key) { present.insert(value) }
        }
      }
      guard !condition.values.contains(where: present.contains) else { continue }
      if condition.key == .workload && present.isEmpty {
        return "; the baseline is ledger usage, which has no workloads"
      }
      let known = present.sorted()
      let shown = known.prefix(12).map { "\"\($0)\"" }.joined(separator: ", ")
      return "; the \(condition.key.rawValue)s at this point are \(shown)\(known.count > 12 ? ", …" : "")"
    }
    return "; no usage has all of these at once at this point of the chain"
  }
}

extension Selector {
  func matches(_ line: ScenarioLine) -> Bool {
    conditions.allSatisfy { condition in
      line.value(of: condition.key).map(condition.values.contains) ?? false
    }
  }
}
