/// `[broker]`: where the broker listens and how it keeps the journal.
public struct BrokerSection: Sendable, Equatable {
    /// ROUTER where collectors send ingest batches and wait for durable acks.
    public var ingestEndpoint = BusEndpoint.tcp(port: 7301)
    /// XPUB of the live fan-out: topic frame plus envelope.
    public var publishEndpoint = BusEndpoint.tcp(port: 7302)
    /// ROUTER of the request/response services: replay, leases, stats.
    public var controlEndpoint = BusEndpoint.tcp(port: 7303)
    /// Folder of the journal segments (absolute once loaded).
    public var journalPath = "var/journal"
    /// A segment is sealed and a new one started past this size.
    public var segmentBytes: Int64 = 64 << 20
    /// Oldest segments are dropped when the journal is larger; 0 = no size limit.
    public var retentionBytes: Int64 = 10 << 30
    /// Segments whose newest record is older are dropped; zero = no age limit.
    public var retentionAge: Duration = .seconds(14 * 86_400)
    /// Longest an ingest batch waits for the shared fsync (group commit).
    public var groupCommitWindow: Duration = .zero
    /// A collector silent for this long loses its leases to a live one.
    public var leaseTimeout: Duration = .seconds(10)
    /// How often collectors heartbeat; well under `leaseTimeout`.
    public var heartbeatInterval: Duration = .seconds(2)
    /// Messages queued per live subscriber before it is cut off (ZMQ_SNDHWM on the XPUB).
    public var subscriberHWM = 10_000

    public init() {}
}
