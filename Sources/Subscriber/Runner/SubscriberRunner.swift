public import BusClient
public import Logging
public import ServiceLifecycle
import BoxBridgeProtocol
import BoxBridgeRuntime
import Foundation
import Metrics

/// Drives a ``SubscriberSink`` from the bus: cursors from the sink, one `Subscription` per topic
/// prefix (replay, then live, gaps repaired), batches cut by size or delay and applied serially,
/// progress and lag reported to the broker.
///
/// Exactly once: the sink commits each batch's output with its cursors, and a restart resumes
/// from what the sink loaded, so a kill -9 at any moment loses and doubles nothing. On graceful
/// shutdown (or cancellation) the runner applies what it already received, then returns.
public struct SubscriberRunner: Service {
    public let name: String
    public let topicPrefixes: [String]
    public let client: BusClient
    public let sink: any SubscriberSink
    public let options: SubscriberOptions
    let logger: Logger
    /// Cursors applied and envelopes received so far (for progress reports and tests).
    let state = RunnerState(applied: [:])

    public init(
        name: String, topicPrefixes: [String], client: BusClient, sink: any SubscriberSink,
        options: SubscriberOptions = .init(), logger: Logger
    ) {
        self.name = name
        self.topicPrefixes = topicPrefixes
        self.client = client
        self.sink = sink
        self.options = options
        var logger = logger
        logger[metadataKey: LogKey.subscriberID] = "\(name)"
        self.logger = logger
    }

    public func run() async throws {
        let cursors = try await sink.loadCursors()
        logger.info("subscriber starting", metadata: [
            "subscriber.prefixes": "\(topicPrefixes.joined(separator: ","))", "subscriber.topics": "\(cursors.count)",
        ])
        let state = self.state
        state.reset(applied: cursors)
        let inbox = EventInbox<SubscriberItem>(capacity: options.effectiveQueueCapacity)
        let metrics = SubscriberMetrics(name: name)
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for prefix in topicPrefixes {
                        let start = cursors.filter { $0.key.hasPrefix(prefix) }
                        group.addTask { await self.subscribe(prefix: prefix, from: start, into: inbox, metrics: metrics) }
                    }
                    group.addTask { await self.reportProgress(state: state, metrics: metrics) }
                    defer { group.cancelAll() }
                    try await self.consume(inbox: inbox, state: state, metrics: metrics)
                    group.cancelAll()
                    // What was received before the stop is applied: nothing left half-way in memory.
                    try await self.drain(inbox: inbox, state: state, metrics: metrics)
                }
            } onGracefulShutdown: {
                inbox.stop()
            }
        } onCancel: {
            inbox.stop()
        }
        // A last progress report, not awaited: with the broker gone it would hold the exit for a timeout.
        let runner = self
        Task { await runner.report(state: state, metrics: metrics) }
        logger.info("subscriber stopped", metadata: ["subscriber.cursors": "\(state.applied.count) topics"])
    }

    // MARK: Consuming

    /// Cuts batches until the inbox stops: on `maxBatch` envelopes, or `maxDelay` after the first.
    private func consume(inbox: EventInbox<SubscriberItem>, state: RunnerState, metrics: SubscriberMetrics) async throws {
        while true {
            await inbox.wait(forAtLeast: 1)
            if inbox.isStopped { return }
            if inbox.count < options.maxBatch {
                let delay = options.maxDelay
                await withTaskGroup(of: Void.self) { timer in
                    timer.addTask {
                        try? await Task.sleep(for: delay)
                        inbox.wake()
                    }
                    await inbox.wait(forAtLeast: options.maxBatch)
                    timer.cancelAll()
                }
                if inbox.isStopped { return }
            }
            try await apply(inbox.take(max: options.maxBatch), state: state, metrics: metrics)
        }
    }

    /// Applies everything still in the inbox, outside the (possibly cancelled) caller's task so a
    /// sink that checks cancellation still commits it.
    private func drain(inbox: EventInbox<SubscriberItem>, state: RunnerState, metrics: SubscriberMetrics) async throws {
        let runner = self
        try await Task {
            while true {
                let items = inbox.take(max: runner.options.maxBatch)
                if items.isEmpty { return }
                try await runner.apply(items, state: state, metrics: metrics)
            }
        }.value
    }

    private func apply(_ items: [SubscriberItem], state: RunnerState, metrics: SubscriberMetrics) async throws {
        let batch = SubscriberBatch(items: items)
        guard !batch.isEmpty else { return }
        do {
            try await sink.apply(batch)
        } catch {
            logger.error("subscriber sink failed; stopping (a restart resumes from the sink's cursors)", metadata: [
                LogKey.error: "\(error)", "subscriber.batch_envelopes": "\(batch.envelopes.count)",
            ])
            throw SubscriberError(subscriber: name, underlying: error)
        }
        state.advance(batch.nextCursors)
        metrics.events.increment(by: batch.envelopes.count)
        metrics.batches.increment()
        logger.trace("subscriber batch applied", metadata: ["subscriber.batch_envelopes": "\(batch.envelopes.count)"])
    }

    // MARK: Subscriptions

    /// Feeds one prefix's subscription into the inbox; re-subscribes from what it has delivered
    /// after a bus error, with exponential backoff, until cancelled.
    private func subscribe(prefix: String, from cursors: [String: UInt64], into inbox: EventInbox<SubscriberItem>, metrics: SubscriberMetrics) async {
        var next = cursors
        var delay = options.reconnectDelay
        var logger = self.logger
        logger[metadataKey: "subscriber.prefix"] = "\(prefix)"
        while !Task.isCancelled && !inbox.isStopped {
            let subscription = Subscription(
                subscriberID: subscriberID(for: prefix), topicPrefix: prefix, next: next, start: options.start, credit: options.credit)
            do {
                let state = self.state
                for try await event in subscription.events(client: client) {
                    switch event {
                    case .envelope(let envelope):
                        try await inbox.put(.envelope(envelope))
                        next[envelope.topic] = envelope.sequence + 1
                        state.received()
                        delay = options.reconnectDelay
                    case .gone(let gone):
                        metrics.gone.increment(by: Int(clamping: gone.oldestRetained - min(gone.oldestRetained, gone.requestedSequence)))
                        logger.warning("subscriber fell behind the journal's retention: envelopes lost for it", metadata: [
                            LogKey.topic: "\(gone.topic)", LogKey.sequence: "\(gone.requestedSequence)",
                            "replay.oldest_retained": "\(gone.oldestRetained)",
                        ])
                        try await inbox.put(.gone(gone))
                        next[gone.topic] = gone.oldestRetained
                    case .caughtUp:
                        logger.debug("subscriber caught up with the journal; live from here")
                    case .gapDetected(let topic, let expected, let received):
                        logger.info("subscriber saw a gap in live delivery; replaying it", metadata: [
                            LogKey.topic: "\(topic)", LogKey.sequence: "\(expected)", "subscriber.received": "\(received)",
                        ])
                    }
                }
                if Task.isCancelled || inbox.isStopped { return }
                logger.warning("subscription ended; re-subscribing")
            } catch {
                if Task.isCancelled || inbox.isStopped || error is CancellationError { return }
                logger.warning("subscription failed; re-subscribing", metadata: [
                    LogKey.error: "\(error)", "subscriber.retry_in": "\(delay)",
                ])
            }
            do { try await Task.sleep(for: delay) } catch { return }
            delay = min(delay * 2, options.maxReconnectDelay)
        }
    }

    /// The id the broker files this prefix's progress under: the name, or `name@prefix` when the
    /// runner reads several prefixes (the broker keeps one progress per id).
    func subscriberID(for prefix: String) -> String {
        topicPrefixes.count == 1 ? name : "\(name)@\(prefix)"
    }

    // MARK: Progress

    private func reportProgress(state: RunnerState, metrics: SubscriberMetrics) async {
        while !Task.isCancelled {
            await report(state: state, metrics: metrics)
            do { try await Task.sleep(for: options.progressInterval) } catch { return }
        }
    }

    /// Sends each prefix's applied cursors to the broker and refreshes the lag gauge from its stats.
    private func report(state: RunnerState, metrics: SubscriberMetrics) async {
        let applied = state.applied
        var lag: UInt64 = 0
        for prefix in topicPrefixes {
            var progress = Boxbridge_V1_SubscriberProgress()
            progress.subscriberID = subscriberID(for: prefix)
            progress.topicPrefix = prefix
            progress.nextSequences = applied.filter { $0.key.hasPrefix(prefix) }
            do {
                try await client.reportSubscriber(progress)
                for topic in try await client.stats(prefix: prefix).topics where topic.topic.hasPrefix(prefix) {
                    let next = applied[topic.topic] ?? max(1, topic.oldestSequence)
                    if topic.lastSequence + 1 > next { lag += topic.lastSequence + 1 - next }
                }
            } catch {
                logger.debug("subscriber progress report failed", metadata: [LogKey.error: "\(error)"])
                return
            }
        }
        metrics.lag.record(Double(lag))
    }
}

/// The sink failed to apply a batch: the runner stops, and a restart resumes from the sink's cursors.
public struct SubscriberError: Error, CustomStringConvertible, Sendable {
    public var subscriber: String
    public var underlying: any Error
    /// Whether a restart may succeed: a sink error is retried by restarting the process.
    public var isRetriable: Bool { true }

    public var description: String { "subscriber \(subscriber): the sink failed to apply a batch: \(underlying)" }
}

/// The applied cursors, shared between the consumer and the progress reporter.
final class RunnerState: @unchecked Sendable {
    private let lock = NSLock()
    private var cursors: [String: UInt64]
    private var receivedCount = 0

    init(applied: [String: UInt64]) {
        cursors = applied
    }

    var applied: [String: UInt64] { lock.withLock { cursors } }

    /// Envelopes the subscriptions handed to the batcher since the last ``reset(applied:)``.
    var receivedEnvelopes: Int { lock.withLock { receivedCount } }

    func reset(applied: [String: UInt64]) {
        lock.withLock {
            cursors = applied
            receivedCount = 0
        }
    }

    func received() {
        lock.withLock { receivedCount += 1 }
    }

    func advance(_ next: [String: UInt64]) {
        lock.withLock { cursors.merge(next) { Swift.max($0, $1) } }
    }
}

/// `boxbridge_subscriber_*`, labelled by subscriber name.
struct SubscriberMetrics: Sendable {
    let events: Counter
    let batches: Counter
    let gone: Counter
    let lag: Gauge

    init(name: String) {
        let dimensions = [("subscriber", name)]
        events = Counter(label: "boxbridge_subscriber_events_total", dimensions: dimensions)
        batches = Counter(label: "boxbridge_subscriber_batches_total", dimensions: dimensions)
        gone = Counter(label: "boxbridge_subscriber_gone_total", dimensions: dimensions)
        lag = Gauge(label: "boxbridge_subscriber_lag_messages", dimensions: dimensions)
    }
}
