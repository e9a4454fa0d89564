public import BoxBridgeConfig
public import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether a connection is collected: the operator's and the collector's say over it.
public enum ConnectionState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Collected (also what a connection with no state file is).
    case active
    /// The operator ran `boxbridge connection deauthorize`: not polled until resumed.
    case deauthorized
    /// The collector stopped it (the 500,000-drive limit): not polled until resumed.
    case failed
}

/// A connection's control state as kept on disk, one small JSON file per connection.
public struct ConnectionControl: Sendable, Hashable, Codable {
    public var connection: String
    public var state: ConnectionState
    /// Why it is in this state: the operator's reason, or the exact failure message.
    public var reason: String
    /// When the state last changed (Unix seconds).
    public var changedAt: Double
    /// Who changed it (`boxbridge connection resume`, `collector host-123`), for people reading it.
    public var changedBy: String
    /// Counts changes, so a collector notices a deauthorize + resume between two of its checks
    /// and re-runs scoping (resuming re-runs scoping).
    public var generation: UInt64

    public init(connection: String, state: ConnectionState, reason: String, changedAt: Double, changedBy: String, generation: UInt64) {
        self.connection = connection
        self.state = state
        self.reason = reason
        self.changedAt = changedAt
        self.changedBy = changedBy
        self.generation = generation
    }

    /// The state of a connection that never had a file: active, generation 0.
    public static func initial(connection: String) -> ConnectionControl {
        ConnectionControl(connection: connection, state: .active, reason: "", changedAt: 0, changedBy: "", generation: 0)
    }

    /// Whether collectors poll it.
    public var isActive: Bool { state == .active }

    enum CodingKeys: String, CodingKey {
        case connection, state, reason, generation
        case changedAt = "changed_at"
        case changedBy = "changed_by"
    }
}

/// Where connection control states live: `<folder of [index] path>/connections/<connection>.json`.
///
/// Beside the scope lists (`ScopeStore`), in the bridge's local state folder, so the CLI on the
/// operator's machine and the collectors share it. The API is four calls:
/// - `load(connection:)`: the current state; no file means active (generation 0).
/// - `deauthorize(connection:reason:by:at:)`: operator stop; collectors stop polling it.
/// - `fail(connection:reason:by:at:)`: the collector's stop (the exact 500,000-drive message);
///   recorded only over `active`, so it never hides an operator's deauthorization.
/// - `resume(connection:by:at:)`: active again; the collector re-runs scoping from scratch.
///
/// Every change is read-modify-write under an exclusive `flock` on `<folder>/.lock` (the CLI and
/// collectors may race) and replaces the file atomically: temporary file, fsync, rename, fsync
/// of the folder, mode 0600. A reader therefore sees the old state or the new, never half.
public struct ConnectionStateStore: Sendable {
    public let folder: String

    public init(folder: String) {
        self.folder = folder
    }

    /// The store a configuration uses.
    public init(config: BridgeConfig) {
        self.folder = (config.index.path as NSString).deletingLastPathComponent + "/connections"
    }

    /// The file holding `connection`'s state.
    public func path(for connection: String) -> String { folder + "/" + connection + ".json" }

    /// The state of `connection`; active (generation 0) when no file exists.
    public func load(connection: String) throws(ConnectionStateError) -> ConnectionControl {
        let path = path(for: connection)
        guard FileManager.default.fileExists(atPath: path) else { return .initial(connection: connection) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConnectionStateError(path: path, operation: "read", reason: "permission denied", isRetryable: false)
        }
        do {
            return try JSONDecoder().decode(ConnectionControl.self, from: data)
        } catch {
            throw ConnectionStateError(path: path, operation: "decode", reason: "\(error)", isRetryable: false)
        }
    }

    /// Marks `connection` deauthorized by the operator. Returns the previous and the new state.
    @discardableResult
    public func deauthorize(connection: String, reason: String, by actor: String, at now: Date = Date()) throws(ConnectionStateError)
        -> (previous: ConnectionControl, current: ConnectionControl)
    {
        try update(connection, by: actor, at: now) { _ in (.deauthorized, reason) }
    }

    /// Marks `connection` failed (e.g. `DriveLimitExceeded.message`), unless it is already stopped.
    ///
    /// An operator's deauthorization stays in force: the failure would only hide it.
    @discardableResult
    public func fail(connection: String, reason: String, by actor: String, at now: Date = Date()) throws(ConnectionStateError)
        -> (previous: ConnectionControl, current: ConnectionControl)
    {
        try update(connection, by: actor, at: now) { current in current.state == .deauthorized ? nil : (.failed, reason) }
    }

    /// Makes `connection` active again; collectors re-run scoping when they see the new generation.
    @discardableResult
    public func resume(connection: String, by actor: String, at now: Date = Date()) throws(ConnectionStateError)
        -> (previous: ConnectionControl, current: ConnectionControl)
    {
        try update(connection, by: actor, at: now) { _ in (.active, "") }
    }

    // MARK: Internals

    /// Reads, decides (nil = leave it as it is) and writes, under the lock.
    private func update(
        _ connection: String, by actor: String, at now: Date, decide: (ConnectionControl) -> (ConnectionState, String)?
    ) throws(ConnectionStateError) -> (previous: ConnectionControl, current: ConnectionControl) {
        guard Self.isSafeName(connection) else {
            throw ConnectionStateError(
                path: folder, operation: "name", reason: "\"\(connection)\" is not a connection name", isRetryable: false)
        }
        return try locked { () throws(ConnectionStateError) in
            let previous = try load(connection: connection)
            guard let (state, reason) = decide(previous) else { return (previous, previous) }
            let current = ConnectionControl(
                connection: connection, state: state, reason: reason, changedAt: now.timeIntervalSince1970,
                changedBy: actor, generation: previous.generation + 1)
            try write(current)
            return (previous, current)
        }
    }

    /// Connection names are topic-safe in bridge.conf; refuse anything that could leave the folder.
    static func isSafeName(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix(".") && !name.contains("/") && !name.contains("\0")
    }

    private func ensureFolder() throws(ConnectionStateError) {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw ConnectionStateError(path: folder, operation: "create folder", reason: "\(error)", isRetryable: false)
        }
    }

    /// Runs `body` holding an exclusive lock on the folder's `.lock` file.
    private func locked<T>(_ body: () throws(ConnectionStateError) -> T) throws(ConnectionStateError) -> T {
        try ensureFolder()
        let lockPath = folder + "/.lock"
        let fd = open(lockPath, O_RDWR | O_CREAT, 0o600)
        guard fd >= 0 else { throw ConnectionStateError.errno(path: lockPath, operation: "open") }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR { throw ConnectionStateError.errno(path: lockPath, operation: "flock") }
        }
        defer { _ = flock(fd, LOCK_UN) }
        return try body()
    }

    /// Replaces the file of `control.connection` atomically, mode 0600.
    func write(_ control: ConnectionControl) throws(ConnectionStateError) {
        try ensureFolder()
        let path = path(for: control.connection)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do {
            data = try encoder.encode(control)
        } catch {
            throw ConnectionStateError(path: path, operation: "encode", reason: "\(error)", isRetryable: false)
        }
        do {
            try AtomicFile.replace(data, at: path, folder: folder)
        } catch {
            throw ConnectionStateError(
                path: error.path, operation: error.operation, reason: error.reason, isRetryable: error.isRetryable)
        }
    }
}

/// A connection state file that could not be read or written: the path and the failing step.
public struct ConnectionStateError: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var operation: String
    public var reason: String
    /// Whether trying again may help (a full disk or an interrupted call, not a permission problem).
    public var isRetryable: Bool

    public var description: String { "cannot \(operation) \(path): \(reason)" }

    static func errno(path: String, operation: String) -> ConnectionStateError {
        let failure = AtomicFile.Failure(path: path, operation: operation, code: Glibc.errno)
        return ConnectionStateError(path: path, operation: operation, reason: failure.reason, isRetryable: failure.isRetryable)
    }
}
