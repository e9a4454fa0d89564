import CZeroMQ

/// A typed libzmq socket option (`zmq_setsockopt` / `zmq_getsockopt`).
///
/// Use the predefined options (`.sendHighWaterMark`, `.linger`, `.curveServerKey`, ...) with
/// ``Socket/setOption(_:_:)`` and ``Socket/option(_:)``; build others with
/// ``int32(_:name:)``, ``bool(_:name:)``, ``bytes(_:name:)`` or ``string(_:name:)``.
public struct SocketOption<Value: Sendable>: Sendable, CustomStringConvertible {
    /// The libzmq option number (`ZMQ_SNDHWM`, ...).
    public let code: Int32
    /// The libzmq option name, for errors.
    public let name: String
    /// Whether the value is a secret that must never appear in errors or logs.
    public let isSecret: Bool
    let capacity: Int
    let encode: @Sendable (Value) -> [UInt8]
    let decode: @Sendable ([UInt8]) -> Value

    public var description: String { name }

    init(
        code: Int32, name: String, isSecret: Bool = false, capacity: Int,
        encode: @escaping @Sendable (Value) -> [UInt8], decode: @escaping @Sendable ([UInt8]) -> Value
    ) {
        self.code = code
        self.name = name
        self.isSecret = isSecret
        self.capacity = capacity
        self.encode = encode
        self.decode = decode
    }
}

// MARK: Value encodings

private func encodeInt32(_ value: Int32) -> [UInt8] { withUnsafeBytes(of: value) { Array($0) } }
private func decodeInt32(_ bytes: [UInt8]) -> Int32 {
    guard bytes.count >= 4 else { return 0 }
    return bytes.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }
}
private func encodeInt64(_ value: Int64) -> [UInt8] { withUnsafeBytes(of: value) { Array($0) } }
private func decodeInt64(_ bytes: [UInt8]) -> Int64 {
    guard bytes.count >= 8 else { return 0 }
    return bytes.withUnsafeBytes { $0.loadUnaligned(as: Int64.self) }
}

/// Milliseconds for libzmq, rounded down and clamped to Int32.
func zmqMilliseconds(_ duration: Duration) -> Int32 {
    let (seconds, attoseconds) = duration.components
    let ms = seconds.multipliedReportingOverflow(by: 1000)
    if ms.overflow { return seconds < 0 ? Int32.min : Int32.max }
    return Int32(clamping: ms.partialValue + attoseconds / 1_000_000_000_000_000)
}

private func stripNUL(_ bytes: [UInt8]) -> [UInt8] {
    if let end = bytes.firstIndex(of: 0) { return Array(bytes[..<end]) }
    return bytes
}

extension SocketOption where Value == Int32 {
    /// An `int` option.
    public static func int32(_ code: Int32, name: String) -> Self {
        Self(code: code, name: name, capacity: 4, encode: encodeInt32, decode: decodeInt32)
    }
}

extension SocketOption where Value == Int64 {
    /// An `int64_t` option.
    public static func int64(_ code: Int32, name: String) -> Self {
        Self(code: code, name: name, capacity: 8, encode: encodeInt64, decode: decodeInt64)
    }
}

extension SocketOption where Value == Bool {
    /// An `int` option used as a flag (0 / 1).
    public static func bool(_ code: Int32, name: String) -> Self {
        Self(
            code: code, name: name, capacity: 4,
            encode: { encodeInt32($0 ? 1 : 0) }, decode: { decodeInt32($0) != 0 })
    }
}

extension SocketOption where Value == [UInt8] {
    /// A binary option of up to 255 bytes.
    public static func bytes(_ code: Int32, name: String, isSecret: Bool = false) -> Self {
        Self(code: code, name: name, isSecret: isSecret, capacity: 256, encode: { $0 }, decode: { $0 })
    }
}

extension SocketOption where Value == String {
    /// A character-string option (returned without its terminating NUL).
    public static func string(_ code: Int32, name: String, isSecret: Bool = false) -> Self {
        Self(
            code: code, name: name, isSecret: isSecret, capacity: 1024,
            encode: { Array($0.utf8) }, decode: { String(decoding: stripNUL($0), as: UTF8.self) })
    }
}

extension SocketOption where Value == Duration {
    /// An `int` option in milliseconds.
    public static func milliseconds(_ code: Int32, name: String) -> Self {
        Self(
            code: code, name: name, capacity: 4,
            encode: { encodeInt32(zmqMilliseconds($0)) },
            decode: { .milliseconds(Int64(decodeInt32($0))) })
    }
}

extension SocketOption where Value == Duration? {
    /// An `int` option in milliseconds where -1 (here `nil`) means "forever".
    public static func optionalMilliseconds(_ code: Int32, name: String) -> Self {
        Self(
            code: code, name: name, capacity: 4,
            encode: { encodeInt32($0.map(zmqMilliseconds) ?? -1) },
            decode: { let v = decodeInt32($0); return v < 0 ? nil : .milliseconds(Int64(v)) })
    }
}

// MARK: The predefined options

extension SocketOption where Value == Int32 {
    /// `ZMQ_SNDHWM`: messages queued per peer before PUB drops / others block (0 = no limit).
    public static var sendHighWaterMark: Self { .int32(ZMQ_SNDHWM, name: "ZMQ_SNDHWM") }
    /// `ZMQ_RCVHWM`: messages queued per peer on the receiving side (0 = no limit).
    public static var receiveHighWaterMark: Self { .int32(ZMQ_RCVHWM, name: "ZMQ_RCVHWM") }
    /// `ZMQ_TYPE` (read-only).
    public static var type: Self { .int32(ZMQ_TYPE, name: "ZMQ_TYPE") }
    /// `ZMQ_EVENTS` (read-only): `ZMQ_POLLIN` / `ZMQ_POLLOUT` bits; see ``Socket/events``.
    public static var events: Self { .int32(ZMQ_EVENTS, name: "ZMQ_EVENTS") }
    /// `ZMQ_RCVMORE` as int (read-only).
    public static var receiveMore: Self { .int32(ZMQ_RCVMORE, name: "ZMQ_RCVMORE") }
}

extension SocketOption where Value == Int64 {
    /// `ZMQ_MAXMSGSIZE`: peers sending a larger message are disconnected (-1 = no limit).
    public static var maxMessageSize: Self { .int64(ZMQ_MAXMSGSIZE, name: "ZMQ_MAXMSGSIZE") }
}

extension SocketOption where Value == Bool {
    /// `ZMQ_XPUB_NODROP`: at the HWM, `send` reports "would block" instead of dropping.
    public static var xpubNoDrop: Self { .bool(ZMQ_XPUB_NODROP, name: "ZMQ_XPUB_NODROP") }
    /// `ZMQ_XPUB_VERBOSE`: pass every subscription upstream, not only new ones.
    public static var xpubVerbose: Self { .bool(ZMQ_XPUB_VERBOSE, name: "ZMQ_XPUB_VERBOSE") }
    /// `ZMQ_ROUTER_MANDATORY`: an unroutable message fails with `EHOSTUNREACH` instead of vanishing.
    public static var routerMandatory: Self { .bool(ZMQ_ROUTER_MANDATORY, name: "ZMQ_ROUTER_MANDATORY") }
    /// `ZMQ_IMMEDIATE`: queue only to completed connections.
    public static var immediate: Self { .bool(ZMQ_IMMEDIATE, name: "ZMQ_IMMEDIATE") }
    /// `ZMQ_CURVE_SERVER`: act as CURVE server (set ``curveSecretKey`` too).
    public static var curveServer: Self { .bool(ZMQ_CURVE_SERVER, name: "ZMQ_CURVE_SERVER") }
}

extension SocketOption where Value == [UInt8] {
    /// `ZMQ_ROUTING_ID`: this socket's identity as seen by a ROUTER peer (1...255 bytes).
    public static var routingID: Self { .bytes(ZMQ_ROUTING_ID, name: "ZMQ_ROUTING_ID") }
}

extension SocketOption where Value == String {
    /// `ZMQ_LAST_ENDPOINT` (read-only): the endpoint last bound, with the real port.
    public static var lastEndpoint: Self { .string(ZMQ_LAST_ENDPOINT, name: "ZMQ_LAST_ENDPOINT") }
    /// `ZMQ_CURVE_SECRETKEY` as 40-character Z85. Secret.
    public static var curveSecretKey: Self {
        .string(ZMQ_CURVE_SECRETKEY, name: "ZMQ_CURVE_SECRETKEY", isSecret: true)
    }
    /// `ZMQ_CURVE_PUBLICKEY` as 40-character Z85.
    public static var curvePublicKey: Self { .string(ZMQ_CURVE_PUBLICKEY, name: "ZMQ_CURVE_PUBLICKEY") }
    /// `ZMQ_CURVE_SERVERKEY` (the server's public key, client side) as 40-character Z85.
    public static var curveServerKey: Self { .string(ZMQ_CURVE_SERVERKEY, name: "ZMQ_CURVE_SERVERKEY") }
    /// `ZMQ_ZAP_DOMAIN`: the domain passed to the ZAP handler.
    public static var zapDomain: Self { .string(ZMQ_ZAP_DOMAIN, name: "ZMQ_ZAP_DOMAIN") }
}

extension SocketOption where Value == Duration {
    /// `ZMQ_HEARTBEAT_IVL`: send a ZMTP PING this often (0 = off).
    public static var heartbeatInterval: Self { .milliseconds(ZMQ_HEARTBEAT_IVL, name: "ZMQ_HEARTBEAT_IVL") }
    /// `ZMQ_HEARTBEAT_TIMEOUT`: drop the connection when no traffic follows a PING for this long.
    public static var heartbeatTimeout: Self {
        .milliseconds(ZMQ_HEARTBEAT_TIMEOUT, name: "ZMQ_HEARTBEAT_TIMEOUT")
    }
    /// `ZMQ_HEARTBEAT_TTL`: how long the peer may wait for our traffic (rounded to 100 ms).
    public static var heartbeatTTL: Self { .milliseconds(ZMQ_HEARTBEAT_TTL, name: "ZMQ_HEARTBEAT_TTL") }
    /// `ZMQ_RECONNECT_IVL`: wait before reconnecting.
    public static var reconnectInterval: Self { .milliseconds(ZMQ_RECONNECT_IVL, name: "ZMQ_RECONNECT_IVL") }
    /// `ZMQ_HANDSHAKE_IVL`: maximum time for the ZMTP (and CURVE) handshake.
    public static var handshakeInterval: Self { .milliseconds(ZMQ_HANDSHAKE_IVL, name: "ZMQ_HANDSHAKE_IVL") }
}

extension SocketOption where Value == Duration? {
    /// `ZMQ_LINGER`: how long close keeps unsent messages (nil = forever; the default here is 0).
    public static var linger: Self { .optionalMilliseconds(ZMQ_LINGER, name: "ZMQ_LINGER") }
    /// `ZMQ_RCVTIMEO`: a blocking receive gives up (returns nil) after this (nil = never).
    public static var receiveTimeout: Self { .optionalMilliseconds(ZMQ_RCVTIMEO, name: "ZMQ_RCVTIMEO") }
    /// `ZMQ_SNDTIMEO`: a blocking send gives up (returns false) after this (nil = never).
    public static var sendTimeout: Self { .optionalMilliseconds(ZMQ_SNDTIMEO, name: "ZMQ_SNDTIMEO") }
}
