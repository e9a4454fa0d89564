import BoxBridgeProtocol
import BusClient
import Foundation
import TestSupport
import Testing
import ZeroMQ
@testable import Broker

@Suite("Broker service", .timeLimit(.minutes(1)))
struct BrokerServiceTests {
    @Test("a batch is acknowledged durable with gap-free sequences, and a resend is not written twice")
    func ingestAndDuplicate() async throws {
        let broker = try TestBroker.start()
        defer { broker.directory.cleanup() }
        let client = try broker.client()
        let first = try await client.publish(makeBatch(id: "b1", count: 3, next: "100"))
        #expect(first.status == .durable)
        #expect(first.lastSequences["box/acme/created"] == 3)
        #expect(first.checkpoint == "100")
        let second = try await client.publish(makeBatch(id: "b2", count: 2, from: "100", next: "200"))
        #expect(second.lastSequences["box/acme/created"] == 5)
        let resend = try await client.publish(makeBatch(id: "b1", count: 3, next: "100"))
        #expect(resend.status == .duplicate)
        let mismatch = try await client.publish(makeBatch(id: "b3", count: 1, from: "999", next: "300"))
        #expect(mismatch.status == .positionMismatch)
        #expect(mismatch.checkpoint == "200")
        let foreign = try await client.publish(makeBatch(connection: "acme", id: "b4", count: 1).withTopic("box/other/created"))
        #expect(foreign.status == .invalid)
        await client.close()
        try await broker.stop()

        let journal = try Journal(options: JournalOptions(directory: broker.directory.path + "/journal"), nowMillis: 0, logger: quietLogger)
        #expect(journal.topics["box/acme/created"]?.lastSequence == 5)
        #expect(try journal.readAll().count == 5)
        #expect(journal.connections["acme"]?.checkpoint == "200")
    }

    @Test("replay then live: no gap and no duplicate while publishing continues")
    func replayThenLive() async throws {
        let broker = try TestBroker.start()
        defer { broker.directory.cleanup() }
        let publisher = try broker.client()
        for batch in 0..<30 {
            _ = try await publisher.publish(makeBatch(id: "early-\(batch)", count: 10))
        }
        let publishing = Task {
            for batch in 0..<30 {
                _ = try await publisher.publish(makeBatch(id: "late-\(batch)", count: 10))
                _ = try await publisher.publish(makeBatch(category: "deleted", id: "late-d-\(batch)", count: 1))
            }
        }
        let subscriberClient = try broker.client()
        let subscription = Subscription(subscriberID: "t", topicPrefix: "box/acme/", credit: 64)
        var created: [UInt64] = []
        var deleted: [UInt64] = []
        var caughtUp = false
        for try await event in subscription.events(client: subscriberClient) {
            switch event {
            case .envelope(let envelope):
                #expect(envelope.fileEvent.boxEventType == "UPLOAD")
                #expect(envelope.hasPublishedAt)
                if envelope.topic == "box/acme/created" { created.append(envelope.sequence) } else { deleted.append(envelope.sequence) }
            case .caughtUp: caughtUp = true
            case .gone: Issue.record("nothing was dropped by retention")
            case .gapDetected: break
            }
            if created.count == 600 && deleted.count == 30 && caughtUp { break }
        }
        try await publishing.value
        #expect(caughtUp)
        #expect(created == Array(1...600))
        #expect(deleted == Array(1...30))
        await publisher.close()
        await subscriberClient.close()
        try await broker.stop()
    }

    @Test("a subscriber starting at the latest gets exactly what is published after it caught up")
    func startLatest() async throws {
        let broker = try TestBroker.start()
        defer { broker.directory.cleanup() }
        let publisher = try broker.client()
        for batch in 0..<5 { _ = try await publisher.publish(makeBatch(id: "old-\(batch)", count: 10)) }
        let subscriberClient = try broker.client()
        let subscription = Subscription(subscriberID: "tail", topicPrefix: "box/acme/", start: .latest)
        var sequences: [UInt64] = []
        var publishing: Task<Void, any Error>?
        for try await event in subscription.events(client: subscriberClient) {
            switch event {
            case .caughtUp where publishing == nil:
                publishing = Task {
                    for batch in 0..<3 { _ = try await publisher.publish(makeBatch(id: "new-\(batch)", count: 5)) }
                }
            case .envelope(let envelope): sequences.append(envelope.sequence)
            default: break
            }
            if sequences.count == 15 { break }
        }
        try await publishing?.value
        #expect(sequences == Array(51...65))
        await publisher.close()
        await subscriberClient.close()
        try await broker.stop()
    }

    @Test("a subscriber cut off at its HWM sees the gap and replays it: still every sequence exactly once")
    func cutOffSubscriberRepairs() async throws {
        let broker = try TestBroker.start(configure: { $0.publishHighWaterMark = 20 })
        defer { broker.directory.cleanup() }
        let publisher = try broker.client()
        let subscriberClient = try broker.client()
        let subscription = Subscription(subscriberID: "slow", topicPrefix: "box/acme/", credit: 100, receiveHighWaterMark: 20)
        var sequences: [UInt64] = []
        var gaps = 0
        var publishing: Task<Void, any Error>?
        for try await event in subscription.events(client: subscriberClient) {
            switch event {
            case .caughtUp where publishing == nil:
                publishing = Task {
                    for batch in 0..<30 { _ = try await publisher.publish(makeBatch(id: "b\(batch)", count: 100, payloadBytes: 4_000)) }
                }
            case .envelope(let envelope):
                sequences.append(envelope.sequence)
                // Slow at first, while the publisher floods: the broker drops for this subscriber.
                if sequences.count < 5 { try await Task.sleep(for: .milliseconds(60)) }
            case .gapDetected: gaps += 1
            default: break
            }
            if sequences.count == 3_000 { break }
        }
        try await publishing?.value
        #expect(gaps > 0)
        #expect(sequences == Array(1...3_000))
        await publisher.close()
        await subscriberClient.close()
        try await broker.stop()
    }

    @Test("a long replay with small credit ends cleanly, every envelope once, whatever the credit races")
    func longReplaySmallCredit() async throws {
        let broker = try TestBroker.start()
        defer { broker.directory.cleanup() }
        let client = try broker.client()
        for batch in 0..<15 {
            _ = try await client.publish(makeBatch(id: "r\(batch)", count: 100))
        }
        // Credit grants race the broker's end of the replay: a grant reaching a replay the broker
        // has just finished must not fail the stream (it did, with unknown_replay).
        for credit: UInt32 in [7, 64, 100, 1_500] {
            var request = Boxbridge_V1_ReplayRequest()
            request.topicPrefix = "box/acme/"
            request.nextSequences = ["box/acme/created": 1]
            request.credit = credit
            var sequences: [UInt64] = []
            var caughtUp = false
            for try await batch in try await client.replay(request) {
                sequences += batch.envelopes.map(\.sequence)
                caughtUp = caughtUp || batch.caughtUp
            }
            #expect(caughtUp)
            #expect(sequences == Array(1...1_500), "credit \(credit)")
        }
        await client.close()
        try await broker.stop()
    }

    @Test("replay of what retention dropped gets an explicit error naming the oldest sequence")
    func replayGone() async throws {
        let broker = try TestBroker.start(configure: {
            $0.journal.segmentBytes = 4_000
            $0.journal.retentionBytes = 8_000
        })
        defer { broker.directory.cleanup() }
        let client = try broker.client()
        for batch in 0..<40 {
            _ = try await client.publish(makeBatch(id: "b\(batch)", count: 5, payloadBytes: 50))
        }
        #expect(try await eventually { try await client.stats().topics.first?.oldestSequence ?? 1 > 1 })
        var request = Boxbridge_V1_ReplayRequest()
        request.topicPrefix = "box/acme/"
        request.nextSequences = ["box/acme/created": 1]
        var gone: [Boxbridge_V1_ReplayGone] = []
        var first: UInt64?
        for try await batch in try await client.replay(request) {
            gone += batch.gone
            if first == nil { first = batch.envelopes.first?.sequence }
        }
        let entry = try #require(gone.first)
        #expect(entry.topic == "box/acme/created")
        #expect(entry.requestedSequence == 1)
        #expect(entry.oldestRetained > 1)
        #expect(first == entry.oldestRetained)
        await client.close()
        try await broker.stop()
    }

    @Test("a slow subscriber is cut off at its HWM and does not slow a fast one")
    func slowSubscriber() async throws {
        let broker = try TestBroker.start(configure: { $0.publishHighWaterMark = 1_000 })
        defer { broker.directory.cleanup() }
        // The slow one subscribes and never reads.
        let context = try ZMQContext()
        let slow = try context.socket(.sub)
        try slow.setOption(.receiveHighWaterMark, 10)
        try slow.subscribe("")
        try slow.connect(broker.endpoints.publish)
        let fast = try AsyncSocket(context: context, type: .sub)
        try await fast.subscribe("box/")
        try await fast.connect(broker.endpoints.publish)
        let client = try broker.client()
        #expect(try await eventually { try await client.stats().topics.isEmpty })
        // Wait until both subscriptions reached the broker before publishing.
        _ = try await client.publish(makeBatch(id: "warm", count: 1))
        #expect(try await eventually { (try await client.stats().topics.first?.liveSubscribers ?? 0) == 2 })
        _ = try await fast.receive(timeout: .seconds(5))

        let total = 4_000
        let clock = ContinuousClock()
        let started = clock.now
        let receiving = Task {
            var sequences: [UInt64] = []
            while sequences.count < total {
                guard let message = try await fast.receive(timeout: .seconds(5)) else { break }
                sequences.append(try Boxbridge_V1_Envelope(serializedBytes: message.frames[1]).sequence)
            }
            return sequences
        }
        for batch in 0..<(total / 100) {
            let ack = try await client.publish(makeBatch(id: "b\(batch)", count: 100, payloadBytes: 200))
            #expect(ack.status == .durable)
        }
        let received = try await receiving.value
        #expect(received.count == total)
        #expect(received.first == 2 && received.last == UInt64(total + 1))
        #expect(zip(received, received.dropFirst()).allSatisfy { $1 == $0 + 1 })
        #expect(clock.now - started < .seconds(20))
        slow.close()
        await fast.close()
        await client.close()
        try await broker.stop()
    }

    @Test("leases fail over to a live collector within the timeout, with a new epoch and the checkpoint")
    func leaseFailover() async throws {
        let broker = try TestBroker.start(configure: {
            $0.connections = ["acme", "globex"]
            $0.leaseTimeout = .milliseconds(1_500)
        })
        defer { broker.directory.cleanup() }
        let client = try broker.client()
        var beatA = Boxbridge_V1_CollectorHeartbeat()
        beatA.collectorID = "A"
        let grantA = try await client.heartbeat(beatA)
        #expect(grantA.leases.map(\.connection).sorted() == ["acme", "globex"])
        let acmeEpoch = try #require(grantA.leases.first { $0.connection == "acme" }?.epoch)
        let ack = try await client.publish(makeBatch(id: "a1", count: 1, next: "pos-1", epoch: acmeEpoch, eventIDs: ["e1"]))
        #expect(ack.status == .durable)

        // A is alive (it just beat) when B joins: the two connections are balanced.
        let clock = ContinuousClock()
        _ = try await client.heartbeat(beatA)
        let silentSince = clock.now  // A's last heartbeat
        var beatB = Boxbridge_V1_CollectorHeartbeat()
        beatB.collectorID = "B"
        let balanced = try await client.heartbeat(beatB)
        #expect(balanced.leases.count == 1)

        // A goes silent; B keeps beating and gets everything within the timeout.
        var grantB = balanced
        while grantB.leases.count < 2 && clock.now - silentSince < .seconds(6) {
            try await Task.sleep(for: .milliseconds(50))
            grantB = try await client.heartbeat(beatB)
        }
        #expect(grantB.leases.count == 2)
        // Moved once the lease timeout of A's last sign of life passed. The exact moment is the
        // LeaseTable's unit tests' business (simulated time); here the slack only absorbs a loaded
        // machine's scheduling.
        #expect(clock.now - silentSince < .milliseconds(1_500 + 3_000))
        #expect(clock.now - silentSince >= .milliseconds(1_400))  // not before A could be dead
        let acme = try #require(grantB.leases.first { $0.connection == "acme" })
        #expect(acme.epoch > acmeEpoch)
        #expect(acme.checkpoint == "pos-1")
        #expect(acme.recentEventIds.contains("e1"))
        // A's late batch is fenced off.
        let stale = try await client.publish(makeBatch(id: "a2", count: 1, from: "pos-1", next: "pos-2", epoch: acmeEpoch))
        #expect(stale.status == .staleLease)
        await client.close()
        try await broker.stop()
    }

    @Test("CURVE admits an allowlisted client key and refuses any other")
    func curveAllowlist() async throws {
        let server = try CurveKeyPair.generate()
        let allowed = try CurveKeyPair.generate()
        let stranger = try CurveKeyPair.generate()
        let broker = try TestBroker.start(configure: {
            $0.curve = CurveServerOptions(publicKey: server.publicKey, secretKey: server.secretKey, allowedClientKeys: [allowed.publicKey])
        })
        defer { broker.directory.cleanup() }
        let good = try broker.client(curve: CurveClientKeys(serverPublicKey: server.publicKey, publicKey: allowed.publicKey, secretKey: allowed.secretKey))
        let stats = try await good.stats()
        #expect(stats.journalSegments == 1)
        let bad = try broker.client(
            curve: CurveClientKeys(serverPublicKey: server.publicKey, publicKey: stranger.publicKey, secretKey: stranger.secretKey),
            timeout: .milliseconds(700))
        await #expect(throws: BusError.self) { _ = try await bad.stats() }
        let plain = try broker.client(timeout: .milliseconds(700))
        await #expect(throws: BusError.self) { _ = try await plain.stats() }
        await good.close()
        await bad.close()
        await plain.close()
        try await broker.stop()
    }

    @Test("stats report topics, rates, subscribers and their lag")
    func stats() async throws {
        let broker = try TestBroker.start()
        defer { broker.directory.cleanup() }
        let client = try broker.client()
        _ = try await client.publish(makeBatch(id: "b1", count: 4))
        _ = try await client.publish(makeBatch(category: "deleted", id: "b2", count: 1))
        var progress = Boxbridge_V1_SubscriberProgress()
        progress.subscriberID = "index"
        progress.topicPrefix = "box/acme/"
        progress.nextSequences = ["box/acme/created": 3]
        try await client.reportSubscriber(progress)
        let stats = try await client.stats(prefix: "box/acme/c")
        #expect(stats.topics.map(\.topic) == ["box/acme/created"])
        let topic = try #require(stats.topics.first)
        #expect(topic.lastSequence == 4 && topic.oldestSequence == 1 && topic.messages == 4)
        #expect(topic.rate1M > 0)
        #expect(stats.subscribers.first?.lag == 2 + 1)
        await client.close()
        try await broker.stop()
    }
}

extension Boxbridge_V1_IngestBatch {
    func withTopic(_ topic: String) -> Self {
        var copy = self
        for index in copy.items.indices { copy.items[index].topic = topic }
        return copy
    }
}
