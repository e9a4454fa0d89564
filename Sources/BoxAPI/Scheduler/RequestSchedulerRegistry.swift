public import Logging

/// One `RequestScheduler` per credential per process, so every connection that shares a
/// credential shares its budget (DESIGN invariant 5) and takes its turn fairly.
public actor RequestSchedulerRegistry {
    private var schedulers: [String: RequestScheduler] = [:]
    private let clock: any SchedulerClock
    private let logger: Logger

    public init(clock: any SchedulerClock = ContinuousSchedulerClock(), logger: Logger = Logger(label: "boxbridge.scheduler")) {
        self.clock = clock
        self.logger = logger
    }

    /// The credential's scheduler, made with `configuration` on first use.
    ///
    /// - Parameter credential: a stable, non-secret name for the credential (e.g. the client id
    ///   and subject), also its label in stats and metrics.
    public func scheduler(for credential: String, configuration: SchedulerConfiguration = SchedulerConfiguration())
        -> RequestScheduler
    {
        if let existing = schedulers[credential] { return existing }
        let scheduler = RequestScheduler(credential: credential, configuration: configuration, clock: clock, logger: logger)
        schedulers[credential] = scheduler
        return scheduler
    }

    /// Stats of every credential's scheduler, by credential.
    public func stats() async -> [SchedulerStats] {
        var all: [SchedulerStats] = []
        for credential in schedulers.keys.sorted() {
            all.append(await schedulers[credential]!.stats())
        }
        return all
    }
}
