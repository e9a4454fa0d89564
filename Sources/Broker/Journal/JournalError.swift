#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A journal I/O failure, naming the file, the system call and errno.
public struct JournalError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var operation: String
    public var errno: Int32
    public var detail: String

    /// Whether trying again could help. Disk errors under a journal rarely heal by themselves:
    /// only interrupted or full-disk conditions are worth another attempt after operator action.
    public var isRetriable: Bool { errno == EINTR || errno == EAGAIN || errno == ENOSPC }

    init(path: String, operation: String, errno: Int32 = 0, detail: String = "") {
        self.path = path
        self.operation = operation
        self.errno = errno
        self.detail = detail
    }

    static func system(_ operation: String, path: String) -> JournalError {
        JournalError(path: path, operation: operation, errno: Glibc.errno)
    }

    public var description: String {
        var text = "journal \(operation) failed on \(path)"
        if errno != 0 { text += ": \(String(cString: strerror(errno))) (errno \(errno))" }
        if !detail.isEmpty { text += ": \(detail)" }
        return text
    }
}
