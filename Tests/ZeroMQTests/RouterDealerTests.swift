import Testing
import ZeroMQ

@Suite("ROUTER/DEALER")
struct RouterDealerTests {
    @Test("requests carry the dealer's routing id and replies reach only that dealer", arguments: Transport.allCases)
    func requestReplyWithRoutingIDs(transport: Transport) async throws {
        try await onThread {
            let context = try ZMQContext()
            let router = try context.socket(.router)
            let endpoint = try router.bind(transport.endpoint())
            defer { transport.cleanUp(endpoint) }
            var dealers: [String: Socket] = [:]
            for name in ["alpha", "beta"] {
                let dealer = try context.socket(.dealer)
                try dealer.setOption(.routingID, Array(name.utf8))
                #expect(try dealer.option(.routingID) == Array(name.utf8))
                try dealer.connect(endpoint)
                dealers[name] = dealer
            }
            for (name, dealer) in dealers {
                #expect(try dealer.send(Message("boxbridge.v1.Stats/Get", "corr-\(name)", "request")))
            }
            for _ in 0..<2 {
                let request = try router.receive(within: .seconds(5), "a request")
                #expect(request.count == 4)
                let identity = try #require(request.string(at: 0))
                #expect(request.string(at: 2) == "corr-\(identity)")
                try router.send(Message(frames: [Array(identity.utf8)] + [Array("ok".utf8), request.frames[2], Array("reply for \(identity)".utf8)]))
            }
            for (name, dealer) in dealers {
                let reply = try dealer.receive(within: .seconds(5), "the reply")
                #expect(reply == Message("ok", "corr-\(name)", "reply for \(name)"))
                #expect(try dealer.receive(dontWait: true) == nil)
            }
        }
    }

    @Test("ROUTER_MANDATORY turns an unknown peer into a retriable EHOSTUNREACH")
    func routerMandatory() async throws {
        try await onThread {
            let context = try ZMQContext()
            let router = try context.socket(.router)
            try router.setOption(.routerMandatory, true)
            _ = try router.bind(Transport.inproc.endpoint())
            let error = try #require(throws: ZMQError.self) {
                try router.send(Message("nobody", "hello"))
            }
            #expect(error.code == ZMQError.Code.hostUnreachable)
            #expect(error.function == "zmq_send")
            #expect(error.isRetriable)
        }
    }
}
