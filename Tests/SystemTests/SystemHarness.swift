import BoxBridgeProtocol
import BusClient
import Foundation
import TestSupport
import Testing

/// Runs real `boxbridge broker` and `boxbridge collector` processes for a test, in a temporary
/// folder with a generated bridge.conf, and reads back what reached the bus.
final class SystemHarness: @unchecked Sendable {
    static let packageRoot = URL(filePath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The built executable (`BOXBRIDGE_BIN` overrides).
    static var binary: String {
        ProcessInfo.processInfo.environment["BOXBRIDGE_BIN"]
            ?? packageRoot.appending(path: ".build/debug/boxbridge").path
    }

    /// The secret test connections read from the environment (the emulator's demo secret).
    static let secretVariable = "BOXBRIDGE_SYSTEM_TEST_SECRET"

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let folder: String
    private(set) var processes: [String: Process] = [:]
    private(set) var endpoints: BusEndpoints?

    init() throws {
        folder = FileManager.default.temporaryDirectory
            .appending(path: "boxbridge-system-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    /// Stops every process still running (SIGTERM, then SIGKILL after 5 s) and then removes the
    /// folder. Returns at once (it runs in `defer`): the waiting happens on GCD, never on a
    /// cooperative thread the in-process emulator of another test may need.
    func cleanup() {
        let stopped = DispatchGroup()
        for process in processes.values {
            stopped.enter()
            stopInBackground(process) { stopped.leave() }
        }
        let folder = folder
        stopped.notify(queue: .global()) {
            if ProcessInfo.processInfo.environment["BOXBRIDGE_KEEP_TEST_FILES"] == nil {
                try? FileManager.default.removeItem(atPath: folder)
            }
        }
    }

    /// A process's stderr so far (for failure messages).
    func log(_ name: String) -> String {
        (try? String(contentsOfFile: "\(folder)/\(name).log", encoding: .utf8)) ?? ""
    }

    /// Writes bridge.conf: the broker's endpoints (once known), fast timings, and `body`.
    func writeConfig(_ body: String, callsPerMinute: Int = 30_000, leaseTimeout: String = "2s") throws -> String {
        let path = "\(folder)/bridge.conf"
        var text = """
            [broker]
            journal_path = "journal"
            lease_timeout = "\(leaseTimeout)"
            heartbeat_interval = "200ms"

            """
        if let endpoints {
            text += """
                ingest_endpoint = "\(endpoints.ingest)"
                publish_endpoint = "\(endpoints.publish)"
                control_endpoint = "\(endpoints.control)"

                """
        }
        text += """

            [collector]
            poll_interval_idle = "200ms"
            coalesce_window = "1s"
            page_size = 100
            enrichment = false

            [scheduler]
            calls_per_minute = \(callsPerMinute)
            backoff_base = "100ms"
            backoff_cap = "1s"

            [metrics]
            broker_port = 0
            collector_port = 0

            [logging]
            level = "warning"

            \(body)
            """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func launch(_ name: String, _ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(filePath: Self.binary)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment[Self.secretVariable] = "emulator-client-secret"
        process.environment = environment
        let logPath = "\(folder)/\(name).log"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(filePath: logPath))
        process.standardOutput = log
        process.standardError = log
        try process.run()
        processes[name] = process
        return process
    }

    /// Starts `boxbridge broker` on ephemeral ports from `config`; returns once it listens.
    func startBroker(config: String) async throws -> BusEndpoints {
        let endpointsFile = "\(folder)/endpoints.json"
        _ = try launch("broker", [
            "broker", "--config", config, "--metrics-port", "0", "--ingest", "tcp://127.0.0.1:*",
            "--publish", "tcp://127.0.0.1:*", "--control", "tcp://127.0.0.1:*", "--endpoints-file", endpointsFile,
        ])
        let found = try await awaitCondition("the broker listens", timeout: .seconds(15)) { () -> BusEndpoints? in
            guard let data = FileManager.default.contents(atPath: endpointsFile),
                let json = try? JSONSerialization.jsonObject(with: data) as? [String: String],
                let ingest = json["ingest"], let publish = json["publish"], let control = json["control"]
            else { return nil }
            return BusEndpoints(ingest: ingest, publish: publish, control: control)
        }
        endpoints = found
        return found
    }

    /// Starts `boxbridge collector --id id` with the config at `config`.
    @discardableResult
    func startCollector(_ id: String, config: String, metricsPort: Int = 0, extra: [String] = []) throws -> Process {
        try launch(id, ["collector", "--config", config, "--id", id, "--metrics-port", "\(metricsPort)"] + extra)
    }

    /// Runs a short `boxbridge` command to completion; returns its exit status and output.
    func runToCompletion(_ arguments: [String], timeout: Duration = .seconds(20)) async throws -> (Int32, String) {
        let name = "cli-\(UUID().uuidString.prefix(6))"
        let process = try launch(name, arguments)
        _ = try await awaitCondition("boxbridge \(arguments.joined(separator: " ")) exits", timeout: timeout, every: .milliseconds(20)) {
            process.isRunning ? nil : true
        }
        return (await exitStatus(of: process), log(name))
    }

    /// SIGTERM: a graceful stop.
    func terminate(_ name: String) {
        processes[name]?.terminate()
    }

    /// kill -9, then waits for the exit (suspending, not blocking).
    func kill9(_ name: String) async {
        guard let process = processes[name] else { return }
        kill(process.processIdentifier, SIGKILL)
        await exitStatus(of: process)
    }

    /// Polls `probe` until it returns a value, or fails after `timeout`.
    func awaitCondition<T>(
        _ what: String, timeout: Duration, every: Duration = .milliseconds(100), _ probe: () async throws -> T?
    ) async throws -> T {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            if let value = try await probe() { return value }
            if clock.now >= deadline {
                throw Failure(description: "timed out after \(timeout) waiting until \(what)\n--- logs:\n"
                    + processes.keys.sorted().map { "[\($0)]\n" + String(log($0).suffix(3_000)) }.joined(separator: "\n"))
            }
            try await Task.sleep(for: every)
        }
    }


    /// Every envelope journaled under `prefix`, by replay from the start.
    static func envelopes(client: BusClient, prefix: String) async throws -> [Boxbridge_V1_Envelope] {
        var request = Boxbridge_V1_ReplayRequest()
        request.subscriberID = "system-test-\(UUID().uuidString.prefix(6))"
        request.topicPrefix = prefix
        request.start = .earliest
        request.credit = 1_000_000
        var envelopes: [Boxbridge_V1_Envelope] = []
        for try await batch in try await client.replay(request) { envelopes += batch.envelopes }
        return envelopes
    }

    /// Every file event journaled under `prefix`, by replay from the start.
    static func fileEvents(client: BusClient, prefix: String) async throws -> [Boxbridge_V1_FileEvent] {
        var request = Boxbridge_V1_ReplayRequest()
        request.subscriberID = "system-test-\(UUID().uuidString.prefix(6))"
        request.topicPrefix = prefix
        request.start = .earliest
        // Enough credit for the whole (small) journal: the test never sends a credit message, so it
        // does not race the broker closing a replay that has caught up.
        request.credit = 1_000_000
        var events: [Boxbridge_V1_FileEvent] = []
        for try await batch in try await client.replay(request) {
            for envelope in batch.envelopes { if case .fileEvent(let event)? = envelope.payload { events.append(event) } }
        }
        return events
    }

    /// How many times each Box event id was published under `prefix` (a coalesced event counts
    /// each of its ids).
    static func idCounts(client: BusClient, prefix: String) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for event in try await fileEvents(client: client, prefix: prefix) {
            for id in event.eventIds { counts[id, default: 0] += 1 }
        }
        return counts
    }
}

/// The emulator's ground truth: which Box events are in scope.
struct GroundTruth {
    var inScope: Set<String> = []
    var all = 0
    var malformed = 0
    var duplicatesPossible = true

    init(path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for line in text.split(separator: "\n") {
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
            all += 1
            if object["malformed"] as? Bool == true { malformed += 1 }
            if object["in_scope"] as? Bool == true, let id = object["event_id"] as? String { inScope.insert(id) }
        }
    }
}

extension Dictionary where Key == String, Value == Int {
    /// A short account of how `self` (id → times published) differs from exactly-once `expected`.
    func exactlyOnceReport(expected: Set<String>) -> String? {
        let missing = expected.subtracting(keys)
        let doubled = filter { $0.value > 1 }
        let extra = Set(keys).subtracting(expected)
        guard !missing.isEmpty || !doubled.isEmpty || !extra.isEmpty else { return nil }
        return "missing \(missing.count) (e.g. \(missing.sorted().prefix(5))), doubled \(doubled.count) "
            + "(e.g. \(doubled.keys.sorted().prefix(5))), not in scope \(extra.count) (e.g. \(extra.sorted().prefix(5)))"
    }
}
