import Testing

@testable import TallyKit

@Suite struct CivilDateWeekTests {
  @Test func weeksStartOnMonday() throws {
    let thursday = CivilDate(daysSinceEpoch: 0)
    #expect(thursday.weekday == 3)
    let monday = try #require(CivilDate(year: 2026, month: 11, day: 30))
    #expect(monday.weekday == 0)
    for days in -800...800 {
      let day = CivilDate(daysSinceEpoch: days)
      #expect(day.weekStart.weekday == 0)
      #expect(day.weekStart.daysSinceEpoch <= days && days - day.weekStart.daysSinceEpoch < 7)
    }
  }
}
