import Testing
@testable import Index

@Suite("UTCTime")
struct UTCTimeTests {
    @Test("offsets, fractions, dates and bare times all land on UTC microseconds")
    func parse() throws {
        let utc = try #require(UTCTime.parse("2026-11-21T10:00:00Z")).microseconds
        #expect(utc == 1_795_255_200_000_000)
        #expect(UTCTime.parse("2026-11-21T12:00:00+02:00")?.microseconds == utc)
        #expect(UTCTime.parse("2026-11-21T12:00+0200")?.microseconds == utc)
        #expect(UTCTime.parse("2026-11-21T05:00:00-05")?.microseconds == utc)
        #expect(UTCTime.parse("2026-11-21 10:00:00")?.microseconds == utc)  // no offset: UTC
        #expect(UTCTime.parse("2026-11-21t10:00:00.5z")?.microseconds == utc + 500_000)
        #expect(UTCTime.parse("2026-11-21T10:00:00.123456789Z")?.microseconds == utc + 123_456)
        #expect(UTCTime.parse("2026-11-21") == .init(microseconds: utc - 10 * 3_600_000_000, isDateOnly: true))
        #expect(UTCTime.parse("1969-12-31T23:59:59Z")?.microseconds == -1_000_000)
        #expect(UTCTime.parse("2024-02-29")?.isDateOnly == true)
    }

    @Test("malformed times are refused")
    func refuse() {
        for text in ["", "yesterday", "2026-13-01", "2025-02-29", "2026-11-21T25:00", "2026-11-21T10", "2026-11-21T10:00+2",
                     "2026-11-21T10:00:00.Z", "2026-11-21T10:00:00Z junk", "1732183200"] {
            #expect(UTCTime.parse(text) == nil, "\(text)")
        }
    }

    @Test("format is ISO 8601 UTC, microseconds only when present")
    func format() {
        #expect(UTCTime.format(1_795_255_200_000_000) == "2026-11-21T10:00:00Z")
        #expect(UTCTime.format(1_795_255_200_000_001) == "2026-11-21T10:00:00.000001Z")
        #expect(UTCTime.format(-1) == "1969-12-31T23:59:59.999999Z")
        #expect(UTCTime.formatShort(1_795_255_200_999_999) == "2026-11-21 10:00:00Z")
    }
}
