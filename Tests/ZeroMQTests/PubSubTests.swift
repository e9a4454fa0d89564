import Testing
import ZeroMQ

@Suite("PUB/SUB")
struct PubSubTests {
    @Test("prefix filters deliver only subscribed topics, multipart intact", arguments: Transport.allCases)
    func prefixFiltersAndMultipart(transport: Transport) async throws {
        try await onThread {
            let context = try ZMQContext()
            let publisher = try context.socket(.pub)
            let subscriber = try context.socket(.sub)
            let endpoint = try publisher.bind(transport.endpoint())
            defer { transport.cleanUp(endpoint) }
            try subscriber.connect(endpoint)
            // Subscriptions travel in order: the last one arriving proves the earlier ones did.
            try subscriber.subscribe("ops/")
            try subscriber.subscribe("box/acme/")
            try awaitSubscription(publisher: publisher, subscriber: subscriber, probe: Message("box/acme/probe"))

            let binary: [UInt8] = [0, 1, 2, 255, 0]
            let sent = [
                Message(frames: [Array("box/acme/created".utf8), Array("one".utf8), binary]),
                Message(frames: [Array("box/other/created".utf8), Array("not for us".utf8)]),
                Message(frames: [Array("alerts/acme/rule".utf8), Array("not for us".utf8)]),
                Message(frames: [Array("box/acme/deleted".utf8), [], binary]),
                Message(frames: [Array("box/acm".utf8), Array("shorter than the prefix".utf8)]),
                Message(frames: [Array("ops/acme/health".utf8), Array("three".utf8)]),
                Message("ops/end"),
            ]
            for message in sent { #expect(try publisher.send(message)) }

            var received: [Message] = []
            while received.last?.string(at: 0) != "ops/end" {
                received.append(try subscriber.receive(within: .seconds(5)))
            }
            #expect(received == [sent[0], sent[3], sent[5], sent[6]])
            #expect(received[0].frame(2) == binary)
            #expect(received[1].frame(1) == [])

            // After unsubscribing, the publisher filters the prefix out again. Each round's tick
            // follows its "late" message on the same pipe, so a round without "late" is proof.
            try subscriber.unsubscribe("box/acme/")
            var round = 0
            try eventually("the unsubscription to take effect") {
                round += 1
                try publisher.send(Message("box/acme/late"))
                try publisher.send(Message("ops/tick", "\(round)"))
                var sawLate = false
                while true {
                    let got = try subscriber.receive(within: .seconds(5))
                    if got.string(at: 0) == "box/acme/late" { sawLate = true }
                    if got.string(at: 1) == "\(round)" { return !sawLate }
                }
            }
        }
    }

    @Test("XPUB sees the subscription, so no probe is needed", arguments: Transport.allCases)
    func xpubReceivesSubscriptions(transport: Transport) async throws {
        try await onThread {
            let context = try ZMQContext()
            let publisher = try context.socket(.xpub)
            let subscriber = try context.socket(.sub)
            let endpoint = try publisher.bind(transport.endpoint())
            defer { transport.cleanUp(endpoint) }
            try subscriber.connect(endpoint)
            try subscriber.subscribe("box/")
            let subscription = try publisher.receive(within: .seconds(5), "the subscription")
            #expect(subscription.frame(0) == [1] + Array("box/".utf8))
            try publisher.send(Message("box/acme/created", "payload"))
            #expect(try subscriber.receive(within: .seconds(5)) == Message("box/acme/created", "payload"))
        }
    }
}
