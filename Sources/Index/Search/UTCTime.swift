import Foundation

/// ISO 8601 times to and from the index's integer microseconds since 1970-01-01 UTC.
///
/// Accepted: a date (`2026-11-21`), or a date and time with optional seconds and fraction and an
/// optional offset: `2026-11-21T10:30`, `2026-11-21 10:30:05.25Z`, `2026-11-21T12:30:00+02:00`,
/// `...+0200`, `...-05`. A time without an offset is UTC (the index stores UTC and prints UTC).
public enum UTCTime {
    /// A parsed time, and whether it was a bare date (the CLI reads `--until DATE` as "through
    /// the end of that day").
    public struct Parsed: Sendable, Equatable {
        public var microseconds: Int64
        public var isDateOnly: Bool
    }

    /// Parses `text`, or nil when it is not one of the accepted forms.
    public static func parse(_ text: String) -> Parsed? {
        let s = Array(text.trimmingCharacters(in: .whitespaces).utf8)
        var i = 0
        func digits(_ count: Int) -> Int? {
            guard i + count <= s.count else { return nil }
            var value = 0
            for k in 0..<count {
                let c = s[i + k]
                guard c >= 48, c <= 57 else { return nil }
                value = value * 10 + Int(c - 48)
            }
            i += count
            return value
        }
        func take(_ c: UInt8) -> Bool {
            if i < s.count, s[i] == c { i += 1; return true }
            return false
        }
        guard let year = digits(4), take(45), let month = digits(2), take(45), let day = digits(2),
              (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day)
        else { return nil }
        let dayMicros = Int64(daysFromCivil(year: year, month: month, day: day)) * 86_400_000_000
        if i == s.count { return Parsed(microseconds: dayMicros, isDateOnly: true) }
        guard take(84) || take(116) || take(32) else { return nil }  // T, t or space
        guard let hour = digits(2), (0...23).contains(hour), take(58), let minute = digits(2), (0...59).contains(minute)
        else { return nil }
        var second = 0
        var micros = 0
        if take(58) {
            guard let value = digits(2), (0...60).contains(value) else { return nil }
            second = min(value, 59)
            if take(46) || take(44) {
                var scale = 100_000
                var count = 0
                while i < s.count, s[i] >= 48, s[i] <= 57 {
                    micros += Int(s[i] - 48) * scale
                    scale /= 10
                    i += 1
                    count += 1
                }
                guard count > 0 else { return nil }
            }
        }
        var offsetSeconds = 0
        if i < s.count {
            if take(90) || take(122) {  // Z
            } else if i < s.count, s[i] == 43 || s[i] == 45 {
                let sign = s[i] == 45 ? -1 : 1
                i += 1
                guard let oh = digits(2), oh <= 23 else { return nil }
                var om = 0
                if i < s.count {
                    _ = take(58)
                    guard let value = digits(2), value <= 59 else { return nil }
                    om = value
                }
                offsetSeconds = sign * (oh * 3_600 + om * 60)
            } else {
                return nil
            }
        }
        guard i == s.count else { return nil }
        let local = Int64(hour * 3_600 + minute * 60 + second - offsetSeconds) * 1_000_000 + Int64(micros)
        return Parsed(microseconds: dayMicros + local, isDateOnly: false)
    }

    /// `2026-11-21T10:30:05.250000Z`, or without the fraction when it is zero.
    public static func format(_ microseconds: Int64) -> String {
        var days = microseconds / 86_400_000_000
        var rest = microseconds % 86_400_000_000
        if rest < 0 { days -= 1; rest += 86_400_000_000 }
        let (y, m, d) = civilFromDays(days)
        let seconds = Int(rest / 1_000_000), fraction = Int(rest % 1_000_000)
        var text = "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(seconds / 3_600, 2)):\(pad(seconds / 60 % 60, 2)):\(pad(seconds % 60, 2))"
        if fraction != 0 { text += "." + pad(fraction, 6) }
        return text + "Z"
    }

    /// `2026-11-21 10:30:05Z`: the table's compact form (seconds precision).
    public static func formatShort(_ microseconds: Int64) -> String {
        let floored = microseconds - ((microseconds % 1_000_000) + 1_000_000) % 1_000_000
        return format(floored).replacingFirstT()
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Howard Hinnant's days_from_civil: days since 1970-01-01 of a proleptic Gregorian date.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ days: Int64) -> (Int, Int, Int) {
        let z = Int(days) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}

extension String {
    fileprivate func replacingFirstT() -> String {
        guard let index = firstIndex(of: "T") else { return self }
        var copy = self
        copy.replaceSubrange(index...index, with: " ")
        return copy
    }
}
