/// Identifies one request inside one scheduler.
public struct RequestID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (lhs: RequestID, rhs: RequestID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "#\(rawValue)" }
}

/// Why an enrichment request was dropped instead of being sent.
public enum ShedReason: String, Sendable, Equatable {
    /// It waited longer than `enrichmentMaximumWait`.
    case waitedTooLong = "waited_too_long"
    /// It could not start before its deadline at the current rate, behind what is queued.
    case budgetShort = "budget_short"
    /// The enrichment queue was full.
    case queueFull = "queue_full"
}

/// The rate-limit logic of one credential as a value: no I/O, no clock, `now` passed in.
///
/// Time is a `Duration` since an origin the owner chooses. The owner feeds it events (`enqueue`,
/// `complete`, `cancel`) and calls `poll(now:)`, which answers with the requests to send now, the
/// requests shed, and when to poll again. The rules:
/// - a token bucket refilled at the target rate × the AIMD fraction; one token per call;
/// - strict priority across classes, round robin across flows (connections) within a class;
/// - enrichment is shed when it waited too long, when it cannot start before its deadline at the
///   current rate, or when its queue is full;
/// - a 429 pauses every request of the credential until Retry-After, empties the bucket, and
///   multiplies the rate fraction by `decreaseFactor` (once per pause: 429s of calls granted
///   before the last decrease only extend the pause);
/// - after a pause the fraction grows by `recoveryPerSecond` per second back to 1.
public struct SchedulerStateMachine: Sendable {
    public let configuration: SchedulerConfiguration
    public private(set) var bucket: TokenBucket
    /// The AIMD multiplier applied to the target rate, in [minimumRateFraction, 1].
    public private(set) var rateFraction: Double = 1
    /// Set while a 429's Retry-After pause runs.
    public private(set) var pausedUntil: Duration?
    private var lastDecreaseAt: Duration?
    private var lastAccrual: Duration
    private var queues: [FairQueue] = Array(repeating: FairQueue(), count: PriorityClass.allCases.count)
    private var inFlight: [RequestID: InFlight] = [:]
    public private(set) var counters = SchedulerCounters()

    struct InFlight: Sendable {
        var priority: PriorityClass
        var grantedAt: Duration
    }

    public init(configuration: SchedulerConfiguration, now: Duration = .zero) {
        self.configuration = configuration
        self.bucket = TokenBucket(capacity: configuration.bucketCapacity, now: now)
        self.lastAccrual = now
    }

    /// The rate calls are paced at now, in calls per second.
    public var currentCallsPerSecond: Double { configuration.targetCallsPerSecond * rateFraction }

    /// Requests waiting, by class.
    public func queueDepth(_ priority: PriorityClass) -> Int { queues[priority.rawValue].count }

    /// The class of a granted, not yet completed request.
    public func priorityOfInFlight(_ id: RequestID) -> PriorityClass? { inFlight[id]?.priority }

    /// Requests granted and not yet completed.
    public var inFlightCount: Int { inFlight.count }

    // MARK: Events

    /// Queues a request; enrichment beyond the queue limit is shed at once.
    public mutating func enqueue(
        _ id: RequestID, priority: PriorityClass, flow: String, now: Duration
    ) -> ShedReason? {
        if priority.isSheddable, queues[priority.rawValue].count >= configuration.enrichmentMaximumQueue {
            counters.recordShed(priority)
            return .queueFull
        }
        queues[priority.rawValue].append(PendingRequest(id: id, priority: priority, flow: flow, enqueuedAt: now))
        return nil
    }

    /// Forgets a queued request (its caller went away). Returns whether it was queued.
    @discardableResult
    public mutating func cancel(_ id: RequestID) -> Bool {
        for index in queues.indices where !queues[index].removeAll(where: { $0.id == id }).isEmpty {
            return true
        }
        return inFlight.removeValue(forKey: id) != nil
    }

    /// What to do now: requests to send, requests shed, and when to poll again.
    public mutating func poll(now: Duration) -> SchedulerStep {
        advance(to: now)
        var step = SchedulerStep()
        step.shed = shedEnrichment(now: now)
        if let pausedUntil {
            step.wakeAt = hasQueued ? pausedUntil : nil
            return step
        }
        while hasQueued, bucket.tryTake() {
            guard let next = popHighest() else { break }
            inFlight[next.id] = InFlight(priority: next.priority, grantedAt: now)
            let waited = now - next.enqueuedAt
            counters.recordGrant(next.priority, waited: waited)
            step.granted.append(SchedulerGrant(id: next.id, priority: next.priority, flow: next.flow, waited: waited))
        }
        if hasQueued {
            var wake = bucket.nextTokenTime(now: now, ratePerSecond: currentCallsPerSecond)
            if let deadline = earliestEnrichmentDeadline(), deadline < wake { wake = max(deadline, now) }
            step.wakeAt = wake
        }
        return step
    }

    /// Records how a granted call ended; a 429 starts (or extends) the credential's pause.
    public mutating func complete(_ id: RequestID, status: CallStatus, now: Duration) {
        advance(to: now)
        let granted = inFlight.removeValue(forKey: id)
        let priority = granted?.priority ?? .events
        counters.recordCall(priority, status: status)
        guard case .rateLimited(let retryAfter) = status else { return }
        counters.rateLimited += 1
        let pause = min(retryAfter ?? configuration.defaultRetryAfter, configuration.maximumRetryAfter)
        let end = now + max(pause, .zero)
        pausedUntil = max(pausedUntil ?? end, end)
        bucket.drain()
        // Calls already on the wire when we slowed down say nothing new about the rate.
        if let lastDecreaseAt, let grantedAt = granted?.grantedAt, grantedAt < lastDecreaseAt { return }
        rateFraction = max(configuration.minimumRateFraction, rateFraction * configuration.decreaseFactor)
        lastDecreaseAt = now
        counters.decreases += 1
    }

    // MARK: Internals

    private var hasQueued: Bool { queues.contains { !$0.isEmpty } }

    private mutating func popHighest() -> PendingRequest? {
        for index in queues.indices {
            if let next = queues[index].popNext() { return next }
        }
        return nil
    }

    /// Moves time forward: ends a finished pause, refills the bucket, recovers the rate.
    private mutating func advance(to now: Duration) {
        if let pause = pausedUntil {
            if now < pause {
                bucket.refill(now: now, ratePerSecond: 0)
                lastAccrual = now
                return
            }
            bucket.refill(now: pause, ratePerSecond: 0)
            lastAccrual = pause
            pausedUntil = nil
        }
        guard now > lastAccrual else { return }
        bucket.refill(now: now, ratePerSecond: currentCallsPerSecond)
        if rateFraction < 1 {
            rateFraction = min(1, rateFraction + configuration.recoveryPerSecond * (now - lastAccrual).secondsDouble)
        }
        lastAccrual = now
    }

    private func earliestEnrichmentDeadline() -> Duration? {
        queues[PriorityClass.enrichment.rawValue].all.first.map { $0.enqueuedAt + configuration.enrichmentMaximumWait }
    }

    /// Drops enrichment that is too old or cannot start in time behind everything queued before it.
    private mutating func shedEnrichment(now: Duration) -> [ShedRequest] {
        let index = PriorityClass.enrichment.rawValue
        guard !queues[index].isEmpty else { return [] }
        let maxWait = configuration.enrichmentMaximumWait
        var shed: [ShedRequest] = []
        for request in queues[index].removeAll(where: { now - $0.enqueuedAt >= maxWait }) {
            shed.append(ShedRequest(id: request.id, reason: .waitedTooLong))
        }
        // Predict each one's start: the queue ahead of it drains at the current rate from the end
        // of any pause, using the tokens already in the bucket first.
        let rate = max(currentCallsPerSecond, 1e-9)
        let start = max(pausedUntil ?? now, now)
        var ahead = Double(queues.indices.filter { $0 < index }.map { queues[$0].count }.reduce(0, +))
        var late: Set<RequestID> = []
        for request in queues[index].all {
            let tokensNeeded = max(0, ahead + 1 - bucket.tokens)
            let expected = start + .secondsClamped(tokensNeeded / rate)
            if expected > request.enqueuedAt + maxWait {
                late.insert(request.id)
            } else {
                ahead += 1
            }
        }
        if !late.isEmpty {
            for request in queues[index].removeAll(where: { late.contains($0.id) }) {
                shed.append(ShedRequest(id: request.id, reason: .budgetShort))
            }
        }
        for _ in shed { counters.recordShed(.enrichment) }
        return shed
    }
}

/// How a granted call ended, for stats and the rate.
public enum CallStatus: Sendable, Equatable {
    /// A successful response (any 2xx or 304).
    case success
    /// Any other non-429 HTTP status.
    case http(Int)
    /// HTTP 429, with the Retry-After it carried.
    case rateLimited(retryAfter: Duration?)
    /// No HTTP status: the connection failed or the body was cut short.
    case network

    /// The status label of stats and metrics: the HTTP code, or `network`.
    public var label: String {
        switch self {
        case .success: "2xx"
        case .http(let code): String(code)
        case .rateLimited: "429"
        case .network: "network"
        }
    }
}

/// A request the scheduler lets through now.
public struct SchedulerGrant: Sendable, Equatable {
    public var id: RequestID
    public var priority: PriorityClass
    public var flow: String
    /// Time it spent queued.
    public var waited: Duration
}

/// A request the scheduler dropped.
public struct ShedRequest: Sendable, Equatable {
    public var id: RequestID
    public var reason: ShedReason
}

/// The answer of `SchedulerStateMachine.poll(now:)`.
public struct SchedulerStep: Sendable, Equatable {
    public var granted: [SchedulerGrant] = []
    public var shed: [ShedRequest] = []
    /// When to poll again; nil when nothing waits.
    public var wakeAt: Duration?
}

/// Running totals kept by the state machine, the source of `SchedulerStats`.
public struct SchedulerCounters: Sendable, Equatable {
    /// Calls by class label, then status label.
    public var calls: [String: [String: Int]] = [:]
    public var granted: [String: Int] = [:]
    public var shed: [String: Int] = [:]
    /// Seconds spent queued, by class.
    public var waitSeconds: [String: Double] = [:]
    public var rateLimited = 0
    public var decreases = 0

    mutating func recordCall(_ priority: PriorityClass, status: CallStatus) {
        calls[priority.description, default: [:]][status.label, default: 0] += 1
    }

    mutating func recordGrant(_ priority: PriorityClass, waited: Duration) {
        granted[priority.description, default: 0] += 1
        waitSeconds[priority.description, default: 0] += waited.secondsDouble
    }

    mutating func recordShed(_ priority: PriorityClass) {
        shed[priority.description, default: 0] += 1
    }
}
