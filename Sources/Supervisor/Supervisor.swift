import BoxBridgeRuntime
public import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs named child processes, restarts the ones that exit unexpectedly with backoff, and stops
/// them all in a defined order.
///
/// Decisions come from each child's `ChildLifecycle` (a value type tested without I/O); this actor
/// only performs them: spawn, arm timers, send signals. Output lines go to `output` (and each
/// child's `logFile`) from dedicated threads, never from Swift's cooperative pool.
public actor Supervisor {
    public struct Options: Sendable {
        public var restart: RestartPolicy
        /// How long a child may take to exit after SIGTERM before it gets SIGKILL.
        public var stopTimeout: Duration

        public init(restart: RestartPolicy = .init(), stopTimeout: Duration = .seconds(10)) {
            self.restart = restart
            self.stopTimeout = stopTimeout
        }
    }

    /// A child as the supervisor sees it now.
    public struct ChildStatus: Sendable, Equatable {
        public var name: String
        /// The running process, nil while it is down.
        public var pid: Int32?
        public var state: ChildLifecycle.State
        /// Every spawn, the first included.
        public var starts: Int
        public var unexpectedExits: Int
        public var lastExit: ChildExit?
    }

    private struct Record {
        var spec: ChildSpec
        var lifecycle: ChildLifecycle
        var process: ChildProcess?
        var lastExit: ChildExit?
        var output: OutputDrained?
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let options: Options
    private let logger: Logger
    private let output: @Sendable (ChildOutputLine) -> Void
    private var records: [String: Record] = [:]
    /// Start order, which breaks ties between children of one stop stage (the later stops first).
    private var order: [String] = []

    public init(options: Options = .init(), logger: Logger, output: @escaping @Sendable (ChildOutputLine) -> Void) {
        self.options = options
        self.logger = logger
        self.output = output
    }

    /// Starts supervising `spec`: spawns it now, and again whenever it exits until it is stopped.
    ///
    /// A spawn failure (missing executable) is logged and retried with backoff like a crash; only
    /// a duplicate name throws.
    public func start(_ spec: ChildSpec) throws(SupervisorError) {
        guard records[spec.name] == nil else {
            throw SupervisorError(child: spec.name, message: "a child with this name is already supervised", isRetriable: false)
        }
        var lifecycle = ChildLifecycle(policy: options.restart)
        let action = lifecycle.start()
        records[spec.name] = Record(spec: spec, lifecycle: lifecycle)
        order.append(spec.name)
        perform(action, for: spec.name)
    }

    /// Every child, in start order.
    public func children() -> [ChildStatus] {
        order.compactMap { name in
            records[name].map {
                ChildStatus(
                    name: name, pid: $0.process?.pid, state: $0.lifecycle.state, starts: $0.lifecycle.starts,
                    unexpectedExits: $0.lifecycle.unexpectedExits, lastExit: $0.lastExit)
            }
        }
    }

    /// One child's status, nil when no child has that name.
    public func child(_ name: String) -> ChildStatus? {
        children().first { $0.name == name }
    }

    /// Stops one child for good: SIGTERM to its process group, SIGKILL after `stopTimeout`.
    /// Returns once it has exited (at once when it is not running).
    public func stop(_ name: String) async {
        guard var record = records[name] else { return }
        if record.lifecycle.state == .stopped { return }
        let action = record.lifecycle.stopRequested()
        records[name] = record
        perform(action, for: name)
        if records[name]?.lifecycle.state == .stopping {
            await withCheckedContinuation { continuation in
                records[name]?.waiters.append(continuation)
            }
        }
        await records[name]?.output?.wait(atMost: .seconds(2))
    }

    /// Stops every child, stage by stage in ascending `stopStage`; the children of one stage stop
    /// together. Returns when all have exited.
    public func stopAll() async {
        let stages = Dictionary(grouping: order, by: { records[$0]?.spec.stopStage ?? 0 })
        for stage in stages.keys.sorted() {
            let names = stages[stage] ?? []
            logger.info("stopping", metadata: [LogKey.childName: "\(names.joined(separator: ","))"])
            await withTaskGroup(of: Void.self) { group in
                for name in names { group.addTask { await self.stop(name) } }
            }
        }
    }

    // MARK: - Performing the lifecycle's actions

    private func perform(_ action: ChildLifecycle.Action, for name: String) {
        switch action {
        case .spawn:
            spawn(name)
        case .restart(let delay):
            logger.warning(
                "restarting after backoff",
                metadata: [LogKey.childName: "\(name)", LogKey.childRestartDelay: "\(delay)"])
            Task { [weak self] in
                try? await Task.sleep(for: delay)
                await self?.restartTimerFired(name)
            }
        case .terminate:
            signal(name, SIGTERM)
            let timeout = options.stopTimeout
            Task { [weak self] in
                try? await Task.sleep(for: timeout)
                await self?.stopTimeoutElapsed(name)
            }
        case .kill:
            logger.warning("did not stop in time; killing", metadata: [LogKey.childName: "\(name)"])
            signal(name, SIGKILL)
        case .finished:
            let waiters = records[name]?.waiters ?? []
            records[name]?.waiters = []
            for waiter in waiters { waiter.resume() }
        case .none:
            break
        }
    }

    private func spawn(_ name: String) {
        guard var record = records[name] else { return }
        let process: ChildProcess
        do {
            process = try ChildProcess.spawn(record.spec)
        } catch {
            logger.error("cannot start", metadata: [LogKey.childName: "\(name)", LogKey.error: "\(error)"])
            let action = record.lifecycle.spawnFailed()
            records[name] = record
            perform(action, for: name)
            return
        }
        record.process = process
        record.lifecycle.spawned(now: .now)
        records[name] = record
        logger.info("started", metadata: [LogKey.childName: "\(name)", LogKey.childPID: "\(process.pid)"])
        let drained = OutputDrained()
        records[name]?.output = drained
        process.forwardOutput(name: name, logFile: record.spec.logFile, done: drained, output)
        let pid = process.pid
        process.watchExit { [weak self] exit in
            Task { await self?.exited(name, pid: pid, exit: exit) }
        }
    }

    private func exited(_ name: String, pid: pid_t, exit: ChildExit) {
        guard var record = records[name], record.process?.pid == pid else { return }
        record.process = nil
        record.lastExit = exit
        let expected = record.lifecycle.state == .stopping
        let action = record.lifecycle.exited(now: .now)
        records[name] = record
        if expected {
            logger.info("stopped", metadata: [LogKey.childName: "\(name)", LogKey.childExit: "\(exit)"])
        } else {
            logger.warning("exited unexpectedly", metadata: [LogKey.childName: "\(name)", LogKey.childExit: "\(exit)"])
        }
        perform(action, for: name)
    }

    private func restartTimerFired(_ name: String) {
        guard let action = records[name]?.lifecycle.restartTimerFired() else { return }
        perform(action, for: name)
    }

    private func stopTimeoutElapsed(_ name: String) {
        guard let action = records[name]?.lifecycle.stopTimeoutElapsed() else { return }
        perform(action, for: name)
    }

    /// Signals the child's whole process group (it may have children of its own), or the child
    /// alone if the group is gone. Never signals a pid already reaped: it may belong to someone else.
    private func signal(_ name: String, _ signal: Int32) {
        guard let pid = records[name]?.process?.pid else { return }
        if kill(-pid, signal) != 0 { _ = kill(pid, signal) }
    }
}
