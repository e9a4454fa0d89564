/// One child's life under a supervisor, as a value: events in, the action to take out.
///
/// No I/O and no clock here: the caller passes `now` and performs the returned action (spawn,
/// arm a timer, send a signal), so restart pacing and stop escalation are tested in simulated time.
public struct ChildLifecycle: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        /// Not started yet.
        case idle
        /// Spawned at `since` and not known to have exited.
        case running(since: ContinuousClock.Instant)
        /// Wants to run and does not: a spawn is due now (first start) or when the restart timer fires.
        case pending
        /// Asked to stop (SIGTERM sent); waiting for it to exit.
        case stopping
        /// Stopped for good (by request); never restarts.
        case stopped
    }

    /// What the caller must do next.
    public enum Action: Sendable, Equatable {
        /// Start the process now.
        case spawn
        /// Arm a timer; call `restartTimerFired` when it fires.
        case restart(after: Duration)
        /// Send SIGTERM and arm the stop timeout; call `stopTimeoutElapsed` when it fires.
        case terminate
        /// Send SIGKILL: the stop timeout passed and the child is still there.
        case kill
        /// The child is stopped for good: wake whoever waits for it.
        case finished
        /// Nothing to do (a late timer, a duplicate request).
        case none
    }

    public let policy: RestartPolicy
    public private(set) var state: State = .idle
    /// Unexpected exits since the child last stayed up for `policy.resetAfter`.
    public private(set) var consecutiveFailures = 0
    /// Every spawn, the first included.
    public private(set) var starts = 0
    /// Every unexpected exit.
    public private(set) var unexpectedExits = 0

    public init(policy: RestartPolicy = .init()) {
        self.policy = policy
    }

    /// The supervisor wants the child running.
    public mutating func start() -> Action {
        guard state == .idle else { return .none }
        state = .pending
        return .spawn
    }

    /// The process was spawned.
    public mutating func spawned(now: ContinuousClock.Instant) {
        guard state == .pending else { return }
        state = .running(since: now)
        starts += 1
    }

    /// Spawning failed (e.g. the executable is missing): paced like a crash.
    public mutating func spawnFailed() -> Action {
        guard state == .pending else { return state == .stopping ? finish() : .none }
        return scheduleRestart()
    }

    /// The process exited (any status, any signal).
    public mutating func exited(now: ContinuousClock.Instant) -> Action {
        switch state {
        case .running(let since):
            unexpectedExits += 1
            // A child that ran long enough was healthy: its failure streak is over.
            if since.duration(to: now) >= policy.resetAfter { consecutiveFailures = 0 }
            state = .pending
            return scheduleRestart()
        case .stopping:
            return finish()
        case .idle, .pending, .stopped:
            return .none
        }
    }

    /// The restart timer armed by `.restart(after:)` fired.
    public mutating func restartTimerFired() -> Action {
        state == .pending ? .spawn : .none
    }

    /// The supervisor is shutting down (or wants this child gone).
    public mutating func stopRequested() -> Action {
        switch state {
        case .running:
            state = .stopping
            return .terminate
        case .idle, .pending:
            // Nothing runs: a pending restart timer will find the child stopped and do nothing.
            return finish()
        case .stopping, .stopped:
            return .none
        }
    }

    /// The stop timeout armed with `.terminate` passed.
    public mutating func stopTimeoutElapsed() -> Action {
        state == .stopping ? .kill : .none
    }

    private mutating func scheduleRestart() -> Action {
        let delay = policy.delay(afterConsecutiveFailures: consecutiveFailures)
        consecutiveFailures += 1
        return .restart(after: delay)
    }

    private mutating func finish() -> Action {
        state = .stopped
        return .finished
    }
}
