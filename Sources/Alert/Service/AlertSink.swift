public import BoxBridgeConfig
import BoxBridgeProtocol
public import BusClient
import BoxBridgeRuntime
import Foundation
public import Logging
import Metrics
import SwiftProtobuf
public import Subscriber

/// The alert subscriber's sink: runs the rule engine over each batch and sends what fires to the
/// configured outputs, exactly once across kill -9.
///
/// Per batch: (1) the engine runs on a copy of its state; (2) fired alerts are queued for the
/// webhook (persisted, deduplicated by id); (3) cursors, engine state and the fired alerts as an
/// outbox are committed in one atomic state write; (4) the outbox goes to stdout, the file
/// (fsynced) and the bus, and the emptied outbox is committed. A crash before (3) recomputes
/// the same alerts from the same cursors; a crash after (3) redelivers the outbox, which the file
/// skips (ids at its end) and the broker skips (batch id = alert id). Standard output is the one
/// output that may repeat a line after a crash between (4) and its commit.
public actor AlertSink: SubscriberSink {
    public struct Options: Sendable {
        /// Folder of `state.json` (and the webhook queue).
        public var statePath: String
        public var stdout: Bool
        public var file: String?
        public var bus: Bool

        public init(statePath: String, stdout: Bool = false, file: String? = nil, bus: Bool = false) {
            self.statePath = statePath
            self.stdout = stdout
            self.file = file
            self.bus = bus
        }

        public init(section: AlertSection) {
            self.init(statePath: section.statePath, stdout: section.outputs.stdout, file: section.outputs.file, bus: section.outputs.bus)
        }
    }

    public let options: Options
    private var engine: AlertEngine
    private var state = AlertSinkState()
    private var loaded = false
    private let client: BusClient?
    private let webhook: WebhookDeliverer?
    private let writeStdout: @Sendable (String) -> Void
    private var fileOutput: AlertFileOutput?
    private let logger: Logger
    private var firedCounters: [String: Counter] = [:]
    private let busFailures = Counter(label: "boxbridge_alert_bus_publish_failures_total")
    private let goneCounter = Counter(label: "boxbridge_alert_gone_events_total")

    private var statePath: String { options.statePath + "/state.json" }

    /// - Parameters:
    ///   - client: for the bus output (alerts/<connection>/<rule>); nil turns that output off.
    ///   - webhook: the deliverer to queue alerts on, when a webhook is configured.
    ///   - stdout: where standard-output lines go (the CLI's writer); unused unless `options.stdout`.
    public init(
        ruleSet: AlertRuleSet, options: Options, client: BusClient?, webhook: WebhookDeliverer?,
        stdout: @escaping @Sendable (String) -> Void = { _ in }, logger: Logger
    ) {
        self.engine = AlertEngine(ruleSet: ruleSet)
        self.options = options
        self.client = client
        self.webhook = webhook
        self.writeStdout = stdout
        self.logger = logger
    }

    // MARK: SubscriberSink

    /// Loads the state, redelivers an outbox left by a crash, and returns the committed cursors.
    public func loadCursors() async throws -> [String: UInt64] {
        try loadIfNeeded()
        try await deliverOutbox()
        return state.cursors
    }

    public func apply(_ batch: SubscriberBatch) async throws {
        try loadIfNeeded()
        if !batch.gone.isEmpty {
            let lost = batch.gone.reduce(UInt64(0)) { $0 + ($1.oldestRetained > $1.requestedSequence ? $1.oldestRetained - $1.requestedSequence : 0) }
            goneCounter.increment(by: Int(clamping: lost))
            logger.error(
                "events left the journal before the alert subscriber read them; rules did not see them",
                metadata: [LogKey.subscriberGone: "\(lost)"])
        }
        var next = engine
        var fired: [FiredAlert] = []
        for envelope in batch.envelopes { fired += next.process(envelope) }

        var items: [AlertSinkState.OutboxItem] = []
        for alert in fired {
            items.append(try outboxItem(for: alert))
            counter(for: alert.alert.rule).increment()
        }
        for connection in Set(items.map(\.connection)) {
            let ids = items.filter { $0.connection == connection }.map(\.id)
            let batchID = "alerts-" + AlertID.make(connection: connection, rule: "", key: "", eventIDs: ids)
            for index in items.indices where items[index].connection == connection { items[index].busBatch = batchID }
        }
        if let webhook, !items.isEmpty {
            try await webhook.enqueue(items.map { (id: $0.id, json: $0.json) })
        }
        var committed = state
        for (topic, cursor) in batch.nextCursors { committed.cursors[topic] = max(committed.cursors[topic] ?? 0, cursor) }
        committed.engine = next.state
        committed.outbox += items
        committed.fired += UInt64(items.count)
        try committed.save(to: statePath)
        state = committed
        engine = next
        if !state.outbox.isEmpty { try await deliverOutbox() }
    }

    // MARK: Introspection (tests, stats)

    /// Alerts fired since the state was created.
    public var firedCount: UInt64 { state.fired }
    /// Alerts committed but not yet confirmed by every output.
    public var outboxCount: Int { state.outbox.count }
    public var cursors: [String: UInt64] { state.cursors }

    // MARK: Internals

    private func loadIfNeeded() throws {
        guard !loaded else { return }
        try DurableFile.createDirectory(options.statePath)
        if let saved = try AlertSinkState.load(from: statePath) {
            state = saved
            engine = AlertEngine(ruleSet: engine.ruleSet, state: saved.engine)
        }
        if let file = options.file { fileOutput = try AlertFileOutput(path: file) }
        loaded = true
    }

    private func outboxItem(for fired: FiredAlert) throws -> AlertSinkState.OutboxItem {
        let json = try AlertLine.json(fired)
        let connectionOK = Topic.isValidSegment(fired.alert.connection) && Topic.isValidSegment(fired.alert.rule)
        return .init(
            id: fired.id, json: json, connection: fired.alert.connection, topic: fired.topic,
            alert: try fired.alert.serializedData(), stdout: options.stdout, file: fileOutput != nil,
            bus: options.bus && client != nil && connectionOK)
    }

    /// Writes each pending alert to the outputs it still owes, then commits the smaller outbox.
    private func deliverOutbox() async throws {
        guard !state.outbox.isEmpty else { return }
        var outbox = state.outbox
        let stdoutLines = outbox.filter(\.stdout).map(\.json)
        if !stdoutLines.isEmpty { writeStdout(stdoutLines.map { $0 + "\n" }.joined()) }
        for index in outbox.indices { outbox[index].stdout = false }

        if let fileOutput {
            let lines = outbox.filter { $0.file && !fileOutput.contains(id: $0.id) }.map(\.json)
            try fileOutput.append(lines)
            for index in outbox.indices { outbox[index].file = false }
        }
        if let client {
            var groups: [(batchID: String, indices: [Int])] = []
            for index in outbox.indices where outbox[index].bus {
                // One publish per batch id, even when connections interleave: a second publish
                // under the same id would be answered `duplicate` and never journaled.
                let batchID = outbox[index].busBatch ?? "alert-" + outbox[index].id
                if let group = groups.firstIndex(where: { $0.batchID == batchID }) {
                    groups[group].indices.append(index)
                } else {
                    groups.append((batchID, [index]))
                }
            }
            for group in groups {
                guard await publish(group.indices.map { outbox[$0] }, batchID: group.batchID, client: client) else { break }
                for index in group.indices { outbox[index].bus = false }
            }
        }
        var committed = state
        committed.outbox = outbox.filter { !$0.isDone }
        try committed.save(to: statePath)
        state = committed
    }

    /// Alerts of one connection on `alerts/<connection>/<rule>`, as one broker batch whose id is
    /// fixed when the alerts were committed, so a resend after a crash is answered `duplicate`.
    /// False when the broker is unreachable (retried with the next batch).
    private func publish(_ items: [AlertSinkState.OutboxItem], batchID: String, client: BusClient) async -> Bool {
        guard let first = items.first else { return true }
        var batch = Boxbridge_V1_IngestBatch()
        batch.connection = first.connection
        // No collector id and lease epoch 0: an alert batch is not collector traffic, must not be
        // fenced by a collector's lease, and must not rename the connection's last collector.
        batch.batchID = batchID
        for item in items {
            var envelope = Boxbridge_V1_Envelope()
            envelope.topic = item.topic
            envelope.schemaVersion = UInt32(Boxbridge_V1_SchemaVersion.current.rawValue)
            do {
                envelope.alert = try Boxbridge_V1_Alert(serializedBytes: item.alert)
            } catch {
                logger.error("an outbox alert could not be decoded; not published", metadata: [LogKey.alertID: "\(item.id)"])
                continue
            }
            batch.items.append(envelope)
        }
        do {
            let ack = try await client.publish(batch)
            switch ack.status {
            case .durable, .duplicate:
                return true
            default:
                busFailures.increment()
                logger.error(
                    "the broker refused alerts; not retried",
                    metadata: [LogKey.batchID: "\(batchID)", "ack.status": "\(ack.status)", "ack.message": "\(ack.message)"])
                return true
            }
        } catch {
            busFailures.increment()
            logger.warning("could not publish alerts on the bus; retrying with the next batch",
                           metadata: [LogKey.batchID: "\(batchID)", LogKey.error: "\(error)"])
            return false
        }
    }

    private func counter(for rule: String) -> Counter {
        if let counter = firedCounters[rule] { return counter }
        let counter = Counter(label: "boxbridge_alert_fired_total", dimensions: [("rule", rule)])
        firedCounters[rule] = counter
        return counter
    }
}
