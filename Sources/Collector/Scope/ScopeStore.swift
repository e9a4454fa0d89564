public import BoxBridgeConfig
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A connection's imported scope list, as kept on disk.
public struct StoredScope: Sendable, Hashable, Codable {
    public var connection: String
    public var list: ScopeList
    /// The CSV it came from, for people reading `scope show`.
    public var source: String
    /// When it was imported, Unix seconds.
    public var importedAt: Double

    public init(connection: String, list: ScopeList, source: String, importedAt: Double) {
        self.connection = connection
        self.list = list
        self.source = source
        self.importedAt = importedAt
    }
}

/// Where imported scope lists live: `<folder of [index] path>/scope/<connection>.json`, one per connection.
///
/// Beside the index because that folder is the bridge's local state (`var/` by default) and exists
/// on every machine that runs operator commands. A new import replaces the file atomically (write a
/// temporary file, fsync, rename, fsync the folder), so a collector never reads half a list.
public struct ScopeStore: Sendable {
    public let folder: String

    public init(folder: String) {
        self.folder = folder
    }

    /// The store a configuration uses.
    public init(config: BridgeConfig) {
        self.folder = (config.index.path as NSString).deletingLastPathComponent + "/scope"
    }

    /// The file holding `connection`'s list.
    public func path(for connection: String) -> String { folder + "/" + connection + ".json" }

    /// The stored list of `connection`, nil when none was imported.
    public func load(connection: String) throws(ScopeStoreError) -> StoredScope? {
        let path = path(for: connection)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ScopeStoreError(path: path, operation: "read", reason: "permission denied", isRetryable: false)
        }
        do {
            return try JSONDecoder().decode(StoredScope.self, from: data)
        } catch {
            throw ScopeStoreError(path: path, operation: "decode", reason: "\(error)", isRetryable: false)
        }
    }

    /// Replaces the stored list of `scope.connection` with `scope` (file mode 0600).
    public func replace(_ scope: StoredScope) throws(ScopeStoreError) {
        let path = path(for: scope.connection)
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw ScopeStoreError(path: folder, operation: "create folder", reason: "\(error)", isRetryable: false)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do {
            data = try encoder.encode(scope)
        } catch {
            throw ScopeStoreError(path: path, operation: "encode", reason: "\(error)", isRetryable: false)
        }
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw ScopeStoreError.errno(path: temporary, operation: "open") }
        var failure: ScopeStoreError?
        if fchmod(fd, 0o600) != 0 { failure = .errno(path: temporary, operation: "fchmod") }
        if failure == nil {
            data.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        failure = .errno(path: temporary, operation: "write")
                        return
                    }
                    offset += written
                }
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = .errno(path: temporary, operation: "fsync") }
        close(fd)
        if let failure {
            unlink(temporary)
            throw failure
        }
        guard rename(temporary, path) == 0 else {
            let error = ScopeStoreError.errno(path: path, operation: "rename")
            unlink(temporary)
            throw error
        }
        // The rename is durable only once the folder is synced.
        let folderFD = open(folder, O_RDONLY)
        if folderFD >= 0 {
            _ = fsync(folderFD)
            close(folderFD)
        }
    }
}

/// A scope file that could not be read or written, with the path and the failing step.
public struct ScopeStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var operation: String
    public var reason: String
    /// Whether trying again may help (a full disk or an interrupted call, not a permission problem).
    public var isRetryable: Bool

    public var description: String { "cannot \(operation) \(path): \(reason)" }

    static func errno(path: String, operation: String) -> ScopeStoreError {
        let code = Glibc.errno
        let message = String(cString: strerror(code))
        return ScopeStoreError(
            path: path, operation: operation, reason: "\(message) (errno \(code))",
            isRetryable: code == EINTR || code == EAGAIN || code == ENOSPC || code == EIO)
    }
}
