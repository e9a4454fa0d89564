import CZeroMQ
import Foundation

/// A ZAP handler (ZAP 1.0, RFC 27) that admits CURVE clients whose public key is allowlisted.
///
/// It serves `inproc://zeromq.zap.01` in one context, from its own thread, answering `200` for
/// an allowed key and `400` otherwise. libzmq asks the handler of the *server socket's* context
/// at each handshake, and in libzmq 4.3 a CURVE server with no handler running admits every
/// client: so ``start()`` it before any server socket binds, and keep it running.
public final class CurveAuthenticator: Sendable {
    /// The ZAP endpoint libzmq queries.
    public static let endpoint = "inproc://zeromq.zap.01"

    /// Counters since start.
    public struct Statistics: Sendable, Hashable {
        public var approved = 0
        public var denied = 0
    }

    private struct State {
        var allowed: Set<[UInt8]>
        var domain: String?
        var statistics = Statistics()
        var running = false
        var stopRequested = false
    }

    private let context: ZMQContext
    private let lock = NSCondition()
    nonisolated(unsafe) private var state: State

    /// An authenticator for `context` admitting the Z85 public keys in `allowedClientKeys`.
    ///
    /// - Parameter domain: when set, requests for any other ZAP domain are denied.
    /// - Throws: ``ZMQError`` with `EINVAL` naming the first key that is not 40 Z85 characters.
    public init(context: ZMQContext, allowedClientKeys: some Sequence<String>, domain: String? = nil) throws(ZMQError) {
        var allowed: Set<[UInt8]> = []
        for (index, key) in allowedClientKeys.enumerated() {
            guard Z85.isKey(key), let binary = Z85.decode(key) else {
                throw ZMQError(code: EINVAL, function: "CurveAuthenticator.init", detail: "allowed key #\(index + 1) is not 40 Z85 characters")
            }
            allowed.insert(binary)
        }
        self.context = context
        self.state = State(allowed: allowed, domain: domain)
    }

    /// Approvals and denials so far.
    public var statistics: Statistics {
        lock.lock()
        defer { lock.unlock() }
        return state.statistics
    }

    /// Number of handshakes denied so far.
    public var denials: Int { statistics.denied }

    /// Admits another Z85 client key from now on; false when it is not a valid key.
    @discardableResult
    public func allow(_ publicKey: String) -> Bool {
        guard Z85.isKey(publicKey), let binary = Z85.decode(publicKey) else { return false }
        lock.lock()
        state.allowed.insert(binary)
        lock.unlock()
        return true
    }

    /// Stops admitting a Z85 client key (already-established connections stay).
    public func revoke(_ publicKey: String) {
        guard let binary = Z85.decode(publicKey) else { return }
        lock.lock()
        state.allowed.remove(binary)
        lock.unlock()
    }

    /// Binds the ZAP endpoint (synchronously, so handshakes after this call are checked) and
    /// starts answering on a new thread.
    ///
    /// - Throws: ``ZMQError`` with `EADDRINUSE` when this context already has a ZAP handler.
    public func start() throws(ZMQError) {
        lock.lock()
        defer { lock.unlock() }
        guard !state.running else { return }
        let socket = try context.socket(.rep)
        do {
            try socket.bind(Self.endpoint)
        } catch {
            socket.close()
            throw error
        }
        state.running = true
        state.stopRequested = false
        let owned = SocketTransfer(socket)
        let thread = Thread { [self] in serve(owned.take()) }
        thread.name = "zmq-zap"
        thread.start()
    }

    /// Stops answering and unbinds; returns once the handler thread has finished (≤ ~20 ms).
    public func stop() {
        lock.lock()
        state.stopRequested = true
        while state.running { lock.wait() }
        lock.unlock()
    }

    deinit {
        // The thread holds `self`, so reaching deinit means it has already stopped.
    }

    private func serve(_ socket: Socket) {
        defer {
            socket.close()
            lock.lock()
            state.running = false
            lock.broadcast()
            lock.unlock()
        }
        while true {
            lock.lock()
            let stop = state.stopRequested
            lock.unlock()
            if stop { return }
            do {
                guard try !socket.wait(for: .readable, timeout: ZMQThreadExecutor.maximumPollInterval).isEmpty,
                    let request = try socket.receive(dontWait: true)
                else { continue }
                try socket.send(answer(request), dontWait: true)
            } catch {
                // ETERM (context shut down) or a closed socket: nothing more to serve.
                return
            }
        }
    }

    /// The ZAP reply for `request`: frames version, request id, status, text, user id, metadata.
    private func answer(_ request: Message) -> Message {
        let frames = request.frames
        guard frames.count >= 6, request.string(at: 0) == "1.0" else {
            return reply(to: frames.count > 1 ? frames[1] : [], status: "500", text: "malformed ZAP request", user: "")
        }
        let domain = request.string(at: 2) ?? ""
        let mechanism = request.string(at: 5) ?? ""
        lock.lock()
        var admitted = false
        var user = ""
        if mechanism == "CURVE", frames.count >= 7, frames[6].count == 32,
            state.domain == nil || state.domain == domain,
            state.allowed.contains(frames[6])
        {
            admitted = true
            user = Z85.encode(frames[6]) ?? ""
        }
        if admitted { state.statistics.approved += 1 } else { state.statistics.denied += 1 }
        lock.unlock()
        return admitted
            ? reply(to: frames[1], status: "200", text: "OK", user: user)
            : reply(to: frames[1], status: "400", text: "client key not allowed", user: "")
    }

    private func reply(to requestID: [UInt8], status: String, text: String, user: String) -> Message {
        Message(frames: [Array("1.0".utf8), requestID, Array(status.utf8), Array(text.utf8), Array(user.utf8), []])
    }
}

/// Hands a socket to the thread that will own it from then on (thread start is the barrier).
private final class SocketTransfer: @unchecked Sendable {
    private var socket: Socket?
    init(_ socket: Socket) { self.socket = socket }
    func take() -> Socket {
        defer { socket = nil }
        return socket!
    }
}
