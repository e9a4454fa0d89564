/// A fixed-capacity least-recently-used map: memory stays bounded however many keys pass through.
///
/// Entries live in a flat array linked by indices (no per-entry allocation); a lookup that hits
/// moves the entry to the front, an insert into a full cache reuses the slot of the back one.
/// Capacity 0 caches nothing. A value type: the owner (an actor) provides the isolation.
public struct LRUCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Node: Sendable {
        var key: Key
        var value: Value
        var previous: Int
        var next: Int
    }

    /// Largest number of entries kept.
    public let capacity: Int
    private var nodes: [Node] = []
    private var index: [Key: Int] = [:]
    /// Most recently used slot, or -1 when empty.
    private var head = -1
    /// Least recently used slot, or -1 when empty.
    private var tail = -1
    /// Entries pushed out to make room, since creation.
    public private(set) var evictions: UInt64 = 0

    public init(capacity: Int) {
        self.capacity = max(0, capacity)
        nodes.reserveCapacity(min(self.capacity, 4_096))
        index.reserveCapacity(min(self.capacity, 4_096))
    }

    /// Entries held now.
    public var count: Int { index.count }

    /// The value for `key`, marking it most recently used.
    public mutating func value(for key: Key) -> Value? {
        guard let slot = index[key] else { return nil }
        moveToFront(slot)
        return nodes[slot].value
    }

    /// Whether `key` is held, without changing its recency.
    public func contains(_ key: Key) -> Bool { index[key] != nil }

    /// Stores `value` as the most recently used entry, evicting the least recently used when full.
    public mutating func set(_ value: Value, for key: Key) {
        guard capacity > 0 else { return }
        if let slot = index[key] {
            nodes[slot].value = value
            moveToFront(slot)
            return
        }
        if nodes.count < capacity {
            nodes.append(Node(key: key, value: value, previous: -1, next: -1))
            let slot = nodes.count - 1
            index[key] = slot
            linkAtFront(slot)
            return
        }
        // Full: reuse the least recently used slot.
        let slot = tail
        unlink(slot)
        index.removeValue(forKey: nodes[slot].key)
        evictions += 1
        nodes[slot] = Node(key: key, value: value, previous: -1, next: -1)
        index[key] = slot
        linkAtFront(slot)
    }

    /// Keys from most to least recently used (for tests and debugging).
    public var keysByRecency: [Key] {
        var keys: [Key] = []
        keys.reserveCapacity(count)
        var slot = head
        while slot >= 0 {
            keys.append(nodes[slot].key)
            slot = nodes[slot].next
        }
        return keys
    }

    private mutating func moveToFront(_ slot: Int) {
        guard slot != head else { return }
        unlink(slot)
        linkAtFront(slot)
    }

    private mutating func unlink(_ slot: Int) {
        let previous = nodes[slot].previous, next = nodes[slot].next
        if previous >= 0 { nodes[previous].next = next } else { head = next }
        if next >= 0 { nodes[next].previous = previous } else { tail = previous }
        nodes[slot].previous = -1
        nodes[slot].next = -1
    }

    private mutating func linkAtFront(_ slot: Int) {
        nodes[slot].previous = -1
        nodes[slot].next = head
        if head >= 0 { nodes[head].previous = slot }
        head = slot
        if tail < 0 { tail = slot }
    }
}
