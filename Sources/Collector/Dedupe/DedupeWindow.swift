/// The most recent Box event ids, bounded: answers "was this event already published?".
///
/// `admin_logs_streaming` is at-least-once, so the same `event_id` can arrive again, usually
/// within a few pages. The window holds the last `capacity` distinct ids in arrival order and
/// forgets the oldest first. Its `ids` are meant to be saved beside the checkpoint and handed back
/// to `init(capacity:restoring:)`, so the window survives restarts and takeovers.
public struct DedupeWindow: Sendable, Equatable {
    public let capacity: Int
    /// Ring buffer of ids in arrival order; `head` is the oldest once full.
    private var ring: [String] = []
    private var head = 0
    private var members: Set<String> = []

    public init(capacity: Int) {
        precondition(capacity > 0, "a dedupe window needs room for at least one id")
        self.capacity = capacity
        ring.reserveCapacity(min(capacity, 1 << 16))
        members.reserveCapacity(min(capacity, 1 << 16))
    }

    /// A window holding `ids` (oldest first), as saved from `ids`; only the newest `capacity` are kept.
    public init(capacity: Int, restoring ids: some Sequence<String>) {
        self.init(capacity: capacity)
        for id in ids { _ = insert(id) }
    }

    /// How many ids the window holds.
    public var count: Int { ring.count }

    /// Whether `eventID` is in the window.
    public func contains(_ eventID: String) -> Bool { members.contains(eventID) }

    /// Records `eventID`; returns true when it is new (publish it), false for a duplicate (drop it).
    public mutating func insert(_ eventID: String) -> Bool {
        guard !members.contains(eventID) else { return false }
        if ring.count < capacity {
            ring.append(eventID)
        } else {
            members.remove(ring[head])
            ring[head] = eventID
            head = (head + 1) % capacity
        }
        members.insert(eventID)
        return true
    }

    /// The ids, oldest first: what to persist.
    public var ids: [String] {
        Array(ring[head...]) + Array(ring[..<head])
    }

    public static func == (lhs: DedupeWindow, rhs: DedupeWindow) -> Bool {
        lhs.capacity == rhs.capacity && lhs.ids == rhs.ids
    }
}
