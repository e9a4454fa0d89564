import BoxBridgeProtocol
import BusClient
import Foundation
import TestSupport
import Testing
@testable import Broker

/// Runs the built `boxbridge broker` as a real process and kills it with SIGKILL.
@Suite("Broker process", .timeLimit(.minutes(1)))
struct BrokerProcessTests {
    static let binary: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent(".build/debug/boxbridge").path
    }()

    func launch(journal: String, endpointsFile: String) async throws -> (Process, BusEndpoints) {
        try? FileManager.default.removeItem(atPath: endpointsFile)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = [
            "broker", "--config", "/nonexistent/bridge.conf", "--journal", journal, "--metrics-port", "0",
            "--ingest", "tcp://127.0.0.1:*", "--publish", "tcp://127.0.0.1:*", "--control", "tcp://127.0.0.1:*",
            "--endpoints-file", endpointsFile, "--log-level", "error",
        ]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(15))
        while clock.now < deadline {
            if let data = FileManager.default.contents(atPath: endpointsFile),
                let json = try? JSONSerialization.jsonObject(with: data) as? [String: String],
                let ingest = json["ingest"], let publish = json["publish"], let control = json["control"]
            {
                return (process, BusEndpoints(ingest: ingest, publish: publish, control: control))
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.terminate()
        throw CancellationError()
    }

    @Test("ack only after fsync: kill -9 right after an ack and the batch is there after restart")
    func killAfterAck() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build the boxbridge binary first")
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let journal = directory.path + "/journal"
        let endpointsFile = directory.path + "/endpoints.json"

        let (first, endpoints) = try await launch(journal: journal, endpointsFile: endpointsFile)
        let client = try BusClient(endpoints: endpoints, timeout: .seconds(5))
        var lastAck = Boxbridge_V1_IngestAck()
        for batch in 0..<20 {
            lastAck = try await client.publish(
                makeBatch(id: "b\(batch)", count: 5, from: batch == 0 ? "" : "p\(batch - 1)", next: "p\(batch)"))
            #expect(lastAck.status == .durable)
        }
        kill(first.processIdentifier, SIGKILL)
        await exitStatus(of: first)
        await client.close()
        #expect(lastAck.lastSequences["box/acme/created"] == 100)

        let (second, restarted) = try await launch(journal: journal, endpointsFile: endpointsFile)
        defer { stopInBackground(second) }
        let again = try BusClient(endpoints: restarted, timeout: .seconds(5))
        let stats = try await again.stats()
        #expect(stats.topics.first { $0.topic == "box/acme/created" }?.lastSequence == 100)
        #expect(stats.connections.first { $0.connection == "acme" }?.checkpoint == "p19")
        var request = Boxbridge_V1_ReplayRequest()
        request.topicPrefix = "box/acme/"
        request.start = .earliest
        var sequences: [UInt64] = []
        for try await batch in try await again.replay(request) { sequences += batch.envelopes.map(\.sequence) }
        #expect(sequences == Array(1...100))
        // A resend of the last batch is recognised after the restart too.
        let resend = try await again.publish(makeBatch(id: "b19", count: 5, from: "p18", next: "p19"))
        #expect(resend.status == .duplicate)
        await again.close()
    }
}
