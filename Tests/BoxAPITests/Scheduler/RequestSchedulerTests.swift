import MetricsTestKit
import Synchronization
import Testing

@testable import BoxAPI

/// A failure the tests hand the scheduler.
struct FakeFailure: SchedulerClassifiable {
    var callStatus: CallStatus
    var callFailure: CallFailure
    static let unavailable = FakeFailure(callStatus: .http(503), callFailure: .server(retryAfter: nil))
    static func rateLimited(_ seconds: Int) -> FakeFailure {
        FakeFailure(callStatus: .rateLimited(retryAfter: .seconds(seconds)), callFailure: .rateLimited(retryAfter: .seconds(seconds)))
    }
}

/// Waits (in real time, bounded) until `condition` holds, yielding to let tasks run.
func eventually(_ what: String, timeout: Duration = .seconds(5), _ condition: () async -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while !(await condition()) {
        if ContinuousClock.now > deadline { Issue.record("timed out waiting for \(what)"); throw CancellationError() }
        try await Task.sleep(for: .milliseconds(1))
    }
}

@Suite("RequestScheduler actor, in simulated time")
struct RequestSchedulerTests {
    @Test("a 503 is retried after the table's backoff, counted in the stats")
    func serverErrorBackoff() async throws {
        let clock = ManualSchedulerClock()
        let scheduler = RequestScheduler(credential: "acme", clock: clock, random: { 0.5 })
        let attempts = Atomic<Int>(0)
        let task = Task {
            try await scheduler.execute(.events, flow: "c1") {
                if attempts.add(1, ordering: .relaxed).newValue < 3 { throw FakeFailure.unavailable }
                return "page"
            }
        }
        try await eventually("first backoff") { clock.sleeperCount >= 1 && attempts.load(ordering: .relaxed) == 1 }
        #expect(clock.nextDeadline == .seconds(2))
        clock.advance(to: .seconds(2))
        try await eventually("second backoff") { attempts.load(ordering: .relaxed) == 2 && clock.nextDeadline == .seconds(6) }
        clock.advance(to: .seconds(6))
        #expect(try await task.value == "page")
        let stats = await scheduler.stats()
        #expect(stats.calls["events"] == ["503": 2, "2xx": 1])
        #expect(abs(stats.waitSeconds["events", default: 0] - 6) < 0.01)
    }

    @Test("a 429 holds every caller of the credential until Retry-After has passed")
    func rateLimitPausesOthers() async throws {
        let clock = ManualSchedulerClock()
        let scheduler = RequestScheduler(credential: "acme", clock: clock)
        let limited = Atomic<Bool>(false)
        let first = Task {
            try await scheduler.execute(.events, flow: "a") {
                if !limited.exchange(true, ordering: .relaxed) { throw FakeFailure.rateLimited(30) }
                return clock.now()
            }
        }
        try await eventually("the pause") { await scheduler.stats().pausedSeconds > 0 }
        let second = Task { try await scheduler.execute(.scope, flow: "b") { clock.now() } }
        try await eventually("both queued") { await scheduler.stats().queueDepth.values.reduce(0, +) == 2 }
        clock.advance(to: .seconds(29))
        try await eventually("still queued") { await scheduler.stats().queueDepth.values.reduce(0, +) == 2 }
        // After the pause the bucket is empty and refills at the halved rate: step through it.
        while await scheduler.stats().queueDepth.values.reduce(0, +) > 0 {
            clock.advance(by: .milliseconds(50))
            try await Task.sleep(for: .milliseconds(1))
        }
        let firstTime = try await first.value
        let secondTime = try await second.value
        #expect(firstTime >= .seconds(30))
        #expect(secondTime >= .seconds(30))
        let stats = await scheduler.stats()
        #expect(stats.rateLimited == 1)
        #expect(stats.currentCallsPerMinute < stats.targetCallsPerMinute * 0.6)
    }

    @Test("shed enrichment throws SchedulerShedError and is counted")
    func shedThrows() async throws {
        let clock = ManualSchedulerClock()
        let scheduler = RequestScheduler(
            credential: "acme", configuration: SchedulerConfiguration(enrichmentMaximumQueue: 0), clock: clock)
        await #expect(throws: SchedulerShedError(credential: "acme", priority: .enrichment, reason: .queueFull)) {
            try await scheduler.execute(.enrichment) { 1 }
        }
        #expect(await scheduler.stats().shed["enrichment"] == 1)
    }

    @Test("errors retrying cannot fix reach the caller after one attempt")
    func fatalNotRetried() async throws {
        let scheduler = RequestScheduler(credential: "acme", clock: ManualSchedulerClock())
        let attempts = Atomic<Int>(0)
        await #expect(throws: FakeFailure.self) {
            try await scheduler.execute(.scope) { () async throws -> Int in
                attempts.add(1, ordering: .relaxed)
                throw FakeFailure(callStatus: .http(404), callFailure: .fatal)
            }
        }
        #expect(attempts.load(ordering: .relaxed) == 1)
        #expect(await scheduler.stats().calls["scope"] == ["404": 1])
    }
}


@Suite("Scheduler metrics")
struct SchedulerMetricsTests {
    @Test("calls, 429s and the paced rate reach swift-metrics with credential, class and status labels")
    func metrics() async throws {
        let metrics = TestMetrics()
        let clock = ManualSchedulerClock()
        let scheduler = RequestScheduler(credential: "acme", clock: clock, metricsFactory: metrics)
        _ = try await scheduler.execute(.events, flow: "c1") { 1 }
        _ = try await scheduler.execute(.scope, flow: "c1") { 2 }
        let limited = Atomic<Bool>(false)
        let task = Task {
            try await scheduler.execute(.events) {
                if !limited.exchange(true, ordering: .relaxed) { throw FakeFailure.rateLimited(2) }
                return 3
            }
        }
        try await eventually("the pause") { await scheduler.stats().pausedSeconds > 0 }
        while await scheduler.stats().queueDepth["events"] != 0 || clock.now() < .seconds(2) {
            clock.advance(by: .milliseconds(100))
            try await Task.sleep(for: .milliseconds(1))
        }
        #expect(try await task.value == 3)
        let events2xx = try metrics.expectCounter(
            "boxbridge_scheduler_calls_total", [("credential", "acme"), ("class", "events"), ("status", "2xx")])
        #expect(events2xx.totalValue == 2)
        let events429 = try metrics.expectCounter(
            "boxbridge_scheduler_calls_total", [("credential", "acme"), ("class", "events"), ("status", "429")])
        #expect(events429.totalValue == 1)
        let scope = try metrics.expectCounter(
            "boxbridge_scheduler_calls_total", [("credential", "acme"), ("class", "scope"), ("status", "2xx")])
        #expect(scope.totalValue == 1)
        #expect(try metrics.expectCounter("boxbridge_scheduler_rate_limited_total", [("credential", "acme")]).totalValue == 1)
        let rate = try metrics.expectGauge("boxbridge_scheduler_calls_per_minute", [("credential", "acme")])
        #expect(rate.lastValue.map { $0 < 500 } == true, "halved after the 429")
    }
}
