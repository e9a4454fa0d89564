import BoxBridgeProtocol
import BoxBridgeRuntime
import BusClient
import Foundation
import Logging
import SwiftProtobuf
import ZeroMQ

/// The broker's one socket thread: every socket, the journal and all state live here.
///
/// Why one thread: libzmq sockets are single-owner, and serializing ingest, fan-out and replay
/// on one thread makes "published live exactly when durable" and "caught up at end_sequences"
/// true by construction, without locks. The thread never blocks on the disk for fsync (the
/// `GroupCommitter` does) and polls with a bounded timeout, so it never blocks Swift's
/// cooperative pool either.
final class BrokerLoop: @unchecked Sendable {
    struct PendingBatch {
        var end: JournalPosition
        var identity: [UInt8]
        var correlation: [UInt8]
        var ack: Boxbridge_V1_IngestAck
        var envelopes: [(topic: String, sequence: UInt64, bytes: [UInt8])]
        var connection: String
        var epoch: UInt64
    }

    final class ReplayCursor {
        let id: String
        let identity: [UInt8]
        let correlation: [UInt8]
        let prefix: String
        let prefixBytes: [UInt8]
        var next: [String: UInt64]
        let defaultNext: UInt64
        var credit: UInt64
        let reader: JournalReader
        var gone: [Boxbridge_V1_ReplayGone]
        var lastActivityMillis: Int64
        let subscriberID: String

        init(id: String, identity: [UInt8], correlation: [UInt8], prefix: String, next: [String: UInt64],
             credit: UInt64, reader: JournalReader, gone: [Boxbridge_V1_ReplayGone], now: Int64, subscriberID: String) {
            self.id = id
            self.identity = identity
            self.correlation = correlation
            self.prefix = prefix
            self.prefixBytes = Array(prefix.utf8)
            self.next = next
            self.defaultNext = 1
            self.credit = credit
            self.reader = reader
            self.gone = gone
            self.lastActivityMillis = now
            self.subscriberID = subscriberID
        }
    }

    let options: BrokerOptions
    let logger: Logger
    let now: @Sendable () -> Int64
    let context: ZMQContext
    let journal: Journal
    let ingest: Socket
    let publish: Socket
    let control: Socket
    let endpoints: BrokerEndpoints
    let wake: WakePipe
    let authenticator: CurveAuthenticator?
    private(set) var committer: GroupCommitter!
    let metrics = BrokerMetrics()

    var leases: LeaseTable
    var durableHeads: [String: UInt64] = [:]
    var lastPublishedMillis: [String: Int64] = [:]
    var rates: [String: TopicRates] = [:]
    var subscriptions: [[UInt8]: Int] = [:]
    var subscribers: [String: Boxbridge_V1_SubscriberProgress] = [:]
    var connectionProgress: [String: Boxbridge_V1_ConnectionProgress] = [:]
    var replays: [String: ReplayCursor] = [:]
    var replayCounter: UInt64 = 0
    var pending: [PendingBatch] = []
    var pendingHead = 0
    var appendedSinceSync = false
    var lastHousekeeping: Int64 = 0

    private let stopLock = NSLock()
    private var stopRequested = false

    init(options: BrokerOptions, logger: Logger, now: @escaping @Sendable () -> Int64) throws {
        self.options = options
        self.logger = logger
        self.now = now
        journal = try Journal(options: options.journal, nowMillis: now(), logger: logger)
        context = try ZMQContext(ioThreads: 1)
        wake = try WakePipe()
        ingest = try context.socket(.router)
        publish = try context.socket(.xpub)
        control = try context.socket(.router)
        for socket in [ingest, control] {
            try socket.setOption(.routerMandatory, true)
            try socket.setOption(.maxMessageSize, options.maxMessageBytes)
        }
        try publish.setOption(.sendHighWaterMark, options.publishHighWaterMark)
        try publish.setOption(.xpubNoDrop, false)
        // ZMQ_XPUB_VERBOSER (78): every subscribe and unsubscribe reaches us, so we can count.
        try publish.setOption(.bool(78, name: "ZMQ_XPUB_VERBOSER"), true)
        if let curve = options.curve {
            // The ZAP handler must answer before the first handshake, or libzmq admits everyone.
            let authenticator = try CurveAuthenticator(
                context: context, allowedClientKeys: curve.allowedClientKeys, domain: "boxbridge")
            try authenticator.start()
            self.authenticator = authenticator
            for socket in [ingest, publish, control] {
                try socket.setOption(.curveServer, true)
                try socket.setOption(.curveSecretKey, curve.secretKey)
                try socket.setOption(.zapDomain, "boxbridge")
            }
        } else {
            authenticator = nil
        }
        endpoints = BrokerEndpoints(
            ingest: try ingest.bind(options.ingestEndpoint),
            publish: try publish.bind(options.publishEndpoint),
            control: try control.bind(options.controlEndpoint))

        leases = LeaseTable(leaseTimeoutMillis: options.leaseTimeout.milliseconds)
        for connection in options.connections { leases.addConnection(connection) }
        for (name, state) in journal.connections where !state.checkpoint.isEmpty || state.epoch > 0 {
            leases.addConnection(name, knownEpoch: state.epoch)
        }
        for (topic, head) in journal.topics {
            durableHeads[topic] = head.lastSequence
            lastPublishedMillis[topic] = head.lastPublishedAtMillis
        }
        let wake = self.wake
        committer = GroupCommitter(window: options.groupCommitWindow) { wake.wake() }
        logger.info(
            "broker listening",
            metadata: [
                "broker.ingest": "\(endpoints.ingest)", "broker.publish": "\(endpoints.publish)",
                "broker.control": "\(endpoints.control)", "journal.segments": "\(journal.segmentCount)",
                "journal.truncated_bytes": "\(journal.recovery.truncatedBytes)",
            ])
    }

    func requestStop() {
        stopLock.lock()
        stopRequested = true
        stopLock.unlock()
        wake.wake()
    }

    private var shouldStop: Bool {
        stopLock.lock()
        defer { stopLock.unlock() }
        return stopRequested
    }

    /// Runs until `requestStop`; throws when the journal fails (the broker must not go on then).
    func run() throws {
        committer.start()
        defer {
            committer.stop()
            ingest.close()
            publish.close()
            control.close()
            authenticator?.stop()
            context.shutdown()
        }
        let poller = Poller()
        let wakeIndex = poller.register(fileDescriptor: wake.readDescriptor)
        let ingestIndex = poller.register(ingest)
        let controlIndex = poller.register(control)
        let publishIndex = poller.register(publish)
        while !shouldStop {
            let busy = replays.values.contains { $0.credit > 0 }
            let ready = try poller.poll(timeout: busy ? .zero : .milliseconds(100))
            for item in ready {
                switch item.index {
                case wakeIndex: wake.drain()
                case ingestIndex: try drainIngest()
                case controlIndex: drainControl()
                case publishIndex: drainSubscriptions()
                default: break
                }
            }
            try completeDurable()
            if appendedSinceSync {
                let request = journal.syncRequest()
                committer.submit(descriptor: request.descriptor, position: request.position)
                appendedSinceSync = false
                metrics.fsyncs.increment()
            }
            pumpReplays()
            housekeeping()
        }
        // Acknowledge what is already written before leaving: it will be durable now.
        try journal.sync()
        completePending()
    }

    // MARK: Durability

    private func completeDurable() throws {
        let (position, failure) = committer.take()
        if let failure {
            logger.critical("journal fsync failed; stopping", metadata: [LogKey.error: "\(failure)"])
            throw failure
        }
        if let position { journal.markDurable(upTo: position) }
        completePending()
    }

    private func completePending() {
        let durable = journal.durableEnd
        let nowMillis = now()
        while pendingHead < pending.count, pending[pendingHead].end <= durable {
            let batch = pending[pendingHead]
            pendingHead += 1
            for envelope in batch.envelopes {
                _ = try? publish.send(ZeroMQ.Message(frames: [Array(envelope.topic.utf8), envelope.bytes]), dontWait: true)
                durableHeads[envelope.topic] = envelope.sequence
                lastPublishedMillis[envelope.topic] = nowMillis
                rates[envelope.topic, default: TopicRates()].record(1, nowMillis: nowMillis)
                metrics.published.increment()
            }
            if batch.epoch > 0 { leases.observe(connection: batch.connection, epoch: batch.epoch) }
            reply(on: ingest, identity: batch.identity, correlation: batch.correlation, message: batch.ack)
        }
        if pendingHead > 1024 && pendingHead * 2 > pending.count {
            pending.removeFirst(pendingHead)
            pendingHead = 0
        }
    }

    // MARK: Replies

    func reply(on socket: Socket, identity: [UInt8], correlation: [UInt8], message: some SwiftProtobuf.Message) {
        let body: [UInt8] = (try? message.serializedBytes()) ?? []
        send(on: socket, ZeroMQ.Message(frames: [identity, Array(RPCStatus.ok.rawValue.utf8), correlation, body]))
    }

    func replyError(on socket: Socket, identity: [UInt8], correlation: [UInt8], code: String, message: String, retriable: Bool) {
        metrics.requestErrors.increment()
        var error = Boxbridge_V1_RpcError()
        error.code = code
        error.message = message
        error.retriable = retriable
        let body: [UInt8] = (try? error.serializedBytes()) ?? []
        send(on: socket, ZeroMQ.Message(frames: [identity, Array(RPCStatus.error.rawValue.utf8), correlation, body]))
    }

    @discardableResult
    func send(on socket: Socket, _ message: ZeroMQ.Message) -> Bool {
        do {
            return try socket.send(message, dontWait: true)
        } catch {
            // EHOSTUNREACH: the client went away; its reply has nobody to go to.
            logger.debug("reply not delivered", metadata: [LogKey.error: "\(error)"])
            return false
        }
    }

    // MARK: Live subscriptions

    private func drainSubscriptions() {
        while let message = try? publish.receive(dontWait: true) {
            guard let frame = message.frames.first, let kind = frame.first else { continue }
            let prefix = Array(frame.dropFirst())
            if kind == 1 {
                subscriptions[prefix, default: 0] += 1
            } else if kind == 0 {
                let left = (subscriptions[prefix] ?? 1) - 1
                subscriptions[prefix] = left > 0 ? left : nil
            }
        }
        metrics.liveSubscriptions.record(subscriptions.values.reduce(0, +))
    }

    func liveSubscribers(topic: String) -> Int {
        let bytes = Array(topic.utf8)
        var count = 0
        for (prefix, subscribers) in subscriptions where bytes.starts(with: prefix) { count += subscribers }
        return count
    }

    // MARK: Housekeeping

    private func housekeeping() {
        let nowMillis = now()
        guard nowMillis - lastHousekeeping >= 200 else { return }
        lastHousekeeping = nowMillis
        let before = leases.holders
        leases.rebalance(nowMillis: nowMillis)
        for (connection, holder) in leases.holders where before[connection] != nil && before[connection] != holder {
            metrics.leaseReassignments.increment()
        }
        let dropped = journal.applyRetention(nowMillis: nowMillis)
        if !dropped.isEmpty {
            logger.info("retention dropped journal segments", metadata: ["journal.segments_dropped": "\(dropped)"])
        }
        metrics.journalBytes.record(journal.totalBytes)
        metrics.journalSegments.record(journal.segmentCount)
        let idleLimit = options.replayIdleTimeout.milliseconds
        for (id, cursor) in replays where cursor.credit == 0 && nowMillis - cursor.lastActivityMillis > idleLimit {
            replays[id] = nil
        }
    }
}
