import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Readiness of a socket: readable, writable, error.
public struct PollEvents: OptionSet, Sendable, Hashable {
    public let rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }

    /// At least one message can be received without blocking (`ZMQ_POLLIN`).
    public static let readable = PollEvents(rawValue: Int16(ZMQ_POLLIN))
    /// At least one message can be sent without blocking (`ZMQ_POLLOUT`).
    public static let writable = PollEvents(rawValue: Int16(ZMQ_POLLOUT))
    /// An error condition on a plain file descriptor (`ZMQ_POLLERR`).
    public static let error = PollEvents(rawValue: Int16(ZMQ_POLLERR))
}

/// A ZeroMQ socket.
///
/// Deliberately not `Sendable`: libzmq sockets are not thread-safe, so a socket has one owner,
/// one thread or one actor (``AsyncSocket`` is that actor). Blocking calls (`dontWait: false`)
/// block the calling thread: never make them on Swift's cooperative pool; use ``AsyncSocket``
/// from async code.
///
/// `EINTR` is retried; "would block" (`EAGAIN`) is a value: `send` returns false, `receive`
/// returns nil. New sockets get linger 0, so closing never waits on unsent messages.
public final class Socket {
    /// The socket's pattern.
    public let type: SocketType
    /// The context this socket keeps alive.
    public let context: ZMQContext
    /// The libzmq handle; nil once closed.
    private(set) var handle: UnsafeMutableRawPointer?

    init(context: ZMQContext, type: SocketType) throws(ZMQError) {
        guard let handle = zmq_socket(context.handle, type.rawValue) else {
            throw ZMQError.last("zmq_socket", detail: type.description)
        }
        self.type = type
        self.context = context
        self.handle = handle
        var zero: Int32 = 0
        _ = zmq_setsockopt(handle, ZMQ_LINGER, &zero, MemoryLayout<Int32>.size)
    }

    deinit {
        close()
    }

    /// Whether ``close()`` has been called.
    public var isClosed: Bool { handle == nil }

    func requireHandle(_ function: String) throws(ZMQError) -> UnsafeMutableRawPointer {
        guard let handle else { throw ZMQError.closed(function) }
        return handle
    }

    /// Closes the socket. Idempotent; pending outgoing messages are dropped after the linger.
    public func close() {
        guard let handle else { return }
        self.handle = nil
        _ = zmq_close(handle)
    }

    // MARK: Endpoints

    /// Binds to `endpoint` and returns the endpoint actually bound.
    ///
    /// `tcp://127.0.0.1:*` binds an ephemeral port; the returned string names it.
    @discardableResult
    public func bind(_ endpoint: String) throws(ZMQError) -> String {
        let handle = try requireHandle("zmq_bind")
        try retryingEINTR("zmq_bind", detail: endpoint) { zmq_bind(handle, endpoint) }
        return (try? option(.lastEndpoint)) ?? endpoint
    }

    /// Connects to `endpoint` (asynchronously: libzmq completes and retries the connection).
    public func connect(_ endpoint: String) throws(ZMQError) {
        let handle = try requireHandle("zmq_connect")
        try retryingEINTR("zmq_connect", detail: endpoint) { zmq_connect(handle, endpoint) }
    }

    /// Undoes ``connect(_:)``.
    public func disconnect(_ endpoint: String) throws(ZMQError) {
        let handle = try requireHandle("zmq_disconnect")
        try retryingEINTR("zmq_disconnect", detail: endpoint) { zmq_disconnect(handle, endpoint) }
    }

    /// Undoes ``bind(_:)``; pass the endpoint that `bind` returned.
    public func unbind(_ endpoint: String) throws(ZMQError) {
        let handle = try requireHandle("zmq_unbind")
        try retryingEINTR("zmq_unbind", detail: endpoint) { zmq_unbind(handle, endpoint) }
    }

    // MARK: Messages

    /// Sends all frames of `message` as one atomic multipart message.
    ///
    /// - Parameter dontWait: fail fast instead of blocking when the socket cannot accept a
    ///   message (HWM reached, no peer for ROUTER/DEALER...).
    /// - Returns: false when the message was not queued because the socket would block
    ///   (`EAGAIN`, or a ``SocketOption/sendTimeout`` expired). A PUB socket never blocks: it
    ///   drops at the HWM and returns true.
    @discardableResult
    public func send(_ message: Message, dontWait: Bool = false) throws(ZMQError) -> Bool {
        let handle = try requireHandle("zmq_send")
        let frames = message.frames.isEmpty ? [[]] : message.frames
        for (index, frame) in frames.enumerated() {
            let more = index < frames.count - 1
            var flags: Int32 = more ? ZMQ_SNDMORE : 0
            // libzmq checks the HWM at the first frame only, so later frames never block.
            if dontWait || index > 0 { flags |= ZMQ_DONTWAIT }
            while true {
                let rc = frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
                if rc >= 0 { break }
                let error = zmq_errno()
                if error == EINTR { continue }
                if error == EAGAIN {
                    if index == 0 { return false }
                    // Unexpected mid-message back-pressure: wait briefly rather than split it.
                    try waitBriefly(handle, events: ZMQ_POLLOUT)
                    continue
                }
                throw ZMQError(code: error, function: "zmq_send", detail: "frame \(index)")
            }
        }
        return true
    }

    /// Sends a single-frame message; see ``send(_:dontWait:)-(Message,_)``.
    @discardableResult
    public func send(_ frame: [UInt8], dontWait: Bool = false) throws(ZMQError) -> Bool {
        try send(Message(frames: [frame]), dontWait: dontWait)
    }

    /// Receives one complete multipart message.
    ///
    /// Frames are read through `zmq_msg_t`, so there is no size limit besides
    /// ``SocketOption/maxMessageSize``.
    /// - Returns: nil when no message is available and `dontWait` is true (or a
    ///   ``SocketOption/receiveTimeout`` expired).
    public func receive(dontWait: Bool = false) throws(ZMQError) -> Message? {
        let handle = try requireHandle("zmq_msg_recv")
        var frames: [[UInt8]] = []
        var msg = zmq_msg_t()
        zmq_msg_init(&msg)
        defer { zmq_msg_close(&msg) }
        while true {
            // Later frames of a multipart message are already here (atomic delivery).
            let flags: Int32 = (dontWait || !frames.isEmpty) ? ZMQ_DONTWAIT : 0
            let rc = zmq_msg_recv(&msg, handle, flags)
            if rc < 0 {
                let error = zmq_errno()
                if error == EINTR { continue }
                if error == EAGAIN {
                    if frames.isEmpty { return nil }
                    try waitBriefly(handle, events: ZMQ_POLLIN)
                    continue
                }
                throw ZMQError(code: error, function: "zmq_msg_recv")
            }
            let size = zmq_msg_size(&msg)
            if size == 0 {
                frames.append([])
            } else {
                let data = zmq_msg_data(&msg)!
                frames.append(Array(UnsafeRawBufferPointer(start: data, count: size)))
            }
            if zmq_msg_more(&msg) == 0 { break }
        }
        return Message(frames: frames)
    }

    // MARK: Readiness

    /// What the socket can do right now without blocking (`ZMQ_EVENTS`).
    public var events: PollEvents {
        get throws(ZMQError) { PollEvents(rawValue: Int16(truncatingIfNeeded: try option(.events))) }
    }

    /// Whether a message can be received now without blocking.
    public var hasPendingInput: Bool { (try? events.contains(.readable)) ?? false }

    /// Whether a message can be sent now without blocking.
    public var canSend: Bool { (try? events.contains(.writable)) ?? false }

    /// The edge-triggered file descriptor libzmq signals on (`ZMQ_FD`), for integration with an
    /// external event loop. After it fires, read ``events``: the fd alone is not the state.
    public var fileDescriptor: Int32 {
        get throws(ZMQError) {
            let handle = try requireHandle("zmq_getsockopt")
            var fd: Int32 = -1
            var size = MemoryLayout<Int32>.size
            try retryingEINTR("zmq_getsockopt", detail: "ZMQ_FD") { zmq_getsockopt(handle, ZMQ_FD, &fd, &size) }
            return fd
        }
    }

    /// Waits up to `timeout` (nil = forever) until the socket is ready for `events`.
    ///
    /// Blocks the calling thread; EINTR is retried with the remaining time.
    /// - Returns: the events that are ready (empty on timeout).
    public func wait(for events: PollEvents, timeout: Duration?) throws(ZMQError) -> PollEvents {
        let handle = try requireHandle("zmq_poll")
        var item = zmq_pollitem_t(socket: handle, fd: 0, events: events.rawValue, revents: 0)
        _ = try pollRetryingEINTR(&item, count: 1, timeout: timeout)
        return PollEvents(rawValue: item.revents)
    }

    private func waitBriefly(_ handle: UnsafeMutableRawPointer, events: Int32) throws(ZMQError) {
        var item = zmq_pollitem_t(socket: handle, fd: 0, events: Int16(events), revents: 0)
        _ = try pollRetryingEINTR(&item, count: 1, timeout: .milliseconds(10))
    }

    // MARK: Options

    /// Sets a typed option, e.g. `try socket.setOption(.sendHighWaterMark, 1000)`.
    public func setOption<Value>(_ option: SocketOption<Value>, _ value: Value) throws(ZMQError) {
        let handle = try requireHandle("zmq_setsockopt")
        let bytes = option.encode(value)
        try retryingEINTR("zmq_setsockopt", detail: option.name) {
            bytes.withUnsafeBytes { zmq_setsockopt(handle, option.code, $0.baseAddress, $0.count) }
        }
    }

    /// Reads a typed option, e.g. `try socket.option(.lastEndpoint)`.
    public func option<Value>(_ option: SocketOption<Value>) throws(ZMQError) -> Value {
        let handle = try requireHandle("zmq_getsockopt")
        var buffer = [UInt8](repeating: 0, count: option.capacity)
        var size = buffer.count
        try retryingEINTR("zmq_getsockopt", detail: option.name) {
            buffer.withUnsafeMutableBytes { zmq_getsockopt(handle, option.code, $0.baseAddress, &size) }
        }
        return option.decode(Array(buffer.prefix(size)))
    }

    /// Subscribes a SUB/XSUB socket to messages whose first frame starts with `prefix`
    /// (`""` subscribes to everything).
    public func subscribe(_ prefix: String) throws(ZMQError) {
        try subscribe(prefix: Array(prefix.utf8))
    }

    /// Subscribes to messages whose first frame starts with the bytes `prefix`.
    public func subscribe(prefix: [UInt8]) throws(ZMQError) {
        try setOption(.bytes(ZMQ_SUBSCRIBE, name: "ZMQ_SUBSCRIBE"), prefix)
    }

    /// Removes one earlier subscription to `prefix`.
    public func unsubscribe(_ prefix: String) throws(ZMQError) {
        try unsubscribe(prefix: Array(prefix.utf8))
    }

    /// Removes one earlier subscription to the bytes `prefix`.
    public func unsubscribe(prefix: [UInt8]) throws(ZMQError) {
        try setOption(.bytes(ZMQ_UNSUBSCRIBE, name: "ZMQ_UNSUBSCRIBE"), prefix)
    }
}

// MARK: Calling libzmq

/// Calls `body` until it does not fail with EINTR; any other failure becomes a ``ZMQError``.
func retryingEINTR(_ function: String, detail: String? = nil, _ body: () -> Int32) throws(ZMQError) {
    while body() < 0 {
        let error = zmq_errno()
        if error != EINTR { throw ZMQError(code: error, function: function, detail: detail) }
    }
}

/// `zmq_poll`, retried on EINTR with the time that is left.
///
/// - Returns: the number of ready items (0 on timeout).
func pollRetryingEINTR(
    _ items: UnsafeMutablePointer<zmq_pollitem_t>, count: Int, timeout: Duration?
) throws(ZMQError) -> Int {
    let clock = ContinuousClock()
    let deadline = timeout.map { clock.now.advanced(by: $0) }
    while true {
        var ms: Int = -1
        if let deadline {
            let left = clock.now.duration(to: deadline)
            ms = left <= .zero ? 0 : max(1, Int(zmqMilliseconds(left)))
        }
        let rc = zmq_poll(items, Int32(count), ms)
        if rc >= 0 { return Int(rc) }
        let error = zmq_errno()
        if error != EINTR { throw ZMQError(code: error, function: "zmq_poll") }
    }
}
