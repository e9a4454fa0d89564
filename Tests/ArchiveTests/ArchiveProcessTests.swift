import BoxBridgeProtocol
import BusClient
import Foundation
import Logging
import Subscriber
import SwiftProtobuf
import TestSupport
import Testing

@testable import Archive
@testable import Broker

/// The archive subscriber as a real `boxbridge archive run` process against an in-process broker.
@Suite("Archive subscriber process", .timeLimit(.minutes(2)))
struct ArchiveProcessTests {
    static let packageRoot = URL(filePath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var executable: String {
        ProcessInfo.processInfo.environment["BOXBRIDGE_BIN"] ?? packageRoot.appending(path: ".build/debug/boxbridge").path
    }

    static func bridgeConf(broker: BrokerEndpoints, archive: String) -> String {
        """
        [broker]
        ingest_endpoint = "\(broker.ingest)"
        publish_endpoint = "\(broker.publish)"
        control_endpoint = "\(broker.control)"

        [archive]
        path = "\(archive)"
        retention_days = 0
        compression_level = 1

        [metrics]
        enabled = false
        """
    }

    /// Starts `boxbridge archive run`; its output goes to a log file so a full pipe never blocks it.
    static func launch(config: String, log: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["archive", "run", "--config", config, "--segment-bytes", "30000", "--log-level", "warning"]
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    /// Archived lines (sealed + committed open) of a connection, read without touching the files.
    static func archivedCount(_ root: String, connection: String = "acme") -> Int {
        (try? ArchiveExporter(root: root).export(from: .distantPast, to: .distantFuture, connection: connection).count) ?? 0
    }

    @Test("kill -9 mid-stream and restart: the archive's files are byte-identical to an uninterrupted run's")
    func killNineIdenticalBytes() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable), "build boxbridge first: \(Self.executable)")
        let broker = try TestBroker.start()
        defer { broker.directory.cleanup() }
        let killedRoot = broker.directory.path + "/killed", referenceRoot = broker.directory.path + "/reference"
        let config = broker.directory.path + "/bridge.conf"
        try Self.bridgeConf(broker: broker.endpoints, archive: killedRoot).write(toFile: config, atomically: true, encoding: .utf8)
        let log = broker.directory.path + "/archive.log"

        let publisher = try broker.client()
        let batches = 60, perBatch = 25, total = batches * perBatch
        // File events across three UTC days, a quarantined event with its raw body, and health.
        let feeding = Task {
            for batch in 0..<batches {
                _ = try await publisher.publish(makeArchiveBatch(batch: batch, count: perBatch))
                try await Task.sleep(for: .milliseconds(2))
            }
        }

        var process = try Self.launch(config: config, log: log)
        #expect(await eventually(timeout: .seconds(20)) { Self.archivedCount(killedRoot) >= total / 3 })
        kill(process.processIdentifier, SIGKILL)
        await exitStatus(of: process)
        #expect(process.terminationReason == .uncaughtSignal)
        let atKill = Self.archivedCount(killedRoot)
        #expect(atKill < total, "the kill came after the whole stream: nothing was interrupted")

        process = try Self.launch(config: config, log: log)
        try await feeding.value
        #expect(await eventually(timeout: .seconds(30)) { Self.archivedCount(killedRoot) == total })
        process.terminate()  // SIGTERM: graceful
        await exitStatus(of: process)
        #expect(process.terminationStatus == 0, "\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")

        // The uninterrupted reference, from the same journal.
        let client = try broker.client()
        let reference = ArchiveService(
            sink: ArchiveSinkOptions(root: referenceRoot, compressionLevel: 1, maxSegmentBytes: 30_000),
            client: client, logger: quietLogger)
        let running = Task { try await reference.run() }
        #expect(await eventually(timeout: .seconds(30)) { Self.archivedCount(referenceRoot) == total })
        running.cancel()
        try await running.value

        let killed = try Fixtures.files(under: killedRoot), expected = try Fixtures.files(under: referenceRoot)
        let sealed = killed.keys.filter { $0.hasSuffix(".jsonl.gz") }
        #expect(sealed.count >= 4)
        #expect(Set(killed.keys) == Set(expected.keys))
        for (path, bytes) in expected { #expect(killed[path] == bytes, "\(path) differs") }
        #expect(ArchiveVerifier.verify(root: killedRoot, connection: "acme").isValid)
        let lines = try ArchiveExporter(root: killedRoot).export(from: .distantPast, to: .distantFuture, connection: "acme")
        #expect(Set(lines).count == total)
        #expect(lines.contains { $0.contains("\"kind\":\"quarantined\"") && $0.contains("\"base64\":") })
        #expect(Self.archivedCount(killedRoot, connection: "beta") == 0)
        await client.close()
        await publisher.close()
        try await broker.stop()
    }
}

/// One ingest batch of connection acme: file events spread over three UTC days, every tenth
/// batch a quarantined event (raw body kept) and a health event on ops/.
func makeArchiveBatch(batch: Int, count: Int) -> Boxbridge_V1_IngestBatch {
    var ingest = Boxbridge_V1_IngestBatch()
    ingest.connection = "acme"
    ingest.collectorID = "test-collector"
    ingest.batchID = "batch-\(batch)"
    for index in 0..<count {
        let n = batch * count + index
        var envelope: Boxbridge_V1_Envelope
        if index == 0 && batch % 10 == 0 {
            var quarantined = Boxbridge_V1_QuarantinedEvent()
            quarantined.eventID = "q-\(n)"
            quarantined.raw = Data("{\"event_id\":\"q-\(n)\",\"source\":".utf8)
            quarantined.at = Google_Protobuf_Timestamp(seconds: 1_763_683_200 + Int64(n) * 150, nanos: 0)
            envelope = Boxbridge_V1_Envelope()
            envelope.topic = "box/acme/other"
            envelope.quarantined = quarantined
        } else if index == 1 && batch % 10 == 0 {
            var health = Boxbridge_V1_CollectorHealth()
            health.connection = "acme"
            health.kind = .ok
            health.at = Google_Protobuf_Timestamp(seconds: 1_763_683_200 + Int64(n) * 150, nanos: 0)
            envelope = Boxbridge_V1_Envelope()
            envelope.topic = Topic.ops("acme", .ok)
            envelope.health = health
        } else {
            var event = Boxbridge_V1_FileEvent()
            event.connection = "acme"
            event.eventIds = ["evt-\(n)"]
            event.boxEventType = "DOWNLOAD"
            event.category = .downloaded
            event.occurredAt = Google_Protobuf_Timestamp(seconds: 1_763_683_200 + Int64(n) * 150, nanos: 0)
            var raw = Boxbridge_V1_RawBoxEvent()
            raw.eventID = "evt-\(n)"
            raw.json = Data("{\"event_id\":\"evt-\(n)\",\"event_type\":\"DOWNLOAD\",\"source\":{\"id\":\"\(n)\"}}".utf8)
            event.raw = [raw]
            envelope = Boxbridge_V1_Envelope()
            envelope.topic = Topic.box("acme", .downloaded)
            envelope.fileEvent = event
        }
        ingest.items.append(envelope)
        ingest.consumedEventIds.append("evt-\(n)")
    }
    return ingest
}
