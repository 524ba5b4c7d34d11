import Foundation
import Testing

@testable import TallyKit

private func money(_ text: String) -> Money { Money(parsing: text)! }

@Suite struct MoneyTests {
  @Test func parsesExactlyAndRejectsWhatIsNotAPlainDecimal() {
    #expect(ExactDecimal.parse("0.30") == Decimal(30) / 100)
    #expect(ExactDecimal.parse("1.875") == Decimal(1875) / 1000)
    #expect(ExactDecimal.parse("-2.5") == Decimal(-25) / 10)
    #expect(ExactDecimal.parse("0.0025") == Decimal(25) / 10000)
    #expect(ExactDecimal.parse("1e3", allowExponent: true) == 1000)
    for bad in ["1,50", "1.5.0", "", ".5", "1.", "abc", "1e3", "1 000", "nan", "+"] {
      #expect(ExactDecimal.parse(bad) == nil, "\(bad) must not parse")
    }
  }

  /// Past Decimal's exponent range a number would silently become 0: it is refused instead.
  @Test func aNumberTooSmallForDecimalIsRefusedNotReadAsZero() {
    let zeros = String(repeating: "0", count: 130)
    #expect(ExactDecimal.parse("0.\(zeros)1") == nil)
    #expect(ExactDecimal.parse("0.\(zeros)") == 0)
    #expect(
      ExactDecimal.parse("0.\(String(repeating: "0", count: 126))1")
        == Decimal(sign: .plus, exponent: -127, significand: 1))
    #expect(
      ExactDecimal.parse("1e-99", allowExponent: true) == Decimal(sign: .plus, exponent: -99, significand: 1))
  }

  @Test func anOptionalSumLeavesUnknownAmountsOutAndStaysNilOnlyWhileAllAreUnknown() {
    var total: Money? = nil
    total += nil
    #expect(total == nil, "unpriced usage is never $0")
    total += money("1.25")
    total += nil
    total += money("0.75")
    #expect(total == money("2"))
    var counted: [String: Money] = [:]
    counted["a"] += money("1")
    counted["a"] += money("2")
    #expect(counted == ["a": money("3")])
  }

  @Test func arithmeticIsExact() {
    // 0.1 + 0.2 is 0.3 exactly, unlike binary floating point.
    #expect(money("0.1") + money("0.2") == money("0.3"))
    let perRequest = money("0.057")
    #expect(perRequest * Exact(15000) == money("855"))
    #expect((money("10") / Exact(3)) * Exact(3) == money("10"))
  }

  @Test func presentationRoundsHalfToEven() {
    #expect(money("2.345").csv() == "2.34")
    #expect(money("2.355").csv() == "2.36")
    #expect(money("2.3450001").csv() == "2.35")
    #expect(money("-2.345").csv() == "-2.34")
    #expect(money("-0.001").csv() == "0.00")
    #expect(money("1234567.891").terminal() == "$1,234,567.89")
    #expect(money("-1234.5").terminal() == "-$1,234.50")
    #expect(money("0.125").terminal(precision: 3) == "$0.125")
    #expect(money("1234.5625").json == "1234.5625")
    #expect(money("855.000").json == "855")
  }

  @Test func largestRemainderAllocationAddsUpToTheRoundedTotal() {
    // Three thirds of $100: each rounds to 33.33, which would sum to 99.99.
    let third = money("100") / Exact(3)
    let shares = Money.allocate([third, third, third], names: ["b", "a", "c"])
    #expect(shares.map { $0.csv() } == ["33.33", "33.34", "33.33"])  // tie: same amount, name "a" first
    #expect(shares.sum() == money("100"))

    let amounts = [money("10.005"), money("20.004"), money("0.003"), money("5.0049")]
    let allocated = Money.allocate(amounts, names: ["w", "x", "y", "z"])
    #expect(allocated.map { $0.csv() } == ["10.01", "20.00", "0.00", "5.01"])
    #expect(allocated.sum() == amounts.sum().rounded())  // 35.0169 -> 35.02
  }

  @Test func allocationTiesPreferTheLargerExactAmount() {
    let allocated = Money.allocate([money("1.005"), money("2.005")], names: ["a", "b"])
    // Total 3.01; both remainders are 0.005; the larger exact amount gets the cent.
    #expect(allocated.map { $0.csv() } == ["1.00", "2.01"])
  }
}

@Suite struct ExactTests {
  @Test func weeklyScalingStaysExact() {
    let perMonth = Exact(30, over: 7)
    let total = (0..<7).reduce(Exact(0)) { sum, _ in sum + perMonth }
    #expect(total == Exact(30))
    #expect(total.terminates)
    #expect(!perMonth.terminates)
    #expect(Exact(60, over: 14) == perMonth)
  }

  @Test func ratiosOfNonTerminatingValuesTerminateWhenTheyShould() {
    let sync = Money(Decimal(300)) / Exact(7)
    let batch = Money(Decimal(150)) / Exact(7)
    #expect((sync - batch).percent(of: sync) == Exact(50))
    #expect(Money.zero.percent(of: .zero) == nil)
  }

  @Test func divisionByDecimalsAndComparison() {
    #expect(Exact(Decimal(13) / 10) / Exact(Decimal(13) / 10) == Exact(1))
    #expect(Exact(1) / Exact(3) < Exact(Decimal(334) / 1000))
    #expect(Exact(1) / Exact(3) > Exact(Decimal(333) / 1000))
    #expect((Exact(1) / Exact(3)).decimal.description.hasPrefix("0.333333333333"))
  }
}
