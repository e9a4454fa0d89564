/// `[logging]`.
public struct LoggingSection: Sendable, Equatable {
    /// swift-log levels.
    public enum Level: String, Sendable, CaseIterable {
        case trace, debug, info, notice, warning, error, critical
    }

    public enum Format: String, Sendable, CaseIterable {
        /// One readable line per record.
        case text
        /// One JSON object per line, for log shippers.
        case json
    }

    public var level: Level = .info
    public var format: Format = .text

    public init() {}
}
