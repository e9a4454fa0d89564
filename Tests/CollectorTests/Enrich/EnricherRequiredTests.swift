import BoxAPI
import BoxBridgeProtocol
import BoxEmulator
import Foundation
import Logging
import Testing

@testable import Collector

/// Shared-link access is required enrichment: it is waited for at scope priority, past the batch
/// deadline and through shedding, up to the enricher's cap; paths stay best-effort.
@Suite("Enricher: exposure lookups are required")
struct EnricherRequiredTests {
    typealias Fixture = EnricherEmulatorTests.Fixture

    static var quiet: Logger {
        var logger = Logger(label: "test.enrich")
        logger.logLevel = .critical
        return logger
    }

    /// A file whose shared link is open (public), and a file in a folder (for a path-only event).
    static func files(_ fixture: Fixture) throws -> (open: Int, inFolder: Int) {
        let files = fixture.enterprise.files
        let open = try #require(files.indices.first { files[$0].sharedLink?.effectiveAccess == "open" })
        let inFolder = try #require(files.indices.first { $0 != open && files[$0].parent != nil })
        return (open, inFolder)
    }

    @Test("a scheduler shedding all enrichment still gives an open link exposure PUBLIC; the path event is skipped")
    func sheddingKeepsExposure() async throws {
        var shedding = EnricherEmulatorTests.fastScheduler
        shedding.enrichmentMaximumQueue = 0  // every .enrichment request is shed at once
        try await EnricherEmulatorTests.with(scheduler: shedding) { fixture in
            let (open, inFolder) = try Self.files(fixture)
            let enricher = Enricher(client: fixture.client, cacheEntries: 100, logger: Self.quiet)
            let out = await enricher.enrich(
                [fixture.event(file: open, category: .sharedLink), fixture.event(file: inFolder)], budget: .seconds(5))
            #expect(out[0].exposure == .public)
            #expect(out[0].share.linkAccess == .open)
            #expect(out[0].share.external)
            #expect(out[0].enrichment == .complete)
            #expect(out[0].file.path == fixture.expectedPath(file: open), "the required item lookup brings the path too")
            #expect(out[1].enrichment == .skippedBudget, "paths stay best-effort: shed")
            #expect(out[1].file.path.isEmpty)
            let stats = await enricher.stats()
            #expect(stats.requiredLookups == 1)
            #expect(stats.lookupsSkipped["shed"] == 1)
        }
    }

    @Test("a link lookup slower than a tiny budget is waited for; the batch's path lookup is not")
    func tinyBudgetWaitsForLinkOnly() async throws {
        try await EnricherEmulatorTests.with { fixture in
            let (open, inFolder) = try Self.files(fixture)
            let openID = fixture.enterprise.files[open].id
            fixture.running.core.addFault(FaultRule(kind: .slow, count: 1, delayMs: 400, pathPrefix: "/2.0/files/\(openID)"))
            fixture.running.core.addFault(FaultRule(kind: .slow, count: 1, delayMs: 1_500, pathPrefix: "/2.0/folders/"))
            let hook: any EventEnriching = Enricher(client: fixture.client, cacheEntries: 100, logger: Self.quiet)
            let started = ContinuousClock.now
            let out = await hook.enrich(
                [fixture.event(file: open, category: .sharedLink), fixture.event(file: inFolder)], budget: .milliseconds(100))
            let elapsed = ContinuousClock.now - started
            #expect(out[0].exposure == .public)
            #expect(out[0].enrichment == .complete)
            #expect(out[1].enrichment == .skippedBudget, "the path lookup was cut at the budget")
            #expect(elapsed >= .milliseconds(350), "returned after \(elapsed): before Box answered the link lookup")
            #expect(elapsed < .milliseconds(1_300), "returned after \(elapsed): held for the 1.5 s path lookup")
            #expect(hook.maximumHold == .seconds(180), "the pipeline is told to wait up to the cap")
        }
    }

    @Test("a 503 on the link lookup, retried by the scheduler after the budget, still ends PUBLIC")
    func serviceUnavailableThenSuccess() async throws {
        var slowRetry = EnricherEmulatorTests.fastScheduler
        // The scheduler's retry comes 150–450 ms after the 503, well past the 100 ms budget.
        slowRetry.retry = RetryPolicy(base: .milliseconds(150), maximumDelay: .seconds(1))
        try await EnricherEmulatorTests.with(scheduler: slowRetry) { fixture in
            let (open, _) = try Self.files(fixture)
            fixture.running.core.addFault(FaultRule(kind: .status, count: 1, status: 503, pathPrefix: "/2.0/files/"))
            let hook: any EventEnriching = Enricher(client: fixture.client, cacheEntries: 100, logger: Self.quiet)
            let before = fixture.calls("/2.0/files/")
            let out = await hook.enrich([fixture.event(file: open, category: .sharedLink)], budget: .milliseconds(100))
            #expect(out[0].exposure == .public)
            #expect(out[0].enrichment == .complete)
            #expect(fixture.calls("/2.0/files/") - before == 2, "the 503, then the answer")
        }
    }

    @Test("when the scheduler gives up on 503s, the enricher asks again until Box answers")
    func askedAgainAfterSchedulerGivesUp() async throws {
        var oneAttempt = EnricherEmulatorTests.fastScheduler
        oneAttempt.retry = RetryPolicy(maxAttempts: 1, base: .milliseconds(5), maximumDelay: .milliseconds(50))
        try await EnricherEmulatorTests.with(scheduler: oneAttempt) { fixture in
            let (open, _) = try Self.files(fixture)
            fixture.running.core.addFault(FaultRule(kind: .status, count: 2, status: 503, pathPrefix: "/2.0/files/"))
            let enricher = Enricher(
                client: fixture.client, cacheEntries: 100, requiredRetryDelay: .milliseconds(10), logger: Self.quiet)
            let out = await enricher.enrich([fixture.event(file: open, category: .sharedLink)], budget: .seconds(5))
            #expect(out[0].exposure == .public)
            #expect(out[0].enrichment == .complete)
            let stats = await enricher.stats()
            #expect(stats.requiredRetries == 2)
            #expect(stats.lookupFailures == 0)
        }
    }

    @Test("a link lookup Box answers 404 ends FAILED at once, even when enrichment is shed, without waiting for the cap")
    func goneLinkFailsPromptly() async throws {
        var shedding = EnricherEmulatorTests.fastScheduler
        shedding.enrichmentMaximumQueue = 0
        try await EnricherEmulatorTests.with(scheduler: shedding) { fixture in
            let (open, _) = try Self.files(fixture)
            var gone = fixture.event(file: open, category: .sharedLink)
            gone.file.id = "999999999998"
            let hook: any EventEnriching = Enricher(
                client: fixture.client, cacheEntries: 100, requiredBudget: .seconds(60), logger: Self.quiet)
            let before = fixture.calls("/2.0/files/")
            let started = ContinuousClock.now
            let out = await hook.enrich([gone], budget: .milliseconds(100))
            let elapsed = ContinuousClock.now - started
            #expect(out[0].enrichment == .failed)
            #expect(out[0].exposure == .unspecified)
            #expect(fixture.calls("/2.0/files/") - before == 1, "asked once: a 404 is definitive")
            #expect(elapsed < .seconds(3), "answered after \(elapsed)")
        }
    }

    @Test("at the cap, an unanswered link lookup is abandoned: SKIPPED_BUDGET, counted")
    func capReleasesTheEvent() async throws {
        try await EnricherEmulatorTests.with { fixture in
            let (open, _) = try Self.files(fixture)
            // Box answers after 3 s; the simulated clock passes the deadline and then the cap first.
            fixture.running.core.addFault(FaultRule(kind: .slow, count: 1, delayMs: 3_000, pathPrefix: "/2.0/files/"))
            let clock = ManualSchedulerClock()
            let enricher = Enricher(
                client: fixture.client, cacheEntries: 100, requiredBudget: .seconds(60), clock: clock, logger: Self.quiet)
            let events = [fixture.event(file: open, category: .sharedLink)]
            let task = Task { await enricher.enrich(events, deadline: clock.now() + .milliseconds(250)) }
            // The timer waits for the cap (a link-only batch has no best-effort deadline to wait for).
            try #require(await PipelineHarness.eventually(timeout: .seconds(5)) { clock.nextDeadline == .seconds(60) })
            clock.advance(by: .seconds(1))
            #expect(clock.nextDeadline == .seconds(60), "past the batch deadline the link lookup is still waited for")
            let during = await enricher.stats()
            #expect(during.complete + during.skippedBudget == 0, "no event has gone out yet")
            let passed = ContinuousClock.now
            clock.advance(to: .seconds(60))
            let out = await task.value
            let elapsed = ContinuousClock.now - passed
            #expect(elapsed < .milliseconds(1_500), "returned \(elapsed) after the cap, not after Box's answer")
            #expect(out[0].enrichment == .skippedBudget)
            #expect(out[0].exposure == .unspecified)
            let stats = await enricher.stats()
            #expect(stats.requiredTimedOut == 1)
            #expect(stats.lookupsSkipped["deadline"] == 1)
        }
    }
}
