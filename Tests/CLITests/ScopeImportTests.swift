import Foundation
import Testing

/// `boxbridge scope import|show` as an operator runs them.
@Suite("boxbridge scope import")
struct ScopeImportTests {
    static let config = """
        [index]
        path = "state/index.sqlite"

        [[connections]]
        name = "acme"
        auth = "ccg"
        client_id = "abc"
        client_secret_env = "BOXBRIDGE_TEST_SCOPE_SECRET"
        enterprise_id = "123"
        admin_email = "admin@acme.com"
        scope = "users"
        scope_file = "initial.csv"

        """

    @Test("import validates, replaces the stored list, and reports bad rows, wrong kinds and unknown connections")
    func importAndReplace() async throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "boxbridge-scope-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        func write(_ name: String, _ text: String) throws { try text.write(to: folder.appending(path: name), atomically: true, encoding: .utf8) }
        try write("bridge.conf", Self.config)
        try write("initial.csv", "Email\nfirst@acme.com\n")
        try write("a.csv", "\u{FEFF}Name,Email Address\n\"Doe, Jane\",Jane@Acme.com\nBob,bob@acme.com\n")
        try write("b.csv", "Email\ncarol@acme.com\n")
        try write("bad.csv", "Email\nok@acme.com\nnot an email\n\nalso-bad\n")
        try write("groups.csv", "Group Name\nSales\n")
        let environment = ["BOXBRIDGE_TEST_SCOPE_SECRET": "s3cret"]
        func run(_ arguments: [String]) async throws -> BoxBridgeProcess.Result {
            try await BoxBridgeProcess.run(["scope"] + arguments, environment: environment, currentDirectory: folder)
        }

        let first = try await run(["import", "--connection", "acme", "a.csv"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("imported 2 users for connection acme"))
        let stored = folder.appending(path: "state/scope/acme.json").path
        let mode = try FileManager.default.attributesOfItem(atPath: stored)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)

        let second = try await run(["import", "--connection", "acme", "b.csv", "--json"])
        #expect(second.status == 0, "\(second.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any])
        #expect(summary["kind"] as? String == "users")
        #expect(summary["entries"] as? Int == 1)

        let show = try await run(["show", "--connection", "acme", "--json"])
        #expect(show.status == 0, "\(show.stderr)")
        let shown = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        let list = try #require(shown["stored"] as? [String: Any])
        #expect(list["entries"] as? [String] == ["carol@acme.com"], "the new upload replaced the old list")

        let bad = try await run(["import", "--connection", "acme", "bad.csv"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("bad.csv:3: \"not an email\" is not an email address"), "\(bad.stderr)")
        #expect(bad.stderr.contains("bad.csv:5: \"also-bad\" is not an email address"), "\(bad.stderr)")

        let wrongKind = try await run(["import", "--connection", "acme", "groups.csv"])
        #expect(wrongKind.status == 1)
        #expect(wrongKind.stderr.contains("scope = \"users\""), "\(wrongKind.stderr)")

        let unknown = try await run(["import", "--connection", "nope", "b.csv"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no connection named \"nope\""))

        let missing = try await run(["import", "--connection", "acme", "missing.csv"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("missing.csv"))

        // None of the failures touched the stored list.
        let after = try await run(["show", "--connection", "acme"])
        #expect(after.stdout.contains("carol@acme.com"))
        #expect(!after.stdout.contains("ok@acme.com"))
    }
}
