/// `[collector]`: polling, dedupe, coalescing, scope upkeep and enrichment.
public struct CollectorSection: Sendable, Equatable {
    /// Lease identity; nil means `<hostname>-<pid>` (see `resolvedID`).
    public var id: String?
    /// Pause between polls once caught up (polls run back to back while pages come full).
    public var pollIntervalIdle: Duration = .seconds(5)
    /// Events per page, 1 ... 500 (Box's maximum).
    public var pageSize = 500
    /// Repeats of one action on one file by one actor within this window become one event; zero = off.
    public var coalesceWindow: Duration = .seconds(10)
    /// Event ids are remembered for this long to drop Box's re-deliveries...
    public var dedupeWindow: Duration = .seconds(6 * 3600)
    /// ...and at most this many of them (the oldest go first), keeping memory bounded.
    public var dedupeMaxEvents = 500_000
    /// A connection that has seen no event for this long reports it on `ops/<connection>/…`; zero = never.
    public var silenceAfter: Duration = .seconds(3600)
    /// Lag behind Box above this is reported as a warning.
    public var lagWarning: Duration = .seconds(300)
    /// Unknown groups are looked up again, and memberships re-resolved, this often.
    public var groupRelookupInterval: Duration = .seconds(86_400)
    /// More drives in scope fail the connection (Box connectors support 500,000 at most).
    public var maxDrives = 500_000
    /// Parent folder path and shared-link access lookups, at low priority.
    public var enrichment = true
    /// Entries of the enrichment cache (bounded memory).
    public var enrichmentCacheEntries = 50_000
    /// Largest ingest batch sent to the broker.
    public var batchMaxEvents = 500

    public init() {}

    /// The collector's lease identity: the configured id, else `<hostname>-<pid>`.
    public func resolvedID(hostname: String, pid: Int32) -> String {
        id ?? "\(hostname)-\(pid)"
    }
}
