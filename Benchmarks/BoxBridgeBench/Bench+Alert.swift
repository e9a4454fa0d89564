import Alert
import ArgumentParser
import BoxBridgeConfig
import BoxBridgeProtocol
import Foundation
import Logging
import Subscriber
import SwiftProtobuf

/// `boxbridge-bench alert`: rule-engine throughput and the sink's per-batch commit cost.
///
/// No issue sets a target for alerting; the figures show the alert subscriber keeps up with the
/// collectors (≥ 100,000 events/s for the engine, batches of 1,000 committed in a few ms).
struct AlertBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alert",
        abstract: "Measure alert rule evaluation (default rules + thresholds) and sink commits.",
        discussion: "Synthetic events: downloads, deletes, shares (some public, some to personal mail), Shield blocks; 1,000 actors."
    )

    @Option(help: "Events evaluated.")
    var events = 200_000

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() async throws {
        let base: Int64 = 1_795_341_600
        var envelopes: [Boxbridge_V1_Envelope] = []
        envelopes.reserveCapacity(events)
        let categories: [Boxbridge_V1_Category] = [.downloaded, .downloaded, .downloaded, .deleted, .sharedLink, .sharedDirect, .previewed, .shieldBlocked]
        for index in 0..<events {
            var event = Boxbridge_V1_FileEvent()
            event.connection = "bench"
            event.eventIds = ["ev-\(index)"]
            event.category = categories[index % categories.count]
            event.occurredAt = Google_Protobuf_Timestamp(seconds: base + Int64(index / 20), nanos: 0)
            event.actor.login = "user\(index % 1_000)@acme.com"
            event.actor.id = "\(10_000 + index % 1_000)"
            event.file.id = "file-\(index % 50_000)"
            event.file.name = "document-\(index % 50_000).xlsx"
            if index % 7 == 0 { event.file.classification = "Confidential" }
            switch event.category {
            case .sharedLink:
                event.exposure = index % 3 == 0 ? .public : .internal
                event.share.linkAccess = index % 3 == 0 ? .open : .company
            case .sharedDirect:
                event.exposure = .external
                event.share.invitee.login = index % 5 == 0 ? "someone\(index)@gmail.com" : "partner\(index)@partner.com"
            case .shieldBlocked:
                event.shield.controlMode = index % 2 == 0 ? .enforced : .monitoring
            default:
                break
            }
            var envelope = Boxbridge_V1_Envelope()
            envelope.topic = Topic.box("bench", event.category)
            envelope.sequence = UInt64(index + 1)
            envelope.fileEvent = event
            envelopes.append(envelope)
        }
        var section = AlertSection()
        var pattern = AlertRule(name: "xlsx-downloads")
        pattern.categories = ["downloaded"]
        pattern.fileNamePattern = "document-1*.xlsx"
        pattern.threshold = .init(count: 20, window: .seconds(60))
        pattern.suppress = .seconds(600)
        section.rules = [pattern]
        let ruleSet = AlertRuleSet(section: section)

        let clock = ContinuousClock()
        var engine = AlertEngine(ruleSet: ruleSet)
        var fired = 0
        let engineTime = clock.measure {
            for envelope in envelopes { fired += engine.process(envelope).count }
        }
        let engineRate = Double(events) / engineTime.seconds

        // The sink: batches of 1,000, state committed (fsync + rename) per batch, alerts to a file.
        let directory = NSTemporaryDirectory() + "boxbridge-alert-bench-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        let sink = AlertSink(
            ruleSet: ruleSet, options: .init(statePath: directory + "/state", file: directory + "/alerts.jsonl"),
            client: nil, webhook: nil, logger: logger)
        _ = try await sink.loadCursors()
        let sinkEvents = min(events, 50_000)
        var batches = 0
        let start = clock.now
        for chunk in stride(from: 0, to: sinkEvents, by: 1_000) {
            let slice = Array(envelopes[chunk..<min(sinkEvents, chunk + 1_000)])
            var cursors: [String: UInt64] = [:]
            for envelope in slice { cursors[envelope.topic] = envelope.sequence + 1 }
            try await sink.apply(SubscriberBatch(envelopes: slice, nextCursors: cursors))
            batches += 1
        }
        let sinkTime = clock.now - start
        let sinkRate = Double(sinkEvents) / sinkTime.seconds
        let perBatch = sinkTime.seconds / Double(batches) * 1000

        if json {
            print("{\"engine_events_per_second\":\(Int(engineRate)),\"alerts\":\(fired),\"sink_events_per_second\":\(Int(sinkRate)),\"sink_ms_per_batch\":\(String(format: "%.2f", perBatch))}")
        } else {
            print("alert engine: \(Int(engineRate)) events/s over \(events) events, \(fired) alerts (\(ruleSet.rules.count) rules)")
            print("alert sink:   \(Int(sinkRate)) events/s, \(String(format: "%.2f", perBatch)) ms per batch of 1,000 (state fsync + rename, file output)")
        }
    }
}

extension Duration {
    fileprivate var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
