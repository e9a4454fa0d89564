import Testing
@testable import Supervisor

@Suite("Restart decisions without I/O")
struct ChildLifecycleTests {
    let t0 = ContinuousClock.now

    @Test("backoff doubles from 1 s to a 30 s cap")
    func backoffTable() {
        let policy = RestartPolicy()
        let delays = (0..<8).map { policy.delay(afterConsecutiveFailures: $0) }
        #expect(delays == [1, 2, 4, 8, 16, 30, 30, 30].map { Duration.seconds($0) })
        #expect(policy.delay(afterConsecutiveFailures: 1_000) == .seconds(30))
    }

    @Test("a child crashing at once is restarted with growing delays")
    func crashLoop() {
        var life = ChildLifecycle()
        #expect(life.start() == .spawn)
        var now = t0
        var delays: [Duration] = []
        for _ in 0..<7 {
            life.spawned(now: now)
            now += .milliseconds(100)
            guard case .restart(let delay) = life.exited(now: now) else { Issue.record("no restart"); return }
            delays.append(delay)
            now += delay
            #expect(life.restartTimerFired() == .spawn)
        }
        #expect(delays == [1, 2, 4, 8, 16, 30, 30].map { Duration.seconds($0) })
        #expect(life.starts == 7)
        #expect(life.unexpectedExits == 7)
    }

    @Test("60 s up resets the backoff; 59 s does not")
    func resetAfterHealthyRun() {
        var life = ChildLifecycle()
        _ = life.start()
        life.spawned(now: t0)
        #expect(life.exited(now: t0 + .seconds(1)) == .restart(after: .seconds(1)))
        _ = life.restartTimerFired()
        life.spawned(now: t0 + .seconds(2))
        #expect(life.exited(now: t0 + .seconds(3)) == .restart(after: .seconds(2)))
        _ = life.restartTimerFired()
        life.spawned(now: t0 + .seconds(5))
        #expect(life.exited(now: t0 + .seconds(64)) == .restart(after: .seconds(4)), "59 s up is not yet healthy")
        _ = life.restartTimerFired()
        life.spawned(now: t0 + .seconds(70))
        #expect(life.exited(now: t0 + .seconds(130)) == .restart(after: .seconds(1)), "60 s up resets the streak")
    }

    @Test("stop: SIGTERM, SIGKILL after the timeout, finished on exit, never restarted")
    func stopEscalates() {
        var life = ChildLifecycle()
        _ = life.start()
        life.spawned(now: t0)
        #expect(life.stopRequested() == .terminate)
        #expect(life.stopRequested() == .none, "a second request sends nothing more")
        #expect(life.stopTimeoutElapsed() == .kill)
        #expect(life.exited(now: t0 + .seconds(5)) == .finished)
        #expect(life.state == .stopped)
        #expect(life.unexpectedExits == 0, "an exit we asked for is not a crash")
        #expect(life.restartTimerFired() == .none)
        #expect(life.stopTimeoutElapsed() == .none)
    }

    @Test("a child exiting promptly on SIGTERM is not killed")
    func timeoutAfterExitDoesNothing() {
        var life = ChildLifecycle()
        _ = life.start()
        life.spawned(now: t0)
        #expect(life.stopRequested() == .terminate)
        #expect(life.exited(now: t0 + .milliseconds(10)) == .finished)
        #expect(life.stopTimeoutElapsed() == .none)
    }

    @Test("stop while waiting to restart finishes at once; the pending timer then does nothing")
    func stopWhileBackingOff() {
        var life = ChildLifecycle()
        _ = life.start()
        life.spawned(now: t0)
        #expect(life.exited(now: t0 + .seconds(1)) == .restart(after: .seconds(1)))
        #expect(life.stopRequested() == .finished)
        #expect(life.restartTimerFired() == .none)
        #expect(life.state == .stopped)
    }

    @Test("a failed spawn is paced like a crash")
    func spawnFailure() {
        var life = ChildLifecycle(policy: .init(initialDelay: .milliseconds(10), maxDelay: .milliseconds(25)))
        #expect(life.start() == .spawn)
        #expect(life.spawnFailed() == .restart(after: .milliseconds(10)))
        #expect(life.restartTimerFired() == .spawn)
        #expect(life.spawnFailed() == .restart(after: .milliseconds(20)))
        #expect(life.restartTimerFired() == .spawn)
        #expect(life.spawnFailed() == .restart(after: .milliseconds(25)))
        #expect(life.starts == 0)
    }
}
