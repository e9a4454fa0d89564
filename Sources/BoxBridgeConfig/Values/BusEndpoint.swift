/// A ZeroMQ endpoint of the bus: `tcp://host:port`, `ipc://path` or `inproc://name`.
public struct BusEndpoint: Sendable, Hashable, CustomStringConvertible {
    public enum Transport: String, Sendable, Hashable, CaseIterable {
        case tcp, ipc, inproc
    }

    public var transport: Transport
    /// `host:port` for tcp, the socket path for ipc, the name for inproc.
    public var address: String

    public init(transport: Transport, address: String) {
        self.transport = transport
        self.address = address
    }

    /// A loopback tcp endpoint.
    public static func tcp(host: String = "127.0.0.1", port: Int) -> BusEndpoint {
        BusEndpoint(transport: .tcp, address: "\(host):\(port)")
    }

    /// The string libzmq takes (`tcp://127.0.0.1:7301`).
    public var description: String { "\(transport.rawValue)://\(address)" }

    /// The host of a tcp endpoint (without IPv6 brackets), nil for other transports.
    public var host: String? {
        guard transport == .tcp, let colon = address.lastIndex(of: ":") else { return nil }
        var host = String(address[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host
    }

    /// The port of a tcp endpoint, nil for other transports.
    public var port: Int? {
        guard transport == .tcp, let colon = address.lastIndex(of: ":") else { return nil }
        return Int(address[address.index(after: colon)...])
    }

    /// The longest ipc path libzmq accepts on Linux (`sun_path` is 108 bytes with its NUL).
    public static let maximumIPCPathBytes = 107

    /// Parses and validates an endpoint; the error says what is wrong, for a config problem.
    public static func parse(_ text: String) -> Result<BusEndpoint, EndpointError> {
        guard let separator = text.range(of: "://") else {
            return .failure(EndpointError("\"\(text)\" is not an endpoint: use tcp://host:port, ipc://path or inproc://name"))
        }
        let scheme = String(text[..<separator.lowerBound])
        let rest = String(text[separator.upperBound...])
        guard let transport = Transport(rawValue: scheme) else {
            return .failure(EndpointError("\"\(scheme)://\" is not a supported transport: use tcp://host:port, ipc://path or inproc://name"))
        }
        switch transport {
        case .tcp:
            guard let colon = rest.lastIndex(of: ":") else {
                return .failure(EndpointError("\"\(text)\" has no port: use tcp://host:port"))
            }
            let host = String(rest[..<colon])
            let portText = String(rest[rest.index(after: colon)...])
            guard let port = Int(portText), (1...65535).contains(port) else {
                return .failure(EndpointError("\"\(text)\": the port must be a number from 1 to 65535"))
            }
            guard isValidHost(host) else {
                return .failure(EndpointError("\"\(text)\": \"\(host)\" is not a host name, IP address or *"))
            }
            _ = port
        case .ipc:
            guard !rest.isEmpty else { return .failure(EndpointError("\"\(text)\": ipc needs a socket path")) }
        case .inproc:
            guard !rest.isEmpty else { return .failure(EndpointError("\"\(text)\": inproc needs a name")) }
        }
        return .success(BusEndpoint(transport: transport, address: rest))
    }

    static func isValidHost(_ host: String) -> Bool {
        if host == "*" { return true }
        if host.hasPrefix("["), host.hasSuffix("]") {
            let inner = host.dropFirst().dropLast()
            return !inner.isEmpty && inner.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
        }
        if !host.isEmpty, host.allSatisfy({ $0.isNumber || $0 == "." }) {
            let parts = host.split(separator: ".", omittingEmptySubsequences: false)
            return parts.count == 4 && parts.allSatisfy { part in Int(part).map { (0...255).contains($0) } ?? false }
        }
        // A host name, or an interface name such as eth0 (libzmq binds to those too).
        return Validators.isHostName(host)
    }
}

/// Why an endpoint string is not valid.
public struct EndpointError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
