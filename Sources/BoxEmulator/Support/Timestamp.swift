/// RFC 3339 formatting and parsing without Foundation formatters: fast and deterministic.
public enum Timestamp {
    /// Formats whole Unix seconds as RFC 3339 with the given UTC offset (Box uses varying offsets).
    public static func format(unixSeconds: Int64, offsetMinutes: Int = 0) -> String {
        let local = unixSeconds + Int64(offsetMinutes) * 60
        let days = floorDiv(local, 86_400)
        let secondsOfDay = Int(local - days * 86_400)
        let (y, m, d) = civil(fromDays: days)
        // Written byte by byte: this runs twice per generated event.
        var b: [UInt8] = Array(repeating: 0x30, count: 25)
        func put(_ value: Int, _ at: Int, _ width: Int) {
            var v = value
            var i = at + width - 1
            while i >= at { b[i] = 0x30 + UInt8(v % 10); v /= 10; i -= 1 }
        }
        put(y, 0, 4); b[4] = 0x2D; put(m, 5, 2); b[7] = 0x2D; put(d, 8, 2); b[10] = 0x54
        put(secondsOfDay / 3600, 11, 2); b[13] = 0x3A; put(secondsOfDay % 3600 / 60, 14, 2); b[16] = 0x3A
        put(secondsOfDay % 60, 17, 2)
        b[19] = offsetMinutes < 0 ? 0x2D : 0x2B
        let a = abs(offsetMinutes)
        put(a / 60, 20, 2); b[22] = 0x3A; put(a % 60, 23, 2)
        return String(decoding: b, as: UTF8.self)
    }

    /// Parses RFC 3339 (`2024-05-01T09:41:31-07:00`, `…Z`, optional fractional seconds) to Unix seconds.
    public static func parse(_ text: String) -> Double? {
        let b = Array(text.utf8)
        func num(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var v = 0
            for i in from..<(from + count) {
                let c = b[i]
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            return v
        }
        guard b.count >= 19, let y = num(0, 4), b[4] == 45, let mo = num(5, 2), b[7] == 45, let d = num(8, 2),
              b[10] == 84 || b[10] == 116 || b[10] == 32, let h = num(11, 2), b[13] == 58, let mi = num(14, 2), b[16] == 58,
              let se = num(17, 2), (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, se < 61
        else { return nil }
        var i = 19
        var fraction = 0.0
        if i < b.count, b[i] == 46 {
            i += 1
            var scale = 0.1
            let start = i
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                fraction += Double(b[i] - 48) * scale
                scale /= 10
                i += 1
            }
            if i == start { return nil }
        }
        var offset = 0
        guard i < b.count else { return nil }
        if b[i] == 90 || b[i] == 122 {
            i += 1
        } else if b[i] == 43 || b[i] == 45 {
            guard let oh = num(i + 1, 2), b.count > i + 3, b[i + 3] == 58, let om = num(i + 4, 2) else { return nil }
            offset = (oh * 60 + om) * (b[i] == 45 ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let days = days(fromCivil: y, mo, d)
        return Double(days * 86_400 + Int64(h * 3600 + mi * 60 + se) - Int64(offset * 60)) + fraction
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    // Howard Hinnant's civil calendar algorithms.
    static func civil(fromDays z0: Int64) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(m <= 2 ? y + 1 : y), Int(m), Int(d))
    }

    static func days(fromCivil y0: Int, _ m: Int, _ d: Int) -> Int64 {
        let y = Int64(m <= 2 ? y0 - 1 : y0)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64(m > 2 ? m - 3 : m + 9)
        let doy = (153 * mp + 2) / 5 + Int64(d) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
