import Testing
@testable import BoxEmulator

@Suite struct RateLimiterTests {
    @Test func enforcedRateIsWithinTwoPercentOverASimulatedMinute() {
        for limit in [1_000, 120, 2_000] {
            var limiter = SlidingWindowLimiter(limit: limit)
            // A greedy client calling every 5 ms for five simulated minutes.
            var now = 0.0
            var allowedPerMinute = [Int](repeating: 0, count: 5)
            while now < 300 {
                if limiter.attempt(now: now) == .allowed { allowedPerMinute[Int(now / 60)] += 1 }
                now += 0.005
            }
            for count in allowedPerMinute {
                #expect(abs(Double(count) - Double(limit)) <= 0.02 * Double(limit), "limit \(limit): \(count) in a minute")
            }
        }
    }

    @Test func retryAfterSaysWhenTheNextCallFits() {
        var limiter = SlidingWindowLimiter(limit: 3)
        #expect(limiter.attempt(now: 0) == .allowed)
        #expect(limiter.attempt(now: 10) == .allowed)
        #expect(limiter.attempt(now: 20) == .allowed)
        #expect(limiter.attempt(now: 30.5) == .limited(retryAfter: 30))
        #expect(limiter.attempt(now: 59.9) == .limited(retryAfter: 1))
        #expect(limiter.attempt(now: 60) == .allowed)
    }

    @Test func faultSpecsParseAndReject() throws {
        let rule = try FaultRule(spec: "kind=status,status=503,count=3,retry-after=2")
        #expect(rule == FaultRule(kind: .status, count: 3, status: 503, retryAfter: 2))
        #expect(try FaultRule(spec: "kind=reset,share=0.5").share == 0.5)
        #expect(throws: FaultSpecError.self) { try FaultRule(spec: "kind=explode") }
        #expect(throws: FaultSpecError.self) { try FaultRule(spec: "kind=status,status=404") }
        var injector = FaultInjector(seed: 1)
        injector.add(FaultRule(kind: .rateLimit, count: 2))
        #expect(injector.next(path: "/oauth2/token", requestNumber: 1) == nil)
        #expect(injector.next(path: "/2.0/events", requestNumber: 2)?.kind == .rateLimit)
        #expect(injector.next(path: "/2.0/events", requestNumber: 3)?.kind == .rateLimit)
        #expect(injector.next(path: "/2.0/events", requestNumber: 4) == nil)
    }
}
