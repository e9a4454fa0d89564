import BoxAPI
import BoxBridgeConfig
import BoxBridgeProtocol
import BoxEmulator
import Broker
import BusClient
import Foundation
import Logging
import Synchronization
import Testing

@testable import Collector

/// Real time sped up `rate` times, so 10 s coalescing windows and 5 s idle polls take milliseconds.
final class PipelineTestClock: SchedulerClock {
    private let origin = ContinuousClock.now
    let rate: Double

    init(rate: Double) { self.rate = rate }

    func now() -> Duration {
        let real = origin.duration(to: ContinuousClock.now)
        return .nanoseconds(Int64(Self.seconds(real) * rate * 1e9))
    }

    func sleep(until deadline: Duration) async throws {
        let remaining = Self.seconds(deadline - now()) / rate
        if remaining > 0 { try await Task.sleep(for: .nanoseconds(Int64(remaining * 1e9))) }
        try Task.checkCancellation()
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// One line of the emulator's ground truth.
struct PipelineTruthLine {
    var eventID: String?
    var inScope: Bool
    var malformed: Bool
    var byServiceAccount: Bool
    var createdAt: Date
    var position: String
}

/// A Box emulator on a loopback port, a broker on ephemeral ports with its journal in a temporary
/// folder, and a Box client and a bus client pointed at them.
struct PipelineHarness {
    let emulator: RunningEmulator
    let broker: PipelineBrokerHandle
    let box: BoxClient
    let bus: BusClient
    let folder: String
    var connection: ConnectionSection
    var collector: CollectorSection

    static let quiet: Logger = {
        var logger = Logger(label: "test.pipeline")
        logger.logLevel = .critical
        return logger
    }()

    /// A small enterprise whose stream has every fault the pipeline must survive.
    static func workload(backlog: Int = 300) -> EmulatorConfiguration {
        var configuration = EmulatorConfiguration()
        configuration.users = 10
        configuration.groups = 2
        configuration.filesPerUser = 3
        configuration.backlogSize = backlog
        configuration.backlogSpacing = 1
        configuration.rateLimitPerMinute = 100_000
        configuration.streamingDuplicateShare = 0.05
        configuration.reorderWindow = 4
        configuration.malformedShare = 0.02
        return configuration
    }

    static func with<T: Sendable>(
        _ configuration: EmulatorConfiguration = workload(),
        broker configure: (inout BrokerOptions) -> Void = { _ in },
        _ body: (PipelineHarness) async throws -> T
    ) async throws -> T {
        let folder = NSTemporaryDirectory() + "boxbridge-pipeline-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var configuration = configuration
        configuration.groundTruthPath = folder + "/truth.jsonl"

        var options = BrokerOptions(journalDirectory: folder + "/journal")
        options.ingestEndpoint = "tcp://127.0.0.1:*"
        options.publishEndpoint = "tcp://127.0.0.1:*"
        options.controlEndpoint = "tcp://127.0.0.1:*"
        options.connections = ["acme"]
        configure(&options)
        let broker = try PipelineBrokerHandle(options: options)
        let endpoints = broker.endpoints
        let bus = try BusClient(
            endpoints: BusEndpoints(ingest: endpoints.ingest, publish: endpoints.publish, control: endpoints.control),
            timeout: .seconds(5))
        do {
            let result = try await EmulatorServer.withRunning(configuration, logger: quiet) { running in
                let scheduler = RequestScheduler(
                    credential: "test",
                    configuration: SchedulerConfiguration(
                        callsPerMinute: 60_000, safetyMargin: 0, defaultRetryAfter: .milliseconds(20),
                        retry: RetryPolicy(base: .milliseconds(5), maximumDelay: .milliseconds(50))),
                    logger: quiet)
                let box = BoxClient(
                    endpoint: BoxEndpoint(baseURL: running.baseURL),
                    credentials: .clientCredentials(
                        clientID: configuration.clientID, clientSecret: Secret(configuration.clientSecret),
                        subject: .enterprise(configuration.enterpriseID)),
                    scheduler: scheduler, requestTimeout: .seconds(5), logger: quiet, flow: "acme")
                var connection = ConnectionSection(
                    name: "acme", clientID: configuration.clientID, clientSecret: ConfigSecret(configuration.clientSecret),
                    enterpriseID: configuration.enterpriseID, adminEmail: "")
                connection.apiBaseURL = running.baseURL
                connection.internalDomains = EmulatorSection.internalDomains
                connection.startPosition = .earliest
                var collector = CollectorSection()
                collector.pageSize = 50
                collector.batchMaxEvents = 40
                let harness = PipelineHarness(
                    emulator: running, broker: broker, box: box, bus: bus, folder: folder, connection: connection,
                    collector: collector)
                return try await body(harness)
            }
            await bus.close()
            try await broker.server.stop()
            return result
        } catch {
            await bus.close()
            try? await broker.server.stop()
            throw error
        }
    }

    var core: EmulatorCore { emulator.core }

    /// Heartbeats as `collectorID` until it holds `acme`; returns the lease.
    func lease(collectorID: String = "c1") async throws -> Boxbridge_V1_Lease {
        var beat = Boxbridge_V1_CollectorHeartbeat()
        beat.collectorID = collectorID
        let deadline = ContinuousClock.now.advanced(by: .seconds(5))
        while ContinuousClock.now < deadline {
            if let lease = try await bus.heartbeat(beat).leases.first(where: { $0.connection == "acme" }) { return lease }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw PipelineHarnessError("\(collectorID) got no lease on acme within 5 s")
    }

    func pipeline(
        lease: Boxbridge_V1_Lease, collectorID: String = "c1", bus: BusClient? = nil, clock: any SchedulerClock = PipelineTestClock(rate: 50),
        enricher: (any EventEnriching)? = nil, now: @escaping @Sendable () -> Date = { Date() },
        onSignal: @escaping @Sendable (PipelineSignal) -> Void = { _ in }
    ) -> ConnectionPipeline {
        var options = PipelineOptions()
        options.publishRetryDelay = .milliseconds(50)
        options.scopeRetryDelay = .milliseconds(200)
        return ConnectionPipeline(
            connection: connection, collector: collector, lease: lease, collectorID: collectorID, box: box, bus: bus ?? self.bus,
            scopeStore: ScopeStore(folder: folder + "/scope"), enricher: enricher, clock: clock, now: now, options: options,
            onSignal: onSignal, logger: Self.quiet)
    }

    /// The position after the last event the emulator holds.
    var endPosition: String { EventLog.position(ofIndex: core.log.availableCount()) }

    /// Every event the emulator recorded, from its ground-truth file.
    func groundTruth() throws -> [PipelineTruthLine] {
        core.flushGroundTruth()
        let text = try String(contentsOfFile: folder + "/truth.jsonl", encoding: .utf8)
        let formatter = ISO8601DateFormatter()
        return try text.split(separator: "\n").map { line in
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw PipelineHarnessError("ground truth line is not an object: \(line)")
            }
            return PipelineTruthLine(
                eventID: object["event_id"] as? String, inScope: object["in_scope"] as? Bool ?? false,
                malformed: object["malformed"] as? Bool ?? false, byServiceAccount: object["by_service_account"] as? Bool ?? false,
                createdAt: formatter.date(from: object["created_at"] as? String ?? "") ?? .distantPast,
                position: object["position"] as? String ?? "")
        }
    }

    /// Everything journaled under `prefix`, read back through the broker's replay.
    func replay(_ prefix: String) async throws -> [Boxbridge_V1_Envelope] {
        var request = Boxbridge_V1_ReplayRequest()
        request.subscriberID = "test-" + UUID().uuidString
        request.topicPrefix = prefix
        request.start = .earliest
        var envelopes: [Boxbridge_V1_Envelope] = []
        for try await batch in try await bus.replay(request) { envelopes.append(contentsOf: batch.envelopes) }
        return envelopes
    }

    /// Every Box event id published as a file event, once per time it was published.
    func publishedIDs() async throws -> [String] {
        try await replay("box/acme/").flatMap { $0.fileEvent.eventIds }
    }

    /// The broker's checkpoint for `acme`.
    func brokerCheckpoint() async throws -> String {
        try await bus.stats(prefix: "box/acme/").connections.first { $0.connection == "acme" }?.checkpoint ?? ""
    }
}

struct PipelineHarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension PipelineHarness {
    /// Polls `condition` until it holds or `timeout` passes; the deadline is what fails a test.
    static func eventually(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return try await condition()
    }

    /// Runs `pipeline` in a task until `condition` holds, then cancels it; returns its error if it stopped on its own.
    static func run(_ pipeline: ConnectionPipeline, timeout: Duration = .seconds(10), until condition: @escaping @Sendable () async throws -> Bool)
        async throws -> (reached: Bool, error: (any Error)?)
    {
        let stopped = StopFlag()
        let task = Task {
            defer { stopped.set() }
            try await pipeline.run()
        }
        _ = try await eventually(timeout: timeout) {
            if try await condition() { return true }
            return stopped.isSet
        }
        task.cancel()
        do {
            try await task.value
            return (try await condition(), nil)
        } catch is CancellationError {
            return (try await condition(), nil)
        } catch {
            return (try await condition(), error)
        }
    }
}

/// Set once the pipeline task has ended, so a test stops waiting at once.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .relaxed) }
    var isSet: Bool { flag.load(ordering: .relaxed) }
}

/// Wall time a test moves by hand (scope re-lookups are due after hours).
final class PipelineWallClock: Sendable {
    private let offset = Atomic<Int64>(0)
    func advance(hours: Int64) { offset.add(hours * 3_600, ordering: .relaxed) }
    var now: Date { Date().addingTimeInterval(TimeInterval(offset.load(ordering: .relaxed))) }
}

/// The test's broker, which a test may stop and start again on the same ports and journal.
final class PipelineBrokerHandle: Sendable {
    private let current: Mutex<BrokerServer>
    let endpoints: BrokerEndpoints
    let options: BrokerOptions

    init(options: BrokerOptions) throws {
        let server = BrokerServer(options: options, logger: PipelineHarness.quiet)
        endpoints = try server.start()
        var fixed = options
        fixed.ingestEndpoint = endpoints.ingest
        fixed.publishEndpoint = endpoints.publish
        fixed.controlEndpoint = endpoints.control
        self.options = fixed
        current = Mutex(server)
    }

    var server: BrokerServer { current.withLock { $0 } }

    /// Stops the broker; a new one on the same endpoints and journal starts once `restart` is called.
    func stop() async throws { try await server.stop() }

    func restart() throws {
        let server = BrokerServer(options: options, logger: PipelineHarness.quiet)
        _ = try server.start()
        current.withLock { $0 = server }
    }
}
