public import Foundation

/// UTC calendar arithmetic without Calendar or DateFormatter: exact, fast and locale-free.
public enum UTCTime {
    /// The `YYYY-MM-DD` UTC day of a moment given in seconds since 1970.
    public static func day(seconds: Int64) -> String {
        let (year, month, day) = civil(daysSinceEpoch: floorDiv(seconds, 86_400))
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
    }

    /// The UTC day of a `Date`.
    public static func day(_ date: Date) -> String {
        day(seconds: Int64(date.timeIntervalSince1970.rounded(.down)))
    }

    /// A fixed-width RFC 3339 UTC timestamp with nanoseconds, so string order is time order.
    public static func timestamp(seconds: Int64, nanos: Int32) -> String {
        let days = floorDiv(seconds, 86_400)
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(daysSinceEpoch: days)
        let hour = Int(secondOfDay / 3600), minute = Int(secondOfDay % 3600 / 60), second = Int(secondOfDay % 60)
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" + pad(hour, 2) + ":" + pad(minute, 2)
            + ":" + pad(second, 2) + "." + pad(Int(max(0, min(nanos, 999_999_999))), 9) + "Z"
    }

    /// The fixed-width timestamp of a `Date` (to nanosecond precision of its double).
    public static func timestamp(_ date: Date) -> String {
        let interval = date.timeIntervalSince1970
        let seconds = Int64(interval.rounded(.down))
        let nanos = Int32(((interval - Double(seconds)) * 1e9).rounded(.down))
        return timestamp(seconds: seconds, nanos: min(nanos, 999_999_999))
    }

    /// Days since 1970-01-01 of a `YYYY-MM-DD` day, or nil when malformed.
    public static func daysSinceEpoch(of day: String) -> Int64? {
        let parts = day.split(separator: "-")
        guard parts.count == 3, let y = Int64(parts[0]), let m = Int64(parts[1]), let d = Int64(parts[2]),
              (1...12).contains(m), (1...31).contains(d) else { return nil }
        // Howard Hinnant's days_from_civil.
        let year = m <= 2 ? y - 1 : y
        let era = floorDiv(year, 400)
        let yoe = year - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(daysSinceEpoch: Int64) -> (Int, Int, Int) {
        // Howard Hinnant's civil_from_days.
        let z = daysSinceEpoch + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (Int(y), Int(m), Int(d))
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
