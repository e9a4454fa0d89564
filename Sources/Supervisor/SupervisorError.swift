/// A supervisor operation that failed, with the system call and errno when one failed.
public struct SupervisorError: Error, Sendable, Equatable, CustomStringConvertible {
    public var child: String
    public var message: String
    /// The failing C function (`posix_spawn`, `pipe2`, ...), when a system call failed.
    public var function: String?
    public var errno: Int32?
    /// A missing executable or a duplicate name does not fix itself; resource shortages may.
    public var isRetriable: Bool

    public init(child: String, message: String, function: String? = nil, errno: Int32? = nil, isRetriable: Bool) {
        self.child = child
        self.message = message
        self.function = function
        self.errno = errno
        self.isRetriable = isRetriable
    }

    public var description: String {
        var text = "\(child): \(message)"
        if let function, let errno { text += " (\(function): \(String(cString: strerror(errno))), errno \(errno))" }
        return text
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
