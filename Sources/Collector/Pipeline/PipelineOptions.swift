/// Tunables of a pipeline that bridge.conf does not expose, with their defaults.
public struct PipelineOptions: Sendable, Equatable {
    /// How long a page's released events may wait for best-effort enrichment (paths) before going
    /// out unenriched. Shared-link access may hold them up to the enricher's `maximumHold`.
    public var enrichmentBudget: Duration = .seconds(2)
    /// The first wait after a short page (`PollCadence.easeStart`); doubles up to the idle interval.
    public var pollEaseStart: Duration = .seconds(1)
    /// Pause before re-sending a batch whose ack timed out (the same batch id, so never doubled).
    public var publishRetryDelay: Duration = .milliseconds(200)
    /// Box events fetched after the oldest page still pinned by a held (coalescing) event before
    /// everything held is published anyway. Bounds what a restart re-reads, which must stay within
    /// the broker's recent-event-id window (10,000 by default) for dedupe to catch it.
    public var maxHeldSpanEvents = 2_000
    /// Wait before re-trying a failed scope resolution.
    public var scopeRetryDelay: Duration = .seconds(30)
    /// File owners remembered (bounded memory) for events that do not name the drive they happen on.
    public var ownerCacheEntries = 20_000
    /// The bridge's own Box user id, when already known (otherwise `GET /users/me` asks once).
    public var serviceAccountUserID: String?

    public init() {}
}
