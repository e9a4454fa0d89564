import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A libzmq context: the I/O threads and the `inproc://` namespace shared by its sockets.
///
/// Thread-safe. Every ``Socket`` keeps its context alive, so the context is terminated
/// (`zmq_ctx_term`) only after its last socket has been closed and released. Sockets are created
/// with linger 0 unless told otherwise, which is what keeps termination from ever waiting on
/// unsent messages.
public final class ZMQContext: Sendable {
    nonisolated(unsafe) let handle: UnsafeMutableRawPointer

    /// Creates a context with `ioThreads` I/O threads.
    public init(ioThreads: Int = 1) throws(ZMQError) {
        guard let handle = zmq_ctx_new() else { throw ZMQError.last("zmq_ctx_new") }
        self.handle = handle
        if ioThreads != 1, zmq_ctx_set(handle, ZMQ_IO_THREADS, Int32(ioThreads)) != 0 {
            let error = ZMQError.last("zmq_ctx_set", detail: "ZMQ_IO_THREADS")
            zmq_ctx_term(handle)
            throw error
        }
    }

    /// Creates a socket of `type` in this context (linger 0).
    public func socket(_ type: SocketType) throws(ZMQError) -> Socket {
        try Socket(context: self, type: type)
    }

    /// Makes every blocking call on this context's sockets return `ETERM`, now.
    ///
    /// Idempotent and non-blocking. The sockets still have to be closed; the context itself is
    /// terminated when the last reference to it (held by each socket) goes away.
    public func shutdown() {
        _ = zmq_ctx_shutdown(handle)
    }

    deinit {
        // No socket can be open here (each holds a reference), so this returns promptly.
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }
}
