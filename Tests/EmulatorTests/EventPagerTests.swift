import Testing
@testable import BoxEmulator

@Suite struct EventPagerTests {
    let log = WorkloadTests.log(seed: 5, backlog: 2_000)

    @Test func positionsAreStringsAboveTwoToThe53() {
        let pager = EventPager(seed: 5, duplicateShare: 0, reorderWindow: 1)
        let page = pager.page(.init(stream: .adminLogs, start: .beginning, limit: 500, eventTypes: nil), log: log)
        #expect(page.indices == Array(0..<500))
        let next = try! #require(UInt64(page.nextPosition))
        #expect(next > 1 << 53)
        #expect(EventPager.parseStart(page.nextPosition) == .index(500))
        let body = String(decoding: EmulatorResponder.eventsBody(page: page, log: log), as: UTF8.self)
        #expect(body.contains("\"next_stream_position\":\"\(page.nextPosition)\""))
        // Followed to the end, admin_logs gives every event once, in order; then an empty page at 0.
        var seen: [UInt64] = page.indices
        var position = page.nextPosition
        while true {
            let p = pager.page(.init(stream: .adminLogs, start: EventPager.parseStart(position)!, limit: 500, eventTypes: nil), log: log)
            if p.indices.isEmpty {
                #expect(p.nextIsZero)
                break
            }
            seen += p.indices
            position = p.nextPosition
        }
        #expect(seen == Array(0..<2_000))
    }

    @Test func streamingRedeliversAndReordersButNeverSkips() {
        let pager = EventPager(seed: 5, duplicateShare: 0.2, reorderWindow: 4)
        var position = "0"
        var seen: [UInt64] = []
        while true {
            let p = pager.page(.init(stream: .adminLogsStreaming, start: EventPager.parseStart(position)!, limit: 100, eventTypes: nil), log: log)
            if p.indices.isEmpty { break }
            seen += p.indices
            position = p.nextPosition
        }
        #expect(Set(seen) == Set(0..<2_000))
        #expect(seen.count > 2_000)
        #expect(seen != seen.sorted())
        // The empty page at the end keeps the position.
        let end = pager.page(.init(stream: .adminLogsStreaming, start: EventPager.parseStart(position)!, limit: 100, eventTypes: nil), log: log)
        #expect(end.nextPosition == position)
        #expect(pager.page(.init(stream: .adminLogsStreaming, start: .now, limit: 100, eventTypes: nil), log: log).nextPosition
                == EventLog.position(ofIndex: 2_000))
    }

    @Test func filtersAndWindows() {
        let pager = EventPager(seed: 5, duplicateShare: 0, reorderWindow: 1)
        let uploads = pager.page(.init(stream: .adminLogs, start: .beginning, limit: 50, eventTypes: ["UPLOAD"]), log: log)
        #expect(!uploads.indices.isEmpty)
        #expect(uploads.indices.allSatisfy { log.event($0).meta.eventType == "UPLOAD" })
        let cut = log.createdAt(1_000)
        let after = pager.page(.init(stream: .adminLogs, start: .beginning, limit: 10, eventTypes: nil, createdAfter: cut), log: log)
        #expect(after.indices.first == log.firstIndex(createdAtOrAfter: cut, below: 2_000))
        let before = pager.page(.init(stream: .adminLogs, start: .beginning, limit: 500, eventTypes: nil, createdBefore: log.createdAt(10)), log: log)
        #expect(before.indices.allSatisfy { log.createdAt($0) < log.createdAt(10) })
        // Streaming ignores created_after (Box does not support it there).
        let streaming = pager.page(.init(stream: .adminLogsStreaming, start: .beginning, limit: 10, eventTypes: nil, createdAfter: cut), log: log)
        #expect(streaming.indices.first == 0)
    }

    @Test func retentionWindows() {
        // 2,000 events a day apart: admin_logs keeps 365 days, streaming 14.
        let e = Enterprise(seed: 1, userCount: 10, inactiveShare: 0, groupCount: 2, foldersPerUser: 1, filesPerUser: 2,
                           enterpriseID: "1", epoch: 1_790_000_000)
        let old = EventLog(generator: EventGenerator(enterprise: e, seed: 1, malformedShare: 0), backlogSize: 2_000, spacing: 86_400,
                           startTime: 1_790_000_000, eventsPerSecond: 0, clock: EmulatorClock { 1_790_000_000 })
        let pager = EventPager(seed: 1, duplicateShare: 0, reorderWindow: 1)
        let logs = pager.page(.init(stream: .adminLogs, start: .beginning, limit: 500, eventTypes: nil), log: old)
        let streaming = pager.page(.init(stream: .adminLogsStreaming, start: .beginning, limit: 500, eventTypes: nil), log: old)
        #expect(logs.indices.first == 2_000 - 365)
        #expect(streaming.indices.first == 2_000 - 14)
        #expect(streaming.indices.count == 14)
    }
}

@Suite struct LiveEventTests {
    @Test func liveEventsArriveAtTheConfiguredRateInSimulatedTime() {
        let clock = ManualClock(now: 1_790_000_000)
        let e = Enterprise(seed: 2, userCount: 10, inactiveShare: 0, groupCount: 2, foldersPerUser: 1, filesPerUser: 2,
                           enterpriseID: "1", epoch: 1_790_000_000)
        let log = EventLog(generator: EventGenerator(enterprise: e, seed: 2, malformedShare: 0), backlogSize: 100, spacing: 1,
                           startTime: nil, eventsPerSecond: 5, clock: .manual(clock))
        let pager = EventPager(seed: 2, duplicateShare: 0, reorderWindow: 1)
        let now = pager.page(.init(stream: .adminLogsStreaming, start: .now, limit: 500), log: log)
        #expect(now.nextPosition == EventLog.position(ofIndex: 100))
        clock.advance(by: 10)
        #expect(log.availableCount() == 150)
        let page = pager.page(.init(stream: .adminLogsStreaming, start: EventPager.parseStart(now.nextPosition)!, limit: 500), log: log)
        #expect(page.indices == Array(100..<150))
        #expect(log.createdAt(149) > log.createdAt(100))
        #expect(log.createdAt(149) <= clock.now)
    }
}
