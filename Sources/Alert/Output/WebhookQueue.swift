import Foundation

/// The webhook's persisted queue: alerts waiting for delivery, bounded, deduplicated by id.
///
/// A value type with no I/O; `WebhookDeliverer` persists it. Enqueueing an id that is queued or
/// was recently delivered does nothing, so alerts recomputed after a crash are not posted twice.
public struct WebhookQueue: Codable, Sendable, Equatable {
    public struct Item: Codable, Sendable, Equatable {
        public var id: String
        public var json: String
        /// Attempts already made (failed).
        public var attempts: Int
    }

    public private(set) var items: [Item] = []
    /// Ids delivered or given up on lately, oldest first (bounded by `recentLimit`).
    public private(set) var recent: [String] = []
    public private(set) var dropped: UInt64 = 0
    public var limit: Int

    static let recentLimit = 10_000

    public init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Adds alerts; returns how many older ones were dropped to stay within `limit`.
    @discardableResult
    public mutating func enqueue(_ entries: [(id: String, json: String)]) -> Int {
        let known = Set(items.map(\.id)).union(recent)
        var droppedNow = 0
        for entry in entries where !known.contains(entry.id) && !items.contains(where: { $0.id == entry.id }) {
            items.append(Item(id: entry.id, json: entry.json, attempts: 0))
        }
        if items.count > limit {
            droppedNow = items.count - limit
            for item in items.prefix(droppedNow) { remember(item.id) }
            items.removeFirst(droppedNow)
            dropped += UInt64(droppedNow)
        }
        return droppedNow
    }

    public var head: Item? { items.first }

    /// The head was delivered (or given up on): it leaves the queue and is remembered.
    public mutating func finishHead() {
        guard !items.isEmpty else { return }
        remember(items.removeFirst().id)
    }

    /// The head failed once more.
    public mutating func failHead() {
        guard !items.isEmpty else { return }
        items[0].attempts += 1
    }

    private mutating func remember(_ id: String) {
        recent.append(id)
        if recent.count > Self.recentLimit { recent.removeFirst(recent.count - Self.recentLimit) }
    }
}
