import Testing

@testable import BoxAPI

@Suite("Scheduler state machine, in simulated time")
struct SchedulerStateMachineTests {
    // MARK: Token bucket

    @Test("the default bucket paces 1,000 calls a minute less the 5 % margin")
    func defaultBucketRate() {
        var sim = SchedulerSimulation()
        sim.enqueue(.events, count: 2_000)
        sim.run(until: .seconds(60))
        let inFirstMinute = sim.grantTimes().filter { $0 < .seconds(60) }.count
        // 15 calls of burst, then 950 / 60 s: at most 1,000 and not much below the target.
        #expect(inFirstMinute <= 1_000)
        #expect(inFirstMinute >= 955 && inFirstMinute <= 966, "granted \(inFirstMinute)")
        #expect(sim.machine.bucket.capacity == 15)
    }

    @Test("no sliding 60 s window ever holds more than the configured limit")
    func slidingWindowNeverExceedsLimit() {
        var sim = SchedulerSimulation(SchedulerConfiguration(callsPerMinute: 600, safetyMargin: 0, burstSeconds: 5))
        sim.enqueue(.events, count: 1_500)
        sim.run(until: .seconds(150))
        let times = sim.grantTimes()
        var start = 0
        var worst = 0
        for end in times.indices {
            while times[end] - times[start] >= .seconds(60) { start += 1 }
            worst = max(worst, end - start + 1)
        }
        // Burst 50 on top of 600/min is the most any window can see; the steady rate stays at 600.
        #expect(worst <= 650)
        #expect(worst >= 600)
    }

    @Test("after an idle spell the bucket allows a burst of its capacity, then paces")
    func burstAfterIdle() {
        var sim = SchedulerSimulation(SchedulerConfiguration(callsPerMinute: 600, safetyMargin: 0, burstSeconds: 2))
        sim.now = .seconds(100)
        sim.enqueue(.events, count: 30)
        let step = sim.pollNow()
        #expect(step.granted.count == 20)
        #expect(step.wakeAt != nil)
        let wake = step.wakeAt!
        #expect(wake > .seconds(100) && wake <= .seconds(100) + .milliseconds(101))
    }

    @Test("a token bucket refills continuously and never beyond its capacity")
    func tokenBucketRefill() {
        var bucket = TokenBucket(capacity: 3, now: .zero)
        let takes = (0..<4).map { _ in bucket.tryTake() }
        #expect(takes == [true, true, true, false])
        #expect(bucket.nextTokenTime(now: .zero, ratePerSecond: 2) > .milliseconds(499))
        #expect(bucket.nextTokenTime(now: .zero, ratePerSecond: 2) < .milliseconds(501))
        bucket.refill(now: .milliseconds(500), ratePerSecond: 2)
        let refilled = bucket.tryTake()
        #expect(refilled)
        bucket.refill(now: .seconds(100), ratePerSecond: 2)
        #expect(bucket.tokens == 3)
    }

    // MARK: Priorities

    @Test("events go before scope before enrichment, whatever the arrival order")
    func priorities() {
        var sim = SchedulerSimulation(SchedulerConfiguration(callsPerMinute: 60, safetyMargin: 0, burstSeconds: 1))
        sim.enqueue(.events)
        sim.pollNow()  // spends the one token
        sim.enqueue(.enrichment, count: 2)
        sim.enqueue(.scope, count: 2)
        sim.enqueue(.events, count: 2)
        sim.run(until: .seconds(10))
        let order = sim.grants.dropFirst().map(\.grant.priority)
        #expect(order == [.events, .events, .scope, .scope, .enrichment, .enrichment])
    }

    @Test("events are never shed, however long they wait")
    func eventsNeverShed() {
        var sim = SchedulerSimulation(SchedulerConfiguration(callsPerMinute: 6, safetyMargin: 0))
        sim.enqueue(.events, count: 20)
        sim.run(until: .seconds(300))
        #expect(sim.shed.isEmpty)
        #expect(sim.grants.count >= 20)
    }

    // MARK: Shedding

    @Test("enrichment that waited past its maximum is shed as waited_too_long")
    func shedAfterMaximumWait() {
        var config = SchedulerConfiguration(callsPerMinute: 60, safetyMargin: 0, enrichmentMaximumWait: .seconds(5))
        config.burstSeconds = 1
        var sim = SchedulerSimulation(config)
        sim.autoComplete = false
        sim.enqueue(.events)
        sim.pollNow()
        sim.machine.complete(sim.outstanding.removeFirst(), status: .rateLimited(retryAfter: .seconds(10)), now: sim.now)
        // Queued during a 10 s pause: it cannot be served within 5 s.
        sim.now = .seconds(1)
        sim.enqueue(.enrichment)
        sim.now = .seconds(7)
        let step = sim.pollNow()
        #expect(step.shed.map(\.reason) == [.budgetShort] || step.shed.map(\.reason) == [.waitedTooLong])
        #expect(sim.machine.queueDepth(.enrichment) == 0)
    }

    @Test("enrichment is shed at once when the queue ahead cannot drain before its deadline")
    func shedWhenBudgetShort() {
        var sim = SchedulerSimulation(
            SchedulerConfiguration(callsPerMinute: 60, safetyMargin: 0, burstSeconds: 1, enrichmentMaximumWait: .seconds(10)))
        sim.enqueue(.events, count: 30)  // 30 s of calls at 1/s
        let early = sim.enqueue(.enrichment).first!
        let step = sim.pollNow()
        #expect(step.shed == [ShedRequest(id: early, reason: .budgetShort)])
        #expect(step.granted.count == 1)
    }

    @Test("enrichment that fits in the budget is served, not shed")
    func enrichmentServedWhenBudgetAllows() {
        var sim = SchedulerSimulation(
            SchedulerConfiguration(callsPerMinute: 60, safetyMargin: 0, burstSeconds: 1, enrichmentMaximumWait: .seconds(10)))
        sim.enqueue(.events, count: 3)
        sim.enqueue(.enrichment, count: 3)
        sim.run(until: .seconds(20))
        #expect(sim.shed.isEmpty)
        #expect(sim.grantTimes(.enrichment).count == 3)
    }

    @Test("enrichment beyond the queue limit is shed as queue_full")
    func shedWhenQueueFull() {
        var sim = SchedulerSimulation(SchedulerConfiguration(callsPerMinute: 60, enrichmentMaximumQueue: 2))
        let ids = sim.enqueue(.enrichment, count: 3)
        #expect(sim.shed.map(\.request) == [ShedRequest(id: ids[2], reason: .queueFull)])
        #expect(sim.machine.counters.shed["enrichment"] == 1)
    }

    // MARK: Retry-After pause

    @Test("a 429 pauses every class and flow of the credential for Retry-After")
    func retryAfterPausesWholeCredential() {
        var sim = SchedulerSimulation(SchedulerConfiguration(callsPerMinute: 600, safetyMargin: 0, burstSeconds: 1))
        sim.autoComplete = false
        sim.enqueue(.events, flow: "a")
        sim.pollNow()
        let first = sim.outstanding.removeFirst()
        sim.now = .milliseconds(100)
        sim.machine.complete(first, status: .rateLimited(retryAfter: .seconds(7)), now: sim.now)
        sim.enqueue(.events, flow: "b")
        sim.enqueue(.scope, flow: "a")
        let during = sim.pollNow()
        #expect(during.granted.isEmpty)
        #expect(during.wakeAt == .milliseconds(7_100))
        #expect(sim.machine.pausedUntil == .milliseconds(7_100))
        sim.now = .milliseconds(7_099)
        #expect(sim.pollNow().granted.isEmpty)
        sim.autoComplete = true
        sim.run(until: .seconds(20))
        let after = sim.grants.dropFirst().map(\.time)
        #expect(after.count == 2)
        #expect(after.allSatisfy { $0 >= .milliseconds(7_100) })
        #expect(sim.machine.counters.rateLimited == 1)
    }

    @Test("a 429 without Retry-After pauses for the configured default; huge values are capped")
    func retryAfterDefaultsAndCap() {
        var config = SchedulerConfiguration(defaultRetryAfter: .seconds(3), maximumRetryAfter: .seconds(120))
        config.callsPerMinute = 600
        var machine = SchedulerStateMachine(configuration: config)
        _ = machine.enqueue(RequestID(1), priority: .events, flow: "", now: .zero)
        _ = machine.enqueue(RequestID(2), priority: .events, flow: "", now: .zero)
        _ = machine.poll(now: .zero)
        machine.complete(RequestID(1), status: .rateLimited(retryAfter: nil), now: .seconds(1))
        #expect(machine.pausedUntil == .seconds(4))
        machine.complete(RequestID(2), status: .rateLimited(retryAfter: .seconds(86_400)), now: .seconds(1))
        #expect(machine.pausedUntil == .seconds(121))
    }

    // MARK: AIMD

    @Test("a 429 halves the rate once per pause; later 429s of older calls do not halve it again")
    func multiplicativeDecrease() {
        var machine = SchedulerStateMachine(
            configuration: SchedulerConfiguration(callsPerMinute: 600, safetyMargin: 0, burstSeconds: 0.2, recoveryPerSecond: 0))
        for n in 1...3 { _ = machine.enqueue(RequestID(UInt64(n)), priority: .events, flow: "", now: .zero) }
        let initial = machine.poll(now: .zero)
        #expect(initial.granted.map(\.id) == [RequestID(1), RequestID(2)])
        #expect(machine.currentCallsPerSecond == 10)
        machine.complete(RequestID(1), status: .rateLimited(retryAfter: .seconds(1)), now: .milliseconds(10))
        #expect(machine.currentCallsPerSecond == 5)
        // Granted before the decrease: already on the wire, says nothing new.
        machine.complete(RequestID(2), status: .rateLimited(retryAfter: .seconds(1)), now: .milliseconds(20))
        #expect(machine.currentCallsPerSecond == 5)
        #expect(machine.counters.decreases == 1)
        // A call granted after the decrease that still gets a 429 lowers it again.
        let step = machine.poll(now: .milliseconds(2_500))
        #expect(step.granted.map(\.id) == [RequestID(3)])
        machine.complete(RequestID(3), status: .rateLimited(retryAfter: .seconds(1)), now: .milliseconds(2_500))
        #expect(machine.currentCallsPerSecond == 2.5)
        #expect(machine.counters.rateLimited == 3)
    }

    @Test("the rate never falls below the configured floor")
    func decreaseFloor() {
        var machine = SchedulerStateMachine(
            configuration: SchedulerConfiguration(callsPerMinute: 600, safetyMargin: 0, minimumRateFraction: 0.2, recoveryPerSecond: 0))
        var now = Duration.zero
        for n in 1...10 {
            _ = machine.enqueue(RequestID(UInt64(n)), priority: .events, flow: "", now: now)
            now += .seconds(100)
            let step = machine.poll(now: now)
            for grant in step.granted { machine.complete(grant.id, status: .rateLimited(retryAfter: .zero), now: now) }
        }
        #expect(machine.rateFraction == 0.2)
        #expect(machine.currentCallsPerSecond == 2)
    }

    @Test("after the pause the rate grows back additively, per second without a 429")
    func additiveRecovery() {
        var machine = SchedulerStateMachine(
            configuration: SchedulerConfiguration(callsPerMinute: 600, safetyMargin: 0, recoveryPerSecond: 0.01))
        _ = machine.enqueue(RequestID(1), priority: .events, flow: "", now: .zero)
        _ = machine.poll(now: .zero)
        machine.complete(RequestID(1), status: .rateLimited(retryAfter: .seconds(10)), now: .zero)
        #expect(machine.rateFraction == 0.5)
        _ = machine.poll(now: .seconds(5))
        #expect(machine.rateFraction == 0.5, "no recovery during the pause")
        _ = machine.poll(now: .seconds(30))
        #expect(abs(machine.rateFraction - 0.7) < 1e-9, "20 s after the pause: +0.2")
        _ = machine.poll(now: .seconds(500))
        #expect(machine.rateFraction == 1)
    }

    @Test("the bucket is empty after a pause, so calls restart at the paced rate, not in a burst")
    func noBurstAfterPause() {
        var sim = SchedulerSimulation(SchedulerConfiguration(callsPerMinute: 600, safetyMargin: 0, burstSeconds: 5))
        sim.autoComplete = false
        sim.enqueue(.events)
        sim.pollNow()
        sim.machine.complete(sim.outstanding.removeFirst(), status: .rateLimited(retryAfter: .seconds(30)), now: .zero)
        sim.autoComplete = true
        sim.enqueue(.events, count: 20)
        sim.run(until: .seconds(31))
        // 1 s after the pause at 5 calls/s (halved): about 5 calls, not a 50-call burst.
        let afterPause = sim.grantTimes().dropFirst().filter { $0 <= .seconds(31) }
        #expect(afterPause.count >= 4 && afterPause.count <= 6, "\(afterPause.count)")
    }

    // MARK: Fairness

    @Test("connections sharing a credential take turns, whatever their backlog")
    func fairnessAcrossFlows() {
        var sim = SchedulerSimulation(SchedulerConfiguration(callsPerMinute: 60, safetyMargin: 0, burstSeconds: 1))
        sim.enqueue(.events, flow: "big", count: 100)
        sim.now = .milliseconds(10)
        sim.enqueue(.events, flow: "small", count: 10)
        sim.enqueue(.events, flow: "other", count: 10)
        sim.run(until: .seconds(31))
        let first31 = sim.grants.prefix(31).map(\.grant.flow)
        #expect(first31.filter { $0 == "small" }.count == 10)
        #expect(first31.filter { $0 == "other" }.count == 10)
        #expect(first31.filter { $0 == "big" }.count == 11)
        // Strict alternation once all three queue: no flow is served twice before the others.
        let window = Array(first31.dropFirst(1).prefix(30))
        for start in stride(from: 0, to: 30, by: 3) {
            #expect(Set(window[start..<start + 3]).count == 3)
        }
    }

    @Test("each credential has its own budget: one credential's 429 leaves another's untouched")
    func credentialsAreIndependent() {
        var a = SchedulerSimulation(SchedulerConfiguration(callsPerMinute: 600, safetyMargin: 0))
        var b = SchedulerSimulation(SchedulerConfiguration(callsPerMinute: 600, safetyMargin: 0))
        a.autoComplete = false
        a.enqueue(.events)
        a.pollNow()
        a.machine.complete(a.outstanding.removeFirst(), status: .rateLimited(retryAfter: .seconds(60)), now: .zero)
        a.enqueue(.events, count: 10)
        b.enqueue(.events, count: 10)
        a.autoComplete = true
        a.run(until: .seconds(5))
        b.run(until: .seconds(5))
        #expect(a.grants.count == 1)
        #expect(b.grants.count == 10)
    }

    @Test("a cancelled request leaves the queue")
    func cancellation() {
        var sim = SchedulerSimulation(SchedulerConfiguration(callsPerMinute: 60, safetyMargin: 0, burstSeconds: 1))
        sim.enqueue(.events)
        sim.pollNow()
        let ids = sim.enqueue(.scope, count: 2)
        let cancelled = sim.machine.cancel(ids[0])
        #expect(cancelled)
        sim.run(until: .seconds(5))
        #expect(sim.grants.map(\.grant.id) == [RequestID(1), ids[1]])
    }

    @Test("stats count calls by class and status and time spent queued")
    func counters() {
        var sim = SchedulerSimulation(SchedulerConfiguration(callsPerMinute: 60, safetyMargin: 0, burstSeconds: 1))
        sim.enqueue(.events, count: 2)
        sim.enqueue(.scope)
        sim.run(until: .seconds(5))
        #expect(sim.machine.counters.calls["events"]?["2xx"] == 2)
        #expect(sim.machine.counters.calls["scope"]?["2xx"] == 1)
        // Second event waited 1 s, the scope call 2 s.
        #expect(abs((sim.machine.counters.waitSeconds["events"] ?? 0) - 1) < 0.01)
        #expect(abs((sim.machine.counters.waitSeconds["scope"] ?? 0) - 2) < 0.01)
    }

    @Test("invalid settings are refused with the field's name")
    func configurationValidation() {
        #expect(throws: SchedulerConfigurationError(field: "safety_margin", reason: "must be in [0, 1)")) {
            try SchedulerConfiguration(safetyMargin: 1.5).validate()
        }
        #expect(throws: Never.self) { try SchedulerConfiguration().validate() }
    }
}
