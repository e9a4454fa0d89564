import Testing
import ZeroMQ

/// Over inproc, a sent message is in the peer's pipe when `send` returns, so draining with
/// `dontWait` counts exactly what was kept: no timing assumptions.
@Suite("High-water mark")
struct HighWaterMarkTests {
    static let burst = 10_000

    @Test("PUB drops at the HWM: the sender never blocks, the subscriber gets fewer")
    func pubDropsAtHighWaterMark() async throws {
        try await onThread {
            let context = try ZMQContext()
            let publisher = try context.socket(.pub)
            let subscriber = try context.socket(.sub)
            try publisher.setOption(.sendHighWaterMark, 10)
            try subscriber.setOption(.receiveHighWaterMark, 10)
            #expect(try publisher.option(.sendHighWaterMark) == 10)
            let endpoint = try publisher.bind(Transport.inproc.endpoint())
            try subscriber.connect(endpoint)
            try subscriber.subscribe("t")
            try awaitSubscription(publisher: publisher, subscriber: subscriber, probe: Message("t/probe"))

            var accepted = 0
            for index in 0..<Self.burst where try publisher.send(Message("t/\(index)"), dontWait: true) {
                accepted += 1
            }
            let received = try subscriber.drain()
            #expect(accepted == Self.burst, "PUB reports every send as done, dropping silently")
            #expect(received.count > 0)
            #expect(received.count <= 40, "no more than the two HWMs are queued, got \(received.count)")
        }
    }

    @Test("XPUB_NODROP refuses at the HWM instead of dropping: every accepted message arrives")
    func xpubNoDropRefusesInsteadOfDropping() async throws {
        try await onThread {
            let context = try ZMQContext()
            let publisher = try context.socket(.xpub)
            let subscriber = try context.socket(.sub)
            try publisher.setOption(.xpubNoDrop, true)
            try publisher.setOption(.sendHighWaterMark, 10)
            try subscriber.setOption(.receiveHighWaterMark, 10)
            let endpoint = try publisher.bind(Transport.inproc.endpoint())
            try subscriber.connect(endpoint)
            try subscriber.subscribe("t")
            _ = try publisher.receive(within: .seconds(5), "the subscription")

            var accepted = 0
            var refused = 0
            for index in 0..<Self.burst {
                if try publisher.send(Message("t", "\(accepted)"), dontWait: true) {
                    accepted += 1
                } else {
                    refused += 1
                    if index > accepted + 100 { break }
                }
            }
            #expect(refused > 0, "send must report would-block at the HWM")
            #expect(accepted < Self.burst)
            let received = try subscriber.drain()
            #expect(received.count == accepted, "nothing accepted was dropped")
            #expect(received.map { $0.string(at: 1) } == (0..<accepted).map { "\($0)" })
            // The reader's "room again" notice reaches the publisher as a command: await it.
            #expect(try publisher.wait(for: .writable, timeout: .seconds(5)).contains(.writable))
            #expect(try publisher.send(Message("t", "after draining"), dontWait: true))
        }
    }
}
