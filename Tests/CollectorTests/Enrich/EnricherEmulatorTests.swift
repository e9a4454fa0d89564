import BoxAPI
import BoxBridgeProtocol
import BoxEmulator
import Foundation
import Logging
import Testing

@testable import Collector

/// The enricher against the real emulator over loopback HTTP, through a real scheduler.
@Suite("Enricher against the Box emulator")
struct EnricherEmulatorTests {
    typealias FileEvent = Boxbridge_V1_FileEvent

    static func configuration() -> EmulatorConfiguration {
        var configuration = EmulatorConfiguration()
        configuration.users = 6
        configuration.groups = 2
        configuration.backlogSize = 0
        configuration.malformedShare = 0
        configuration.rateLimitPerMinute = 100_000
        return configuration
    }

    static let fastScheduler = SchedulerConfiguration(
        callsPerMinute: 60_000, safetyMargin: 0, retry: RetryPolicy(base: .milliseconds(5), maximumDelay: .milliseconds(50)))

    struct Fixture {
        let running: RunningEmulator
        let client: BoxClient
        var enterprise: Enterprise { running.core.enterprise }

        /// Calls the emulator answered on paths starting with `prefix`.
        func calls(_ prefix: String) -> Int { running.core.recordedCalls.filter { $0.path.hasPrefix(prefix) }.count }

        /// A `created` event for file `index`, named as Box's event source names it (parent, no path).
        func event(file index: Int, category: Boxbridge_V1_Category = .created) -> FileEvent {
            let file = enterprise.files[index]
            var event = FileEvent()
            event.connection = "acme"
            event.eventIds = ["ev-\(index)-\(category.rawValue)"]
            event.category = category
            event.file.id = file.id
            event.file.name = file.name
            event.file.itemType = "file"
            if let parent = file.parent {
                event.file.parentID = enterprise.folders[parent].id
                event.file.parentName = enterprise.folders[parent].name
            } else {
                event.file.parentID = "0"
                event.file.parentName = "All Files"
            }
            return event
        }

        /// The path Box's path_collection gives file `index`.
        func expectedPath(file index: Int) -> String {
            let file = enterprise.files[index]
            let names = enterprise.folderChain(file.parent).map { enterprise.folders[$0].name }
            return "/" + (["All Files"] + names + [file.name]).joined(separator: "/")
        }

        /// Files in folders (not at the root), grouped by parent folder index.
        var filesByFolder: [Int: [Int]] {
            var grouped: [Int: [Int]] = [:]
            for (index, file) in enterprise.files.enumerated() {
                if let parent = file.parent { grouped[parent, default: []].append(index) }
            }
            return grouped
        }
    }

    static func with<T: Sendable>(
        _ configuration: EmulatorConfiguration = configuration(),
        scheduler schedulerConfiguration: SchedulerConfiguration = fastScheduler,
        _ body: (Fixture) async throws -> T
    ) async throws -> T {
        var quiet = Logger(label: "test.enrich")
        quiet.logLevel = .error
        return try await EmulatorServer.withRunning(configuration, logger: quiet) { running in
            let scheduler = RequestScheduler(credential: "test", configuration: schedulerConfiguration, logger: quiet)
            let client = BoxClient(
                endpoint: BoxEndpoint(baseURL: running.baseURL),
                credentials: .clientCredentials(
                    clientID: configuration.clientID, clientSecret: Secret(configuration.clientSecret),
                    subject: .enterprise(configuration.enterpriseID)),
                scheduler: scheduler, requestTimeout: .seconds(5), logger: quiet, flow: "acme")
            return try await body(Fixture(running: running, client: client))
        }
    }

    static func enricher(_ fixture: Fixture, cacheEntries: Int = 100) -> Enricher {
        var quiet = Logger(label: "test.enrich")
        quiet.logLevel = .error
        return Enricher(client: fixture.client, cacheEntries: cacheEntries, logger: quiet)
    }

    @Test("paths are filled from GET /folders/{id}, and the second batch is served from the cache")
    func pathsAndCacheHits() async throws {
        try await Self.with { fixture in
            let folders = fixture.filesByFolder.filter { $0.value.count >= 2 }.keys.sorted()
            let folderA = try #require(folders.first), folderB = try #require(folders.dropFirst().first)
            let a = fixture.filesByFolder[folderA]!, b = fixture.filesByFolder[folderB]!
            let atRoot = try #require(fixture.enterprise.files.indices.first { fixture.enterprise.files[$0].parent == nil })
            let indices = [a[0], a[1], b[0], atRoot]
            let events = indices.map { fixture.event(file: $0) }
            let enricher = Self.enricher(fixture)
            let before = fixture.calls("/2.0/folders/")

            let first = await enricher.enrich(events, budget: .seconds(5))
            #expect(first.map(\.eventIds) == events.map(\.eventIds), "same events, same order")
            for (event, index) in zip(first, indices) {
                #expect(event.file.path == fixture.expectedPath(file: index))
                #expect(event.enrichment == .complete)
            }
            #expect(first[3].file.path.hasPrefix("/All Files/"), "a file at the root needs no call")
            #expect(fixture.calls("/2.0/folders/") - before == 2, "one call per distinct folder, none for the root")
            var stats = await enricher.stats()
            #expect(stats.cacheMisses == 2)
            #expect(stats.cacheHits == 0)

            let second = await enricher.enrich(events, budget: .seconds(5))
            #expect(second.map(\.file.path) == first.map(\.file.path))
            #expect(fixture.calls("/2.0/folders/") - before == 2, "the second batch made no call")
            stats = await enricher.stats()
            #expect(stats.cacheHits == 3)
            #expect(stats.cacheMisses == 2)
            #expect(stats.complete == 8)
        }
    }

    @Test("the cache is bounded: the least recently used folder is evicted and looked up again")
    func boundedCacheEvicts() async throws {
        try await Self.with { fixture in
            let folders = fixture.filesByFolder.keys.sorted().prefix(3).map { fixture.filesByFolder[$0]![0] }
            try #require(folders.count == 3)
            let enricher = Self.enricher(fixture, cacheEntries: 2)
            let before = fixture.calls("/2.0/folders/")
            for index in folders {
                let out = await enricher.enrich([fixture.event(file: index)], budget: .seconds(5))
                #expect(out[0].file.path == fixture.expectedPath(file: index))
            }
            var stats = await enricher.stats()
            #expect(stats.cacheEntries == 2)
            #expect(stats.cacheEvictions == 1)
            #expect(fixture.calls("/2.0/folders/") - before == 3)

            // The first folder was evicted: looked up again. The third is still cached.
            _ = await enricher.enrich([fixture.event(file: folders[0])], budget: .seconds(5))
            #expect(fixture.calls("/2.0/folders/") - before == 4)
            _ = await enricher.enrich([fixture.event(file: folders[2])], budget: .seconds(5))
            #expect(fixture.calls("/2.0/folders/") - before == 4)
            stats = await enricher.stats()
            #expect(stats.cacheMisses == 4)
            #expect(stats.cacheHits == 1)
            #expect(stats.cacheEntries == 2)
        }
    }

    @Test("shared-link events get the link's effective access: open is public and external")
    func sharedLinkAccess() async throws {
        try await Self.with { fixture in
            let files = fixture.enterprise.files
            let open = try #require(files.indices.first { files[$0].sharedLink?.effectiveAccess == "open" })
            let company = try #require(files.indices.first { files[$0].sharedLink?.effectiveAccess == "company" })
            let enricher = Self.enricher(fixture)
            let before = fixture.calls("/2.0/files/")
            let out = await enricher.enrich(
                [fixture.event(file: open, category: .sharedLink), fixture.event(file: company, category: .sharedLink)],
                budget: .seconds(5))
            #expect(out[0].share.linkAccess == .open)
            #expect(out[0].share.external)
            #expect(out[0].exposure == .public)
            #expect(out[0].file.path == fixture.expectedPath(file: open), "the item lookup gives the path too")
            #expect(out[0].enrichment == .complete)
            #expect(out[1].share.linkAccess == .company)
            #expect(!out[1].share.external)
            #expect(out[1].exposure == .internal)
            #expect(fixture.calls("/2.0/files/") - before == 2)
            let query = try #require(fixture.running.core.recordedCalls.last { $0.path.hasPrefix("/2.0/files/") }?.query)
            #expect(query.contains("shared_link"))
        }
    }

    @Test("an item that is gone (404) is marked FAILED and returned with the rest of the batch")
    func goneItemFails() async throws {
        try await Self.with { fixture in
            let good = fixture.filesByFolder.keys.sorted().first.map { fixture.filesByFolder[$0]![0] }!
            var gone = fixture.event(file: good)
            gone.eventIds = ["gone"]
            gone.file.id = "999999999999"
            gone.file.parentID = "999999999"
            var goneLink = fixture.event(file: good, category: .sharedLink)
            goneLink.eventIds = ["gone-link"]
            goneLink.file.id = "999999999998"
            let enricher = Self.enricher(fixture)
            let out = await enricher.enrich([gone, fixture.event(file: good), goneLink], budget: .seconds(5))
            #expect(out.map(\.eventIds) == [["gone"], fixture.event(file: good).eventIds, ["gone-link"]])
            #expect(out[0].enrichment == .failed)
            #expect(out[0].file.path.isEmpty)
            #expect(out[1].enrichment == .complete)
            #expect(out[1].file.path == fixture.expectedPath(file: good))
            #expect(out[2].enrichment == .failed)
            #expect(out[2].share.linkAccess == .unspecified)
            var stats = await enricher.stats()
            #expect(stats.lookupFailures == 2)
            #expect(stats.failed == 2)

            // The gone folder is remembered: its next events fail without asking Box again.
            let folderCalls = fixture.calls("/2.0/folders/")
            let again = await enricher.enrich([gone], budget: .seconds(5))
            #expect(again[0].enrichment == .failed)
            #expect(fixture.calls("/2.0/folders/") == folderCalls)
            stats = await enricher.stats()
            #expect(stats.lookupFailures == 2)
            #expect(stats.failed == 3)
        }
    }

    @Test("past the deadline the batch returns on time, unenriched events marked SKIPPED_BUDGET")
    func deadlineSkips() async throws {
        try await Self.with { fixture in
            // Box takes a second to answer; the deadline (on a manual clock) passes long before.
            fixture.running.core.addFault(FaultRule(kind: .slow, count: 1, delayMs: 1_000, pathPrefix: "/2.0/folders/"))
            let index = fixture.filesByFolder.keys.sorted().first.map { fixture.filesByFolder[$0]![0] }!
            let atRoot = try #require(fixture.enterprise.files.indices.first { fixture.enterprise.files[$0].parent == nil })
            let clock = ManualSchedulerClock()
            var quiet = Logger(label: "test.enrich")
            quiet.logLevel = .error
            let enricher = Enricher(client: fixture.client, cacheEntries: 100, clock: clock, logger: quiet)
            let events = [fixture.event(file: index), fixture.event(file: atRoot)]
            let task = Task { await enricher.enrich(events, deadline: clock.now() + .milliseconds(250)) }
            // Once the lookup is on its way and the deadline timer waits, time passes the deadline.
            let waiting = ContinuousClock.now + .seconds(5)
            while clock.sleeperCount == 0, ContinuousClock.now < waiting { try await Task.sleep(for: .milliseconds(5)) }
            try await Task.sleep(for: .milliseconds(50))
            let passed = ContinuousClock.now
            clock.advance(by: .milliseconds(300))
            let out = await task.value
            let elapsed = ContinuousClock.now - passed
            #expect(elapsed < .milliseconds(500), "returned \(elapsed) after the deadline, not after Box's answer")
            #expect(out[0].enrichment == .skippedBudget)
            #expect(out[0].file.path.isEmpty)
            #expect(out[1].enrichment == .complete, "what needed no call is still enriched")
            let stats = await enricher.stats()
            #expect(stats.lookupsSkipped["deadline"] == 1)
        }
    }

    @Test("the pipeline hook answers within its budget on a real clock")
    func budgetOnRealClock() async throws {
        try await Self.with { fixture in
            fixture.running.core.addFault(FaultRule(kind: .slow, count: 1, delayMs: 1_000, pathPrefix: "/2.0/folders/"))
            let index = fixture.filesByFolder.keys.sorted().first.map { fixture.filesByFolder[$0]![0] }!
            let hook: any EventEnriching = Self.enricher(fixture)
            let started = ContinuousClock.now
            let out = await hook.enrich([fixture.event(file: index)], budget: .milliseconds(200))
            let elapsed = ContinuousClock.now - started
            #expect(elapsed < .milliseconds(900), "answered after \(elapsed), Box after 1 s")
            #expect(out[0].enrichment == .skippedBudget)
        }
    }

    @Test("lookups the scheduler sheds go out SKIPPED_BUDGET without reaching Box")
    func shedBySchedulerSkips() async throws {
        var shedding = Self.fastScheduler
        shedding.enrichmentMaximumQueue = 0  // every enrichment request is shed at once
        try await Self.with(scheduler: shedding) { fixture in
            let index = fixture.filesByFolder.keys.sorted().first.map { fixture.filesByFolder[$0]![0] }!
            let enricher = Self.enricher(fixture)
            let before = fixture.calls("/2.0/")
            let out = await enricher.enrich([fixture.event(file: index)], budget: .seconds(5))
            #expect(out[0].enrichment == .skippedBudget)
            #expect(fixture.calls("/2.0/") == before)
            #expect(await enricher.stats().lookupsSkipped["shed"] == 1)
        }
    }
}
