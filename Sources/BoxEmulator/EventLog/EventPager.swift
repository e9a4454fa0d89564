/// Which page of events a `GET /2.0/events` call gets: Box's paging rules as pure functions of the log.
public struct EventPager: Sendable {
    public enum StreamType: String, Sendable {
        case adminLogs = "admin_logs"
        case adminLogsStreaming = "admin_logs_streaming"

        /// How far back each stream keeps events (API-NOTES §2).
        public var retention: Double {
            self == .adminLogs ? 365 * 86_400 : 14 * 86_400
        }
    }

    public enum Start: Sendable, Equatable {
        /// `0` or absent: everything retained.
        case beginning
        /// `now`: no events, the latest position.
        case now
        case index(UInt64)
    }

    public struct Query: Sendable {
        public var stream: StreamType
        public var start: Start
        public var limit: Int
        public var eventTypes: Set<String>?
        public var createdAfter: Double?
        public var createdBefore: Double?

        public init(stream: StreamType, start: Start, limit: Int, eventTypes: Set<String>? = nil, createdAfter: Double? = nil,
                    createdBefore: Double? = nil) {
            self.stream = stream
            self.start = start
            self.limit = limit
            self.eventTypes = eventTypes
            self.createdAfter = createdAfter
            self.createdBefore = createdBefore
        }
    }

    public struct Page: Sendable {
        public var indices: [UInt64]
        /// The position to send as `next_stream_position`: a string, or the number 0 for an empty admin_logs page.
        public var nextPosition: String
        public var nextIsZero: Bool
    }

    public let seed: UInt64
    public let duplicateShare: Double
    public let reorderWindow: Int

    public init(seed: UInt64, duplicateShare: Double, reorderWindow: Int) {
        self.seed = seed
        self.duplicateShare = duplicateShare
        self.reorderWindow = max(1, reorderWindow)
    }

    /// Parses `stream_position`; nil when it is not a position this emulator issued.
    public static func parseStart(_ text: String?) -> Start? {
        guard let text, !text.isEmpty, text != "0" else { return .beginning }
        if text == "now" { return .now }
        guard let value = UInt64(text), value >= EventLog.positionBase else { return nil }
        return .index(value - EventLog.positionBase)
    }

    public func page(_ query: Query, log: EventLog) -> Page {
        let available = log.availableCount()
        let now = log.now
        if query.start == .now {
            return Page(indices: [], nextPosition: EventLog.position(ofIndex: available), nextIsZero: false)
        }
        let retained = log.firstIndex(createdAtOrAfter: now - query.stream.retention, below: available)
        var start: UInt64
        switch query.start {
        case .beginning: start = retained
        case .index(let i): start = max(min(i, available), retained)
        case .now: start = available
        }
        var createdBefore: Double?
        if query.stream == .adminLogs {
            if let after = query.createdAfter {
                start = max(start, log.firstIndex(createdAtOrAfter: after, below: available))
            }
            createdBefore = query.createdBefore
        }
        // Box may return fewer than `limit` even when more remain: a filtered scan is bounded.
        let scanCap = UInt64(max(query.limit * 20, 10_000))
        var fresh: [UInt64] = []
        var cursor = start
        var dups: [UInt64] = []
        var freshBudget = query.limit
        if query.stream == .adminLogsStreaming, duplicateShare > 0 {
            // At-least-once: re-deliver a share of the events just before the cursor.
            let lookback = UInt64(query.limit)
            let from = start > lookback ? max(start - lookback, retained) : retained
            var k = from
            while k < start, dups.count < max(1, query.limit / 4) {
                var r = SeededRandom(seed: seed, stream: 6, index: k)
                if r.chance(duplicateShare), matches(k, query, log) { dups.append(k) }
                k += 1
            }
            freshBudget = max(1, query.limit - dups.count)
        }
        while cursor < available, fresh.count < freshBudget, cursor - start < scanCap {
            if let before = createdBefore, log.createdAt(cursor) >= before { break }
            if matches(cursor, query, log) { fresh.append(cursor) }
            cursor += 1
        }
        if query.stream == .adminLogs {
            if fresh.isEmpty, cursor >= available || (createdBefore.map { cursor < available && log.createdAt(cursor) >= $0 } ?? false) {
                // Box's Event History answers an empty page with position 0 (API-NOTES §2).
                return Page(indices: [], nextPosition: "0", nextIsZero: true)
            }
            return Page(indices: fresh, nextPosition: EventLog.position(ofIndex: cursor), nextIsZero: false)
        }
        if fresh.isEmpty {
            return Page(indices: [], nextPosition: EventLog.position(ofIndex: cursor), nextIsZero: false)
        }
        // Roughly processing order: each event may move up to `reorderWindow - 1` places later.
        let window = UInt64(reorderWindow)
        let keyed = fresh.map { k -> (UInt64, UInt64) in
            var r = SeededRandom(seed: seed, stream: 7, index: k)
            return (k &+ r.next() % window, k)
        }
        let ordered = keyed.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }.map(\.1)
        return Page(indices: dups + ordered, nextPosition: EventLog.position(ofIndex: cursor), nextIsZero: false)
    }

    private func matches(_ index: UInt64, _ query: Query, _ log: EventLog) -> Bool {
        guard let types = query.eventTypes, !types.isEmpty else { return true }
        return types.contains(log.event(index).meta.eventType)
    }
}
