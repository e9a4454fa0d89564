import BoxAPI
import BoxBridgeProtocol
import BoxEmulator
import Foundation
import Logging
import Testing

@testable import Collector

/// The real enricher as the pipeline's hook: emulator → pipeline (enrich) → broker.
@Suite("Enricher in the connection pipeline")
struct EnricherPipelineTests {
    @Test("published file events carry Box's paths, and their status says they were enriched")
    func publishedEventsAreEnriched() async throws {
        try await PipelineHarness.with(PipelineHarness.workload(backlog: 60)) { harness in
            var harness = harness
            harness.collector.coalesceWindow = .zero
            let end = harness.endPosition
            // Real time: the 2 s enrichment budget must stay 2 s on a loaded CI machine, since the
            // test asserts an idle budget is never exceeded (a sped-up clock made it 0.4 s).
            let clock = PipelineTestClock(rate: 1)
            let enricher = Enricher(client: harness.box, cacheEntries: 1_000, clock: clock, logger: PipelineHarness.quiet)
            let pipeline = harness.pipeline(lease: try await harness.lease(), clock: clock, enricher: enricher)
            let outcome = try await PipelineHarness.run(pipeline) { pipeline.status.position == end }
            #expect(outcome.reached && outcome.error == nil)

            let events = try await harness.replay("box/acme/").map(\.fileEvent)
            #expect(!events.isEmpty)
            #expect(events.allSatisfy { $0.enrichment != .unspecified })
            #expect(!events.contains { $0.enrichment == .skippedBudget || $0.enrichment == .failed }, "an idle budget suffices")

            // Every file the emulator knows is published with the path its path_collection gives.
            let enterprise = harness.core.enterprise
            var checked = 0
            for event in events where event.file.itemType == "file" {
                guard let index = enterprise.filesByID[event.file.id] else { continue }
                let file = enterprise.files[index]
                let names = enterprise.folderChain(file.parent).map { enterprise.folders[$0].name }
                #expect(event.file.path == "/" + (["All Files"] + names + [event.file.name]).joined(separator: "/"))
                checked += 1
            }
            #expect(checked > 0)
            let stats = await enricher.stats()
            #expect(stats.cacheHits > 0, "folders repeat across a backlog: the cache answers some")
            #expect(stats.complete > 0)
        }
    }

    @Test("an enricher that holds a batch for exposure lookups is waited for up to its maximumHold, past the budget")
    func requiredLookupsHoldTheBatch() async throws {
        try await PipelineHarness.with(PipelineHarness.workload(backlog: 20)) { harness in
            var harness = harness
            harness.collector.coalesceWindow = .zero
            let end = harness.endPosition
            let clock = PipelineTestClock(rate: 50)
            // Answers 10 s (pipeline time) after each call: five times the 2 s budget, within the hold.
            let enricher = HoldingEnricher(clock: clock, answerAfter: .seconds(10), maximumHold: .seconds(60))
            let pipeline = harness.pipeline(lease: try await harness.lease(), clock: clock, enricher: enricher)
            let outcome = try await PipelineHarness.run(pipeline) { pipeline.status.position == end }
            #expect(outcome.reached && outcome.error == nil)
            let events = try await harness.replay("box/acme/").map(\.fileEvent)
            #expect(!events.isEmpty)
            #expect(events.allSatisfy { $0.enrichment == .complete }, "the pipeline waited past its 2 s budget")
            #expect(pipeline.status.counters.enrichmentSkipped == 0)
        }
    }
}

/// An enricher that answers (every event COMPLETE) only after `answerAfter` on `clock`, and asks
/// the pipeline to wait up to `maximumHold`.
struct HoldingEnricher: EventEnriching {
    let clock: any SchedulerClock
    let answerAfter: Duration
    let maximumHold: Duration?

    func enrich(_ events: [Boxbridge_V1_FileEvent], budget: Duration) async -> [Boxbridge_V1_FileEvent] {
        try? await clock.sleep(for: answerAfter)
        return events.map { event in
            var event = event
            event.enrichment = .complete
            return event
        }
    }
}
