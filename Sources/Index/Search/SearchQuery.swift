public import BoxBridgeProtocol

/// What `boxbridge search` asks: every set filter must hold (AND); results newest first.
public struct SearchQuery: Sendable, Equatable {
    /// Connection names (any of them).
    public var connections: [String] = []
    /// An actor's login (case-insensitive) or Box user id.
    public var actor: String?
    /// Words that must all occur in the file name (prefix match, NFC, accent-insensitive).
    public var fileName: String?
    /// Words that must all occur in the file name or path.
    public var text: String?
    public var fileID: String?
    /// Case-insensitive.
    public var sha1: String?
    /// A Box event id (any of a coalesced event's ids).
    public var eventID: String?
    /// Categories (any of them).
    public var categories: [Boxbridge_V1_Category] = []
    /// Stored exposure names (`IndexNames.exposures`), any of them.
    public var exposures: [String] = []
    /// Classification label, case-insensitive; matches the file's or Shield's.
    public var classification: String?
    /// `enforced` or `monitoring`.
    public var controlMode: String?
    /// Inclusive lower bound, microseconds since 1970 UTC.
    public var since: Int64?
    /// Exclusive upper bound, microseconds since 1970 UTC.
    public var before: Int64?
    /// At most this many results; nil for all.
    public var limit: Int? = 100

    public init() {}
}

/// One search result: the event as indexed (without raw Box JSON bodies) and where it came from.
public struct IndexHit: Sendable, Equatable {
    public var topic: String
    public var sequence: UInt64
    /// Microseconds since 1970 UTC (the event's Box created_at).
    public var occurredAt: Int64
    public var event: Boxbridge_V1_FileEvent
}
