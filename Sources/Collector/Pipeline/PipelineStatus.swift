public import BoxBridgeProtocol
public import Foundation
import SwiftProtobuf

/// Running totals of one pipeline, since it started.
public struct PipelineCounters: Sendable, Equatable {
    /// `GET /events` pages fetched (empty ones included).
    public var pages = 0
    /// Box events read from those pages (duplicates and malformed ones included).
    public var boxEvents = 0
    /// File events published on `box/<connection>/…` (a coalesced event counts once).
    public var publishedEvents = 0
    /// Box event ids those file events carry.
    public var publishedBoxEvents = 0
    /// Events dropped because their id was already seen (Box re-deliveries, re-reads after a restart).
    public var duplicates = 0
    /// Events on drives outside the scope (or with no known owner).
    public var outOfScope = 0
    /// Malformed events set aside on `ops/<connection>/quarantined`.
    public var quarantined = 0
    /// The bridge's own account's events, sent as health instead of activity.
    public var serviceAccountEvents = 0
    /// Box events folded into an earlier one by the coalescer.
    public var coalesced = 0
    /// Ingest batches the broker acknowledged (durable or duplicate).
    public var batches = 0
    /// Of those, acknowledged as `DUPLICATE` (a resend of a batch already journaled).
    public var duplicateBatches = 0
    /// Publish attempts that timed out or failed in transport and were sent again.
    public var publishRetries = 0
    /// Polls that failed after the scheduler's retries.
    public var pollFailures = 0
    /// `GET /files/{id}` calls made to find the owner of a file an event does not name.
    public var ownerLookups = 0
    /// Events published unenriched because the enrichment budget ran out.
    public var enrichmentSkipped = 0

    public init() {}
}

/// Where one connection's pipeline stands: what `CollectorHeartbeat.progress` and the terminal line show.
public struct PipelineStatus: Sendable, Equatable {
    public var connection: String
    /// The durable checkpoint (what the broker holds).
    public var position: String
    /// Where the next poll asks from (ahead of `position` while the coalescer holds events).
    public var fetchPosition: String
    public var lastPoll: Date?
    /// The newest Box `created_at` seen so far (how far a backfill has come).
    public var newestEventAt: Date?
    /// Seconds between `lastPoll` and `newestEventAt` while pages come full; 0 once a page comes short (caught up).
    public var lagSeconds: Int64 = 0
    /// Drives (users) in scope; 0 before the first resolution.
    public var scopeSize = 0
    /// Whether the last page came full: the pipeline is working through a backlog.
    public var backfilling = false
    /// Coalescing groups held back (their events are not published yet, and pin the checkpoint).
    public var heldGroups = 0
    /// `starting`, `running`, `backfilling`, or `failed: <reason>`.
    public var state = "starting"
    public var counters = PipelineCounters()

    public init(connection: String, position: String) {
        self.connection = connection
        self.position = position
        self.fetchPosition = position
    }

    /// The broker's view of this connection, for the heartbeat.
    public var progress: Boxbridge_V1_ConnectionProgress {
        var progress = Boxbridge_V1_ConnectionProgress()
        progress.connection = connection
        progress.position = position
        if let lastPoll { progress.lastPoll = Google_Protobuf_Timestamp(date: lastPoll) }
        progress.lagSeconds = lagSeconds
        progress.scopeSize = UInt64(scopeSize)
        progress.state = state
        return progress
    }
}

/// Something the pipeline observed that the collector service may act on (health timing, logs, status).
///
/// Delivered synchronously on the pipeline's task through `onSignal`: keep handlers quick.
public enum PipelineSignal: Sendable {
    /// A page came back; `events` is how many Box events it held (0 for an empty page).
    case polled(events: Int, at: Date, backfilling: Bool)
    /// A poll (or the owner lookups of its page) failed after the scheduler's retries; the
    /// pipeline tries again after `retryIn`. A `BoxAPIError` with status 401 or 403 is an auth failure.
    case pollFailed(any Error, retryIn: Duration)
    /// Batches were acknowledged up to `position`, carrying `events` file events.
    case published(events: Int, position: String)
    /// The scope was (re)resolved.
    case scopeResolved(drives: Int, change: ScopeChange)
    /// A scope refresh failed; the previous monitored set stays in force.
    case scopeRefreshFailed(any Error)
    /// This pipeline published a health message on `ops/<connection>/…`.
    case health(Boxbridge_V1_CollectorHealth)
}
