#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A TCP port on 127.0.0.1 nothing listens on right now (bound, then released): for a child
/// process's `--metrics-port` or any server a test must reach by a known number.
public func freePort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw FreePortError(call: "socket", errno: errno) }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
        }
    }
    guard bound else { throw FreePortError(call: "bind", errno: errno) }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Why no free port could be had.
public struct FreePortError: Error, CustomStringConvertible {
    public var call: String
    public var errno: Int32
    public var description: String { "\(call)() failed: errno \(errno)" }
}
