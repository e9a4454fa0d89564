import Foundation

/// Everything the alert subscriber persists in `<state_path>/state.json`, written atomically (one
/// fsynced file, then rename) after every batch: the cursors, the rule engine's windows and
/// suppressions, and the outbox of alerts not yet confirmed by every output.
struct AlertSinkState: Codable, Sendable, Equatable {
    /// An alert computed and committed but not yet written to each output.
    struct OutboxItem: Codable, Sendable, Equatable {
        var id: String
        var json: String
        var connection: String
        var topic: String
        /// The protocol `Alert`, serialized, for the bus.
        var alert: Data
        var stdout: Bool
        var file: Bool
        var bus: Bool
        /// The broker batch this alert is published in: alerts of one connection fired by one
        /// subscriber batch share it, so a resend after a crash carries the same batch id.
        var busBatch: String?

        var isDone: Bool { !stdout && !file && !bus }
    }

    static let currentVersion = 1

    var version = currentVersion
    /// Per topic, the next sequence wanted.
    var cursors: [String: UInt64] = [:]
    var engine = AlertEngineState()
    var outbox: [OutboxItem] = []
    /// Alerts fired since the state was created (a stat, and a check in tests).
    var fired: UInt64 = 0

    static func load(from path: String) throws -> AlertSinkState? {
        guard let data = try DurableFile.read(path) else { return nil }
        do {
            let state = try JSONDecoder().decode(AlertSinkState.self, from: data)
            guard state.version <= currentVersion else {
                throw AlertIOError(operation: "load", path: path, errno: 0, detail: "state version \(state.version) is newer than this boxbridge (\(currentVersion))")
            }
            return state
        } catch let error as AlertIOError {
            throw error
        } catch {
            throw AlertIOError(operation: "load", path: path, errno: 0, detail: "not an alert state file: \(error)")
        }
    }

    func save(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try DurableFile.write(try encoder.encode(self), to: path)
    }
}
