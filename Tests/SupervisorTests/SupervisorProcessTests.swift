import Foundation
import Logging
import Supervisor
import Synchronization
import Testing

/// Real child processes (`/bin/sh -c`) that crash, are restarted, and stop gracefully or not.
@Suite("Supervisor with real processes", .timeLimit(.minutes(1)))
struct SupervisorProcessTests {
    /// Every line the children wrote, in arrival order.
    final class Lines: Sendable {
        private let lines = Mutex<[ChildOutputLine]>([])
        func append(_ line: ChildOutputLine) { lines.withLock { $0.append(line) } }
        var all: [ChildOutputLine] { lines.withLock { $0 } }
        func texts(of child: String) -> [String] { all.filter { $0.child == child }.map(\.text) }
    }

    static let fast = Supervisor.Options(
        restart: .init(initialDelay: .milliseconds(20), maxDelay: .milliseconds(80), resetAfter: .seconds(60)),
        stopTimeout: .seconds(5))

    func shell(_ name: String, _ script: String, stage: Int = 0, logFile: String? = nil) -> ChildSpec {
        ChildSpec(name: name, executable: "/bin/sh", arguments: ["-c", script], stopStage: stage, logFile: logFile)
    }

    func logger() -> Logger {
        var logger = Logger(label: "test.supervisor")
        logger.logLevel = .critical
        return logger
    }

    /// Polls `condition` until it holds or the deadline passes.
    func eventually(within limit: Duration = .seconds(10), _ condition: () async -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return await condition()
    }

    func isAlive(_ pid: Int32) -> Bool { kill(pid, 0) == 0 }

    @Test("a crashing child is restarted, its output prefixed by name")
    func restartsCrashingChild() async throws {
        let lines = Lines()
        let supervisor = Supervisor(options: Self.fast, logger: logger(), output: lines.append)
        try await supervisor.start(shell("crasher", "echo started $$; exit 3"))
        #expect(await eventually { await supervisor.child("crasher")?.starts ?? 0 >= 3 })
        let status = try #require(await supervisor.child("crasher"))
        #expect(status.unexpectedExits >= 2)
        #expect(status.lastExit == .exited(status: 3))
        await supervisor.stopAll()
        let started = lines.texts(of: "crasher").filter { $0.hasPrefix("started ") }
        #expect(started.count >= 2)
        #expect(Set(started).count == started.count, "each start is a new process with its own pid")
    }

    @Test("stop sends SIGTERM; the child's trap runs, its last lines arrive, it is not restarted")
    func gracefulStop() async throws {
        let lines = Lines()
        let supervisor = Supervisor(options: Self.fast, logger: logger(), output: lines.append)
        try await supervisor.start(shell("graceful", "trap 'echo got TERM; exit 0' TERM; echo ready; while :; do sleep 0.05; done"))
        #expect(await eventually { lines.texts(of: "graceful").contains("ready") })
        let pid = try #require(await supervisor.child("graceful")?.pid)
        let begin = ContinuousClock.now
        await supervisor.stop("graceful")
        #expect(ContinuousClock.now - begin < .seconds(3), "stopped by SIGTERM, not by the 5 s kill")
        #expect(!isAlive(pid))
        let status = try #require(await supervisor.child("graceful"))
        #expect(status.state == .stopped)
        #expect(status.lastExit == .exited(status: 0))
        #expect(status.starts == 1)
        // stop returns once the child's last lines are delivered: they say why it stopped.
        #expect(lines.texts(of: "graceful").contains("got TERM"))
    }

    @Test("a child ignoring SIGTERM is killed after the stop timeout")
    func killAfterTimeout() async throws {
        let lines = Lines()
        var options = Self.fast
        options.stopTimeout = .milliseconds(300)
        let supervisor = Supervisor(options: options, logger: logger(), output: lines.append)
        try await supervisor.start(shell("stubborn", "trap '' TERM; echo ready; while :; do sleep 0.05; done"))
        #expect(await eventually { lines.texts(of: "stubborn").contains("ready") })
        let pid = try #require(await supervisor.child("stubborn")?.pid)
        let begin = ContinuousClock.now
        await supervisor.stop("stubborn")
        #expect(ContinuousClock.now - begin >= .milliseconds(300))
        #expect(!isAlive(pid))
        #expect(await supervisor.child("stubborn")?.lastExit == .signaled(signal: SIGKILL))
    }

    @Test("stopAll goes stage by stage: subscribers, then the broker, then the emulator")
    func stopOrder() async throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "supervisor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let record = directory.appending(path: "order").path
        let lines = Lines()
        let supervisor = Supervisor(options: Self.fast, logger: logger(), output: lines.append)
        // Each takes a moment to stop, so a later stage starting early would be caught.
        func child(_ name: String, stage: Int) -> ChildSpec {
            shell(name, "trap 'sleep 0.2; echo \(name) >> \(record); exit 0' TERM; echo ready; while :; do sleep 0.05; done", stage: stage)
        }
        for spec in [child("emulator", stage: 2), child("broker", stage: 1), child("index", stage: 0), child("alert", stage: 0)] {
            try await supervisor.start(spec)
        }
        #expect(await eventually { lines.all.filter { $0.text == "ready" }.count == 4 })
        await supervisor.stopAll()
        let order = try String(contentsOfFile: record, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(order.count == 4)
        #expect(Set(order.prefix(2)) == ["index", "alert"])
        #expect(Array(order.suffix(2)) == ["broker", "emulator"])
        for status in await supervisor.children() {
            #expect(status.state == .stopped)
            #expect(status.pid == nil)
        }
    }

    @Test("output goes to the child's log file, created 0600")
    func logFile() async throws {
        let path = FileManager.default.temporaryDirectory.appending(path: "supervisor-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lines = Lines()
        let supervisor = Supervisor(options: Self.fast, logger: logger(), output: lines.append)
        try await supervisor.start(shell("writer", "echo one; echo two >&2; sleep 30", logFile: path))
        #expect(await eventually { lines.texts(of: "writer").count == 2 })
        await supervisor.stopAll()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == "one\ntwo\n")
        let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
    }

    @Test("a child inherits no descriptor but its output pipe, even one opened without close-on-exec")
    func noInheritedDescriptors() async throws {
        // What Foundation's Process does with its pipes: a child holding one would keep another
        // process's pipe open, and whoever reads it to the end would wait for ever.
        let leaked = open("/dev/null", O_RDONLY)
        try #require(leaked >= 3)
        defer { close(leaked) }
        let lines = Lines()
        let supervisor = Supervisor(options: Self.fast, logger: logger(), output: lines.append)
        try await supervisor.start(shell("lister", "ls /proc/$$/fd; echo done; sleep 30"))
        #expect(await eventually { lines.texts(of: "lister").contains("done") })
        await supervisor.stopAll()
        let descriptors = Set(lines.texts(of: "lister").filter { $0 != "done" })
        #expect(descriptors == ["0", "1", "2"], "open in the child: \(descriptors.sorted())")
    }

    @Test("a missing executable is retried with backoff, and a duplicate name refused")
    func spawnFailureAndDuplicate() async throws {
        let supervisor = Supervisor(options: Self.fast, logger: logger(), output: { _ in })
        try await supervisor.start(ChildSpec(name: "ghost", executable: "/nonexistent/boxbridge", arguments: []))
        await #expect(throws: SupervisorError.self) {
            try await supervisor.start(ChildSpec(name: "ghost", executable: "/bin/true", arguments: []))
        }
        let status = try #require(await supervisor.child("ghost"))
        #expect(status.starts == 0)
        #expect(status.pid == nil)
        await supervisor.stopAll()
        #expect(await supervisor.child("ghost")?.state == .stopped)
    }
}

@Suite("Health probe")
struct HealthProbeTests {
    @Test("a closed port is unreachable, naming the address")
    func closedPort() async {
        // Port 1 on loopback is not listening in any sane test environment.
        let result = await HealthProbe.check(host: "127.0.0.1", port: 1)
        guard case .unreachable(let reason) = result else { Issue.record("expected unreachable, got \(result)"); return }
        #expect(reason.contains("127.0.0.1:1"))
    }
}
