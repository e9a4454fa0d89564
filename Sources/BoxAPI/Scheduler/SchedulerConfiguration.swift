/// How one credential's scheduler spends its Box budget; every field has a documented default.
public struct SchedulerConfiguration: Sendable, Equatable {
    /// Box's limit for this credential in calls per minute (API-NOTES §6: 1,000 per user).
    public var callsPerMinute: Double
    /// Share of `callsPerMinute` kept unused, so clock skew and other clients of the same user do
    /// not push us over (0.05 = aim for 95 %).
    public var safetyMargin: Double
    /// Seconds of calls the bucket may hold, i.e. the largest burst after an idle spell.
    public var burstSeconds: Double
    /// Factor the rate is multiplied by after a 429 (multiplicative decrease).
    public var decreaseFactor: Double
    /// The rate never falls below this share of the target, so a credential always makes progress.
    public var minimumRateFraction: Double
    /// Share of the target rate regained per second without a 429 (additive increase).
    public var recoveryPerSecond: Double
    /// Pause used when a 429 carries no Retry-After header.
    public var defaultRetryAfter: Duration
    /// A Retry-After longer than this is capped, so a bogus header cannot stall a credential.
    public var maximumRetryAfter: Duration
    /// An enrichment request waiting longer than this is shed.
    public var enrichmentMaximumWait: Duration
    /// At most this many enrichment requests queue; more are shed at once.
    public var enrichmentMaximumQueue: Int
    /// Retries of 5xx and network errors.
    public var retry: RetryPolicy

    public init(
        callsPerMinute: Double = 1_000,
        safetyMargin: Double = 0.05,
        burstSeconds: Double = 1,
        decreaseFactor: Double = 0.5,
        minimumRateFraction: Double = 0.1,
        recoveryPerSecond: Double = 0.01,
        defaultRetryAfter: Duration = .seconds(1),
        maximumRetryAfter: Duration = .seconds(300),
        enrichmentMaximumWait: Duration = .seconds(30),
        enrichmentMaximumQueue: Int = 1_000,
        retry: RetryPolicy = RetryPolicy()
    ) {
        self.callsPerMinute = callsPerMinute
        self.safetyMargin = safetyMargin
        self.burstSeconds = burstSeconds
        self.decreaseFactor = decreaseFactor
        self.minimumRateFraction = minimumRateFraction
        self.recoveryPerSecond = recoveryPerSecond
        self.defaultRetryAfter = defaultRetryAfter
        self.maximumRetryAfter = maximumRetryAfter
        self.enrichmentMaximumWait = enrichmentMaximumWait
        self.enrichmentMaximumQueue = enrichmentMaximumQueue
        self.retry = retry
    }

    /// The rate aimed for when no 429 has been seen, in calls per second.
    public var targetCallsPerSecond: Double {
        max(callsPerMinute, 0.001) * (1 - min(max(safetyMargin, 0), 0.95)) / 60
    }

    /// The bucket's capacity in calls (at least one).
    var bucketCapacity: Double { max(1, (targetCallsPerSecond * burstSeconds).rounded(.down)) }

    /// Checks the values a user can set; the message names the field.
    public func validate() throws(SchedulerConfigurationError) {
        func fail(_ field: String, _ reason: String) -> SchedulerConfigurationError {
            SchedulerConfigurationError(field: field, reason: reason)
        }
        guard callsPerMinute > 0, callsPerMinute.isFinite else { throw fail("calls_per_minute", "must be above 0") }
        guard (0..<1).contains(safetyMargin) else { throw fail("safety_margin", "must be in [0, 1)") }
        guard burstSeconds > 0 else { throw fail("burst_seconds", "must be above 0") }
        guard decreaseFactor > 0, decreaseFactor < 1 else { throw fail("decrease_factor", "must be in (0, 1)") }
        guard minimumRateFraction > 0, minimumRateFraction <= 1 else {
            throw fail("minimum_rate_fraction", "must be in (0, 1]")
        }
        guard recoveryPerSecond >= 0 else { throw fail("recovery_per_second", "must not be negative") }
        guard enrichmentMaximumQueue >= 0 else { throw fail("enrichment_maximum_queue", "must not be negative") }
        guard retry.maxAttempts >= 1 else { throw fail("retry.max_attempts", "must be at least 1") }
        guard retry.randomization >= 0, retry.randomization < 1 else {
            throw fail("retry.randomization", "must be in [0, 1)")
        }
    }
}

/// A scheduler setting that cannot work, naming the field.
public struct SchedulerConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var reason: String
    public var description: String { "scheduler.\(field): \(reason)" }
}
