public import BoxBridgeConfig
public import BusClient
public import Foundation
public import Logging
public import ServiceLifecycle
public import Subscriber
import BoxBridgeRuntime

/// `boxbridge archive run`: the archive subscriber process, shared by the CLI and the tests.
///
/// Reads every topic (`box/`: file events and quarantined events with their raw bodies; `ops/`:
/// health; `alerts/`: what the alert subscriber raised) from the broker through
/// ``SubscriberRunner`` into an ``ArchiveSink``, and applies retention at start and every
/// `retentionInterval`.
public struct ArchiveService: Service {
    /// ONE subscription over the whole bus, not one per family: envelopes then arrive in journal
    /// order whether replayed or live, which is what makes the segments' bytes independent of
    /// when the archive was stopped or killed. Two subscriptions (`box/`, `ops/`) would interleave
    /// by timing, and a different interleaving means different segment bytes.
    public static let topicPrefixes = [""]

    public let sinkOptions: ArchiveSinkOptions
    public let client: BusClient
    public let subscriberOptions: SubscriberOptions
    public let retentionInterval: Duration
    let logger: Logger
    let now: @Sendable () -> Date

    public init(
        sink: ArchiveSinkOptions, client: BusClient, subscriberOptions: SubscriberOptions = .init(),
        retentionInterval: Duration = .seconds(3_600), logger: Logger, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.sinkOptions = sink
        self.client = client
        self.subscriberOptions = subscriberOptions
        self.retentionInterval = retentionInterval
        self.logger = logger
        self.now = now
    }

    /// The service bridge.conf describes: [archive] path, compression and retention; the broker's endpoints.
    public init(config: BridgeConfig, client: BusClient, logger: Logger) {
        self.init(
            sink: ArchiveSinkOptions(
                root: config.archive.path, compressionLevel: Int32(config.archive.compressionLevel),
                retentionDays: config.archive.retentionDays),
            client: client, logger: logger)
    }

    public func run() async throws {
        let sink = ArchiveSink(options: sinkOptions, logger: logger)
        // Opens the writers (recovering a crashed open segment) before retention looks at them.
        _ = try await sink.loadCursors()
        try await retention(sink)
        let runner = SubscriberRunner(
            name: "archive", topicPrefixes: Self.topicPrefixes, client: client, sink: sink,
            options: subscriberOptions, logger: logger)
        let interval = retentionInterval
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await runner.run() }
            group.addTask {
                while true {
                    do { try await Task.sleep(for: interval) } catch { return }  // stopped with the runner
                    try await self.retention(sink)
                }
            }
            // The runner returns on graceful shutdown (after applying what it held); retention stops with it.
            try await group.next()
            group.cancelAll()
        }
    }

    private func retention(_ sink: ArchiveSink) async throws {
        let removed = try await sink.applyRetention(now: now())
        if !removed.isEmpty {
            logger.info("archive retention applied", metadata: [LogKey.archiveEvents: "\(removed.count) segments removed"])
        }
    }
}
