import CZeroMQ

/// A ZeroMQ socket for async code: an actor whose every libzmq call runs on a dedicated
/// ``ZMQThreadExecutor`` thread, never on Swift's cooperative pool.
///
/// Waiting operations (``receive()``, ``send(_:)``) first try without blocking; when the socket
/// would block they suspend until the executor's poll reports the socket ready. They honour task
/// cancellation at once (throwing `CancellationError`): a cancelled pending receive returns within
/// milliseconds. While one call waits, the actor stays available to others (e.g. a send while a
/// receive is pending), since waiting is a suspension, not a blocked thread.
///
/// Pass the same executor to several sockets to serve them all from one thread.
public actor AsyncSocket {
    /// The thread this socket's libzmq calls run on.
    public nonisolated let executor: ZMQThreadExecutor
    /// The socket's pattern.
    public nonisolated let type: SocketType
    private let socket: Socket

    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    /// Creates a socket of `type` in `context`, served by `executor` (a new thread when nil).
    public init(context: ZMQContext, type: SocketType, executor: ZMQThreadExecutor? = nil) throws(ZMQError) {
        self.executor = executor ?? ZMQThreadExecutor(name: "zmq-\(type)")
        self.type = type
        self.socket = try Socket(context: context, type: type)
    }

    // MARK: Endpoints and options

    /// Binds and returns the actual endpoint; see ``Socket/bind(_:)``.
    @discardableResult
    public func bind(_ endpoint: String) throws(ZMQError) -> String { try socket.bind(endpoint) }

    /// See ``Socket/connect(_:)``.
    public func connect(_ endpoint: String) throws(ZMQError) { try socket.connect(endpoint) }

    /// See ``Socket/disconnect(_:)``.
    public func disconnect(_ endpoint: String) throws(ZMQError) { try socket.disconnect(endpoint) }

    /// See ``Socket/unbind(_:)``.
    public func unbind(_ endpoint: String) throws(ZMQError) { try socket.unbind(endpoint) }

    /// Sets a typed option; see ``SocketOption``.
    public func setOption<Value>(_ option: SocketOption<Value>, _ value: Value) throws(ZMQError) {
        try socket.setOption(option, value)
    }

    /// Reads a typed option.
    public func option<Value>(_ option: SocketOption<Value>) throws(ZMQError) -> Value {
        try socket.option(option)
    }

    /// See ``Socket/subscribe(_:)``.
    public func subscribe(_ prefix: String) throws(ZMQError) { try socket.subscribe(prefix) }

    /// See ``Socket/subscribe(prefix:)``.
    public func subscribe(prefix: [UInt8]) throws(ZMQError) { try socket.subscribe(prefix: prefix) }

    /// See ``Socket/unsubscribe(_:)``.
    public func unsubscribe(_ prefix: String) throws(ZMQError) { try socket.unsubscribe(prefix) }

    /// Runs `body` with the underlying socket on the executor's thread, for anything not wrapped
    /// here. `body` must not block for long (everything else on this executor waits) and must
    /// not let the socket escape.
    public func withSocket<R: Sendable>(_ body: @Sendable (Socket) throws -> R) rethrows -> R {
        try body(socket)
    }

    /// What the socket can do right now.
    public var events: PollEvents {
        get throws(ZMQError) { try socket.events }
    }

    // MARK: Messages

    /// Sends `message`, suspending while the socket would block (HWM reached, no peer).
    ///
    /// - Throws: `CancellationError` when the task is cancelled while waiting (the message was
    ///   not sent), ``ZMQError`` otherwise.
    public func send(_ message: Message) async throws {
        while true {
            try Task.checkCancellation()
            if try socket.send(message, dontWait: true) { return }
            try await waitUntil(.writable, deadline: nil)
        }
    }

    /// Sends `message` if that is possible without waiting; false when the socket would block.
    @discardableResult
    public func trySend(_ message: Message) throws(ZMQError) -> Bool {
        try socket.send(message, dontWait: true)
    }

    /// Receives the next message, suspending until one arrives.
    ///
    /// - Throws: `CancellationError` when the task is cancelled while waiting, ``ZMQError``
    ///   otherwise (`ETERM` after ``ZMQContext/shutdown()``, `ENOTSOCK` after ``close()``).
    public func receive() async throws -> Message {
        while true {
            try Task.checkCancellation()
            if let message = try socket.receive(dontWait: true) { return message }
            try await waitUntil(.readable, deadline: nil)
        }
    }

    /// Receives the next message, or nil when none arrives within `timeout`.
    public func receive(timeout: Duration) async throws -> Message? {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            try Task.checkCancellation()
            if let message = try socket.receive(dontWait: true) { return message }
            if ContinuousClock.now >= deadline { return nil }
            try await waitUntil(.readable, deadline: deadline)
        }
    }

    /// Receives a message if one is already queued.
    public func tryReceive() throws(ZMQError) -> Message? {
        try socket.receive(dontWait: true)
    }

    /// Closes the socket; idempotent. Pending waits on it end with a ``ZMQError``.
    public func close() {
        if let handle = socket.handle { executor.state.releaseWaiters(on: handle) }
        socket.close()
    }

    /// Suspends until the executor's poll finds the socket ready for `events`, `deadline`
    /// passes, or the task is cancelled.
    private func waitUntil(_ events: PollEvents, deadline: ContinuousClock.Instant?) async throws {
        let handle = try socket.requireHandle("zmq_poll")
        let waiter = ExecutorWaiter(handle: handle, events: events, deadline: deadline)
        let state = executor.state
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                state.register(waiter, continuation)
            }
        } onCancel: {
            state.cancel(waiter)
        }
    }
}
