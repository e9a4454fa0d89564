/// When a failed Box call is tried again: the backoff table and the attempt limits.
///
/// The defaults are Box's own SDKs' (API-NOTES §6: `box-python-sdk-gen` and `box-swift-sdk-gen`):
/// at most 5 attempts, base 1 s, randomization 0.5, at most 2 retries after network errors.
/// The delay before retry `n` (n = 1 after the first failure) is
///
///     min(cap, base × 2^n) × U(1 − randomization, 1 + randomization), then capped again
///
/// which with the defaults gives:
///
/// | retry n | nominal | range (randomization 0.5) |
/// |--------:|--------:|---------------------------|
/// |       1 |     2 s | 1 s – 3 s                 |
/// |       2 |     4 s | 2 s – 6 s                 |
/// |       3 |     8 s | 4 s – 12 s                |
/// |       4 |    16 s | 8 s – 24 s                |
/// |       5 |    32 s | 16 s – 48 s               |
/// |     ≥ 6 |    60 s | 30 s – 60 s (cap)         |
///
/// (Rows 5 and up only apply when `maxAttempts` is raised above its default.)
///
/// A Retry-After header on a 5xx replaces the computed delay (capped by `maximumRetryAfter`).
/// 429s are not counted against `maxAttempts`: the scheduler pauses the whole credential for them
/// and they are limited by `maxRateLimitedRetries` instead, because giving up an event poll after
/// a few 429s would only make the caller poll again.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all for 5xx and network failures, the first included.
    public var maxAttempts: Int
    /// The backoff unit.
    public var base: Duration
    /// Jitter: the delay is multiplied by a uniform factor in [1 − r, 1 + r].
    public var randomization: Double
    /// Retries after network errors (connection refused or reset, timeouts, truncated bodies).
    public var networkRetries: Int
    /// No computed delay exceeds this.
    public var maximumDelay: Duration
    /// A Retry-After header longer than this is capped.
    public var maximumRetryAfter: Duration
    /// Retries after 429s before the error reaches the caller.
    public var maxRateLimitedRetries: Int

    public init(
        maxAttempts: Int = 5,
        base: Duration = .seconds(1),
        randomization: Double = 0.5,
        networkRetries: Int = 2,
        maximumDelay: Duration = .seconds(60),
        maximumRetryAfter: Duration = .seconds(300),
        maxRateLimitedRetries: Int = 20
    ) {
        self.maxAttempts = maxAttempts
        self.base = base
        self.randomization = randomization
        self.networkRetries = networkRetries
        self.maximumDelay = maximumDelay
        self.maximumRetryAfter = maximumRetryAfter
        self.maxRateLimitedRetries = maxRateLimitedRetries
    }

    /// The delay before retry `retry` (1-based), for a uniform draw `unit` in [0, 1).
    ///
    /// Pure: the caller supplies the randomness, so tests can pin the table's edges.
    public func backoff(retry: Int, unit: Double) -> Duration {
        let exponent = Double(min(max(retry, 0), 62))
        let cap = maximumDelay.secondsDouble
        let nominal = min(cap, base.secondsDouble * pow2(exponent))
        let r = min(max(randomization, 0), 0.999)
        let factor = (1 - r) + 2 * r * min(max(unit, 0), 1)
        return .secondsClamped(min(cap, nominal * factor))
    }

    /// What to do after a failed attempt.
    ///
    /// - Parameters:
    ///   - failure: how the attempt failed.
    ///   - attempts: attempts made so far that counted towards `maxAttempts` (5xx and network).
    ///   - networkFailures: network failures so far, this one included if it is one.
    ///   - rateLimited: 429s so far, this one included if it is one.
    ///   - unit: a uniform draw in [0, 1) for the jitter.
    public func decide(
        after failure: CallFailure,
        attempts: Int,
        networkFailures: Int,
        rateLimited: Int,
        unit: Double
    ) -> RetryDecision {
        switch failure {
        case .rateLimited:
            // The credential-wide pause is the delay; the request waits for it in the queue.
            return rateLimited <= maxRateLimitedRetries ? .retry(after: .zero) : .giveUp
        case .server(let retryAfter):
            guard attempts < maxAttempts else { return .giveUp }
            if let retryAfter { return .retry(after: min(retryAfter, maximumRetryAfter)) }
            return .retry(after: backoff(retry: attempts, unit: unit))
        case .network:
            guard attempts < maxAttempts, networkFailures <= networkRetries else { return .giveUp }
            return .retry(after: backoff(retry: attempts, unit: unit))
        case .fatal:
            return .giveUp
        }
    }
}

/// How one attempt at a Box call failed, as far as retrying is concerned.
public enum CallFailure: Sendable, Equatable {
    /// HTTP 429: the credential is over its limit; pause all of it.
    case rateLimited(retryAfter: Duration?)
    /// HTTP 5xx (or 202 with Retry-After): retry this request after a backoff.
    case server(retryAfter: Duration?)
    /// The connection failed, timed out or the body was cut short.
    case network
    /// Retrying cannot help (4xx other than 429, a decoding failure, a programming error).
    case fatal
}

/// The outcome of `RetryPolicy.decide`.
public enum RetryDecision: Sendable, Equatable {
    case retry(after: Duration)
    case giveUp
}

/// 2^x for the small integer exponents of the backoff table, without Foundation.
private func pow2(_ exponent: Double) -> Double {
    var result = 1.0
    var remaining = Int(exponent)
    while remaining > 0 {
        result *= 2
        remaining -= 1
    }
    return result
}
