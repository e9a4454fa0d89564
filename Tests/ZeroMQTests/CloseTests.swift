import Testing
@testable import ZeroMQ

@Suite("Close and shutdown")
struct CloseTests {
    @Test("closing mid-traffic and terminating the context never hangs")
    func closeUnderLoad() async throws {
        let elapsed = try await onThread {
            let context = try ZMQContext()
            let publisher = try context.socket(.pub)
            let endpoint = try publisher.bind("tcp://127.0.0.1:*")
            var subscribers: [Socket] = []
            for _ in 0..<3 {
                let subscriber = try context.socket(.sub)
                try subscriber.setOption(.receiveHighWaterMark, 100)
                try subscriber.subscribe("")
                try subscriber.connect(endpoint)
                subscribers.append(subscriber)
            }
            try awaitSubscription(publisher: publisher, subscriber: subscribers[2], probe: Message("probe"))
            // Messages that can never be delivered: a peer that does not exist. With an infinite
            // linger, terminating the context would wait for them forever.
            let stranded = try context.socket(.dealer)
            try stranded.connect("tcp://127.0.0.1:\(try freeTCPPort(context))")
            for _ in 0..<100 { try stranded.send(Message("stranded"), dontWait: true) }

            // Single-frame traffic: libzmq 4.3 can abort (session_base.cpp, libzmq#3442) when a
            // connection drops in the middle of a multipart message; that is its bug, not a hang.
            let payload = [UInt8](repeating: 7, count: 4096)
            for _ in 0..<5_000 { try publisher.send(Message(frames: [payload]), dontWait: true) }
            try eventually("traffic to flow") { try subscribers[0].receive(within: .seconds(5)).byteCount == payload.count }

            // Mid-traffic: queues are full in both directions.
            let start = ContinuousClock.now
            context.shutdown()
            // Already-queued messages may still be handed out; then ETERM, never a hang.
            let error = try #require(throws: ZMQError.self) {
                while try subscribers[1].receive() != nil {}
            }
            #expect(error.isContextTerminated)
            publisher.close()
            stranded.close()
            for subscriber in subscribers { subscriber.close() }
            return start
        }
        // The context was released with the thread's closure: zmq_ctx_term has returned.
        // "Never hangs": an infinite linger would block here forever; the bound is generous
        // because a loaded CI machine can be slow, and speed is not what this test is about.
        #expect(elapsed.duration(to: .now) < .seconds(30))
    }

    @Test("context shutdown ends pending async receives with ETERM")
    func shutdownEndsAsyncReceive() async throws {
        let context = try ZMQContext()
        let socket = try AsyncSocket(context: context, type: .sub)
        try await socket.connect("tcp://127.0.0.1:\(try freeTCPPort(context))")
        try await socket.subscribe("")
        let pending = Task { try await socket.receive() }
        try await untilWaiting(socket.executor)
        let start = ContinuousClock.now
        context.shutdown()
        let error = try #require(await #expect(throws: ZMQError.self) { try await pending.value })
        #expect(error.isContextTerminated)
        #expect(start.duration(to: .now) < .seconds(30))
        await socket.close()
    }
}
