/// `[archive]`: per-connection, per-UTC-day compressed segments with a SHA-256 chain.
public struct ArchiveSection: Sendable, Equatable {
    /// The archive folder (absolute once loaded).
    public var path = "var/archive"
    /// Sealed segments older than this many days are deleted; 0 = keep forever.
    public var retentionDays = 365
    /// 1 (fastest) ... 9 (smallest).
    public var compressionLevel = 6

    public init() {}
}
