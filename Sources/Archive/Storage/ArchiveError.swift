import Foundation

/// A failure of the archive, with the file it concerns and whether retrying can help.
public struct ArchiveError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, for programmatic handling.
    public enum Kind: Sendable, Equatable {
        /// A system call failed (`function` and `errno` are in the message).
        case io
        /// The manifest cannot be read or its chain is broken, so the writer refuses to extend it.
        case corruptManifest
        /// An envelope cannot be archived (wrong connection, no payload).
        case invalidEnvelope
        /// Compression or decompression failed.
        case compression
    }

    public var kind: Kind
    /// The file concerned, when there is one.
    public var path: String?
    public var message: String
    /// Whether the same call may succeed later (a full disk may be freed; a broken chain will not heal).
    public var isRetriable: Bool

    public init(_ kind: Kind, path: String? = nil, _ message: String, isRetriable: Bool = false) {
        self.kind = kind
        self.path = path
        self.message = message
        self.isRetriable = isRetriable
    }

    public var description: String {
        if let path { return "archive: \(path): \(message)" }
        return "archive: \(message)"
    }

    static func errno(_ function: String, path: String, code: Int32 = Glibc.errno) -> ArchiveError {
        let text = String(cString: strerror(code))
        // ENOSPC/EINTR/EAGAIN/EIO may clear; permissions and missing folders will not.
        let retriable = [ENOSPC, EINTR, EAGAIN, EIO, EDQUOT].contains(code)
        return ArchiveError(.io, path: path, "\(function) failed: \(text) (errno \(code))", isRetriable: retriable)
    }
}
