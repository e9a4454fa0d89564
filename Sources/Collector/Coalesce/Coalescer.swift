public import BoxBridgeProtocol
import SwiftProtobuf

/// Folds repeats of the same action on the same file by the same actor into one event.
///
/// A pure state machine in injected time: `add` and `flush(now:)` return the events to publish.
/// An event opens a group when nothing matches; a later event joins the group when it has the same
/// connection, Box event type, file id and actor id, and happened (Box `created_at`) within
/// `window` of the group's first event. A group is published `window` after it opened (arrival
/// time), or at once when it reaches `maximumCount`. Events without a file id or without an actor
/// (the anonymous user) are never held.
///
/// The collector must not advance its checkpoint past an event that is still held here:
/// `oldestPendingPosition` is the smallest position (the caller's monotonic arrival order, e.g.
/// the index of the page an event came in) among held events.
public struct Coalescer<Instant: InstantProtocol, Position: Comparable & Sendable>: Sendable
where Instant: Sendable, Instant.Duration == Duration {
    /// What makes two events repeats of each other.
    struct Key: Hashable, Sendable {
        let connection: String
        let eventType: String
        let fileID: String
        let actorID: String
    }

    struct Group: Sendable {
        var event: Boxbridge_V1_FileEvent
        let openedAt: Instant
        let firstPosition: Position
        let key: Key
    }

    /// Repeats closer than this (event time) fold together; groups are held this long (arrival time).
    public let window: Duration
    /// A group reaching this many events is published at once.
    public let maximumCount: Int
    /// At most this many groups are held; opening one more publishes the oldest.
    public let maximumGroups: Int

    /// Held groups in the order they opened; nil entries were published early.
    private var order: [Group?] = []
    private var orderHead = 0
    private var open: [Key: Int] = [:]

    public init(window: Duration = .seconds(10), maximumCount: Int = 1_000, maximumGroups: Int = 10_000) {
        precondition(maximumCount >= 1 && maximumGroups >= 1)
        self.window = window
        self.maximumCount = maximumCount
        self.maximumGroups = maximumGroups
    }

    /// How many groups are held.
    public var pendingGroups: Int { open.count }

    /// The smallest position among held events, or nil when nothing is held: the checkpoint may
    /// advance only to positions before it.
    public var oldestPendingPosition: Position? {
        var oldest: Position?
        for slot in orderHead..<order.count {
            guard let group = order[slot] else { continue }
            if oldest == nil || group.firstPosition < oldest! { oldest = group.firstPosition }
        }
        return oldest
    }

    /// Adds a normalized event that arrived at `now`; returns the events to publish now (expired
    /// groups first, then this event if it is not held).
    public mutating func add(_ event: Boxbridge_V1_FileEvent, position: Position, now: Instant) -> [Boxbridge_V1_FileEvent] {
        var out = flush(now: now)
        guard event.hasActor, !event.actor.id.isEmpty, event.hasFile, !event.file.id.isEmpty else {
            out.append(event)
            return out
        }
        let key = Key(connection: event.connection, eventType: event.boxEventType, fileID: event.file.id, actorID: event.actor.id)
        if let slot = open[key], var group = order[slot] {
            let first = group.event.occurredAt
            let gap = Self.seconds(event.occurredAt) - Self.seconds(first)
            if gap.magnitude <= Self.seconds(window) {
                Self.fold(event, into: &group.event)
                if group.event.coalescedCount >= UInt32(maximumCount) {
                    order[slot] = nil
                    open[key] = nil
                    out.append(group.event)
                } else {
                    order[slot] = group
                }
                return out
            }
            // Too far apart in Box time: publish the old group, start a new one.
            order[slot] = nil
            open[key] = nil
            out.append(group.event)
        }
        if open.count >= maximumGroups, let oldest = popOldest() {
            out.append(oldest)
        }
        open[key] = order.count
        order.append(Group(event: event, openedAt: now, firstPosition: position, key: key))
        if maximumCount == 1, let held = order[order.count - 1] {
            order[order.count - 1] = nil
            open[key] = nil
            out.append(held.event)
        }
        return out
    }

    /// Publishes every group held for `window` or longer at `now`.
    public mutating func flush(now: Instant) -> [Boxbridge_V1_FileEvent] {
        var out: [Boxbridge_V1_FileEvent] = []
        while orderHead < order.count {
            guard let group = order[orderHead] else {
                orderHead += 1
                continue
            }
            guard group.openedAt.advanced(by: window) <= now else { break }
            open[group.key] = nil
            order[orderHead] = nil
            orderHead += 1
            out.append(group.event)
        }
        compactIfNeeded()
        return out
    }

    /// Publishes everything held (shutdown, or before a checkpoint that must include all).
    public mutating func flushAll() -> [Boxbridge_V1_FileEvent] {
        var out: [Boxbridge_V1_FileEvent] = []
        while let group = popOldest() { out.append(group) }
        order.removeAll(keepingCapacity: true)
        orderHead = 0
        return out
    }

    /// The earliest instant at which `flush(now:)` will publish something, for the caller's timer.
    public var nextDeadline: Instant? {
        for slot in orderHead..<order.count {
            if let group = order[slot] { return group.openedAt.advanced(by: window) }
        }
        return nil
    }

    private mutating func popOldest() -> Boxbridge_V1_FileEvent? {
        while orderHead < order.count {
            let slot = orderHead
            orderHead += 1
            if let group = order[slot] {
                order[slot] = nil
                open[group.key] = nil
                return group.event
            }
        }
        return nil
    }

    private mutating func compactIfNeeded() {
        if orderHead == order.count {
            order.removeAll(keepingCapacity: true)
            orderHead = 0
        } else if orderHead > 4_096 && orderHead * 2 > order.count {
            order.removeFirst(orderHead)
            orderHead = 0
            open.removeAll(keepingCapacity: true)
            for (slot, group) in order.enumerated() {
                if let group { open[group.key] = slot }
            }
        }
    }

    /// Adds a repeat to a coalesced event: its id, its raw bytes, the count and the last time.
    static func fold(_ event: Boxbridge_V1_FileEvent, into target: inout Boxbridge_V1_FileEvent) {
        target.eventIds.append(contentsOf: event.eventIds)
        target.raw.append(contentsOf: event.raw)
        target.coalescedCount += max(event.coalescedCount, 1)
        if seconds(event.lastOccurredAt) > seconds(target.lastOccurredAt) || !target.hasLastOccurredAt {
            target.lastOccurredAt = event.hasLastOccurredAt ? event.lastOccurredAt : event.occurredAt
        }
    }

    static func seconds(_ timestamp: Google_Protobuf_Timestamp) -> Double {
        Double(timestamp.seconds) + Double(timestamp.nanos) / 1e9
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
