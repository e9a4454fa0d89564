import Testing
@testable import ZeroMQ

/// Runs on the same executor thread as the sockets, so the instant a wait ends is taken there,
/// not after a hop through a (possibly busy) cooperative pool.
actor Probe {
    nonisolated let executor: ZMQThreadExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    init(executor: ZMQThreadExecutor) { self.executor = executor }

    func receiveUntilEnded(_ socket: AsyncSocket) async -> (any Error, ContinuousClock.Instant)? {
        do {
            _ = try await socket.receive()
            return nil
        } catch {
            return (error, .now)
        }
    }

    func sendUntilEnded(_ socket: AsyncSocket, _ message: Message) async -> (any Error, ContinuousClock.Instant)? {
        do {
            try await socket.send(message)
            return nil
        } catch {
            return (error, .now)
        }
    }
}

@Suite("AsyncSocket")
struct AsyncSocketTests {
    @Test("a pending receive ends with CancellationError when its task is cancelled")
    func receiveHonoursCancellation() async throws {
        let context = try ZMQContext()
        let executor = ZMQThreadExecutor()
        let socket = try AsyncSocket(context: context, type: .sub, executor: executor)
        try await socket.bind(Transport.inproc.endpoint())
        try await socket.subscribe("")
        let probe = Probe(executor: executor)
        let task = Task { await probe.receiveUntilEnded(socket) }
        try await untilWaiting(executor)
        let cancelledAt = ContinuousClock.now
        task.cancel()
        // A safety net, not a synchronization: without cancellation support the test fails
        // (ENOTSOCK instead of CancellationError) rather than hanging.
        let watchdog = Task { try await Task.sleep(for: .seconds(10)); await socket.close() }
        defer { watchdog.cancel() }
        let ended = try #require(await task.value, "receive returned a message on an idle socket")
        // CancellationError proves the wait ended by cancellation, not by the watchdog's close.
        // How fast is a figure for `boxbridge-bench zeromq`, not a timed assertion here: a loaded
        // CI machine may deschedule this thread for longer than any tight bound.
        #expect(ended.0 is CancellationError)
        _ = cancelledAt
        await socket.close()
    }

    @Test("a send waiting at the HWM ends with CancellationError when its task is cancelled")
    func sendHonoursCancellation() async throws {
        let context = try ZMQContext()
        let executor = ZMQThreadExecutor()
        let socket = try AsyncSocket(context: context, type: .dealer, executor: executor)
        // No peer: a DEALER cannot queue, so send waits.
        #expect(try await socket.trySend(Message("x")) == false)
        let probe = Probe(executor: executor)
        let task = Task { await probe.sendUntilEnded(socket, Message("waiting")) }
        try await untilWaiting(executor)
        let cancelledAt = ContinuousClock.now
        task.cancel()
        let watchdog = Task { try await Task.sleep(for: .seconds(10)); await socket.close() }
        defer { watchdog.cancel() }
        let ended = try #require(await task.value, "send succeeded without a peer")
        // Ended by cancellation, not by the watchdog's close (which would give ENOTSOCK).
        #expect(ended.0 is CancellationError)
        _ = cancelledAt
    }

    // inproc queues to a not-yet-bound peer at once, so only ipc and tcp make the send wait.
    @Test("a waiting send completes once a peer appears", arguments: [Transport.ipc, .tcp])
    func sendWaitsForPeer(transport: Transport) async throws {
        let context = try ZMQContext()
        let dealer = try AsyncSocket(context: context, type: .dealer)
        let router = try AsyncSocket(context: context, type: .router)
        let endpoint = transport == .tcp ? "tcp://127.0.0.1:\(try freeTCPPort(context))" : transport.endpoint()
        defer { transport.cleanUp(endpoint) }
        try await dealer.setOption(.immediate, true)
        try await dealer.connect(endpoint)
        #expect(try await dealer.trySend(Message("early")) == false)
        let sending = Task { try await dealer.send(Message("queued")) }
        try await router.bind(endpoint)
        try await sending.value
        let got = try #require(try await router.receive(timeout: .seconds(5)))
        #expect(got.string(at: 1) == "queued")
    }

    @Test("request/reply across actors; a send runs while a receive is pending on the same socket", arguments: Transport.allCases)
    func requestReply(transport: Transport) async throws {
        let context = try ZMQContext()
        let shared = ZMQThreadExecutor(name: "zmq-test")
        let router = try AsyncSocket(context: context, type: .router, executor: shared)
        let dealer = try AsyncSocket(context: context, type: .dealer, executor: shared)
        let endpoint = try await router.bind(transport.endpoint())
        defer { transport.cleanUp(endpoint) }
        try await dealer.setOption(.routingID, Array("client-1".utf8))
        try await dealer.connect(endpoint)

        let server = Task {
            for _ in 0..<3 {
                let request = try await router.receive()
                try await router.send(Message(frames: [request.frames[0], Array("re:".utf8) + request.frames[1]]))
            }
        }
        let replies = Task {
            var got: [String] = []
            for _ in 0..<3 { got.append(try await dealer.receive().string(at: 0) ?? "") }
            return got
        }
        for index in 0..<3 { try await dealer.send(Message("q\(index)")) }
        #expect(try await replies.value == ["re:q0", "re:q1", "re:q2"])
        #expect(await router.withSocket { _ in shared.isCurrent }, "socket work runs on the executor's thread")
        #expect(!shared.isCurrent)
        try await server.value
        #expect(try await router.receive(timeout: .milliseconds(30)) == nil)
    }

    @Test("receive(timeout:) returns nil after about the timeout")
    func receiveTimeout() async throws {
        let context = try ZMQContext()
        let socket = try AsyncSocket(context: context, type: .pull)
        try await socket.bind(Transport.inproc.endpoint())
        let start = ContinuousClock.now
        #expect(try await socket.receive(timeout: .milliseconds(60)) == nil)
        let waited = start.duration(to: .now)
        // The lower bound is the behaviour; the upper one only catches "waited forever".
        #expect(waited >= .milliseconds(60) && waited < .seconds(30))
    }

    @Test("close ends a pending receive with ENOTSOCK")
    func closeEndsPendingReceive() async throws {
        let context = try ZMQContext()
        let socket = try AsyncSocket(context: context, type: .pull)
        try await socket.bind(Transport.inproc.endpoint())
        let pending = Task { try await socket.receive() }
        try await untilWaiting(socket.executor)
        await socket.close()
        await socket.close()
        let error = try #require(await #expect(throws: ZMQError.self) { try await pending.value })
        #expect(error.code == ZMQError.Code.notSocket)
    }
}

/// Waits (with a deadline) until a task is suspended on `executor` waiting for a socket.
func untilWaiting(_ executor: ZMQThreadExecutor, count: Int = 1) async throws {
    let deadline = ContinuousClock.now.advanced(by: .seconds(5))
    while executor.state.waiterCount < count {
        guard ContinuousClock.now < deadline else { throw TestTimeout(what: "a pending wait") }
        try await Task.sleep(for: .milliseconds(1))
    }
}

/// A port that was free a moment ago, for a test that must connect before anything binds.
func freeTCPPort(_ context: ZMQContext) throws -> Int {
    let socket = try context.socket(.router)
    defer { socket.close() }
    let endpoint = try socket.bind("tcp://127.0.0.1:*")
    return Int(endpoint.split(separator: ":").last!)!
}
