import BoxBridgeProtocol
import BusClient
import Foundation
import TestSupport
import Testing

/// A real `boxbridge broker` on ephemeral ports, for the commands that ask it.
struct BrokerUnderTest {
    let process: Process
    let endpoints: BusEndpoints
    let directory: String

    static func launch(connections: [String]) async throws -> BrokerUnderTest {
        let directory = NSTemporaryDirectory() + "boxbridge-status-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let endpointsFile = directory + "/endpoints.json"
        let process = Process()
        process.executableURL = BoxBridgeProcess.executable
        process.arguments = [
            "broker", "--config", "/nonexistent/bridge.conf", "--journal", directory + "/journal", "--metrics-port", "0",
            "--ingest", "tcp://127.0.0.1:*", "--publish", "tcp://127.0.0.1:*", "--control", "tcp://127.0.0.1:*",
            "--endpoints-file", endpointsFile, "--log-level", "error",
        ] + connections.flatMap { ["--connection", $0] }
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            if let data = FileManager.default.contents(atPath: endpointsFile),
                let json = try? JSONSerialization.jsonObject(with: data) as? [String: String],
                let ingest = json["ingest"], let publish = json["publish"], let control = json["control"]
            {
                return BrokerUnderTest(
                    process: process, endpoints: BusEndpoints(ingest: ingest, publish: publish, control: control),
                    directory: directory)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.terminate()
        throw BoxBridgeProcess.TimedOut(arguments: process.arguments ?? [])
    }

    /// SIGTERM; the folder goes once the broker has exited. Waits on GCD, never on the caller's thread.
    func stop() {
        stopInBackground(process) { [directory] in try? FileManager.default.removeItem(atPath: directory) }
    }
}

@Suite("boxbridge status", .timeLimit(.minutes(1)))
struct StatusCommandTests {
    @Test("an unreachable broker: exit 1 within the timeout, naming the endpoint")
    func unreachable() async throws {
        let endpoint = "tcp://127.0.0.1:\(try freePort())"
        let begin = ContinuousClock.now
        let result = try await BoxBridgeProcess.run(
            ["status", "--config", "/nonexistent/bridge.conf", "--control", endpoint, "--timeout", "1"])
        #expect(result.status == 1)
        #expect(result.stderr.contains(endpoint))
        #expect(result.stderr.contains("did not answer within 1 s"))
        #expect(result.stdout.isEmpty)
        #expect(ContinuousClock.now - begin < .seconds(10))
    }

    @Test("a collector's lease and progress, a subscriber's cursor and lag, topics: as tables and JSON")
    func fullStatus() async throws {
        let broker = try await BrokerUnderTest.launch(connections: ["acme", "globex"])
        defer { broker.stop() }
        let client = try BusClient(endpoints: broker.endpoints, timeout: .seconds(5))
        var beat = Boxbridge_V1_CollectorHeartbeat()
        beat.collectorID = "collector-7"
        let grant = try await client.heartbeat(beat)
        let lease = try #require(grant.leases.first { $0.connection == "acme" })
        var progress = Boxbridge_V1_ConnectionProgress()
        progress.connection = "acme"
        progress.position = "1152921504606846976"
        progress.lastPoll = .init(date: Date())
        progress.lagSeconds = 42
        progress.callsPerMinute = 118
        progress.rateLimitedTotal = 3
        progress.scopeSize = 1234
        progress.state = "running"
        beat.progress = [progress]
        _ = try await client.heartbeat(beat)

        var batch = Boxbridge_V1_IngestBatch()
        batch.connection = "acme"
        batch.collectorID = "collector-7"
        batch.leaseEpoch = lease.epoch
        batch.batchID = "b1"
        batch.fromPosition = lease.checkpoint
        batch.nextPosition = "1152921504606846976"
        for index in 0..<3 {
            var event = Boxbridge_V1_FileEvent()
            event.connection = "acme"
            event.eventIds = ["e\(index)"]
            var envelope = Boxbridge_V1_Envelope()
            envelope.topic = "box/acme/created"
            envelope.fileEvent = event
            batch.items.append(envelope)
        }
        batch.consumedEventIds = ["e0", "e1", "e2"]
        let ack = try await client.publish(batch)
        #expect(ack.status == .durable)

        var subscriber = Boxbridge_V1_SubscriberProgress()
        subscriber.subscriberID = "index"
        subscriber.topicPrefix = "box/acme/"
        subscriber.nextSequences = ["box/acme/created": 2]
        subscriber.at = .init(date: Date())
        try await client.reportSubscriber(subscriber)
        await client.close()

        let control = broker.endpoints.control
        let table = try await BoxBridgeProcess.run(["status", "--config", "/nonexistent/bridge.conf", "--control", control])
        #expect(table.status == 0, "\(table.stderr)")
        let lines = table.stdout.split(separator: "\n").map(String.init)
        let acme = try #require(lines.first { $0.hasPrefix("acme ") })
        for cell in ["collector-7", "running", "42s", "118", "3", "1234", "1152921504606846976"] {
            #expect(acme.contains(cell), "acme row lacks \(cell): \(acme)")
        }
        let globex = try #require(lines.first { $0.hasPrefix("globex ") })
        #expect(globex.contains("collector-7") || globex.contains("(unleased)"))
        #expect(lines.contains { $0.hasPrefix("collector-7 ") && $0.contains("yes") })
        let index = try #require(lines.first { $0.hasPrefix("index ") })
        #expect(index.contains("box/acme/"))
        #expect(index.contains("created=2"))
        #expect(lines.contains { $0.hasPrefix("box/acme/created ") })
        #expect(table.stdout.contains("broker \(control)"))

        let json = try await BoxBridgeProcess.run(["status", "--config", "/nonexistent/bridge.conf", "--control", control, "--json"])
        #expect(json.status == 0)
        let stats = try Boxbridge_V1_StatsResponse(jsonString: json.stdout)
        let connection = try #require(stats.connections.first { $0.connection == "acme" })
        #expect(connection.collectorID == "collector-7")
        #expect(connection.checkpoint == "1152921504606846976", "a position above 2^53 survives the JSON mapping")
        #expect(connection.progress.scopeSize == 1234)
        #expect(stats.subscribers.first?.lag == 2)
        #expect(stats.topics.first { $0.topic == "box/acme/created" }?.lastSequence == 3)
    }

    @Test("--watch without a terminal appends one block per refresh; --count stops it")
    func watch() async throws {
        let broker = try await BrokerUnderTest.launch(connections: ["acme"])
        defer { broker.stop() }
        let control = broker.endpoints.control
        let result = try await BoxBridgeProcess.run(
            ["status", "--config", "/nonexistent/bridge.conf", "--control", control, "--watch", "--interval", "0.1", "--count", "3"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.components(separatedBy: "--- ").count - 1 == 3)
        #expect(result.stdout.components(separatedBy: "CONNECTIONS").count - 1 == 3)
        #expect(!result.stdout.contains("\u{1B}["), "no terminal escapes when not on a terminal")

        let json = try await BoxBridgeProcess.run(
            ["status", "--config", "/nonexistent/bridge.conf", "--control", control, "--watch", "--json", "--interval", "0.1", "--count", "2"])
        let documents = json.stdout.split(separator: "\n")
        #expect(documents.count == 2)
        for document in documents {
            #expect((try? Boxbridge_V1_StatsResponse(jsonString: String(document)))?.connections.first?.connection == "acme")
        }
    }
}

