public import SwiftProtobuf

/// RFC 3339 timestamps as Box sends them (`2024-05-01T09:41:31-07:00`, any offset, optional
/// fraction, `Z`), converted to UTC without Foundation's date formatters, which are slow and
/// locale-sensitive.
public enum RFC3339 {
    /// Seconds and nanoseconds since the Unix epoch (UTC), or nil when the text is not RFC 3339.
    public static func parse(_ text: String) -> (seconds: Int64, nanos: Int32)? {
        var copy = text
        return copy.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }

    /// The same as a protobuf Timestamp.
    public static func timestamp(_ text: String) -> Google_Protobuf_Timestamp? {
        parse(text).map { Google_Protobuf_Timestamp(seconds: $0.seconds, nanos: $0.nanos) }
    }

    static func parse(_ b: UnsafeRawBufferPointer) -> (seconds: Int64, nanos: Int32)? {
        // Fixed layout: YYYY-MM-DDTHH:MM:SS, then an optional fraction and the offset.
        let n = b.count
        guard n >= 20 else { return nil }
        @inline(__always) func digits(_ at: Int, _ count: Int) -> Int? {
            var value = 0
            for k in at..<(at + count) {
                let d = b[k] &- UInt8(ascii: "0")
                guard d < 10 else { return nil }
                value = value * 10 + Int(d)
            }
            return value
        }
        guard let year = digits(0, 4), b[4] == UInt8(ascii: "-"),
              let month = digits(5, 2), b[7] == UInt8(ascii: "-"),
              let day = digits(8, 2), b[10] | 0x20 == UInt8(ascii: "t") || b[10] == UInt8(ascii: " "),
              let hour = digits(11, 2), b[13] == UInt8(ascii: ":"),
              let minute = digits(14, 2), b[16] == UInt8(ascii: ":"),
              let second = digits(17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year, month),
              hour <= 23, minute <= 59, second <= 60
        else { return nil }
        var i = 19
        var nanos = 0
        if b[i] == UInt8(ascii: ".") {
            i += 1
            var scale = 100_000_000
            let fractionStart = i
            while i < n, b[i] &- UInt8(ascii: "0") < 10 {
                nanos += Int(b[i] &- UInt8(ascii: "0")) * scale
                scale /= 10
                i += 1
            }
            guard i > fractionStart else { return nil }
        }
        guard i < n else { return nil }
        var offsetSeconds = 0
        if b[i] | 0x20 == UInt8(ascii: "z") {
            i += 1
        } else {
            guard b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-"), i + 6 == n,
                  let offsetHours = digits(i + 1, 2), b[i + 3] == UInt8(ascii: ":"),
                  let offsetMinutes = digits(i + 4, 2), offsetHours <= 23, offsetMinutes <= 59
            else { return nil }
            offsetSeconds = (offsetHours * 3600 + offsetMinutes * 60) * (b[i] == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        }
        guard i == n else { return nil }
        // A leap second is folded into the next second, as protobuf Timestamps have none.
        let days = daysFromCivil(year, month, day)
        let local = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        return (local - Int64(offsetSeconds), Int32(nanos))
    }

    static func daysInMonth(_ year: Int, _ month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's algorithm).
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
