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
        do {
            try AtomicFile.replace(data, at: path, folder: folder)
        } catch {
            throw ScopeStoreError(path: error.path, operation: error.operation, reason: error.reason, isRetryable: error.isRetryable)
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
}
