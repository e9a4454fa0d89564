import BoxBridgeProtocol
import BoxEmulator
import BusClient
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import TestSupport
import Testing

/// The collector as a user runs it: real `boxbridge broker` and `boxbridge collector` processes
/// against the Box emulator (in this process, on port 0), checked against the emulator's ground truth.
@Suite("Collector system (real processes)", .serialized, .timeLimit(.minutes(2)))
struct CollectorSystemTests {
    static var quiet: Logger {
        var logger = Logger(label: "system-test.emulator")
        logger.logLevel = .critical
        return logger
    }

    /// A small seeded enterprise with Box's own misbehaviour turned up.
    static func emulator(folder: String, seed: UInt64, backlog: Int) -> EmulatorConfiguration {
        var configuration = EmulatorConfiguration()
        configuration.seed = seed
        configuration.users = 20
        configuration.filesPerUser = 4
        configuration.backlogSize = backlog
        configuration.backlogSpacing = 30
        configuration.streamingDuplicateShare = 0.1
        configuration.reorderWindow = 6
        configuration.malformedShare = 0.03
        configuration.rateLimitPerMinute = 100_000
        configuration.groundTruthPath = folder + "/ground-truth.jsonl"
        return configuration
    }

    /// bridge.conf for the demo connection (no [[connections]]: the emulator's `demo`).
    static func demoBody(port: Int) -> String {
        """
        [emulator]
        host = "127.0.0.1"
        port = \(port)
        """
    }

    /// `[[connections]]` entries, all reading the same emulator enterprise.
    static func connectionsBody(_ names: [String], baseURL: String) -> String {
        names.map { name in
            """
            [[connections]]
            name = "\(name)"
            client_id = "emulator-client-id"
            client_secret_env = "\(SystemHarness.secretVariable)"
            enterprise_id = "1234567"
            admin_email = "admin@example.com"
            api_base_url = "\(baseURL)"
            start_position = "0"
            internal_domains = ["example.com", "example.co.uk", "eu.example.net"]

            """
        }.joined(separator: "\n")
    }

    /// Waits until the collector says `connection` is caught up (a short page), then reads the
    /// ids published under the connection's prefix once more.
    static func settledCounts(
        _ harness: SystemHarness, client: BusClient, connection: String, truth: GroundTruth
    ) async throws -> [String: Int] {
        _ = try await harness.awaitCondition("every in-scope event of \(connection) is on the bus", timeout: .seconds(20)) {
            let counts = try await SystemHarness.idCounts(client: client, prefix: Topic.boxPrefix(connection))
            return truth.inScope.isSubset(of: counts.keys) ? counts : nil
        }
        _ = try await harness.awaitCondition("\(connection) is caught up", timeout: .seconds(10)) { () -> Bool? in
            let stats = try await client.stats()
            let progress = stats.connections.first { $0.connection == connection }?.progress
            return progress?.state == "running" ? true : nil
        }
        return try await SystemHarness.idCounts(client: client, prefix: Topic.boxPrefix(connection))
    }

    @Test("duplicates, reordering, malformed events, 429s and 5xx: every in-scope event on the bus exactly once")
    func exactlyOnceUnderFaults() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: SystemHarness.binary), "build the boxbridge binary first")
        let harness = try SystemHarness()
        defer { harness.cleanup() }
        var configuration = Self.emulator(folder: harness.folder, seed: 21, backlog: 500)
        configuration.faults = [
            try FaultRule(spec: "kind=rate_limit,count=3,retry-after=1,path=/2.0/events"),
            try FaultRule(spec: "kind=status,status=503,share=0.05"),
            try FaultRule(spec: "kind=status,status=502,count=2,path=/2.0/events"),
        ]
        try await EmulatorServer.withRunning(configuration, logger: Self.quiet) { emulator in
            _ = emulator.core.flushGroundTruth()
            let truth = try GroundTruth(path: configuration.groundTruthPath!)
            #expect(truth.malformed > 0)
            try #require(truth.inScope.count > 100)

            let endpoints = try await harness.startBroker(config: try harness.writeConfig(Self.demoBody(port: emulator.port)))
            let metricsPort = try freePort()
            try harness.startCollector(
                "collector-a", config: try harness.writeConfig(Self.demoBody(port: emulator.port)), metricsPort: metricsPort)
            let client = try BusClient(endpoints: endpoints, timeout: .seconds(5))
            let counts = try await Self.settledCounts(harness, client: client, connection: "demo", truth: truth)
            #expect(counts.exactlyOnceReport(expected: truth.inScope) == nil)

            // Health went through the ingest path (journaled): the 429 pause once per condition,
            // not once per poll, and the malformed events quarantined with their raw bodies.
            let ops = try await SystemHarness.envelopes(client: client, prefix: "ops/demo/")
            let rateLimited = ops.filter { $0.topic == "ops/demo/rate-limited" }
            #expect((1...3).contains(rateLimited.count), "\(rateLimited.count) rate-limited health messages")
            if case .health(let health)? = rateLimited.first?.payload {
                #expect(health.collectorID == "collector-a")
                #expect(health.kind == .rateLimited)
            } else {
                Issue.record("no rate-limited health message")
            }
            #expect(ops.contains { if case .quarantined(let q)? = $0.payload { !q.raw.isEmpty } else { false } })

            // Metrics with their documented names.
            let (body, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(metricsPort)/metrics")!)
            let metrics = String(decoding: body, as: UTF8.self)
            for name in [
                "boxbridge_collector_events_published_total", "boxbridge_collector_deduped_total",
                "boxbridge_collector_quarantined_total", "boxbridge_collector_batches_total", "boxbridge_collector_leases_held",
                "boxbridge_collector_lag_seconds",
            ] {
                #expect(metrics.contains(name), "missing \(name) in /metrics")
            }
            #expect(metrics.contains("boxbridge_collector_leases_held 1"))

            // The faults did happen: the test would prove nothing otherwise.
            let statuses = emulator.core.recordedCalls.map(\.status)
            #expect(statuses.contains(429))
            #expect(statuses.contains(503) || statuses.contains(502))
            await client.close()
        }
    }

    @Test("kill -9 the collector mid-backfill, start another: still exactly once")
    func killMidBackfill() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: SystemHarness.binary), "build the boxbridge binary first")
        let harness = try SystemHarness()
        defer { harness.cleanup() }
        let configuration = Self.emulator(folder: harness.folder, seed: 22, backlog: 1_000)
        try await EmulatorServer.withRunning(configuration, logger: Self.quiet) { emulator in
            _ = emulator.core.flushGroundTruth()
            let truth = try GroundTruth(path: configuration.groundTruthPath!)
            // A slow budget (10 calls/s) makes the backfill last long enough to be interrupted.
            let body = Self.demoBody(port: emulator.port)
            let endpoints = try await harness.startBroker(config: try harness.writeConfig(body, callsPerMinute: 600))
            let config = try harness.writeConfig(body, callsPerMinute: 600)
            try harness.startCollector("collector-a", config: config)
            let client = try BusClient(endpoints: endpoints, timeout: .seconds(5))

            let before = try await harness.awaitCondition("the backfill is under way", timeout: .seconds(15), every: .milliseconds(20)) {
                () -> Int? in
                let stats = try await client.stats(prefix: Topic.boxPrefix("demo"))
                let published = stats.topics.reduce(0) { $0 + Int($1.messages) }
                return published >= 50 ? published : nil
            }
            await harness.kill9("collector-a")
            let partial = try await SystemHarness.idCounts(client: client, prefix: Topic.boxPrefix("demo"))
            #expect(partial.count < truth.inScope.count, "killed after the backfill finished (\(before) published): nothing tested")

            try harness.startCollector("collector-b", config: config)
            let counts = try await Self.settledCounts(harness, client: client, connection: "demo", truth: truth)
            #expect(counts.exactlyOnceReport(expected: truth.inScope) == nil)
            let stats = try await client.stats()
            #expect(stats.connections.first { $0.connection == "demo" }?.collectorID == "collector-b")
            await client.close()
        }
    }

    @Test("two collectors share four connections; one is killed and the other holds all four within the lease timeout")
    func takeoverWithinLeaseTimeout() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: SystemHarness.binary), "build the boxbridge binary first")
        let harness = try SystemHarness()
        defer { harness.cleanup() }
        let configuration = Self.emulator(folder: harness.folder, seed: 23, backlog: 200)
        let names = ["north", "south", "east", "west"]
        try await EmulatorServer.withRunning(configuration, logger: Self.quiet) { emulator in
            _ = emulator.core.flushGroundTruth()
            let truth = try GroundTruth(path: configuration.groundTruthPath!)
            let body = Self.connectionsBody(names, baseURL: emulator.baseURL)
            let endpoints = try await harness.startBroker(config: try harness.writeConfig(body))
            let config = try harness.writeConfig(body)
            try harness.startCollector("collector-a", config: config)
            try harness.startCollector("collector-b", config: config)
            let client = try BusClient(endpoints: endpoints, timeout: .seconds(5))

            func holders() async throws -> [String: String] {
                let stats = try await client.stats()
                return Dictionary(stats.connections.map { ($0.connection, $0.collectorID) }, uniquingKeysWith: { a, _ in a })
            }
            _ = try await harness.awaitCondition("each collector holds two connections", timeout: .seconds(10)) { () -> Bool? in
                let held = try await holders()
                let a = names.filter { held[$0] == "collector-a" }.count
                let b = names.filter { held[$0] == "collector-b" }.count
                return a == 2 && b == 2 ? true : nil
            }
            // Let both make progress, so the survivor resumes from real checkpoints.
            _ = try await harness.awaitCondition("every connection has published", timeout: .seconds(10)) { () -> Bool? in
                let stats = try await client.stats()
                let topics = Set(stats.topics.filter { $0.messages > 0 }.compactMap { Topic.connection(of: $0.topic) })
                return Set(names).isSubset(of: topics) ? true : nil
            }

            let killedAt = ContinuousClock.now
            await harness.kill9("collector-a")
            _ = try await harness.awaitCondition("collector-b holds all four", timeout: .seconds(6), every: .milliseconds(50)) {
                () -> Bool? in
                let held = try await holders()
                return names.allSatisfy { held[$0] == "collector-b" } ? true : nil
            }
            let takeover = ContinuousClock.now - killedAt
            // lease_timeout is 2 s from collector-a's last heartbeat (at most 200 ms before the kill), plus
            // collector-b's next heartbeat and slack for a loaded machine.
            #expect(takeover < .milliseconds(2_000 + 1_000), "took \(takeover)")

            for name in names {
                let counts = try await Self.settledCounts(harness, client: client, connection: name, truth: truth)
                #expect(counts.exactlyOnceReport(expected: truth.inScope) == nil, "connection \(name)")
            }
            await client.close()
        }
    }

    @Test("SIGTERM: the collector hands its lease back at once (leaving), another takes over well before the lease timeout")
    func gracefulHandover() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: SystemHarness.binary), "build the boxbridge binary first")
        let harness = try SystemHarness()
        defer { harness.cleanup() }
        let configuration = Self.emulator(folder: harness.folder, seed: 24, backlog: 100)
        try await EmulatorServer.withRunning(configuration, logger: Self.quiet) { emulator in
            _ = emulator.core.flushGroundTruth()
            let truth = try GroundTruth(path: configuration.groundTruthPath!)
            // A long lease timeout: only `leaving = true` can explain a quick takeover.
            let body = Self.demoBody(port: emulator.port)
            let endpoints = try await harness.startBroker(config: try harness.writeConfig(body, leaseTimeout: "20s"))
            let config = try harness.writeConfig(body, leaseTimeout: "20s")
            try harness.startCollector("collector-a", config: config)
            let client = try BusClient(endpoints: endpoints, timeout: .seconds(5))
            func holder() async throws -> String? {
                try await client.stats().connections.first { $0.connection == "demo" }?.collectorID
            }
            _ = try await harness.awaitCondition("collector-a holds demo", timeout: .seconds(10)) {
                try await holder() == "collector-a" ? true : nil
            }
            try harness.startCollector("collector-b", config: config)
            _ = try await harness.awaitCondition("collector-b is known to the broker", timeout: .seconds(10)) { () -> Bool? in
                try await client.stats().collectors.contains { $0.collectorID == "collector-b" && $0.alive } ? true : nil
            }
            let stoppedAt = ContinuousClock.now
            harness.terminate("collector-a")
            _ = try await harness.awaitCondition("collector-b holds demo", timeout: .seconds(5), every: .milliseconds(20)) {
                try await holder() == "collector-b" ? true : nil
            }
            let handover = ContinuousClock.now - stoppedAt
            #expect(handover < .seconds(3), "took \(handover) with a 20 s lease timeout")
            let exit = try #require(harness.processes["collector-a"])
            await exitStatus(of: exit)
            #expect(exit.terminationStatus == 0, "collector-a did not stop cleanly: \(harness.log("collector-a").suffix(2_000))")

            let counts = try await Self.settledCounts(harness, client: client, connection: "demo", truth: truth)
            #expect(counts.exactlyOnceReport(expected: truth.inScope) == nil)
            // stderr is not a terminal here: no progress lines.
            #expect(!harness.log("collector-a").contains("backfilling"))
            await client.close()
        }
    }

    @Test("connection deauthorize: the collector stops polling, says so in status and on ops/; resume collects again")
    func deauthorizeAndResume() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: SystemHarness.binary), "build the boxbridge binary first")
        let harness = try SystemHarness()
        defer { harness.cleanup() }
        let configuration = Self.emulator(folder: harness.folder, seed: 25, backlog: 150)
        try await EmulatorServer.withRunning(configuration, logger: Self.quiet) { emulator in
            _ = emulator.core.flushGroundTruth()
            let truth = try GroundTruth(path: configuration.groundTruthPath!)
            let body = Self.demoBody(port: emulator.port)
            let endpoints = try await harness.startBroker(config: try harness.writeConfig(body))
            let config = try harness.writeConfig(body)
            let (status, output) = try await harness.runToCompletion(["connection", "deauthorize", "demo", "--config", config])
            try #require(status == 0, "deauthorize failed: \(output)")
            try harness.startCollector("collector-a", config: config)
            let client = try BusClient(endpoints: endpoints, timeout: .seconds(5))
            func state() async throws -> String? {
                try await client.stats().connections.first { $0.connection == "demo" }?.progress.state
            }
            _ = try await harness.awaitCondition("status says deauthorized", timeout: .seconds(10)) {
                try await state() == "deauthorized" ? true : nil
            }
            _ = try await harness.awaitCondition("ops/demo/deauthorized is journaled", timeout: .seconds(5)) { () -> Bool? in
                try await SystemHarness.envelopes(client: client, prefix: "ops/demo/deauthorized").isEmpty ? nil : true
            }
            #expect(!emulator.core.recordedCalls.contains { $0.path.hasPrefix("/2.0/events") }, "a deauthorized connection was polled")
            #expect(try await SystemHarness.idCounts(client: client, prefix: "box/demo/").isEmpty)

            let (resumed, resumeOutput) = try await harness.runToCompletion(["connection", "resume", "demo", "--config", config])
            try #require(resumed == 0, "resume failed: \(resumeOutput)")
            let counts = try await Self.settledCounts(harness, client: client, connection: "demo", truth: truth)
            #expect(counts.exactlyOnceReport(expected: truth.inScope) == nil)
            await client.close()
        }
    }

    @Test("Box refusing the credentials is reported once on ops/<connection>/auth-failure, not once per retry")
    func authFailureHealth() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: SystemHarness.binary), "build the boxbridge binary first")
        let harness = try SystemHarness()
        defer { harness.cleanup() }
        let configuration = Self.emulator(folder: harness.folder, seed: 26, backlog: 10)
        try await EmulatorServer.withRunning(configuration, logger: Self.quiet) { emulator in
            let secretFile = harness.folder + "/wrong-secret"
            FileManager.default.createFile(atPath: secretFile, contents: Data("not-the-secret".utf8), attributes: [.posixPermissions: 0o600])
            let body = """
                [[connections]]
                name = "acme"
                client_id = "emulator-client-id"
                client_secret_file = "\(secretFile)"
                enterprise_id = "1234567"
                admin_email = "admin@example.com"
                api_base_url = "\(emulator.baseURL)"
                start_position = "0"
                """
            let endpoints = try await harness.startBroker(config: try harness.writeConfig(body))
            try harness.startCollector("collector-a", config: try harness.writeConfig(body))
            let client = try BusClient(endpoints: endpoints, timeout: .seconds(5))
            let first = try await harness.awaitCondition("ops/acme/auth-failure is journaled", timeout: .seconds(10)) {
                () -> [Boxbridge_V1_Envelope]? in
                let found = try await SystemHarness.envelopes(client: client, prefix: "ops/acme/auth-failure")
                return found.isEmpty ? nil : found
            }
            guard case .health(let health)? = first.first?.payload else {
                Issue.record("not a health message")
                return
            }
            #expect(health.kind == .authFailure)
            #expect(health.message.contains("oauth2/token"))
            #expect(!health.message.contains("not-the-secret"))
            // The collector keeps retrying; the condition is still announced once.
            let tokenCalls = emulator.core.recordedCalls.filter { $0.path == "/oauth2/token" }.count
            _ = try await harness.awaitCondition("the collector retried", timeout: .seconds(10)) { () -> Bool? in
                emulator.core.recordedCalls.filter { $0.path == "/oauth2/token" }.count >= tokenCalls + 2 ? true : nil
            }
            #expect(try await SystemHarness.envelopes(client: client, prefix: "ops/acme/auth-failure").count == 1)
            await client.close()
        }
    }

    @Test("--capacity 1: the collector takes one of two connections; the other stays free")
    func capacity() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: SystemHarness.binary), "build the boxbridge binary first")
        let harness = try SystemHarness()
        defer { harness.cleanup() }
        let configuration = Self.emulator(folder: harness.folder, seed: 27, backlog: 50)
        try await EmulatorServer.withRunning(configuration, logger: Self.quiet) { emulator in
            let body = Self.connectionsBody(["one", "two"], baseURL: emulator.baseURL)
            let endpoints = try await harness.startBroker(config: try harness.writeConfig(body))
            try harness.startCollector("collector-a", config: try harness.writeConfig(body), extra: ["--capacity", "1"])
            let client = try BusClient(endpoints: endpoints, timeout: .seconds(5))
            let first = try await harness.awaitCondition("collector-a heartbeats", timeout: .seconds(10)) {
                () -> Boxbridge_V1_CollectorStats? in
                try await client.stats().collectors.first { $0.collectorID == "collector-a" && !$0.connections.isEmpty }
            }
            // Several heartbeats later it still holds one, and the other connection stays free.
            let later = try await harness.awaitCondition("three more heartbeats", timeout: .seconds(10)) {
                () -> Boxbridge_V1_StatsResponse? in
                let stats = try await client.stats()
                let beat = stats.collectors.first { $0.collectorID == "collector-a" }?.lastHeartbeat
                guard let beat, beat.seconds * 1000 + Int64(beat.nanos / 1_000_000)
                    >= first.lastHeartbeat.seconds * 1000 + Int64(first.lastHeartbeat.nanos / 1_000_000) + 600
                else { return nil }
                return stats
            }
            let held = later.collectors.first { $0.collectorID == "collector-a" }?.connections ?? []
            #expect(held.count == 1, "holds \(held)")
            let free = later.connections.filter { $0.collectorID.isEmpty }.map(\.connection)
            #expect(free.count == 1 && !held.contains(free.first ?? ""), "free: \(free)")
            await client.close()
        }
    }
}
