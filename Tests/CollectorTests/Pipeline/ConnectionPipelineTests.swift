import BoxAPI
import BoxBridgeConfig
import BoxBridgeProtocol
import BoxEmulator
import BusClient
import Foundation
import Testing

@testable import Collector

/// The pipeline against the real emulator over loopback HTTP and a real in-process broker.
@Suite("Connection pipeline: emulator → pipeline → broker")
struct ConnectionPipelineTests {
    /// Checks that every in-scope Box event of the ground truth was published exactly once, and nothing else.
    static func expectExactlyOnce(_ published: [String], truth: [PipelineTruthLine], sourceLocation: SourceLocation = #_sourceLocation) {
        let expected = Set(truth.filter(\.inScope).compactMap(\.eventID))
        var counts: [String: Int] = [:]
        for id in published { counts[id, default: 0] += 1 }
        let doubled = counts.filter { $0.value > 1 }.map(\.key)
        let missing = expected.subtracting(counts.keys)
        let extra = Set(counts.keys).subtracting(expected)
        #expect(!expected.isEmpty, "the workload has in-scope events", sourceLocation: sourceLocation)
        #expect(doubled.isEmpty, "published more than once: \(doubled.prefix(5))", sourceLocation: sourceLocation)
        #expect(missing.isEmpty, "\(missing.count) in-scope events never published, e.g. \(missing.prefix(5))", sourceLocation: sourceLocation)
        #expect(extra.isEmpty, "\(extra.count) events published that are not in scope, e.g. \(extra.prefix(5))", sourceLocation: sourceLocation)
    }

    @Test("duplicates, reordering, malformed events, 429s and 5xx: every in-scope event reaches the bus exactly once")
    func exactlyOnceWithFaults() async throws {
        try await PipelineHarness.with { harness in
            for fault in [
                FaultRule(kind: .rateLimit, count: 3, retryAfter: 0, pathPrefix: "/2.0/events"),
                FaultRule(kind: .status, count: 3, status: 503, pathPrefix: "/2.0/events"),
                FaultRule(kind: .status, count: nil, share: 0.1, status: 502, pathPrefix: "/2.0/events"),
                FaultRule(kind: .status, count: 2, status: 500, pathPrefix: "/2.0/files"),
            ] { harness.core.addFault(fault) }
            let end = harness.endPosition
            let pipeline = harness.pipeline(lease: try await harness.lease())
            let outcome = try await PipelineHarness.run(pipeline) { pipeline.status.position == end }
            #expect(outcome.error == nil, "\(String(describing: outcome.error))")
            #expect(outcome.reached, "reached \(pipeline.status.position), want \(end); \(pipeline.status.counters)")

            let truth = try harness.groundTruth()
            Self.expectExactlyOnce(try await harness.publishedIDs(), truth: truth)
            #expect(try await harness.brokerCheckpoint() == end)

            // The faults were really hit, and the stream really had duplicates and repeats.
            let stats = await harness.box.scheduler.stats()
            #expect(stats.rateLimited >= 3)
            let counters = pipeline.status.counters
            #expect(counters.duplicates > 0)
            #expect(counters.coalesced > 0, "the workload's edit bursts fold together")
            #expect(counters.publishedBoxEvents == truth.filter(\.inScope).count)

            // Malformed events are quarantined on ops with their bytes; the service account's go to ops as health.
            let ops = try await harness.replay("ops/acme/")
            let quarantined = ops.filter { $0.topic == "ops/acme/quarantined" }
            #expect(quarantined.count == truth.filter(\.malformed).count)
            #expect(quarantined.allSatisfy { !$0.quarantined.raw.isEmpty && !$0.quarantined.reason.isEmpty })
            let serviceAccount = ops.filter { $0.topic.hasPrefix("ops/acme/") && $0.health.connection == "acme" && [.serviceAccountActivity, .shieldBlockedServiceAccount].contains($0.health.kind) }
            #expect(serviceAccount.count == truth.filter { $0.byServiceAccount && !$0.malformed }.count)
            #expect(ops.contains { $0.topic == "ops/acme/scope-refreshed" && $0.health.count > 0 })

            // Nobody anonymous and not the bridge itself is ever an actor of a published event.
            let published = try await harness.replay("box/acme/")
            #expect(published.allSatisfy { $0.fileEvent.actor.id != "2" && !$0.fileEvent.byServiceAccount })
            #expect(published.allSatisfy { $0.fileEvent.enrichment == .notNeeded })

            // Caught up: running, no lag, the newest event seen is the log's last.
            let status = pipeline.status
            #expect(status.state == "running" && status.lagSeconds == 0 && !status.backfilling)
            #expect(status.newestEventAt != nil)

            // Positions beyond 2^53 survive as strings.
            #expect(UInt64(end)! > 1 << 53)
            let progress = pipeline.progress
            #expect(progress.position == end)
            #expect(progress.scopeSize == UInt64(harness.core.enterprise.users.prefix(harness.core.enterprise.managedCount).filter(\.isActive).count))
        }
    }

    @Test("stopped mid-backfill with events held, restarted from the broker's lease: still exactly once")
    func restartFromCheckpoint() async throws {
        try await PipelineHarness.with(PipelineHarness.workload(backlog: 400)) { harness in
            var harness = harness
            harness.collector.pageSize = 20
            // Slow pages, so held groups fall due while later pages are still being read.
            harness.core.addFault(FaultRule(kind: .slow, count: nil, share: 1, delayMs: 25, pathPrefix: "/2.0/events"))
            let end = harness.endPosition
            let first = harness.pipeline(lease: try await harness.lease())
            // Stop once something is durable while the coalescer still holds events.
            _ = try await PipelineHarness.run(first) {
                let status = first.status
                return status.counters.publishedEvents > 30 && status.heldGroups > 0
            }
            let stoppedAt = first.status
            #expect(stoppedAt.position != end)
            #expect(stoppedAt.heldGroups > 0)

            harness.core.clearFaults()
            let lease = try await harness.lease()
            #expect(!lease.checkpoint.isEmpty && lease.checkpoint != end)
            #expect(!lease.recentEventIds.isEmpty)
            let second = harness.pipeline(lease: lease)
            let outcome = try await PipelineHarness.run(second) { second.status.position == end }
            #expect(outcome.error == nil)
            #expect(outcome.reached)
            #expect(second.status.counters.duplicates > 0, "the re-read pages' published events were dropped by dedupe")
            Self.expectExactlyOnce(try await harness.publishedIDs(), truth: try harness.groundTruth())
        }
    }

    @Test("a lease whose checkpoint is not the broker's stops the pipeline with CheckpointMismatch")
    func checkpointMismatch() async throws {
        try await PipelineHarness.with { harness in
            var lease = try await harness.lease()
            lease.checkpoint = EventLog.position(ofIndex: 10)
            let pipeline = harness.pipeline(lease: lease)
            let outcome = try await PipelineHarness.run(pipeline) { false }
            let mismatch = try #require(outcome.error as? CheckpointMismatch)
            #expect(mismatch.sent == lease.checkpoint)
            #expect(mismatch.brokerCheckpoint == "")
            #expect(try await harness.publishedIDs().isEmpty)
        }
    }

    @Test("the scope is looked up again on the configured interval, and a new import takes effect then")
    func scopeRelookup() async throws {
        try await PipelineHarness.with(PipelineHarness.workload(backlog: 0)) { harness in
            var harness = harness
            harness.connection.startPosition = .now
            harness.connection.scope = .users
            harness.collector.groupRelookupInterval = .seconds(3_600)
            let active = harness.core.enterprise.users.prefix(harness.core.enterprise.managedCount).filter(\.isActive)
            let store = ScopeStore(folder: harness.folder + "/scope")
            func importUsers(_ count: Int) throws {
                let list = try ScopeList.parse("Email\n" + active.prefix(count).map(\.login).joined(separator: "\n"), file: "users.csv")
                try store.replace(StoredScope(connection: "acme", list: list, source: "users.csv", importedAt: 0))
            }
            try importUsers(3)
            let wall = PipelineWallClock()
            let pipeline = harness.pipeline(lease: try await harness.lease(), now: { wall.now })
            let task = Task { try await pipeline.run() }
            defer { task.cancel() }
            #expect(await PipelineHarness.eventually { pipeline.status.scopeSize == 3 })

            // A new import is read at the next re-lookup, which comes once the interval has passed.
            try importUsers(2)
            #expect(await PipelineHarness.eventually(timeout: .milliseconds(300)) { pipeline.status.scopeSize == 2 } == false)
            wall.advance(hours: 2)
            #expect(await PipelineHarness.eventually { pipeline.status.scopeSize == 2 })
            #expect(await PipelineHarness.eventually {
                (try? await harness.replay("ops/acme/scope-refreshed").map(\.health.count)) == [3, 2]
            })
        }
    }

    @Test("the broker restarts mid-stream: timed-out batches are sent again with the same id, still exactly once")
    func brokerRestart() async throws {
        try await PipelineHarness.with(PipelineHarness.workload(backlog: 300)) { harness in
            var harness = harness
            harness.collector.pageSize = 20
            harness.core.addFault(FaultRule(kind: .slow, count: nil, share: 1, delayMs: 20, pathPrefix: "/2.0/events"))
            let end = harness.endPosition
            let endpoints = harness.broker.endpoints
            let impatient = try BusClient(
                endpoints: BusEndpoints(ingest: endpoints.ingest, publish: endpoints.publish, control: endpoints.control),
                timeout: .milliseconds(250))
            let pipeline = harness.pipeline(lease: try await harness.lease(), bus: impatient)
            let task = Task { try await pipeline.run() }
            defer { task.cancel() }
            #expect(await PipelineHarness.eventually { pipeline.status.counters.publishedEvents > 20 })
            try await harness.broker.stop()
            #expect(await PipelineHarness.eventually { pipeline.status.counters.publishRetries > 0 })
            try harness.broker.restart()
            #expect(await PipelineHarness.eventually { pipeline.status.position == end })
            task.cancel()
            await impatient.close()
            Self.expectExactlyOnce(try await harness.publishedIDs(), truth: try harness.groundTruth())
        }
    }

    @Test("a lease taken over by another collector stops the pipeline with LeaseLost")
    func staleLease() async throws {
        try await PipelineHarness.with(broker: { $0.leaseTimeout = .milliseconds(300) }) { harness in
            let lease = try await harness.lease(collectorID: "c1")
            let taken = try await harness.lease(collectorID: "c2")  // c1 stops heartbeating; c2 gets acme
            #expect(taken.epoch > lease.epoch)
            let pipeline = harness.pipeline(lease: lease, collectorID: "c1")
            let outcome = try await PipelineHarness.run(pipeline) { false }
            let lost = try #require(outcome.error as? LeaseLost)
            #expect(lost.connection == "acme")
            #expect(lost.epoch == lease.epoch)
            #expect(pipeline.status.state.hasPrefix("failed"))
            #expect(try await harness.publishedIDs().isEmpty)
        }
    }

    @Test("start at now: nothing from before, empty pages keep the position, new events come through")
    func startNowAndEmptyPages() async throws {
        // Without re-deliveries: the emulator re-sends events from just before the cursor, which
        // after a `now` start are events the bridge never saw (and would publish, once).
        var workload = PipelineHarness.workload()
        workload.streamingDuplicateShare = 0
        try await PipelineHarness.with(workload) { harness in
            var harness = harness
            harness.connection.startPosition = .now
            let end = harness.endPosition
            let pipeline = harness.pipeline(lease: try await harness.lease())
            let task = Task { try await pipeline.run() }
            defer { task.cancel() }
            // Several empty polls: the checkpoint is the stream's end and stays there.
            #expect(await PipelineHarness.eventually { pipeline.status.counters.pages >= 4 })
            #expect(try await harness.brokerCheckpoint() == end)
            #expect(pipeline.status.position == end)

            // Three new events, copies of in-scope backlog events under new ids.
            let truth = try harness.groundTruth()
            let samples = truth.enumerated().filter { $0.element.inScope }.prefix(3).map { $0.offset }
            var json: [String] = []
            for (n, index) in samples.enumerated() {
                let original = harness.core.log.event(UInt64(index))
                let id = original.meta.eventID!
                json.append(String(decoding: original.bytes, as: UTF8.self).replacingOccurrences(of: id, with: "live-\(n)-\(id)"))
            }
            _ = try harness.core.appendEvents(json: Array("[\(json.joined(separator: ","))]".utf8))
            let newEnd = harness.endPosition
            #expect(await PipelineHarness.eventually { pipeline.status.position == newEnd })
            task.cancel()
            let published = try await harness.publishedIDs()
            #expect(published.count == 3)
            #expect(published.allSatisfy { $0.hasPrefix("live-") })
        }
    }

    @Test("start at a timestamp on admin_logs: only events created from then on")
    func startAtTimestamp() async throws {
        try await PipelineHarness.with { harness in
            var harness = harness
            let truth = try harness.groundTruth()
            let cut = truth[truth.count / 2].createdAt
            harness.connection.streamType = .adminLogs
            harness.connection.startPosition = .timestamp(ISO8601DateFormatter().string(from: cut))
            let end = harness.endPosition
            let pipeline = harness.pipeline(lease: try await harness.lease())
            let outcome = try await PipelineHarness.run(pipeline) { pipeline.status.position == end }
            #expect(outcome.reached && outcome.error == nil)
            let wanted = truth.filter { $0.createdAt >= cut }
            #expect(wanted.count < truth.count && !wanted.isEmpty)
            Self.expectExactlyOnce(try await harness.publishedIDs(), truth: wanted)
        }
    }

    @Test("more drives than allowed fail the connection with the exact message, published on ops")
    func driveLimit() async throws {
        try await PipelineHarness.with { harness in
            var harness = harness
            harness.collector.maxDrives = 3
            let pipeline = harness.pipeline(lease: try await harness.lease())
            let outcome = try await PipelineHarness.run(pipeline) { false }
            let failure = try #require(outcome.error as? DriveLimitExceeded)
            #expect(failure.limit == 3)
            let ops = try await harness.replay("ops/acme/scope-limit-exceeded")
            #expect(ops.first?.health.message
                == "The number of supported user drives (3) for this connector has been exceeded. Deauthorize the connector and reauthorize with fewer than 3 drives.")
            #expect(try await harness.publishedIDs().isEmpty)
        }
    }

    @Test("an enricher that misses its budget never holds the stream: events go out marked skipped")
    func enrichmentBudget() async throws {
        try await PipelineHarness.with(PipelineHarness.workload(backlog: 40)) { harness in
            var harness = harness
            harness.collector.coalesceWindow = .zero
            let end = harness.endPosition
            let pipeline = harness.pipeline(lease: try await harness.lease(), enricher: StuckEnricher())
            let outcome = try await PipelineHarness.run(pipeline) { pipeline.status.position == end }
            #expect(outcome.reached && outcome.error == nil)
            let events = try await harness.replay("box/acme/")
            #expect(!events.isEmpty)
            #expect(events.allSatisfy { $0.fileEvent.enrichment == .skippedBudget })
            #expect(pipeline.status.counters.enrichmentSkipped == events.count)
        }
    }
}

/// An enricher that never answers within any budget (it waits until cancelled).
struct StuckEnricher: EventEnriching {
    func enrich(_ events: [Boxbridge_V1_FileEvent], budget: Duration) async -> [Boxbridge_V1_FileEvent] {
        try? await Task.sleep(for: .seconds(3_600))
        return events
    }
}
