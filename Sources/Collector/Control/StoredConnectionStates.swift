import BoxBridgeRuntime
import Foundation
public import Logging

/// The collector's view of a `ConnectionStateStore` (its `ConnectionStateSource`).
///
/// Build it once per collector: `StoredConnectionStates(store: ConnectionStateStore(config: config),
/// collectorID: id, logger: logger)`.
public struct StoredConnectionStates: ConnectionStateSource {
    public let store: ConnectionStateStore
    /// Written as `changed_by` ("collector <id>") when this collector fails a connection.
    public let collectorID: String
    let logger: Logger

    public init(store: ConnectionStateStore, collectorID: String, logger: Logger) {
        self.store = store
        self.collectorID = collectorID
        self.logger = logger
    }

    /// Every connection with a state file that is not active: deauthorized, or failed with its reason.
    ///
    /// A state file that cannot be read blocks its connection as failed, naming the file: the
    /// operator's intent is unknown, and collecting against a deauthorization would be worse than
    /// a visible stop.
    public func blockedConnections() async -> [String: LeaseReconciler.Block] {
        var blocks: [String: LeaseReconciler.Block] = [:]
        for name in store.storedConnections() {
            do {
                let control = try store.load(connection: name)
                switch control.state {
                case .active: break
                case .deauthorized: blocks[name] = .deauthorized
                case .failed: blocks[name] = .failed(reason: control.reason)
                }
            } catch {
                logger.error(
                    "cannot read a connection state file; not polling the connection",
                    metadata: [LogKey.connection: "\(name)", LogKey.error: "\(error)"])
                blocks[name] = .failed(reason: error.description)
            }
        }
        return blocks
    }

    /// Records the failure; an operator's deauthorization stays in force.
    public func recordFailure(connection: String, reason: String) async {
        do {
            try store.fail(connection: connection, reason: reason, by: "collector \(collectorID)")
        } catch {
            logger.error(
                "cannot record a connection failure; it is reported but not kept across restarts",
                metadata: [LogKey.connection: "\(connection)", LogKey.error: "\(error)", LogKey.path: "\(error.path)"])
        }
    }
}

extension ConnectionStateStore {
    /// Names of the connections that have a state file, sorted.
    public func storedConnections() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.map { String($0.dropLast(5)) }.sorted()
    }
}
