import AsyncHTTPClient
import BoxEmulator
import Logging

@testable import BoxAPI

/// An in-process emulator plus a client pointed at it, with fast retries for tests.
struct EmulatorHarness {
    let running: RunningEmulator
    let client: BoxClient
    let scheduler: RequestScheduler

    var core: EmulatorCore { running.core }

    /// The emulator's defaults with a fixed start time, no malformed events and a known backlog.
    static func configuration(backlog: Int = 1_200) -> EmulatorConfiguration {
        var configuration = EmulatorConfiguration()
        configuration.users = 10
        configuration.groups = 3
        configuration.backlogSize = backlog
        configuration.malformedShare = 0
        configuration.rateLimitPerMinute = 100_000
        return configuration
    }

    /// Scheduler settings that keep tests fast: a high rate and millisecond backoff.
    static let fastScheduler = SchedulerConfiguration(
        callsPerMinute: 60_000, safetyMargin: 0,
        retry: RetryPolicy(base: .milliseconds(5), maximumDelay: .milliseconds(100)))

    static func ccg(_ configuration: EmulatorConfiguration) -> BoxCredentials {
        .clientCredentials(
            clientID: configuration.clientID, clientSecret: Secret(configuration.clientSecret),
            subject: .enterprise(configuration.enterpriseID))
    }

    static func with<T: Sendable>(
        _ configuration: EmulatorConfiguration = configuration(),
        credentials: BoxCredentials? = nil,
        scheduler schedulerConfiguration: SchedulerConfiguration = fastScheduler,
        unixNow: @escaping @Sendable () -> Double = BoxClient.systemUnixTime,
        _ body: (EmulatorHarness) async throws -> T
    ) async throws -> T {
        var quiet = Logger(label: "test.emulator")
        quiet.logLevel = .error
        return try await EmulatorServer.withRunning(configuration, logger: quiet) { running in
            let scheduler = RequestScheduler(credential: "test", configuration: schedulerConfiguration, logger: quiet)
            let client = BoxClient(
                endpoint: BoxEndpoint(baseURL: running.baseURL), credentials: credentials ?? ccg(configuration),
                scheduler: scheduler, unixNow: unixNow, requestTimeout: .seconds(5), logger: quiet)
            return try await body(EmulatorHarness(running: running, client: client, scheduler: scheduler))
        }
    }

    /// Every event id the emulator has recorded, in order.
    func expectedEventIDs() -> [String] {
        let count = core.log.availableCount()
        return (0..<count).compactMap { core.log.event($0).meta.eventID }
    }

    /// Reads `admin_logs` from `0` to the end; returns every entry's id, in order, and the positions seen.
    func drainAdminLogs(limit: Int = 500) async throws -> (ids: [String], positions: [StreamPosition]) {
        var position = StreamPosition.beginning
        var ids: [String] = []
        var positions: [StreamPosition] = []
        while true {
            let page = try await client.events(EventsQuery(streamType: .adminLogs, position: position, limit: limit))
            for entry in page.entries { ids.append(try entry.envelope().eventID.rawValue) }
            positions.append(page.nextStreamPosition)
            if page.entries.isEmpty { return (ids, positions) }
            position = page.nextStreamPosition
        }
    }
}
