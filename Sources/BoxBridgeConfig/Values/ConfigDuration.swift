/// Parses the duration strings of bridge.conf: a whole number followed by `ms`, `s`, `m`, `h` or `d`
/// (`"250ms"`, `"10s"`, `"5m"`, `"24h"`, `"14d"`). Nil for anything else, including overflow.
public func parseConfigDuration(_ text: String) -> Duration? {
    let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
    for (suffix, millis) in units where text.hasSuffix(suffix) {
        let number = text.dropLast(suffix.count)
        // "ms" also ends in "s": make sure the remaining text is a plain number.
        guard !number.isEmpty, number.allSatisfy(\.isASCII), number.allSatisfy(\.isNumber),
            let value = Int64(number)
        else { continue }
        let (total, overflow) = value.multipliedReportingOverflow(by: millis)
        return overflow ? nil : .milliseconds(total)
    }
    return nil
}

/// Writes a duration the way bridge.conf spells it, in the largest unit that divides it (`"14d"`).
public func formatConfigDuration(_ duration: Duration) -> String {
    let millis = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    guard millis != 0 else { return "0s" }
    for (suffix, unit) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000)] where millis % unit == 0 {
        return "\(millis / unit)\(suffix)"
    }
    return "\(millis)ms"
}

/// Parses a byte size: a whole number, optionally followed by `B`, `KB`, `MB`, `GB`, `TB` (powers
/// of 1000) or `KiB`, `MiB`, `GiB`, `TiB` (powers of 1024). Nil for anything else, including overflow.
public func parseConfigByteSize(_ text: String) -> Int64? {
    let units: [(String, Int64)] = [
        ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40),
        ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000), ("B", 1),
    ]
    let trimmed = text.trimmingSpaces()
    for (suffix, multiplier) in units where trimmed.hasSuffix(suffix) {
        let number = String(trimmed.dropLast(suffix.count)).trimmingSpaces()
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int64(number) else { return nil }
        let (total, overflow) = value.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : total
    }
    guard !trimmed.isEmpty, trimmed.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
    return Int64(trimmed)
}

extension String {
    func trimmingSpaces() -> String {
        var slice = Substring(self)
        while slice.first == " " { slice = slice.dropFirst() }
        while slice.last == " " { slice = slice.dropLast() }
        return String(slice)
    }
}
