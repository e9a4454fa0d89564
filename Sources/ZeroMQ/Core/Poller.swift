import CZeroMQ

/// Waits on several sockets (and plain file descriptors) at once with `zmq_poll`.
///
/// Not `Sendable`, like the sockets it holds: use it on the thread that owns them.
public final class Poller {
    /// One registered socket or descriptor that became ready.
    public struct Ready: Sendable, Hashable {
        /// The index ``register(_:for:)`` returned.
        public let index: Int
        /// What it is ready for.
        public let events: PollEvents

        public init(index: Int, events: PollEvents) {
            self.index = index
            self.events = events
        }
    }

    private var sockets: [Socket?] = []
    private var items: [zmq_pollitem_t] = []

    public init() {}

    /// The number of registrations.
    public var count: Int { items.count }

    /// Adds `socket` with an interest in `events`; returns its index in ``poll(timeout:)`` results.
    @discardableResult
    public func register(_ socket: Socket, for events: PollEvents = .readable) -> Int {
        sockets.append(socket)
        items.append(zmq_pollitem_t(socket: socket.handle, fd: 0, events: events.rawValue, revents: 0))
        return items.count - 1
    }

    /// Adds a plain file descriptor (e.g. a wake-up pipe); returns its index.
    @discardableResult
    public func register(fileDescriptor: Int32, for events: PollEvents = .readable) -> Int {
        sockets.append(nil)
        items.append(zmq_pollitem_t(socket: nil, fd: fileDescriptor, events: events.rawValue, revents: 0))
        return items.count - 1
    }

    /// Changes the interest of registration `index`, e.g. add `.writable` while output is queued.
    public func update(_ index: Int, for events: PollEvents) {
        items[index].events = events.rawValue
    }

    /// Waits until a registration is ready or `timeout` passes (nil = forever).
    ///
    /// Blocks the calling thread; EINTR is retried with the time left.
    /// - Returns: the ready registrations in index order; empty on timeout.
    /// - Throws: ``ZMQError`` with `ENOTSOCK` for a closed socket, `ETERM` after context shutdown.
    public func poll(timeout: Duration?) throws(ZMQError) -> [Ready] {
        for (index, socket) in sockets.enumerated() {
            if let socket {
                guard let handle = socket.handle else { throw ZMQError.closed("zmq_poll") }
                items[index].socket = handle
            }
            items[index].revents = 0
        }
        let count = items.count
        let ready = try items.withUnsafeMutableBufferPointer { buffer throws(ZMQError) in
            try pollRetryingEINTR(buffer.baseAddress!, count: count, timeout: timeout)
        }
        guard ready > 0 else { return [] }
        return items.enumerated().compactMap { index, item in
            item.revents == 0 ? nil : Ready(index: index, events: PollEvents(rawValue: item.revents))
        }
    }
}
