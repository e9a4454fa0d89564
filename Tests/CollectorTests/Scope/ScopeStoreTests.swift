import BoxBridgeConfig
import Foundation
import Testing

@testable import Collector

@Suite("Stored scope")
struct ScopeStoreTests {
    static func temporaryFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appending(path: "boxbridge-scope-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test("a new import replaces the old list, in a 0600 file beside the index")
    func replacement() throws {
        let root = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var config = BridgeConfig()
        config.index.path = root + "/var/index.sqlite"
        let store = ScopeStore(config: config)
        #expect(store.path(for: "acme") == root + "/var/scope/acme.json")
        #expect(try store.load(connection: "acme") == nil)

        let first = StoredScope(
            connection: "acme", list: ScopeList(kind: .users, entries: ["a@example.com", "b@example.com"]), source: "/u.csv",
            importedAt: 1)
        try store.replace(first)
        let second = StoredScope(
            connection: "acme", list: ScopeList(kind: .groups, entries: ["Sales"]), source: "/g.csv", importedAt: 2)
        try store.replace(second)

        #expect(try store.load(connection: "acme") == second)
        let attributes = try FileManager.default.attributesOfItem(atPath: store.path(for: "acme"))
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        // No temporary file is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/var/scope") == ["acme.json"])
    }

    @Test("the collector's mode: all, the imported list, else scope_file; a list of the wrong kind is refused")
    func modeForConnection() throws {
        let root = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = ScopeStore(folder: root + "/scope")
        var connection = ConnectionSection(
            name: "acme", clientID: "id", clientSecret: ConfigSecret("s"), enterpriseID: "1", adminEmail: "a@example.com")
        #expect(try store.mode(for: connection) == .all)

        connection.scope = .users
        #expect(throws: ScopeConfigurationError.self) { try store.mode(for: connection) }
        let csv = root + "/users.csv"
        try "Email\nFile@Example.com\n".write(toFile: csv, atomically: true, encoding: .utf8)
        connection.scopeFile = csv
        #expect(try store.mode(for: connection) == .users(["file@example.com"]))

        try store.replace(StoredScope(
            connection: "acme", list: ScopeList(kind: .users, entries: ["imported@example.com"]), source: csv, importedAt: 0))
        #expect(try store.mode(for: connection) == .users(["imported@example.com"]))

        connection.scope = .groups
        #expect(throws: ScopeConfigurationError.self) { try store.mode(for: connection) }
    }
}
