import Foundation
import Logging
@testable import Broker

/// A fresh temporary folder, removed by `cleanup()`.
struct TemporaryDirectory {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "boxbridge-broker-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

let quietLogger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return logger
}()

extension Journal {
    /// Appends a batch of `count` tiny envelopes on `topic`, continuing its sequence.
    @discardableResult
    func appendTest(
        topic: String, count: Int, connection: String = "acme", batchID: String,
        position: String? = nil, eventIDs: [String] = [], now: Int64 = 1_000
    ) throws -> JournalPosition {
        var last = topics[topic]?.lastSequence ?? 0
        var entries: [Entry] = []
        for _ in 0..<count {
            last += 1
            entries.append(Entry(topic: topic, sequence: last, envelope: Array("payload-\(topic)-\(last)".utf8)))
        }
        let commit = CommitRecord(
            connection: connection, batchID: batchID, collectorID: "c1", epoch: 1, nextPosition: position,
            consumedEventIDs: eventIDs, envelopeCount: UInt32(count), publishedAtMillis: now)
        return try append(entries: entries, commit: commit, nowMillis: now)
    }

    /// Every envelope (topic, sequence) from `position` to the written end.
    func readAll(from position: JournalPosition? = nil) throws -> [(String, UInt64)] {
        let reader = JournalReader(position: position ?? startPosition)
        var result: [(String, UInt64)] = []
        _ = try reader.read(in: self, upTo: writtenEnd) { sequence, topic, _ in
            result.append((String(decoding: topic, as: UTF8.self), sequence))
            return true
        }
        return result
    }
}

import BoxBridgeProtocol
import BusClient
import ZeroMQ

/// A broker on ephemeral loopback ports with its journal in a temporary folder.
struct TestBroker {
    let directory: TemporaryDirectory
    let server: BrokerServer
    let endpoints: BrokerEndpoints

    static func start(
        directory: TemporaryDirectory = TemporaryDirectory(), now: (@Sendable () -> Int64)? = nil,
        configure: (inout BrokerOptions) -> Void = { _ in }
    ) throws -> TestBroker {
        var options = BrokerOptions(journalDirectory: directory.path + "/journal")
        options.ingestEndpoint = "tcp://127.0.0.1:*"
        options.publishEndpoint = "tcp://127.0.0.1:*"
        options.controlEndpoint = "tcp://127.0.0.1:*"
        configure(&options)
        let server = BrokerServer(options: options, logger: quietLogger, now: now ?? BrokerServer.wallClockMillis)
        let endpoints = try server.start()
        return TestBroker(directory: directory, server: server, endpoints: endpoints)
    }

    func client(curve: CurveClientKeys? = nil, timeout: Duration = .seconds(5)) throws -> BusClient {
        try BusClient(
            endpoints: BusEndpoints(ingest: endpoints.ingest, publish: endpoints.publish, control: endpoints.control, curve: curve),
            timeout: timeout)
    }

    func stop() async throws { try await server.stop() }
}

/// A batch of `count` file events on `box/<connection>/<category>`.
func makeBatch(
    connection: String = "acme", category: String = "created", id: String, count: Int, from: String = "",
    next: String = "", epoch: UInt64 = 0, eventIDs: [String]? = nil, payloadBytes: Int = 0
) -> Boxbridge_V1_IngestBatch {
    var batch = Boxbridge_V1_IngestBatch()
    batch.connection = connection
    batch.collectorID = "test-collector"
    batch.batchID = id
    batch.fromPosition = from
    batch.nextPosition = next
    batch.leaseEpoch = epoch
    for index in 0..<count {
        var event = Boxbridge_V1_FileEvent()
        event.connection = connection
        event.eventIds = ["\(id)-\(index)"]
        event.boxEventType = "UPLOAD"
        if payloadBytes > 0 { event.file.name = String(repeating: "x", count: payloadBytes) }
        var envelope = Boxbridge_V1_Envelope()
        envelope.topic = "box/\(connection)/\(category)"
        envelope.fileEvent = event
        batch.items.append(envelope)
    }
    batch.consumedEventIds = eventIDs ?? (0..<count).map { "\(id)-\(index(of: $0))" }
    return batch
}

private func index(of value: Int) -> Int { value }
