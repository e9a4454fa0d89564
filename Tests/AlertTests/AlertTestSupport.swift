import BoxBridgeConfig
import BoxBridgeProtocol
import Foundation
import Logging
import SwiftProtobuf
import Testing

@testable import Alert

/// Base event time of the tests: 2026-11-21T10:00:00Z in Unix milliseconds.
let t0: Int64 = 1_795_341_600_000

func minutes(_ m: Int64) -> Int64 { t0 + m * 60_000 }

/// A file event with just what rules look at; `at` is event time in Unix ms.
func event(
    _ id: String, _ category: Boxbridge_V1_Category, at: Int64 = t0, actor: String = "alice@acme.com",
    connection: String = "acme", file: String = "report.docx", classification: String = "",
    exposure: Boxbridge_V1_Exposure = .unspecified, linkAccess: Boxbridge_V1_LinkAccess = .unspecified,
    invitee: String? = nil, controlMode: Boxbridge_V1_ControlMode? = nil, boxType: String = "",
    coalesced: UInt32 = 1, serviceAccount: Bool = false
) -> Boxbridge_V1_FileEvent {
    var event = Boxbridge_V1_FileEvent()
    event.connection = connection
    event.eventIds = [id]
    event.category = category
    event.boxEventType = boxType.isEmpty ? category.topicName.uppercased() : boxType
    event.occurredAt = Google_Protobuf_Timestamp(seconds: at / 1000, nanos: Int32(at % 1000) * 1_000_000)
    event.actor.login = actor
    event.actor.id = "u-" + actor.prefix { $0 != "@" }
    event.file.id = "f-" + file
    event.file.name = file
    event.file.classification = classification
    event.exposure = exposure
    event.coalescedCount = coalesced
    if linkAccess != .unspecified { event.share.linkAccess = linkAccess }
    if let invitee {
        event.share.invitee.login = invitee
        event.share.external = true
    }
    if let controlMode {
        event.shield.kind = "download_enforcement"
        event.shield.controlMode = controlMode
        event.shield.targetsServiceAccount = serviceAccount
    }
    event.byServiceAccount = serviceAccount && controlMode == nil
    var raw = Boxbridge_V1_RawBoxEvent()
    raw.eventID = id
    raw.json = Data("{\"event_id\":\"\(id)\"}".utf8)
    event.raw = [raw]
    return event
}

func envelope(_ event: Boxbridge_V1_FileEvent, sequence: UInt64 = 1) -> Boxbridge_V1_Envelope {
    var envelope = Boxbridge_V1_Envelope()
    envelope.topic = Topic.box(event.connection, event.category)
    envelope.sequence = sequence
    envelope.fileEvent = event
    return envelope
}

/// Runs `events` through a fresh engine with `rules` and returns every alert.
func fire(_ events: [Boxbridge_V1_FileEvent], rules: AlertRuleSet = AlertRuleSet(section: AlertSection())) -> [FiredAlert] {
    var engine = AlertEngine(ruleSet: rules)
    return events.flatMap { engine.process(event: $0) }
}

/// Only the user rules given (no defaults).
func only(_ rules: AlertRule...) -> AlertRuleSet {
    var section = AlertSection()
    section.defaultRules = false
    section.rules = rules
    return AlertRuleSet(section: section)
}

let quietLogger: Logger = {
    var logger = Logger(label: "alert-test")
    logger.logLevel = .critical
    return logger
}()

/// A fresh temporary folder, removed by `cleanup()`.
struct TemporaryDirectory {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "boxbridge-alert-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

import Broker
import BusClient

/// A broker on ephemeral loopback ports with its journal in a temporary folder.
struct TestBroker {
    let directory: TemporaryDirectory
    let server: BrokerServer
    let endpoints: BusEndpoints

    static func start() throws -> TestBroker {
        let directory = TemporaryDirectory()
        var options = BrokerOptions(journalDirectory: directory.path + "/journal")
        options.ingestEndpoint = "tcp://127.0.0.1:*"
        options.publishEndpoint = "tcp://127.0.0.1:*"
        options.controlEndpoint = "tcp://127.0.0.1:*"
        let server = BrokerServer(options: options, logger: quietLogger)
        let bound = try server.start()
        return TestBroker(
            directory: directory, server: server,
            endpoints: BusEndpoints(ingest: bound.ingest, publish: bound.publish, control: bound.control))
    }

    func client() throws -> BusClient { try BusClient(endpoints: endpoints, timeout: .seconds(5)) }

    func stop() async throws {
        try await server.stop()
        directory.cleanup()
    }

    /// Publishes file events as collector batches of `per` (connection of the first event).
    func publish(_ events: [Boxbridge_V1_FileEvent], per: Int = 100, client: BusClient, tag: String = "b") async throws {
        var start = 0
        while start < events.count {
            let slice = events[start..<min(events.count, start + per)]
            var batch = Boxbridge_V1_IngestBatch()
            batch.connection = slice.first!.connection
            batch.collectorID = "test-collector"
            batch.batchID = "\(tag)-\(start)"
            batch.items = slice.map { event in
                var envelope = Boxbridge_V1_Envelope()
                envelope.topic = Topic.box(event.connection, event.category)
                envelope.fileEvent = event
                return envelope
            }
            let ack = try await client.publish(batch)
            #expect(ack.status == .durable)
            start += per
        }
    }

    /// Every envelope on topics under `prefix`, in journal order.
    func replay(prefix: String, client: BusClient) async throws -> [Boxbridge_V1_Envelope] {
        var request = Boxbridge_V1_ReplayRequest()
        request.topicPrefix = prefix
        request.start = .earliest
        // Credit for everything at once: a grant racing the broker's end of the replay fails with
        // unknown_replay (BusClient's ReplayStream; reported to its owner).
        request.credit = 1_000_000
        var envelopes: [Boxbridge_V1_Envelope] = []
        for try await batch in try await client.replay(request) { envelopes += batch.envelopes }
        return envelopes
    }
}

/// Lines of a text file (empty when missing).
func lines(of path: String) -> [String] {
    guard let data = FileManager.default.contents(atPath: path) else { return [] }
    return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
}
