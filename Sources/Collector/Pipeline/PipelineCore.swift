import BoxAPI
import BoxBridgeProtocol
import Foundation
import SwiftProtobuf

/// One thing to publish, with the Box event ids it accounts for (the batch's `consumed_event_ids`).
struct Outgoing: Sendable {
    enum Payload: Sendable {
        case file(Boxbridge_V1_FileEvent)
        case health(Boxbridge_V1_CollectorHealth)
        case quarantined(Boxbridge_V1_QuarantinedEvent)
    }

    var payload: Payload
    var consumedIDs: [String]
}

/// What is ready to publish, and where the checkpoint may go once it is durable.
struct Drain: Sendable {
    var items: [Outgoing]
    /// The checkpoint after these items: never past a page with an event still held.
    var target: String
    /// The oldest page index still pinned when the drain was taken (handed back to `committed`).
    var oldestHeld: Int?
}

/// The per-page decisions of a pipeline, without I/O: dedupe, scope, service account, coalescing,
/// and where the checkpoint may move.
///
/// The caller feeds it normalized pages (`accept`) and clock ticks (`flush`), takes what is ready
/// (`drain`), publishes it, and reports the acknowledged position back (`committed`).
struct PipelineCore: Sendable {
    let connection: String
    let collectorID: String
    private(set) var dedupe: DedupeWindow
    private(set) var coalescer: Coalescer<PipelineInstant, Int>
    private(set) var tracker: CheckpointTracker
    var counters = PipelineCounters()
    let maxHeldSpanEvents: Int
    private var ready: [Outgoing] = []

    init(
        connection: String, collectorID: String, checkpoint: String, recentEventIDs: [String], dedupeCapacity: Int,
        coalesceWindow: Duration, maxHeldSpanEvents: Int
    ) {
        self.connection = connection
        self.collectorID = collectorID
        self.dedupe = DedupeWindow(capacity: max(dedupeCapacity, recentEventIDs.count, 1), restoring: recentEventIDs)
        // A zero window turns coalescing off: every event is released as it comes.
        self.coalescer = Coalescer(window: coalesceWindow, maximumCount: coalesceWindow > .zero ? 1_000 : 1)
        self.tracker = CheckpointTracker(checkpoint: checkpoint)
        self.maxHeldSpanEvents = maxHeldSpanEvents
    }

    /// The durable checkpoint.
    var checkpoint: String { tracker.durable }

    /// When held events fall due (`flush(now:)` then releases them).
    var nextDeadline: PipelineInstant? { coalescer.nextDeadline }

    /// Events the coalescer holds.
    var heldGroups: Int { coalescer.pendingGroups }

    /// Takes one fetched page: `results` are its entries normalized, in Box's order.
    ///
    /// - Parameters:
    ///   - from: the position the page was asked with; `next`: the position it leads to.
    ///   - isInScope: whether a (non service-account) event happened on a monitored drive.
    mutating func accept(
        _ results: [NormalizationResult], from: String, next: String, now: PipelineInstant, wall: Date,
        isInScope: (Boxbridge_V1_FileEvent) -> Bool
    ) {
        counters.pages += 1
        counters.boxEvents += results.count
        let page = tracker.fetched(from: from, next: next, events: results.count)
        for result in results {
            switch result {
            case .quarantined(let quarantined):
                // An unreadable event may lack an id; its bytes stand in, so a re-read is not re-published.
                let key = quarantined.eventID.isEmpty ? Self.rawKey(quarantined.raw) : quarantined.eventID
                guard dedupe.insert(key) else {
                    counters.duplicates += 1
                    continue
                }
                counters.quarantined += 1
                ready.append(Outgoing(payload: .quarantined(quarantined), consumedIDs: [key]))
            case .event(let event):
                let id = event.eventIds.first ?? ""
                if event.byServiceAccount || (event.hasShield && event.shield.targetsServiceAccount) {
                    guard dedupe.insert(id) else {
                        counters.duplicates += 1
                        continue
                    }
                    counters.serviceAccountEvents += 1
                    ready.append(Outgoing(payload: .health(serviceAccountHealth(event, at: wall)), consumedIDs: [id]))
                    continue
                }
                guard isInScope(event) else {
                    counters.outOfScope += 1
                    continue
                }
                guard dedupe.insert(id) else {
                    counters.duplicates += 1
                    continue
                }
                release(coalescer.add(event, position: page, now: now))
            }
        }
        release(coalescer.flush(now: now))
        // A long hold would make a restart re-read more than the broker's dedupe window remembers.
        if tracker.heldSpan(oldestHeld: coalescer.oldestPendingPosition) > maxHeldSpanEvents {
            release(coalescer.flushAll())
        }
    }

    /// Releases the held events whose window has passed.
    mutating func flush(now: PipelineInstant) {
        release(coalescer.flush(now: now))
    }

    /// Adds a health message of the pipeline's own (scope refreshed, scope limit) to the next drain.
    mutating func enqueue(health: Boxbridge_V1_CollectorHealth) {
        ready.append(Outgoing(payload: .health(health), consumedIDs: []))
    }

    /// Takes everything ready to publish and the checkpoint it allows.
    mutating func drain() -> Drain {
        let oldest = coalescer.oldestPendingPosition
        let items = ready
        ready.removeAll(keepingCapacity: true)
        return Drain(items: items, target: tracker.target(oldestHeld: oldest), oldestHeld: oldest)
    }

    /// The broker holds everything in `drain`, and its checkpoint is `drain.target`.
    mutating func committed(_ drain: Drain) {
        tracker.committed(drain.target, oldestHeld: drain.oldestHeld)
        for item in drain.items {
            if case .file(let event) = item.payload {
                counters.publishedEvents += 1
                counters.publishedBoxEvents += event.eventIds.count
            }
        }
    }

    private mutating func release(_ events: [Boxbridge_V1_FileEvent]) {
        for event in events {
            counters.coalesced += max(event.eventIds.count - 1, 0)
            ready.append(Outgoing(payload: .file(event), consumedIDs: event.eventIds))
        }
    }

    /// The health message standing for one event of the bridge's own account.
    func serviceAccountHealth(_ event: Boxbridge_V1_FileEvent, at wall: Date) -> Boxbridge_V1_CollectorHealth {
        var health = Boxbridge_V1_CollectorHealth()
        health.connection = connection
        health.collectorID = collectorID
        health.at = Google_Protobuf_Timestamp(date: wall)
        health.count = 1
        let blocked = event.category == .shieldBlocked
        if blocked {
            health.kind = .shieldBlockedServiceAccount
            health.severity = .high
            health.message = "Box Shield blocked the bridge's own account (\(event.boxEventType)); collection may be impaired"
        } else {
            health.kind = .serviceAccountActivity
            health.severity = .info
            health.message = "the bridge's own account did \(event.boxEventType); not counted as user activity"
        }
        health.details["event_id"] = event.eventIds.first ?? ""
        health.details["event_type"] = event.boxEventType
        if event.hasFile, !event.file.id.isEmpty { health.details["file_id"] = event.file.id }
        if event.hasShield, !event.shield.serviceName.isEmpty { health.details["service_name"] = event.shield.serviceName }
        return health
    }

    /// A stable stand-in id for an event whose own id could not be read.
    static func rawKey(_ raw: Data) -> String {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325
        var b: UInt64 = 0x6c62_272e_07bb_0142
        for byte in raw {
            a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            b = (b ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return "raw:" + String(a, radix: 16) + String(b, radix: 16)
    }
}
