import Dispatch
public import Logging
import Metrics
public import Subscriber

/// The index as a subscriber: each batch's file-event rows and cursors in one SQLite transaction.
///
/// SQLite calls block, so they run on the sink's own serial queue rather than on Swift's
/// cooperative pool. Metric: `boxbridge_index_events_total` (file events inserted).
public struct IndexSink: SubscriberSink {
    public let store: IndexStore
    let logger: Logger
    let queue = DispatchQueue(label: "boxbridge.index.sink")
    let inserted = Counter(label: "boxbridge_index_events_total")
    let duplicates = Counter(label: "boxbridge_index_duplicates_total")

    public init(store: IndexStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    public func loadCursors() async throws -> [String: UInt64] {
        let store = self.store
        return try await onQueue { try store.loadCursors() }
    }

    public func apply(_ batch: SubscriberBatch) async throws {
        let store = self.store
        let result = try await onQueue {
            try store.apply(envelopes: batch.envelopes, nextCursors: batch.nextCursors, gone: batch.gone)
        }
        inserted.increment(by: result.inserted)
        if result.duplicates > 0 {
            duplicates.increment(by: result.duplicates)
            logger.warning(
                "skipped events already in the index",
                metadata: ["index.duplicates": "\(result.duplicates)", "path": "\(store.path)"])
        }
    }

    private func onQueue<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
