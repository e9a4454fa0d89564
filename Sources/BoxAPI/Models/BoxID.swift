/// A Box id: always a string here, whether Box sent `"123"` or `123`.
///
/// Box documents ids as strings, yet Shield payloads and some fixtures carry numbers (API-NOTES §3);
/// a number is kept as its exact digits, never through a floating-point type.
public struct BoxID: Hashable, Sendable, Codable, ExpressibleByStringLiteral, CustomStringConvertible, Comparable {
    public var rawValue: String

    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    public static func < (lhs: BoxID, rhs: BoxID) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let string = try? container.decode(String.self) {
            rawValue = string
        } else if let number = try? container.decode(UInt64.self) {
            rawValue = String(number)
        } else if let number = try? container.decode(Int64.self) {
            rawValue = String(number)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "an id must be a string or an integer")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// A 64-bit count (file sizes exceed 2^32) that Box may send as a number or a string of digits.
public struct BoxInt64: Hashable, Sendable, Codable, CustomStringConvertible {
    public var value: Int64

    public init(_ value: Int64) { self.value = value }
    public var description: String { String(value) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int64.self) {
            value = number
        } else if let string = try? container.decode(String.self), let number = Int64(string) {
            value = number
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected a 64-bit integer")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
