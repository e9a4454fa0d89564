import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// File-system failures of the alert subscriber's state and outputs, with the path and errno.
public struct AlertIOError: Error, Sendable, CustomStringConvertible {
    public var operation: String
    public var path: String
    public var errno: Int32
    public var detail: String?

    /// Disk full or transient I/O may clear; a missing directory or a permission will not.
    public var isRetriable: Bool { errno == EIO || errno == ENOSPC || errno == EINTR || errno == EAGAIN }

    public var description: String {
        let reason = detail ?? String(cString: strerror(errno))
        return "\(operation) \(path): \(reason) (errno \(errno))"
    }
}

/// Whole-file writes that survive kill -9 and power loss: temporary file, fsync, rename, fsync dir.
enum DurableFile {
    static func write(_ data: Data, to path: String) throws {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw AlertIOError(operation: "open", path: temporary, errno: errno) }
        do {
            try writeAll(fd, data, path: temporary)
            guard fsync(fd) == 0 else { throw AlertIOError(operation: "fsync", path: temporary, errno: errno) }
        } catch {
            close(fd)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw AlertIOError(operation: "rename", path: path, errno: errno) }
        syncDirectory(of: path)
    }

    static func read(_ path: String) throws -> Data? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw AlertIOError(operation: "read", path: path, errno: EIO, detail: "\(error)")
        }
    }

    static func createDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw AlertIOError(operation: "mkdir", path: path, errno: EACCES, detail: "\(error)")
        }
    }

    static func writeAll(_ fd: Int32, _ data: Data, path: String) throws {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < raw.count {
                let written = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw AlertIOError(operation: "write", path: path, errno: errno)
                }
                offset += written
            }
        }
    }

    static func syncDirectory(of path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}
