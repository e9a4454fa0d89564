public import Logging
public import Metrics

/// An error that tells the scheduler how a call failed, so it can pause, back off or give up.
public protocol SchedulerClassifiable: Error {
    /// The status recorded in stats and metrics.
    var callStatus: CallStatus { get }
    /// What retrying can do about it.
    var callFailure: CallFailure { get }
}

/// A request the scheduler dropped instead of sending (enrichment only); retrying now won't help.
public struct SchedulerShedError: Error, Sendable, Equatable, CustomStringConvertible {
    public var credential: String
    public var priority: PriorityClass
    public var reason: ShedReason
    public var isRetryable: Bool { false }
    public var description: String { "\(priority) request shed for credential \(credential): \(reason.rawValue)" }
}

/// One credential's scheduler: every Box call of the credential goes through `execute`.
///
/// A thin actor around `SchedulerStateMachine`: it parks callers until the machine grants them,
/// sleeps on the injected clock until the machine's next wake-up, and turns failures into retries
/// per `RetryPolicy`. Callers from many connections share one instance per credential.
public actor RequestScheduler {
    public nonisolated let credential: String
    public nonisolated let configuration: SchedulerConfiguration
    private let clock: any SchedulerClock
    private let logger: Logger
    private let random: @Sendable () -> Double
    private let metrics: SchedulerMetrics
    private var machine: SchedulerStateMachine
    private var waiters: [RequestID: CheckedContinuation<Void, any Error>] = [:]
    private var nextID: UInt64 = 0
    private var timer: (deadline: Duration, task: Task<Void, Never>)?
    private var backoffSeconds: [String: Double] = [:]

    /// - Parameters:
    ///   - credential: a name for stats and metrics (never the secret itself).
    ///   - random: uniform draws in [0, 1) for backoff jitter; injectable for tests.
    ///   - metricsFactory: where the `boxbridge_scheduler_*` metrics go (the bootstrapped one by default).
    public init(
        credential: String,
        configuration: SchedulerConfiguration = SchedulerConfiguration(),
        clock: any SchedulerClock = ContinuousSchedulerClock(),
        logger: Logger = Logger(label: "boxbridge.scheduler"),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.credential = credential
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.random = random
        self.metrics = SchedulerMetrics(credential: credential, factory: metricsFactory)
        self.machine = SchedulerStateMachine(configuration: configuration, now: clock.now())
    }

    /// Runs `operation` when the credential's budget allows, retrying per the policy.
    ///
    /// - Parameters:
    ///   - priority: the request's class.
    ///   - flow: the connection asking, for fairness among connections sharing the credential.
    /// - Throws: `SchedulerShedError` when an enrichment request is shed, `CancellationError`,
    ///   or the operation's last error once retrying stops.
    public nonisolated func execute<T: Sendable>(
        _ priority: PriorityClass,
        flow: String = "",
        _ operation: @Sendable () async throws -> T
    ) async throws -> T {
        var counted = 0
        var network = 0
        var limited = 0
        while true {
            let id = try await acquire(priority, flow: flow)
            let error: any Error
            do {
                let value = try await operation()
                await finish(id, status: .success)
                return value
            } catch let caught {
                error = caught
            }
            if error is CancellationError {
                await forget(id)
                throw error
            }
            let (status, failure) = Self.classify(error)
            await finish(id, status: status)
            switch failure {
            case .rateLimited: limited += 1
            case .network: network += 1; counted += 1
            case .server: counted += 1
            case .fatal: break
            }
            let decision = configuration.retry.decide(
                after: failure, attempts: counted, networkFailures: network, rateLimited: limited, unit: random())
            guard case .retry(let delay) = decision else { throw error }
            if delay > .zero {
                logger.debug(
                    "retrying Box call after backoff",
                    metadata: [BoxAPILogKey.priorityClass: "\(priority)", BoxAPILogKey.delay: "\(delay)", BoxAPILogKey.boxStatus: "\(status.label)"])
                await recordBackoff(priority, delay)
                try await clock.sleep(for: delay)
            }
        }
    }

    /// The scheduler's figures now.
    public func stats() -> SchedulerStats {
        let now = clock.now()
        let counters = machine.counters
        var wait = counters.waitSeconds
        for (key, value) in backoffSeconds { wait[key, default: 0] += value }
        return SchedulerStats(
            credential: credential,
            calls: counters.calls,
            currentCallsPerMinute: machine.currentCallsPerSecond * 60,
            targetCallsPerMinute: configuration.targetCallsPerSecond * 60,
            rateLimited: counters.rateLimited,
            rateDecreases: counters.decreases,
            shed: counters.shed,
            waitSeconds: wait,
            queueDepth: Dictionary(uniqueKeysWithValues: PriorityClass.allCases.map { ($0.description, machine.queueDepth($0)) }),
            pausedSeconds: machine.pausedUntil.map { max(0, ($0 - now).secondsDouble) } ?? 0
        )
    }

    // MARK: Internals

    private static func classify(_ error: any Error) -> (CallStatus, CallFailure) {
        if let classified = error as? any SchedulerClassifiable {
            return (classified.callStatus, classified.callFailure)
        }
        // Errors from below the HTTP layer (connection refused, reset, timeouts) are network failures.
        return (.network, .network)
    }

    private func acquire(_ priority: PriorityClass, flow: String) async throws -> RequestID {
        nextID += 1
        let id = RequestID(nextID)
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                    return
                }
                if let reason = machine.enqueue(id, priority: priority, flow: flow, now: clock.now()) {
                    metrics.shed(priority)
                    continuation.resume(throwing: SchedulerShedError(credential: credential, priority: priority, reason: reason))
                    return
                }
                waiters[id] = continuation
                drive()
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
        return id
    }

    private func cancelWaiter(_ id: RequestID) {
        guard let continuation = waiters.removeValue(forKey: id) else { return }
        machine.cancel(id)
        continuation.resume(throwing: CancellationError())
        drive()
    }

    private func forget(_ id: RequestID) {
        machine.cancel(id)
    }

    private func finish(_ id: RequestID, status: CallStatus) {
        let priority = machine.priorityOfInFlight(id) ?? .events
        machine.complete(id, status: status, now: clock.now())
        metrics.call(priority, status: status)
        if case .rateLimited(let retryAfter) = status {
            logger.info(
                "Box rate limit hit; pausing the credential",
                metadata: [
                    BoxAPILogKey.credential: "\(credential)",
                    BoxAPILogKey.retryAfter: "\(retryAfter.map { "\($0)" } ?? "none")",
                    BoxAPILogKey.callsPerMinute: "\(Int(machine.currentCallsPerSecond * 60))",
                ])
        }
        drive()
    }

    private func recordBackoff(_ priority: PriorityClass, _ delay: Duration) {
        backoffSeconds[priority.description, default: 0] += delay.secondsDouble
        metrics.waited(priority, delay)
    }

    /// Asks the machine what to do now and does it.
    private func drive() {
        let step = machine.poll(now: clock.now())
        for grant in step.granted {
            metrics.waited(grant.priority, grant.waited)
            waiters.removeValue(forKey: grant.id)?.resume()
        }
        for shed in step.shed {
            metrics.shed(.enrichment)
            waiters.removeValue(forKey: shed.id)?.resume(
                throwing: SchedulerShedError(credential: credential, priority: .enrichment, reason: shed.reason))
        }
        metrics.gauges(
            callsPerMinute: machine.currentCallsPerSecond * 60,
            depth: Dictionary(uniqueKeysWithValues: PriorityClass.allCases.map { ($0, machine.queueDepth($0)) }))
        schedule(step.wakeAt)
    }

    private func schedule(_ wake: Duration?) {
        guard let wake else {
            timer?.task.cancel()
            timer = nil
            return
        }
        if let timer, timer.deadline <= wake { return }
        timer?.task.cancel()
        let clock = self.clock
        timer = (wake, Task { [weak self] in
            do { try await clock.sleep(until: wake) } catch { return }
            await self?.timerFired(wake)
        })
    }

    private func timerFired(_ deadline: Duration) {
        if timer?.deadline == deadline { timer = nil }
        drive()
    }
}
