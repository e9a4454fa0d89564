/// A Box event stream position, kept as an opaque string end to end.
///
/// Positions exceed 2^53 (API-NOTES §2), so they are never parsed as numbers: the events page
/// decoder copies a JSON number's digits or a JSON string's content verbatim.
public struct StreamPosition: Hashable, Sendable, Codable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var rawValue: String

    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }

    /// Start at the newest event: the first page is empty and carries the current position.
    public static let now = StreamPosition("now")
    /// Start at the oldest retained event (14 days back on `admin_logs_streaming`).
    public static let beginning = StreamPosition("0")

    /// Whether the position says nothing about where to continue (`0`, empty): Box sends `0` on
    /// empty `admin_logs` pages, and moving to it would re-read everything.
    public var isUnusable: Bool { rawValue.isEmpty || rawValue == "0" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        rawValue = try container.decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// The two enterprise event streams (API-NOTES §2).
public enum EnterpriseStreamType: String, Sendable, Hashable, CaseIterable, Codable {
    /// Event History: chronological, no duplicates, 365 days, supports created_after/before.
    case adminLogs = "admin_logs"
    /// Event Stream: lower latency, at-least-once, roughly ordered, 14 days.
    case adminLogsStreaming = "admin_logs_streaming"
}
