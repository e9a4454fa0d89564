import BoxBridgeProtocol
import Foundation
import Testing
@testable import Collector

@Suite("Health monitor: once per condition, not once per poll")
struct HealthMonitorTests {
    static let thresholds = HealthMonitor.Thresholds(lagWarning: .seconds(300), silenceAfter: .seconds(600), repeatAfter: .seconds(3600))

    func observation(_ seconds: Int64, _ change: (inout HealthMonitor.Observation) -> Void = { _ in }) -> HealthMonitor.Observation {
        var o = HealthMonitor.Observation(nowMillis: seconds * 1000, startedAtMillis: 0)
        o.lastEventAtMillis = seconds * 1000
        change(&o)
        return o
    }

    @Test("lag beyond lag_warning: one warning, repeated hourly while it lasts, then one ok")
    func lag() {
        var monitor = HealthMonitor(connection: "acme", collectorID: "c1", thresholds: Self.thresholds)
        #expect(monitor.observe(observation(10) { $0.lagSeconds = 300 }).isEmpty)
        let first = monitor.observe(observation(12) { $0.lagSeconds = 301 })
        #expect(first.map(\.kind) == [.lag])
        #expect(first.first?.lagSeconds == 301)
        #expect(first.first?.envelope.topic == "ops/acme/lag")
        for second in stride(from: Int64(14), to: 3_000, by: 2) {
            #expect(monitor.observe(observation(second) { $0.lagSeconds = 900 }).isEmpty)
        }
        #expect(monitor.observe(observation(3_612) { $0.lagSeconds = 900 }).map(\.kind) == [.lag])
        let cleared = monitor.observe(observation(3_614) { $0.lagSeconds = 0 })
        #expect(cleared.map(\.kind) == [.ok])
        #expect(cleared.first?.details["cleared"] == "lag")
        #expect(monitor.observe(observation(3_616)).isEmpty)
    }

    @Test("silence beyond silence_after is reported once, counted from the last event or the start")
    func silence() {
        var monitor = HealthMonitor(connection: "acme", collectorID: "c1", thresholds: Self.thresholds)
        var quiet = HealthMonitor.Observation(nowMillis: 599_000, startedAtMillis: 0)
        #expect(monitor.observe(quiet).isEmpty)
        quiet.nowMillis = 600_000
        let silent = monitor.observe(quiet)
        #expect(silent.map(\.kind) == [.silent])
        quiet.nowMillis = 700_000
        #expect(monitor.observe(quiet).isEmpty)
        quiet.lastEventAtMillis = 699_000
        #expect(monitor.observe(quiet).map(\.kind) == [.ok])

        var never = HealthMonitor(connection: "acme", collectorID: "c1", thresholds: .init(silenceAfter: .zero))
        #expect(never.observe(HealthMonitor.Observation(nowMillis: 99_000_000, startedAtMillis: 0)).isEmpty)
    }

    @Test("a 429 pause is announced once with its retry-after, not on every poll while paused")
    func rateLimited() {
        var monitor = HealthMonitor(connection: "acme", collectorID: "c1", thresholds: Self.thresholds)
        #expect(monitor.observe(observation(1)).isEmpty)
        let paused = monitor.observe(observation(2) { $0.rateLimitedTotal = 1; $0.pausedSeconds = 4.2 })
        #expect(paused.map(\.kind) == [.rateLimited])
        #expect(paused.first?.retryAfterSeconds == 5)
        #expect(monitor.observe(observation(3) { $0.rateLimitedTotal = 1; $0.pausedSeconds = 3 }).isEmpty)
        #expect(monitor.observe(observation(4) { $0.rateLimitedTotal = 2; $0.pausedSeconds = 0 }).isEmpty)
        #expect(monitor.observe(observation(9) { $0.rateLimitedTotal = 2 }).map(\.kind) == [.ok])
    }

    @Test("auth failures and deauthorization are announced once each")
    func authAndDeauthorized() {
        var monitor = HealthMonitor(connection: "acme", collectorID: "c1", thresholds: Self.thresholds)
        let failed = monitor.observe(observation(1) { $0.authFailure = "status 401" })
        #expect(failed.map(\.kind) == [.authFailure])
        #expect(failed.first?.severity == .high)
        #expect(failed.first?.message.contains("status 401") == true)
        #expect(monitor.observe(observation(2) { $0.authFailure = "status 401" }).isEmpty)
        #expect(monitor.observe(observation(3)).map(\.kind) == [.ok])

        #expect(monitor.observe(observation(4) { $0.deauthorized = true }).map(\.kind) == [.deauthorized])
        // Not polled, so not silent either.
        #expect(monitor.observe(observation(5_000) { $0.deauthorized = true; $0.lastEventAtMillis = nil }).isEmpty)
    }
}

@Suite("Backfill progress lines")
struct BackfillProgressTests {
    @Test("a line per backfilling connection with events, rate and how far behind; one caught-up line")
    func lines() {
        var progress = BackfillProgress()
        var status = PipelineStatus(connection: "acme", position: "")
        status.backfilling = true
        status.state = "backfilling"
        status.counters.boxEvents = 1_000
        let wall = Date(timeIntervalSince1970: 1_800_000_000)
        status.newestEventAt = wall.addingTimeInterval(-(3 * 86_400 + 4 * 3_600))
        #expect(progress.lines(for: [status], nowMillis: 0, wallNow: wall)
            == ["acme: backfilling  1,000 events  0/s  reached 2027-01-12T04:00:00Z  3d 4h behind"])
        status.counters.boxEvents = 3_500
        #expect(progress.lines(for: [status], nowMillis: 2_000, wallNow: wall).first?.hasPrefix("acme: backfilling  3,500 events  1,250/s") == true)
        status.backfilling = false
        status.state = "running"
        status.lastPoll = wall
        status.counters.publishedEvents = 1_200
        #expect(progress.lines(for: [status], nowMillis: 4_000, wallNow: wall) == ["acme: caught up  3,500 events read, 1,200 published"])
        #expect(progress.lines(for: [status], nowMillis: 6_000, wallNow: wall).isEmpty)
    }
}
