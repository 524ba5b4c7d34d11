import Foundation

/// One difference between two price tables.
public struct PriceChange: Hashable, Sendable {
  public enum Kind: String, Sendable {
    case changed
    case addedModel = "added model"
    case removedModel = "removed model"
    case addedTier = "added tier"
    case removedTier = "removed tier"
    case addedPeriod = "added period"
    case removedPeriod = "removed period"
  }

  public var kind: Kind
  public var provider: String
  public var model: String
  public var minInputTokens: Int
  /// The period's start: NEW's for a changed or added row, OLD's for a removed one.
  public var effectiveFrom: CivilDate
  /// The price-table column that changed; empty for a row added or removed whole.
  public var column: String
  public var old: String
  public var new: String
}

/// What changed between two price tables: rates, tiers, periods, models added and removed.
///
/// Rows are matched per provider, model and context tier; within those, periods with the same
/// `effective_from` first, then the rest in date order (so a moved start date reads as a
/// changed `effective_from`). A NEW model named by an alias of an OLD one is that model.
public enum PriceDiff {
  /// The compared columns, in price-table order, and how each reads off a row. `notes` is left
  /// out: it explains a rate, it is not one.
  static let fields: [(column: String, value: @Sendable (RateCard) -> String)] = {
    typealias Field = (column: String, value: @Sendable (RateCard) -> String)
    @Sendable func rate(_ value: Decimal?) -> String { value.map(ExactDecimal.plain) ?? "" }
    /// The categories' sync rate columns, then their batch ones.
    func categoryRates(_ categories: [TokenCategory]) -> [Field] {
      Mode.allCases.flatMap { mode in
        categories.map { category -> Field in
          (PriceTable.rateColumn(category, mode: mode), { rate($0.rates(for: mode)?[category] ?? nil) })
        }
      }
    }
    let period: [Field] = [
      ("effective_to", { $0.effectiveTo?.description ?? "" }),
      ("aliases", { $0.aliases.sorted().joined(separator: " ") }),
    ]
    let webSearch: [Field] = [
      ("web_search_per_1k", { rate($0.webSearchPer1K) }),
      ("batch_web_search_per_1k", { rate($0.batchWebSearchPer1K) }),
    ]
    return period + categoryRates(TokenCategory.priceTableOrder) + webSearch
      + categoryRates(TokenCategory.audio)
  }()

  /// `input 3, output 15`: what a row added or removed whole costs.
  static func summary(_ card: RateCard) -> String {
    "input \(ExactDecimal.plain(card.sync.input)), output \(ExactDecimal.plain(card.sync.output))"
      + (card.effectiveTo.map { ", to \($0)" } ?? "")
  }

  public static func changes(old: [RateCard], new: [RateCard]) -> [PriceChange] {
    struct Key: Hashable, Comparable {
      var provider: String
      var model: String
      static func < (lhs: Key, rhs: Key) -> Bool { (lhs.provider, lhs.model) < (rhs.provider, rhs.model) }
    }
    var oldAliases: [Key: String] = [:]
    for card in old {
      for alias in card.aliases { oldAliases[Key(provider: card.provider, model: alias)] = card.model }
    }
    let oldIDs = Set(old.map { Key(provider: $0.provider, model: $0.model) })
    func key(_ card: RateCard, renaming: Bool) -> Key {
      let key = Key(provider: card.provider, model: card.model)
      guard renaming, !oldIDs.contains(key), let id = oldAliases[key] else { return key }
      return Key(provider: card.provider, model: id)
    }
    let oldByModel = Dictionary(grouping: old) { key($0, renaming: false) }
    let newByModel = Dictionary(grouping: new) { key($0, renaming: true) }
    var changes: [PriceChange] = []
    func whole(_ kind: PriceChange.Kind, _ card: RateCard, as key: Key, added: Bool) {
      changes.append(
        PriceChange(
          kind: kind, provider: key.provider, model: key.model, minInputTokens: card.minInputTokens,
          effectiveFrom: card.effectiveFrom, column: "", old: added ? "" : summary(card),
          new: added ? summary(card) : ""))
    }
    for model in Set(oldByModel.keys).union(newByModel.keys).sorted() {
      let before = oldByModel[model] ?? []
      let after = newByModel[model] ?? []
      if before.isEmpty {
        after.forEach { whole(.addedModel, $0, as: model, added: true) }
        continue
      }
      if after.isEmpty {
        before.forEach { whole(.removedModel, $0, as: model, added: false) }
        continue
      }
      let tiers = Set(before.map(\.minInputTokens)).union(after.map(\.minInputTokens)).sorted()
      for tier in tiers {
        var olds = before.filter { $0.minInputTokens == tier }.sorted { $0.effectiveFrom < $1.effectiveFrom }
        var news = after.filter { $0.minInputTokens == tier }.sorted { $0.effectiveFrom < $1.effectiveFrom }
        if olds.isEmpty {
          news.forEach { whole(.addedTier, $0, as: model, added: true) }
          continue
        }
        if news.isEmpty {
          olds.forEach { whole(.removedTier, $0, as: model, added: false) }
          continue
        }
        var pairs: [(RateCard, RateCard)] = []
        for card in olds {
          if let index = news.firstIndex(where: { $0.effectiveFrom == card.effectiveFrom }) {
            pairs.append((card, news.remove(at: index)))
          }
        }
        olds.removeAll { card in pairs.contains { $0.0 == card } }
        while !olds.isEmpty && !news.isEmpty { pairs.append((olds.removeFirst(), news.removeFirst())) }
        olds.forEach { whole(.removedPeriod, $0, as: model, added: false) }
        news.forEach { whole(.addedPeriod, $0, as: model, added: true) }
        for (was, now) in pairs {
          func change(_ column: String, _ old: String, _ new: String) {
            guard old != new else { return }
            changes.append(
              PriceChange(
                kind: .changed, provider: model.provider, model: model.model, minInputTokens: tier,
                effectiveFrom: now.effectiveFrom, column: column, old: old, new: new))
          }
          change("effective_from", was.effectiveFrom.description, now.effectiveFrom.description)
          for field in fields { change(field.column, field.value(was), field.value(now)) }
        }
      }
    }
    let order = ["effective_from"] + fields.map(\.column)
    return changes.sorted {
      (
        $0.provider, $0.model, $0.minInputTokens, $0.effectiveFrom.daysSinceEpoch,
        order.firstIndex(of: $0.column) ?? -1
      ) < (
        $1.provider, $1.model, $1.minInputTokens, $1.effectiveFrom.daysSinceEpoch,
        order.firstIndex(of: $1.column) ?? -1
      )
    }
  }

  public static func table(_ changes: [PriceChange]) -> ReportTable {
    ReportTable(
      name: "pricing-diff",
      columns: [
        Column("change", title: "Change"), Column("provider", title: "Provider", dropPriority: 3),
        Column("model", title: "Model"), Column("min_input_tokens", title: "Min input"),
        Column("effective_from", title: "From", dropPriority: 1), Column("column", title: "Column"),
        Column("old", title: "Old"), Column("new", title: "New"),
      ],
      rows: changes.map { change in
        [
          .text(change.kind.rawValue), .text(change.provider), .text(change.model),
          .count(change.minInputTokens),
          .date(change.effectiveFrom), .text(change.column), .text(change.old), .text(change.new),
        ]
      })
  }
}
