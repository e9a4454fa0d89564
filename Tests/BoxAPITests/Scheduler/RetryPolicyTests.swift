import Testing

@testable import BoxAPI

@Suite("Backoff table and retry limits")
struct RetryPolicyTests {
    let policy = RetryPolicy()

    @Test(
        "the backoff table: base 1 s × 2^n, ±50 % jitter, capped at 60 s",
        arguments: [
            (1, 2.0), (2, 4.0), (3, 8.0), (4, 16.0), (5, 32.0), (6, 60.0), (10, 60.0),
        ] as [(Int, Double)])
    func backoffTable(retry: Int, nominal: Double) {
        let low = policy.backoff(retry: retry, unit: 0).secondsDouble
        let middle = policy.backoff(retry: retry, unit: 0.5).secondsDouble
        let high = policy.backoff(retry: retry, unit: 0.999_999).secondsDouble
        #expect(abs(middle - nominal) < 0.001)
        #expect(abs(low - nominal * 0.5) < 0.001)
        #expect(abs(high - min(60, nominal * 1.5)) < 0.001)
    }

    @Test("the cap and the randomization are configurable")
    func configurableCaps() {
        let tight = RetryPolicy(base: .milliseconds(100), randomization: 0, maximumDelay: .seconds(1))
        #expect(tight.backoff(retry: 1, unit: 0.9) == .milliseconds(200))
        #expect(tight.backoff(retry: 3, unit: 0.1) == .milliseconds(800))
        #expect(tight.backoff(retry: 4, unit: 0.5) == .seconds(1))
    }

    @Test("5xx retries stop after 5 attempts in all")
    func serverErrorAttempts() {
        for attempts in 1...4 {
            #expect(policy.decide(after: .server(retryAfter: nil), attempts: attempts, networkFailures: 0, rateLimited: 0, unit: 0.5)
                == .retry(after: policy.backoff(retry: attempts, unit: 0.5)))
        }
        #expect(policy.decide(after: .server(retryAfter: nil), attempts: 5, networkFailures: 0, rateLimited: 0, unit: 0.5) == .giveUp)
    }

    @Test("a 5xx's Retry-After replaces the computed delay, within the cap")
    func serverRetryAfter() {
        #expect(policy.decide(after: .server(retryAfter: .seconds(7)), attempts: 1, networkFailures: 0, rateLimited: 0, unit: 0)
            == .retry(after: .seconds(7)))
        #expect(policy.decide(after: .server(retryAfter: .seconds(9_999)), attempts: 1, networkFailures: 0, rateLimited: 0, unit: 0)
            == .retry(after: .seconds(300)))
    }

    @Test("network errors are retried twice")
    func networkRetries() {
        #expect(policy.decide(after: .network, attempts: 1, networkFailures: 1, rateLimited: 0, unit: 0.5) == .retry(after: .seconds(2)))
        #expect(policy.decide(after: .network, attempts: 2, networkFailures: 2, rateLimited: 0, unit: 0.5) == .retry(after: .seconds(4)))
        #expect(policy.decide(after: .network, attempts: 3, networkFailures: 3, rateLimited: 0, unit: 0.5) == .giveUp)
    }

    @Test("429s wait for the credential's pause and do not use up the attempts")
    func rateLimitedRetries() {
        #expect(policy.decide(after: .rateLimited(retryAfter: .seconds(5)), attempts: 4, networkFailures: 0, rateLimited: 3, unit: 0.5)
            == .retry(after: .zero))
        #expect(policy.decide(after: .rateLimited(retryAfter: nil), attempts: 0, networkFailures: 0, rateLimited: 21, unit: 0.5) == .giveUp)
    }

    @Test("errors retrying cannot fix are not retried")
    func fatalNotRetried() {
        #expect(policy.decide(after: .fatal, attempts: 1, networkFailures: 0, rateLimited: 0, unit: 0.5) == .giveUp)
    }
}

@Suite("Adaptive poll cadence")
struct PollCadenceTests {
    @Test("back to back while pages come full, easing by doubling to the idle interval")
    func cadence() {
        var cadence = PollCadence(idleInterval: .seconds(60), easeStart: .seconds(1))
        let full = [cadence.record(count: 500, limit: 500), cadence.record(count: 500, limit: 500)]
        #expect(full == [.zero, .zero])
        let eased = (0..<8).map { _ in cadence.record(count: 3, limit: 500) }
        #expect(eased == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(16), .seconds(32), .seconds(60), .seconds(60)])
        let after = [cadence.record(count: 0, limit: 500), cadence.record(count: 500, limit: 500), cadence.record(count: 0, limit: 500)]
        // Still idle; a full page resets to back to back; the next short page eases from the start.
        #expect(after == [.seconds(60), .zero, .seconds(1)])
    }

    @Test("a failed poll waits like a short page")
    func failure() {
        var cadence = PollCadence(idleInterval: .seconds(10), easeStart: .seconds(2))
        let delays = [cadence.recordFailure(), cadence.recordFailure()]
        #expect(delays == [.seconds(2), .seconds(4)])
    }
}
