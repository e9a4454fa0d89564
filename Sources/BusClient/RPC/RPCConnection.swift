public import Foundation
public import ZeroMQ
public import SwiftProtobuf
import BoxBridgeProtocol

/// One DEALER connection to a broker endpoint: correlated requests, deadlines, streamed replies.
///
/// Requests carry a fresh correlation id; one reader task routes each reply to its caller (or to
/// a stream, for `Replay/Open`). A call that outlives its deadline fails with a retriable
/// `timeout`; a late reply is then dropped.
public actor RPCConnection {
    public let endpoint: String
    private let socket: AsyncSocket
    private var nextCorrelation: UInt64 = 0
    private var calls: [UInt64: CheckedContinuation<(RPCStatus, [UInt8]), any Error>] = [:]
    private var streams: [UInt64: AsyncThrowingStream<(RPCStatus, [UInt8]), any Error>.Continuation] = [:]
    private var deadlines: [UInt64: Task<Void, Never>] = [:]
    private var streamActivity: [UInt64: ContinuousClock.Instant] = [:]
    private var reader: Task<Void, Never>?
    private var closed = false

    /// Connects (asynchronously, libzmq retries) a DEALER to `endpoint`.
    public init(context: ZMQContext, endpoint: String, curve: CurveClientKeys? = nil, executor: ZMQThreadExecutor? = nil) async throws {
        self.endpoint = endpoint
        socket = try AsyncSocket(context: context, type: .dealer, executor: executor)
        if let curve {
            try await socket.setOption(.curveServerKey, curve.serverPublicKey)
            try await socket.setOption(.curvePublicKey, curve.publicKey)
            try await socket.setOption(.curveSecretKey, curve.secretKey)
        }
        try await socket.setOption(.sendHighWaterMark, 10_000)
        try await socket.connect(endpoint)
    }

    private func ensureReader() {
        guard reader == nil else { return }
        reader = Task { [weak self, socket] in
            while !Task.isCancelled {
                guard let message = try? await socket.receive() else { break }
                await self?.route(message)
            }
        }
    }

    private func route(_ message: ZeroMQ.Message) {
        guard message.count == 3, let status = RPCStatus(rawValue: message.string(at: 0) ?? ""),
            message.frames[1].count == 8
        else { return }
        let id = message.frames[1].withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        if let call = calls.removeValue(forKey: id) {
            deadlines.removeValue(forKey: id)?.cancel()
            call.resume(returning: (status, message.frames[2]))
        } else if let stream = streams[id] {
            streamActivity[id] = ContinuousClock.now
            stream.yield((status, message.frames[2]))
        }
    }

    private func makeCorrelation() -> (UInt64, [UInt8]) {
        nextCorrelation += 1
        return (nextCorrelation, withUnsafeBytes(of: nextCorrelation.littleEndian) { Array($0) })
    }

    /// Sends one request and waits for its reply, up to `timeout`.
    public func call<Response: SwiftProtobuf.Message>(
        _ method: RPCMethod, _ request: some SwiftProtobuf.Message, as: Response.Type, timeout: Duration = .seconds(10)
    ) async throws -> Response {
        guard !closed else { throw BusError(code: "closed", message: "connection closed", isRetriable: false, method: method.rawValue) }
        ensureReader()
        let (id, correlation) = makeCorrelation()
        let body: [UInt8] = try request.serializedBytes()
        let (status, reply) = try await withCheckedThrowingContinuation { continuation in
            calls[id] = continuation
            Task {
                do {
                    try await self.socket.send(ZeroMQ.Message(frames: [Array(method.rawValue.utf8), correlation, body]))
                } catch {
                    self.fail(id, BusError(code: "transport", message: "\(error)", isRetriable: true, method: method.rawValue))
                }
            }
            deadlines[id] = Task {
                guard (try? await Task.sleep(for: timeout)) != nil else { return }
                self.fail(id, BusError(code: "timeout", message: "no reply from \(self.endpoint) within \(timeout)",
                                       isRetriable: true, method: method.rawValue))
            }
        }
        return try Self.decode(status: status, body: reply, as: Response.self, method: method)
    }

    private func fail(_ id: UInt64, _ error: BusError) {
        deadlines.removeValue(forKey: id)?.cancel()
        calls.removeValue(forKey: id)?.resume(throwing: error)
    }

    static func decode<Response: SwiftProtobuf.Message>(
        status: RPCStatus, body: [UInt8], as: Response.Type, method: RPCMethod
    ) throws -> Response {
        if status == .error {
            guard let error = try? Boxbridge_V1_RpcError(serializedBytes: body) else {
                throw BusError(code: "decode", message: "undecodable error reply", isRetriable: false, method: method.rawValue)
            }
            throw BusError(code: error.code, message: error.message, isRetriable: error.retriable, method: method.rawValue)
        }
        do {
            return try Response(serializedBytes: body)
        } catch {
            throw BusError(code: "decode", message: "reply is not a \(Response.self): \(error)", isRetriable: false, method: method.rawValue)
        }
    }

    /// Opens a streaming call: every reply with this request's correlation id, until closed.
    ///
    /// A stream that receives nothing for `idleTimeout` (broker restarted, replay closed) ends
    /// with a retriable `timeout`, so its reader never hangs.
    func openStream(_ method: RPCMethod, _ request: some SwiftProtobuf.Message, idleTimeout: Duration) async throws
        -> (UInt64, AsyncThrowingStream<(RPCStatus, [UInt8]), any Error>)
    {
        ensureReader()
        let (id, correlation) = makeCorrelation()
        let (stream, continuation) = AsyncThrowingStream<(RPCStatus, [UInt8]), any Error>.makeStream()
        streams[id] = continuation
        streamActivity[id] = ContinuousClock.now
        Task { await self.watch(id, idleTimeout: idleTimeout, method: method) }
        try await socket.send(ZeroMQ.Message(frames: [Array(method.rawValue.utf8), correlation, try request.serializedBytes()]))
        return (id, stream)
    }

    private func watch(_ id: UInt64, idleTimeout: Duration, method: RPCMethod) async {
        while let last = streamActivity[id] {
            let quiet = ContinuousClock.now - last
            if quiet >= idleTimeout {
                streamActivity[id] = nil
                streams.removeValue(forKey: id)?.finish(
                    throwing: BusError(code: "timeout", message: "stream silent for \(idleTimeout)", isRetriable: true, method: method.rawValue))
                return
            }
            try? await Task.sleep(for: idleTimeout - quiet)
        }
    }

    func closeStream(_ id: UInt64) {
        streamActivity[id] = nil
        streams.removeValue(forKey: id)?.finish()
    }

    /// Fails pending calls and closes the socket.
    public func close() async {
        closed = true
        reader?.cancel()
        for (_, call) in calls { call.resume(throwing: BusError(code: "closed", message: "connection closed", isRetriable: false, method: "")) }
        calls = [:]
        for (_, stream) in streams { stream.finish() }
        streams = [:]
        await socket.close()
    }
}
