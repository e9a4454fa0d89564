import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Asks a process's `/healthz` (or any HTTP path) whether it is up: a status 200 answer.
///
/// A plain HTTP/1.0 GET over a blocking socket with a deadline, run on its own thread so Swift's
/// cooperative pool never blocks. The supervisor needs no more than this from HTTP.
public enum HealthProbe {
    /// The outcome of one probe.
    public enum Result: Sendable, Equatable {
        case healthy
        /// Answered with another status (e.g. 503 while starting).
        case unhealthy(status: Int)
        /// Connection refused, timed out or not HTTP.
        case unreachable(reason: String)
    }

    /// GETs `http://host:port/path`; a wildcard host (0.0.0.0, ::) is probed on loopback.
    public static func check(host: String, port: Int, path: String = "/healthz", timeout: Duration = .seconds(1)) async -> Result {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: checkBlocking(host: host, port: port, path: path, timeout: timeout))
            }
            thread.name = "supervisor-health-probe"
            thread.start()
        }
    }

    /// Probes until healthy or `deadline`, every `interval`; returns the last result.
    public static func waitUntilHealthy(
        host: String, port: Int, path: String = "/healthz", deadline: ContinuousClock.Instant,
        interval: Duration = .milliseconds(100)
    ) async -> Result {
        var last = Result.unreachable(reason: "not probed")
        while !Task.isCancelled {
            last = await check(host: host, port: port, path: path)
            if last == .healthy || ContinuousClock.now >= deadline { return last }
            try? await Task.sleep(for: interval)
        }
        return last
    }

    /// Whether something accepts TCP connections on `host:port` now (a port `up` needs is taken).
    public static func isListening(host: String, port: Int, timeout: Duration = .milliseconds(500)) async -> Bool {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                let result = checkBlocking(host: host, port: port, path: nil, timeout: timeout)
                if case .unreachable(let reason) = result, reason.hasPrefix("connect") || reason.hasPrefix("cannot") || reason.hasPrefix("socket") {
                    continuation.resume(returning: false)
                } else {
                    continuation.resume(returning: true)
                }
            }
            thread.name = "supervisor-port-probe"
            thread.start()
        }
    }

    /// With `path` nil, only connects: `.healthy` then means "something listens".
    static func checkBlocking(host: String, port: Int, path: String?, timeout: Duration) -> Result {
        let target = ["0.0.0.0", "", "*"].contains(host) ? "127.0.0.1" : (host == "::" ? "::1" : host)
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(target, String(port), &hints, &list) == 0, let info = list else {
            return .unreachable(reason: "cannot resolve \(target)")
        }
        defer { freeaddrinfo(list) }
        let descriptor = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
        guard descriptor >= 0 else { return .unreachable(reason: "socket: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let (seconds, attoseconds) = timeout.components
        var limit = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        // On Linux the send timeout also bounds connect().
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        guard connect(descriptor, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            return .unreachable(reason: "connect \(target):\(port): \(String(cString: strerror(errno)))")
        }
        guard let path else { return .healthy }
        writeAll(descriptor, Array("GET \(path) HTTP/1.0\r\nHost: \(target):\(port)\r\nConnection: close\r\n\r\n".utf8))
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1024)
        while response.count < 4096, !response.contains(UInt8(ascii: "\n")) {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            response.append(contentsOf: buffer[0..<count])
        }
        // "HTTP/1.1 200 OK"
        let statusLine = String(decoding: response.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let status = Int(parts[1]) else {
            return .unreachable(reason: "no HTTP answer from \(target):\(port)")
        }
        return status == 200 ? .healthy : .unhealthy(status: status)
    }
}
