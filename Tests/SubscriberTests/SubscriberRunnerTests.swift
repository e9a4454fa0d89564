import BoxBridgeProtocol
import BusClient
import Foundation
import TestSupport
import Testing
@testable import Subscriber

@Suite("Subscriber runner", .timeLimit(.minutes(1)))
struct SubscriberRunnerTests {
    @Test("every envelope reaches the sink once, in order, in batches no larger than maxBatch")
    func deliversInBatches() async throws {
        let broker = try TestBroker.start()
        defer { broker.directory.cleanup() }
        let publisher = try broker.client()
        for batch in 0..<5 { _ = try await publisher.publish(makeBatch(id: "early-\(batch)", count: 40)) }
        let sink = FileRecordingSink(path: broker.directory.path + "/sink.json")
        let client = try broker.client()
        let runner = SubscriberRunner(
            name: "recorder", topicPrefixes: ["box/acme/"], client: client, sink: sink,
            options: .init(maxBatch: 64, maxDelay: .milliseconds(20)), logger: quietLogger)
        let running = Task { try await runner.run() }
        // Live envelopes after the replay too.
        for batch in 0..<5 { _ = try await publisher.publish(makeBatch(id: "late-\(batch)", count: 20)) }
        #expect(try await eventually { sink.lineCount == 300 })
        running.cancel()
        try await running.value
        let state = sink.read()
        #expect(state.lines.sequences(of: "box/acme/created") == Array(1...300))
        #expect(state.cursors == ["box/acme/created": 301])
        #expect(state.batches >= 300 / 64)
        await client.close()
        await publisher.close()
        try await broker.stop()
    }

    @Test("a restart resumes from the persisted cursors: nothing lost, nothing twice")
    func restartExactlyOnce() async throws {
        let broker = try TestBroker.start()
        defer { broker.directory.cleanup() }
        let publisher = try broker.client()
        let path = broker.directory.path + "/sink.json"
        for round in 0..<3 {
            for batch in 0..<4 { _ = try await publisher.publish(makeBatch(id: "r\(round)-\(batch)", count: 25)) }
            let sink = FileRecordingSink(path: path)
            let client = try broker.client()
            let runner = SubscriberRunner(
                name: "recorder", topicPrefixes: ["box/acme/"], client: client, sink: sink,
                options: .init(maxBatch: 30, maxDelay: .milliseconds(10)), logger: quietLogger)
            let running = Task { try await runner.run() }
            #expect(try await eventually { sink.lineCount == 100 * (round + 1) })
            running.cancel()
            try await running.value
            await client.close()
        }
        let lines = FileRecordingSink(path: path).read().lines
        #expect(lines.sequences(of: "box/acme/created") == Array(1...300))
        #expect(Set(lines).count == 300)
        await publisher.close()
        try await broker.stop()
    }

    @Test("a sink that throws mid-way stops the runner; the restart loses and doubles nothing")
    func sinkFailureThenRestart() async throws {
        let broker = try TestBroker.start()
        defer { broker.directory.cleanup() }
        let publisher = try broker.client()
        for batch in 0..<10 { _ = try await publisher.publish(makeBatch(id: "b\(batch)", count: 20)) }
        let path = broker.directory.path + "/sink.json"
        let failing = FileRecordingSink(path: path, failOnApply: 3)
        let client = try broker.client()
        let first = SubscriberRunner(
            name: "recorder", topicPrefixes: ["box/acme/"], client: client, sink: failing,
            options: .init(maxBatch: 25), logger: quietLogger)
        await #expect(throws: SubscriberError.self) { try await first.run() }
        let applied = failing.lineCount
        #expect(applied == 50)  // two batches of 25 made it; the third failed whole

        let sink = FileRecordingSink(path: path)
        let second = SubscriberRunner(
            name: "recorder", topicPrefixes: ["box/acme/"], client: client, sink: sink,
            options: .init(maxBatch: 25), logger: quietLogger)
        let running = Task { try await second.run() }
        #expect(try await eventually { sink.lineCount == 200 })
        running.cancel()
        try await running.value
        #expect(sink.read().lines.sequences(of: "box/acme/created") == Array(1...200))
        await client.close()
        await publisher.close()
        try await broker.stop()
    }

    @Test("two prefixes are read together, each topic gap-free, and cursors cover both")
    func twoPrefixes() async throws {
        let broker = try TestBroker.start()
        defer { broker.directory.cleanup() }
        let publisher = try broker.client()
        let sink = FileRecordingSink(path: broker.directory.path + "/sink.json")
        let client = try broker.client()
        let runner = SubscriberRunner(
            name: "two", topicPrefixes: ["box/acme/", "ops/acme/"], client: client, sink: sink,
            options: .init(maxBatch: 50, maxDelay: .milliseconds(10)), logger: quietLogger)
        let running = Task { try await runner.run() }
        for batch in 0..<4 {
            _ = try await publisher.publish(makeBatch(id: "box-\(batch)", count: 30))
            _ = try await publisher.publish(makeBatch(topic: "ops/acme/ok", id: "ops-\(batch)", count: 5))
            _ = try await publisher.publish(makeBatch(topic: "alerts/acme/rule", id: "alert-\(batch)", count: 5))
        }
        #expect(try await eventually { sink.lineCount == 140 })
        running.cancel()
        try await running.value
        let state = sink.read()
        #expect(state.lines.sequences(of: "box/acme/created") == Array(1...120))
        #expect(state.lines.sequences(of: "ops/acme/ok") == Array(1...20))
        #expect(state.lines.sequences(of: "alerts/acme/rule").isEmpty)
        #expect(state.cursors == ["box/acme/created": 121, "ops/acme/ok": 21])
        // The last progress report (sent as the runner stops) says both prefixes are fully consumed.
        #expect(try await eventually {
            let stats = try await client.stats()
            return Set(stats.subscribers.map(\.progress.subscriberID)) == ["two@box/acme/", "two@ops/acme/"]
                && stats.subscribers.allSatisfy { $0.lag == 0 }
        })
        await client.close()
        await publisher.close()
        try await broker.stop()
    }

    @Test("what retention dropped is reported in the batch and the cursor moves past it")
    func goneReported() async throws {
        let broker = try TestBroker.start(configure: {
            $0.journal.segmentBytes = 4_000
            $0.journal.retentionBytes = 8_000
        })
        defer { broker.directory.cleanup() }
        let publisher = try broker.client()
        let sink = FileRecordingSink(path: broker.directory.path + "/sink.json")
        let client = try broker.client()
        let runner = SubscriberRunner(
            name: "late", topicPrefixes: ["box/acme/"], client: client, sink: sink,
            options: .init(maxBatch: 1_000, maxDelay: .milliseconds(10)), logger: quietLogger)
        // A first run persists a cursor (6); then the subscriber is away while retention drops past it.
        _ = try await publisher.publish(makeBatch(id: "first", count: 5, payloadBytes: 50))
        let first = Task { try await runner.run() }
        #expect(try await eventually { sink.lineCount == 5 })
        first.cancel()
        try await first.value
        for batch in 0..<40 { _ = try await publisher.publish(makeBatch(id: "b\(batch)", count: 5, payloadBytes: 50)) }
        #expect(try await eventually { try await publisher.stats().topics.first?.oldestSequence ?? 1 > 6 })
        let oldestSeen = try #require(try await publisher.stats().topics.first?.oldestSequence)
        let running = Task { try await runner.run() }
        #expect(try await eventually { sink.read().cursors["box/acme/created"] == 206 })
        running.cancel()
        try await running.value
        // Retention may drop one more segment between the stats call and the replay: the gone
        // record names where delivery resumed, which is at or after what stats said.
        let state = sink.read()
        let resumed = try #require(state.gone.first.flatMap { UInt64($0.split(separator: ">").last ?? "") })
        #expect(resumed >= oldestSeen)
        #expect(state.gone == ["box/acme/created 6->\(resumed)"])
        #expect(state.lines.sequences(of: "box/acme/created") == Array(1...5) + Array(resumed...205))
        #expect(state.cursors == ["box/acme/created": 206])
        await client.close()
        await publisher.close()
        try await broker.stop()
    }

    @Test("on shutdown what was received but not yet batched is applied before run returns")
    func shutdownAppliesWhatIsHeld() async throws {
        let broker = try TestBroker.start()
        defer { broker.directory.cleanup() }
        let publisher = try broker.client()
        _ = try await publisher.publish(makeBatch(id: "b", count: 30))
        let sink = FileRecordingSink(path: broker.directory.path + "/sink.json")
        let client = try broker.client()
        // Neither limit is reached: only the shutdown can apply these.
        let runner = SubscriberRunner(
            name: "held", topicPrefixes: ["box/acme/"], client: client, sink: sink,
            options: .init(maxBatch: 1_000, maxDelay: .seconds(600)), logger: quietLogger)
        let running = Task { try await runner.run() }
        #expect(try await eventually { runner.state.receivedEnvelopes == 30 })
        #expect(sink.lineCount == 0)
        running.cancel()
        try await running.value
        #expect(sink.read().lines.sequences(of: "box/acme/created") == Array(1...30))
        await client.close()
        await publisher.close()
        try await broker.stop()
    }
}

@Suite("Subscriber batching")
struct SubscriberBatchingTests {
    @Test("a batch's cursors are each topic's last sequence + 1, or the oldest retained after a gone")
    func cursorsFromItems() {
        func envelope(_ topic: String, _ sequence: UInt64) -> SubscriberItem {
            var envelope = Boxbridge_V1_Envelope()
            envelope.topic = topic
            envelope.sequence = sequence
            return .envelope(envelope)
        }
        var gone = Boxbridge_V1_ReplayGone()
        gone.topic = "box/a/deleted"
        gone.requestedSequence = 3
        gone.oldestRetained = 40
        let batch = SubscriberBatch(items: [envelope("box/a/created", 7), .gone(gone), envelope("box/a/created", 8)])
        #expect(batch.nextCursors == ["box/a/created": 9, "box/a/deleted": 40])
        #expect(batch.envelopes.map(\.sequence) == [7, 8])
        #expect(batch.gone.count == 1)
    }

    @Test("a full inbox makes producers wait until the consumer takes")
    func inboxBackPressure() async throws {
        let inbox = EventInbox<Int>(capacity: 2)
        try await inbox.put(1)
        try await inbox.put(2)
        let third = Task { try await inbox.put(3) }
        try await Task.sleep(for: .milliseconds(20))
        #expect(inbox.count == 2)  // still waiting: the inbox is full
        #expect(inbox.take(max: 1) == [1])
        try await third.value
        #expect(inbox.take(max: 10) == [2, 3])
        inbox.stop()
        await #expect(throws: CancellationError.self) { try await inbox.put(4) }
    }
}
