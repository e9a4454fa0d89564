/// The small syntactic checks of bridge.conf values.
enum Validators {
    /// `a-z`, `0-9`, `-`, `_`, starting with a letter or digit, at most 64 characters: usable in topics.
    static func isTopicSafeName(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 64 else { return false }
        func allowed(_ byte: UInt8) -> Bool {
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D || byte == 0x5F
        }
        return allowed(first) && first != 0x2D && first != 0x5F && name.utf8.allSatisfy(allowed)
    }

    /// A POSIX environment variable name.
    static func isEnvironmentVariableName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(first >= 0x30 && first <= 0x39) else { return false }
        return name.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x5F
        }
    }

    /// A DNS host name (labels of letters, digits and hyphens); one label is enough.
    static func isHostName(_ host: String) -> Bool {
        guard !host.isEmpty, host.utf8.count <= 253 else { return false }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            guard !label.isEmpty, label.utf8.count <= 63, label.first != "-", label.last != "-" else { return false }
            return label.utf8.allSatisfy { byte in
                (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D
            }
        }
    }

    /// A mail domain such as `acme.com`: a host name of at least two labels whose last is not numeric.
    static func isDomain(_ domain: String) -> Bool {
        guard isHostName(domain) else { return false }
        let labels = domain.split(separator: ".")
        guard labels.count >= 2, let last = labels.last else { return false }
        return !last.allSatisfy(\.isNumber)
    }

    /// A plain email address `local@domain` (no display name, no spaces).
    static func isEmail(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64 else { return false }
        let local = parts[0]
        guard !local.hasPrefix("."), !local.hasSuffix("."), !local.contains("..") else { return false }
        let localAllowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.!#$%&'*+/=?^_`{|}~-")
        guard local.allSatisfy({ localAllowed.contains($0) }) else { return false }
        return isDomain(String(parts[1]))
    }

    /// The ZeroMQ Z85 alphabet; a CURVE key in Z85 is 40 of these.
    static let z85Alphabet = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#")

    static func isZ85Key(_ text: String) -> Bool {
        text.count == 40 && text.allSatisfy { z85Alphabet.contains($0) }
    }

    /// An RFC 3339 timestamp with a time zone: `2026-01-31T08:00:00Z`, `2026-01-31T08:00:00.5+01:00`.
    static func isRFC3339Timestamp(_ text: String) -> Bool {
        let chars = Array(text.utf8)
        func digits(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= chars.count else { return nil }
            var value = 0
            for index in range {
                guard chars[index] >= 0x30, chars[index] <= 0x39 else { return nil }
                value = value * 10 + Int(chars[index] - 0x30)
            }
            return value
        }
        guard chars.count >= 20,
            let _ = digits(0..<4), chars[4] == UInt8(ascii: "-"),
            let month = digits(5..<7), (1...12).contains(month), chars[7] == UInt8(ascii: "-"),
            let day = digits(8..<10), (1...31).contains(day),
            chars[10] == UInt8(ascii: "T") || chars[10] == UInt8(ascii: "t"),
            let hour = digits(11..<13), hour < 24, chars[13] == UInt8(ascii: ":"),
            let minute = digits(14..<16), minute < 60, chars[16] == UInt8(ascii: ":"),
            let second = digits(17..<19), second <= 60
        else { return false }
        var index = 19
        if chars[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < chars.count, chars[index] >= 0x30, chars[index] <= 0x39 { index += 1 }
            guard index > start else { return false }
        }
        guard index < chars.count else { return false }
        if chars[index] == UInt8(ascii: "Z") || chars[index] == UInt8(ascii: "z") { return index == chars.count - 1 }
        guard chars[index] == UInt8(ascii: "+") || chars[index] == UInt8(ascii: "-"), chars.count == index + 6,
            let offsetHour = digits(index + 1..<index + 3), offsetHour < 24, chars[index + 3] == UInt8(ascii: ":"),
            let offsetMinute = digits(index + 4..<index + 6), offsetMinute < 60
        else { return false }
        return true
    }
}
