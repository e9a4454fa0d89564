import Testing
import ZeroMQ

@Suite("Poller")
struct PollerTests {
    @Test("reports which sockets are readable, and nothing on timeout")
    func pollsSeveralSockets() async throws {
        try await onThread {
            let context = try ZMQContext()
            let pullA = try context.socket(.pull)
            let pullB = try context.socket(.pull)
            let pushB = try context.socket(.push)
            _ = try pullA.bind(Transport.inproc.endpoint())
            try pushB.connect(try pullB.bind(Transport.inproc.endpoint()))
            let poller = Poller()
            let a = poller.register(pullA)
            let b = poller.register(pullB)
            let out = poller.register(pushB, for: .writable)
            #expect(poller.count == 3)

            let idle = try poller.poll(timeout: .milliseconds(10))
            #expect(idle.map(\.index) == [out], "only the PUSH is writable")

            try pushB.send(Message("for b"))
            let ready = try poller.poll(timeout: .seconds(5))
            #expect(ready.contains(.init(index: b, events: .readable)))
            #expect(!ready.contains { $0.index == a })
            #expect(try pullB.receive(dontWait: true) == Message("for b"))

            poller.update(out, for: [])
            #expect(try poller.poll(timeout: .milliseconds(10)).isEmpty)
            pullA.close()
            let error = try #require(throws: ZMQError.self) { try poller.poll(timeout: .zero) }
            #expect(error.code == ZMQError.Code.notSocket)
        }
    }
}
