import Foundation
import Testing

/// `boxbridge config check` as a user runs it: exit 0 for the shipped file, 1 naming line and key
/// for each kind of mistake, 2 for a file that cannot be read.
@Suite("boxbridge config check")
struct ConfigCheckTests {
    @Test("the shipped bridge.conf is valid")
    func shippedFile() async throws {
        let result = try await BoxBridgeProcess.run(
            ["config", "check", BoxBridgeProcess.packageRoot.appending(path: "bridge.conf").path])
        #expect(result.status == 0, "\(result.stderr)")
    }

    static let broken: [(name: String, text: String, line: Int, key: String)] = [
        ("typo'd key", "[broker]\njournal_pth = \"var/j\"\n", 2, "broker.journal_pth"),
        ("wrong type", "[scheduler]\n\ncalls_per_minute = \"lots\"\n", 3, "scheduler.calls_per_minute"),
        ("bad endpoint", "[broker]\n# comment\n\ningest_endpoint = \"http://127.0.0.1:7301\"\n", 4, "broker.ingest_endpoint"),
        ("missing secret", """
            [[connections]]
            name = "acme"
            auth = "ccg"
            client_id = "abc"
            client_secret_env = "BOXBRIDGE_TEST_UNSET_SECRET"
            enterprise_id = "123"
            admin_email = "admin@acme.com"

            """, 5, "connections[0].client_secret_env"),
    ]

    @Test("a mistake exits 1 naming file, line and key", arguments: broken.indices)
    func brokenFile(index: Int) async throws {
        let case_ = Self.broken[index]
        let folder = FileManager.default.temporaryDirectory.appending(path: "boxbridge-config-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appending(path: "bridge.conf")
        try case_.text.write(to: file, atomically: true, encoding: .utf8)

        let result = try await BoxBridgeProcess.run(
            ["config", "check", file.path], environment: ["BOXBRIDGE_TEST_UNSET_SECRET": ""])
        #expect(result.status == 1, "\(case_.name): \(result.stderr)")
        #expect(result.stderr.contains("bridge.conf:\(case_.line): \(case_.key)"), "\(case_.name): \(result.stderr)")

        let json = try await BoxBridgeProcess.run(
            ["config", "check", "--json", file.path], environment: ["BOXBRIDGE_TEST_UNSET_SECRET": ""])
        #expect(json.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["valid"] as? Bool == false)
        let problems = try #require(object["problems"] as? [[String: Any]])
        #expect(problems.contains { $0["key"] as? String == case_.key && $0["line"] as? Int == case_.line })
    }

    @Test("a typo'd key suggests the right one")
    func didYouMean() async throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "boxbridge-config-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appending(path: "bridge.conf")
        try "[collector]\ncoalesce_windw = \"5s\"\n".write(to: file, atomically: true, encoding: .utf8)
        let result = try await BoxBridgeProcess.run(["config", "check", file.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("coalesce_window"))
    }

    @Test("a file that cannot be read exits 2")
    func unreadable() async throws {
        let result = try await BoxBridgeProcess.run(["config", "check", "/nonexistent/bridge.conf"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("/nonexistent/bridge.conf"))
    }
}
