import Testing
@testable import Collector

@Suite("Lease reconciler: grants to pipeline starts, stops and restarts")
struct LeaseReconcilerTests {
    typealias A = LeaseReconciler.Assignment

    @Test("a lease gained starts its pipeline once, from the grant's checkpoint and dedupe window")
    func gainStartsOnce() {
        var r = LeaseReconciler(configured: ["acme", "beta"])
        let lease = A(connection: "acme", epoch: 7, checkpoint: "123", recentEventIDs: ["e1"])
        #expect(r.apply(grant: [lease], stateBlocks: [:], nowMillis: 0) == [.start(lease)])
        #expect(r.apply(grant: [lease], stateBlocks: [:], nowMillis: 2_000) == [])
        #expect(r.running == ["acme": 7])
        #expect(r.idleState(of: "acme", nowMillis: 2_000) == nil)
    }

    @Test("a lease that disappears stops its pipeline")
    func lossStops() {
        var r = LeaseReconciler(configured: ["acme", "beta"])
        _ = r.apply(grant: [A(connection: "acme", epoch: 1), A(connection: "beta", epoch: 2)], stateBlocks: [:], nowMillis: 0)
        let actions = r.apply(grant: [A(connection: "beta", epoch: 2)], stateBlocks: [:], nowMillis: 1_000)
        #expect(actions == [.stop(connection: "acme", epoch: 1, reason: .leaseLost)])
        #expect(r.running == ["beta": 2])
    }

    @Test("an epoch change stops the old pipeline, then starts one from the new grant")
    func epochChangeRestarts() {
        var r = LeaseReconciler(configured: ["acme"])
        _ = r.apply(grant: [A(connection: "acme", epoch: 1, checkpoint: "10")], stateBlocks: [:], nowMillis: 0)
        let newer = A(connection: "acme", epoch: 5, checkpoint: "42")
        #expect(r.apply(grant: [newer], stateBlocks: [:], nowMillis: 1_000) == [
            .stop(connection: "acme", epoch: 1, reason: .epochChanged), .start(newer),
        ])
        // The old pipeline's end, reported late, changes nothing.
        #expect(r.pipelineEnded(connection: "acme", epoch: 1, outcome: .stopped, nowMillis: 1_100) == [])
        #expect(r.running == ["acme": 5])
    }

    @Test("lease lost by the pipeline: heartbeat now, restart only from a grant asked for afterwards")
    func leaseLostReheartbeats() {
        var r = LeaseReconciler(configured: ["acme"])
        let lease = A(connection: "acme", epoch: 3, checkpoint: "1")
        _ = r.apply(grant: [lease], stateBlocks: [:], nowMillis: 0)
        #expect(r.pipelineEnded(connection: "acme", epoch: 3, outcome: .leaseLost, nowMillis: 500) == [.heartbeatNow])
        // A heartbeat sent before the end carries a checkpoint that may be stale.
        #expect(r.apply(grant: [lease], stateBlocks: [:], nowMillis: 400) == [])
        let fresh = A(connection: "acme", epoch: 3, checkpoint: "9")
        #expect(r.apply(grant: [fresh], stateBlocks: [:], nowMillis: 600) == [.start(fresh)])
    }

    @Test("retriable failures back off 1 s, 2 s, 4 s … 60 s before the restart")
    func retriableBackoff() {
        #expect((1...8).map { LeaseReconciler.backoffMillis(failures: $0) }
            == [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000])
        var r = LeaseReconciler(configured: ["acme"])
        let lease = A(connection: "acme", epoch: 3)
        _ = r.apply(grant: [lease], stateBlocks: [:], nowMillis: 0)
        #expect(r.pipelineEnded(connection: "acme", epoch: 3, outcome: .failed(message: "503", retriable: true), nowMillis: 100)
            == [.heartbeatNow])
        #expect(r.apply(grant: [lease], stateBlocks: [:], nowMillis: 600) == [])
        #expect(r.idleState(of: "acme", nowMillis: 600) == "paused: retrying in 1 s after: 503")
        #expect(r.apply(grant: [lease], stateBlocks: [:], nowMillis: 1_100) == [.start(lease)])
        _ = r.pipelineEnded(connection: "acme", epoch: 3, outcome: .failed(message: "503", retriable: true), nowMillis: 1_200)
        #expect(r.apply(grant: [lease], stateBlocks: [:], nowMillis: 2_500) == [])
        #expect(r.apply(grant: [lease], stateBlocks: [:], nowMillis: 3_200) == [.start(lease)])
        // A long healthy run forgets the earlier failures.
        _ = r.pipelineEnded(connection: "acme", epoch: 3, outcome: .failed(message: "503", retriable: true), nowMillis: 100_000)
        #expect(r.apply(grant: [lease], stateBlocks: [:], nowMillis: 101_000) == [.start(lease)])
    }

    @Test("a permanent failure is recorded and blocks the connection until the store clears it")
    func permanentFailureBlocks() {
        var r = LeaseReconciler(configured: ["acme"])
        let lease = A(connection: "acme", epoch: 3)
        _ = r.apply(grant: [lease], stateBlocks: [:], nowMillis: 0)
        let message = "The number of supported user drives (500000) for this connector has been exceeded."
        #expect(r.pipelineEnded(connection: "acme", epoch: 3, outcome: .failed(message: message, retriable: false), nowMillis: 10)
            == [.recordFailure(connection: "acme", reason: message), .heartbeatNow])
        #expect(r.apply(grant: [lease], stateBlocks: [:], nowMillis: 500_000) == [])
        #expect(r.idleState(of: "acme", nowMillis: 500_000) == "failed: \(message)")
        // The store records it too; then `connection resume` clears it and polling starts again.
        #expect(r.apply(grant: [lease], stateBlocks: ["acme": .failed(reason: message)], nowMillis: 501_000) == [])
        #expect(r.apply(grant: [lease], stateBlocks: [:], nowMillis: 502_000) == [.start(lease)])
    }

    @Test("deauthorized and unconfigured connections are never polled; deauthorizing stops a running one")
    func blockedNotPolled() {
        var r = LeaseReconciler(configured: ["acme", "beta"])
        let acme = A(connection: "acme", epoch: 1), beta = A(connection: "beta", epoch: 2), old = A(connection: "old", epoch: 3)
        #expect(r.apply(grant: [acme, beta, old], stateBlocks: ["beta": .deauthorized], nowMillis: 0) == [.start(acme)])
        #expect(r.idleState(of: "beta", nowMillis: 0) == "deauthorized")
        #expect(r.idleState(of: "old", nowMillis: 0) == "failed: not configured in this collector's bridge.conf")
        #expect(r.apply(grant: [acme, beta, old], stateBlocks: ["acme": .deauthorized], nowMillis: 1_000) == [
            .stop(connection: "acme", epoch: 1, reason: .blocked(.deauthorized)), .start(beta),
        ])
    }

    @Test("shutdown stops everything and later grants start nothing")
    func shutdownStopsAll() {
        var r = LeaseReconciler(configured: ["acme", "beta"])
        let acme = A(connection: "acme", epoch: 1), beta = A(connection: "beta", epoch: 2)
        _ = r.apply(grant: [acme, beta], stateBlocks: [:], nowMillis: 0)
        #expect(r.shutdown() == [
            .stop(connection: "acme", epoch: 1, reason: .shuttingDown), .stop(connection: "beta", epoch: 2, reason: .shuttingDown),
        ])
        #expect(r.apply(grant: [acme, beta], stateBlocks: [:], nowMillis: 1_000) == [])
        #expect(r.pipelineEnded(connection: "acme", epoch: 1, outcome: .stopped, nowMillis: 1_000) == [])
    }
}
