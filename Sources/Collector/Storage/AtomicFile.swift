import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Replaces small state files so that a reader sees the old content or the new, never half.
///
/// Temporary file (0600, exclusive), write, fsync, rename, fsync the folder: the scope lists and
/// the connection control states both keep their files this way.
enum AtomicFile {
    /// The step of a replace that failed, with the path it was applied to and its errno.
    struct Failure: Error {
        var path: String
        var operation: String
        var code: Int32

        /// `strerror` text and the errno, as the stores' errors print it.
        var reason: String { "\(String(cString: strerror(code))) (errno \(code))" }
        /// Whether trying again may help (a full disk or an interrupted call, not a permission problem).
        var isRetryable: Bool { code == EINTR || code == EAGAIN || code == ENOSPC || code == EIO }
    }

    /// Writes `data` to `path` (inside `folder`) atomically and durably, mode 0600.
    static func replace(_ data: Data, at path: String, folder: String) throws(Failure) {
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw Failure(path: temporary, operation: "open", code: errno) }
        var failure: Failure?
        // The umask may have narrowed the mode, never widened it; fchmod makes it exactly 0600.
        if fchmod(fd, 0o600) != 0 { failure = Failure(path: temporary, operation: "fchmod", code: errno) }
        if failure == nil {
            data.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        failure = Failure(path: temporary, operation: "write", code: errno)
                        return
                    }
                    offset += written
                }
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = Failure(path: temporary, operation: "fsync", code: errno) }
        close(fd)
        if let failure {
            unlink(temporary)
            throw failure
        }
        guard rename(temporary, path) == 0 else {
            let failure = Failure(path: path, operation: "rename", code: errno)
            unlink(temporary)
            throw failure
        }
        // The rename is durable only once the folder is synced.
        let folderFD = open(folder, O_RDONLY)
        if folderFD >= 0 {
            _ = fsync(folderFD)
            close(folderFD)
        }
    }
}
