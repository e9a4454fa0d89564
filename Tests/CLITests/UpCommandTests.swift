import BoxBridgeProtocol
import Foundation
import Synchronization
import TestSupport
import Testing

/// `boxbridge up` as a user runs it: a real process tree on ephemeral ports.
@Suite("boxbridge up", .timeLimit(.minutes(2)))
struct UpCommandTests {
    /// A running `boxbridge up` whose standard error is collected as it comes.
    final class RunningUp: Sendable {
        final class Text: Sendable {
            let value = Mutex("")
        }

        let process: Process
        private let collected = Text()

        init(arguments: [String], directory: String) throws {
            process = Process()
            process.executableURL = BoxBridgeProcess.executable
            process.arguments = arguments
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let handle = errors.fileHandleForReading
            // A thread of its own: reading a pipe blocks, and must not hold a cooperative thread.
            Thread { [collected] in
                while true {
                    let data = handle.availableData
                    if data.isEmpty { break }
                    collected.value.withLock { $0 += String(decoding: data, as: UTF8.self) }
                }
            }.start()
        }

        var stderr: String { collected.value.withLock { $0 } }

        /// Every `started` line's pid per child, in order.
        var startedPIDs: [(name: String, pid: Int32)] {
            stderr.split(separator: "\n").compactMap { line in
                guard line.contains("info: started "), let name = Self.value("child.name", in: line),
                    let pid = Self.value("child.pid", in: line).flatMap({ Int32($0) })
                else { return nil }
                return (name, pid)
            }
        }

        static func value(_ key: String, in line: Substring) -> String? {
            guard let range = line.range(of: key + "=") else { return nil }
            return String(line[range.upperBound...].prefix { $0 != " " })
        }

        func waitFor(_ text: String, within limit: Duration) async -> Bool {
            await eventually(within: limit) { self.stderr.contains(text) }
        }
    }

    static func eventually(within limit: Duration, _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    func eventually(within limit: Duration, _ condition: () -> Bool) async -> Bool {
        await Self.eventually(within: limit, condition)
    }

    func isGone(_ pid: Int32) -> Bool { kill(pid, 0) != 0 && errno == ESRCH }

    /// A demo bridge.conf on free ports, data in `directory`.
    func writeConfig(in directory: String) throws -> String {
        let path = directory + "/bridge.conf"
        let text = """
            [broker]
            ingest_endpoint = "tcp://127.0.0.1:\(try freePort())"
            publish_endpoint = "tcp://127.0.0.1:\(try freePort())"
            control_endpoint = "tcp://127.0.0.1:\(try freePort())"
            heartbeat_interval = "500ms"
            lease_timeout = "3s"

            [metrics]
            broker_port = \(try freePort())
            collector_port = \(try freePort())
            index_port = \(try freePort())
            alert_port = \(try freePort())
            archive_port = \(try freePort())

            [emulator]
            port = \(try freePort())
            users = 20
            backlog = 200
            events_per_second = 5.0

            [alert.outputs]
            stdout = false

            [logging]
            level = "info"

            """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// `up` on ports free a moment ago. Suites run in parallel and bind ephemeral ports too, so one
    /// may take a port between the probe and up's own check: that refusal is retried on new ports.
    func startUp(in directory: String) async throws -> (RunningUp, String) {
        var attempt = 0
        while true {
            attempt += 1
            let config = try writeConfig(in: directory)
            let up = try RunningUp(arguments: ["up", "--config", config, "--no-status", "--stop-timeout", "5"], directory: directory)
            _ = await eventually(within: .seconds(60)) { up.stderr.contains("boxbridge is up") || !up.process.isRunning }
            if up.process.isRunning || attempt == 3 || !up.stderr.contains("is already in use") { return (up, config) }
        }
    }

    @Test("up starts every role, status answers, a killed child is restarted, SIGINT stops them all")
    func upStatusRestartStop() async throws {
        let directory = NSTemporaryDirectory() + "boxbridge-up-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (up, config) = try await startUp(in: directory)
        defer {
            // Never leave a process tree behind, whatever failed above.
            if up.process.isRunning { kill(up.process.processIdentifier, SIGKILL) }
            for (_, pid) in up.startedPIDs where !isGone(pid) { kill(-pid, SIGKILL) }
        }

        #expect(await up.waitFor("boxbridge is up", within: .seconds(60)), "\(up.stderr)")
        let started = Dictionary(up.startedPIDs.map { ($0.name, $0.pid) }, uniquingKeysWith: { first, _ in first })
        #expect(Set(started.keys) == ["emulator", "broker", "collector", "index", "alert", "archive"])
        for name in ["emulator", "broker"] {
            #expect(up.stderr.contains("info: healthy child.name=\(name)"), "\(name) never answered its health check")
        }

        let status = try await BoxBridgeProcess.run(["status", "--config", config, "--json"], timeout: .seconds(20))
        #expect(status.status == 0, "\(status.stderr)")
        let stats = try Boxbridge_V1_StatsResponse(jsonString: status.stdout)
        #expect(stats.connections.map(\.connection) == ["demo"], "the demo connection to the emulator")

        // A child killed with -9 comes back as a new process.
        let index = try #require(started["index"])
        kill(index, SIGKILL)
        #expect(await eventually(within: .seconds(15)) { up.startedPIDs.filter { $0.name == "index" }.count >= 2 }, "\(up.stderr)")
        #expect(up.stderr.contains("exited unexpectedly"))

        kill(up.process.processIdentifier, SIGINT)
        #expect(await eventually(within: .seconds(40)) { !up.process.isRunning }, "up did not stop after SIGINT")
        #expect(up.process.terminationStatus == 0)
        #expect(up.stderr.contains("all stopped"))
        for (name, pid) in up.startedPIDs {
            #expect(await eventually(within: .seconds(5)) { isGone(pid) }, "\(name) (pid \(pid)) outlived up")
        }
        // Subscribers and the collector before the broker, the broker before the emulator.
        let log = up.stderr
        let stoppedAt = { (name: String) in log.range(of: "stopped child.exit=exit status 0 child.name=\(name)")?.lowerBound }
        let broker = try #require(stoppedAt("broker"), "the broker did not stop gracefully")
        let emulator = try #require(stoppedAt("emulator"), "the emulator did not stop gracefully")
        #expect(broker < emulator)
        for name in ["collector", "index", "alert", "archive"] {
            if let at = log.range(of: "child.name=\(name)", options: .backwards)?.lowerBound { #expect(at < broker, "\(name) stopped after the broker") }
        }
        for name in ["emulator", "broker", "collector", "index", "alert", "archive"] {
            #expect(FileManager.default.fileExists(atPath: directory + "/var/logs/\(name).log"), "no log file for \(name)")
        }
    }

    @Test("a port already taken is named before anything starts")
    func refusesTakenPort() async throws {
        let directory = NSTemporaryDirectory() + "boxbridge-up-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (listener, port) = try listeningSocket()
        defer { close(listener) }
        let config = try writeConfig(in: directory)
        let text = try String(contentsOfFile: config, encoding: .utf8)
            .replacing(/control_endpoint = "[^"]*"/, with: "control_endpoint = \"tcp://127.0.0.1:\(port)\"")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try await BoxBridgeProcess.run(["up", "--config", config, "--no-status"], currentDirectory: URL(fileURLWithPath: directory))
        #expect(result.status == 1)
        #expect(result.stderr.contains("[broker] control_endpoint: 127.0.0.1:\(port) is already in use"), "\(result.stderr)")
        #expect(!result.stderr.contains("started"))
    }

    /// A socket listening on a free loopback port, and that port.
    func listeningSocket() throws -> (Int32, Int) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 4) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
    }

    @Test("a config up cannot run is refused with the key named, before anything starts")
    func refusesEphemeralEmulatorPort() async throws {
        let directory = NSTemporaryDirectory() + "boxbridge-up-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = directory + "/bridge.conf"
        try "[emulator]\nport = 0\n".write(toFile: config, atomically: true, encoding: .utf8)
        let result = try await BoxBridgeProcess.run(["up", "--config", config, "--no-status"], currentDirectory: URL(fileURLWithPath: directory))
        #expect(result.status == 2)
        #expect(result.stderr.contains("[emulator] port = 0"))
        #expect(!result.stderr.contains("started"))
    }
}
