import BoxBridgeConfig
import Foundation
import Logging
import Testing

@testable import Collector

@Suite("Connection state store")
struct ConnectionStateStoreTests {
    static func temporaryFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appending(path: "boxbridge-control-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    static func store(_ root: String) -> ConnectionStateStore {
        var config = BridgeConfig()
        config.index.path = root + "/var/index.sqlite"
        return ConnectionStateStore(config: config)
    }

    static let driveLimit = DriveLimitExceeded(limit: 500_000, drives: 500_001).message

    @Test("no file means active; the store lives beside the scope lists, under the index's folder")
    func missingIsActive() throws {
        let root = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = Self.store(root)
        #expect(store.path(for: "acme") == root + "/var/connections/acme.json")
        let control = try store.load(connection: "acme")
        #expect(control.state == .active)
        #expect(control.isActive)
        #expect(control.generation == 0)
        #expect(!FileManager.default.fileExists(atPath: store.folder), "reading creates nothing")
    }

    @Test("deauthorize writes a 0600 JSON file atomically; resume makes it active with a new generation")
    func deauthorizeAndResume() throws {
        let root = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = Self.store(root)
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        let change = try store.deauthorize(connection: "acme", reason: "changing scope", by: "test", at: at)
        #expect(change.previous.state == .active)
        #expect(change.current.state == .deauthorized)
        #expect(change.current.generation == 1)

        let path = store.path(for: "acme")
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(filePath: path))) as? [String: Any])
        #expect(object["state"] as? String == "deauthorized")
        #expect(object["reason"] as? String == "changing scope")
        #expect(object["changed_at"] as? Double == 1_800_000_000)
        #expect(object["changed_by"] as? String == "test")
        // Only the state file and the lock: no temporary file is left behind.
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: store.folder)) == ["acme.json", ".lock"])

        let loaded = try store.load(connection: "acme")
        #expect(loaded == change.current)

        let resumed = try store.resume(connection: "acme", by: "test", at: at)
        #expect(resumed.previous.state == .deauthorized)
        #expect(resumed.current.state == .active)
        #expect(resumed.current.reason.isEmpty)
        #expect(resumed.current.generation == 2)
        #expect(try store.load(connection: "acme").isActive)
    }

    @Test("a failure is recorded over active with its exact message, never over a deauthorization")
    func failure() throws {
        let root = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = Self.store(root)
        let failed = try store.fail(connection: "acme", reason: Self.driveLimit, by: "collector c1")
        #expect(failed.current.state == .failed)
        #expect(try store.load(connection: "acme").reason == Self.driveLimit)

        try store.deauthorize(connection: "beta", reason: "operator", by: "test")
        let ignored = try store.fail(connection: "beta", reason: Self.driveLimit, by: "collector c1")
        #expect(ignored.current.state == .deauthorized)
        #expect(ignored.current.generation == ignored.previous.generation, "nothing was written")
    }

    @Test("the collector's view: blocked connections with reasons; an unreadable file blocks, naming it")
    func collectorView() async throws {
        let root = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = Self.store(root)
        var quiet = Logger(label: "test.control")
        quiet.logLevel = .critical
        let states = StoredConnectionStates(store: store, collectorID: "c1", logger: quiet)
        #expect(await states.blockedConnections().isEmpty, "no folder yet: nothing blocked")

        await states.recordFailure(connection: "acme", reason: Self.driveLimit)
        try store.deauthorize(connection: "beta", reason: "operator", by: "test")
        try store.deauthorize(connection: "gamma", reason: "operator", by: "test")
        try store.resume(connection: "gamma", by: "test")
        try Data("{not json".utf8).write(to: URL(filePath: store.path(for: "delta")))

        let blocks = await states.blockedConnections()
        #expect(blocks["acme"] == .failed(reason: Self.driveLimit))
        #expect(blocks["beta"] == .deauthorized)
        #expect(blocks["gamma"] == nil)
        guard case .failed(let reason) = blocks["delta"] else {
            Issue.record("an unreadable state file must block its connection")
            return
        }
        #expect(reason.contains(store.path(for: "delta")))
        #expect(try store.load(connection: "acme").changedBy == "collector c1")
    }

    @Test("concurrent writers and readers: every read sees a whole file, and no change is lost")
    func concurrentChanges() async throws {
        let root = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = Self.store(root)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    for round in 0..<25 {
                        if (writer + round) % 2 == 0 {
                            try store.deauthorize(connection: "acme", reason: "w\(writer) r\(round)", by: "test")
                        } else {
                            try store.resume(connection: "acme", by: "test")
                        }
                    }
                }
            }
            group.addTask {
                for _ in 0..<200 {
                    let control = try store.load(connection: "acme")
                    #expect(control.connection == "acme")
                }
            }
            try await group.waitForAll()
        }
        // Every change went through the lock: the generation counts all 100 of them.
        #expect(try store.load(connection: "acme").generation == 100)
    }

    @Test("a name that could leave the folder is refused")
    func unsafeName() throws {
        let root = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = Self.store(root)
        #expect(throws: ConnectionStateError.self) { try store.deauthorize(connection: "../etc", reason: "", by: "test") }
    }
}
