import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A libzmq call that failed: the errno it set and the C function that set it.
///
/// Following swift-nio, `EINTR` is retried inside this target and `EAGAIN` ("would block") is
/// returned as a value (`nil` / `false`), so neither ever surfaces as a `ZMQError`.
public struct ZMQError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The errno value (`EINVAL`, `EADDRINUSE`, `ETERM`, ...).
    public let code: Int32
    /// The C function (or wrapper operation) that failed, e.g. `zmq_bind`.
    public let function: String
    /// The endpoint or option involved, when there is one; never a secret.
    public let detail: String?

    public init(code: Int32, function: String, detail: String? = nil) {
        self.code = code
        self.function = function
        self.detail = detail
    }

    /// libzmq's text for ``code`` (`zmq_strerror`).
    public var message: String { String(cString: zmq_strerror(code)) }

    /// Whether trying the same operation again later can succeed.
    ///
    /// True for transient conditions (no route to a ROUTER peer yet, a resource momentarily
    /// exhausted); false for programming or configuration errors and for a terminated context.
    public var isRetriable: Bool {
        switch code {
        case EAGAIN, EINTR, EHOSTUNREACH, ENOBUFS, ENOMEM, EMFILE, EADDRINUSE: true
        default: false
        }
    }

    /// The socket's context was shut down or terminated (`ETERM`): stop using the socket.
    public var isContextTerminated: Bool { code == ETERM }

    public var description: String {
        var text = "\(function) failed: \(message) (errno \(code))"
        if let detail { text += " [\(detail)]" }
        return text
    }

    /// The errno values callers commonly branch on, so they need not import Glibc/Darwin.
    public enum Code {
        public static let wouldBlock: Int32 = EAGAIN
        public static let interrupted: Int32 = EINTR
        public static let invalidArgument: Int32 = EINVAL
        public static let addressInUse: Int32 = EADDRINUSE
        public static let addressNotAvailable: Int32 = EADDRNOTAVAIL
        public static let protocolNotSupported: Int32 = EPROTONOSUPPORT
        public static let hostUnreachable: Int32 = EHOSTUNREACH
        public static let notSocket: Int32 = ENOTSOCK
        public static let notSupported: Int32 = ENOTSUP
        public static let contextTerminated: Int32 = ETERM
        public static let finiteStateMachine: Int32 = EFSM
    }

    /// The error libzmq just reported for `function` on this thread.
    static func last(_ function: String, detail: String? = nil) -> ZMQError {
        ZMQError(code: zmq_errno(), function: function, detail: detail)
    }

    /// The operation used a socket after ``Socket/close()``.
    static func closed(_ function: String) -> ZMQError {
        ZMQError(code: ENOTSOCK, function: function, detail: "socket is closed")
    }
}
