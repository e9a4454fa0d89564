import AsyncHTTPClient
import BoxEmulator
import Foundation
import TestSupport
import Testing

/// Dumps one sample of every response kind and validates them against openapi.json with
/// `scripts/validate-emulator-schemas` (Python jsonschema). Set EMULATOR_SAMPLES_DIR to keep the samples.
@Suite struct SchemaSampleTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let script = repoRoot.appendingPathComponent("scripts/validate-emulator-schemas").path

    static func validatorAvailable() async -> Bool {
        let probe = try? await runToCompletion(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", "import jsonschema"])
        return probe?.status == 0
    }

    @Test(.enabled("needs python3 with jsonschema") { await SchemaSampleTests.validatorAvailable() })
    func everyResponseKindMatchesBoxSchemas() async throws {
        let dir: URL
        if let d = ProcessInfo.processInfo.environment["EMULATOR_SAMPLES_DIR"] {
            dir = URL(fileURLWithPath: d)
        } else {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("emulator-samples-\(UUID().uuidString)")
        }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var config = testConfiguration(backlog: 20_000)
        config.malformedShare = 0
        config.rateLimitPerMinute = 100_000
        let written = try await EmulatorServer.withRunning(config) { emu -> Int in
            let c = EmulatorClient(base: emu.baseURL)
            var count = 0
            func save(_ name: String, _ bytes: [UInt8]) throws {
                try Data(bytes).write(to: dir.appendingPathComponent(name + ".json"))
                count += 1
            }
            func dump(_ name: String, _ path: String, token: String?, status: Int = 200) async throws {
                let r = try await c.request(.GET, path, token: token)
                #expect(r.status == status, "\(path)")
                try save(name, r.body)
            }
            let tokenResponse = try await c.ccgToken()
            try save("AccessToken.ccg", tokenResponse.body)
            try save("OAuth2Error.bad_secret", try await c.ccgToken(secret: "nope").body)
            let t = try #require(tokenResponse.json["access_token"] as? String)
            let e = emu.core.enterprise

            try await dump("Events.admin_logs", "/2.0/events?stream_type=admin_logs&limit=500", token: t)
            try await dump("Events.streaming", "/2.0/events?stream_type=admin_logs_streaming&stream_position=0&limit=500", token: t)
            try await dump("Events.empty", "/2.0/events?stream_type=admin_logs&stream_position=now", token: t)
            // One event of every type and every Shield download variant, from the whole backlog.
            var seen = Set<String>()
            for i in UInt64(0)..<UInt64(config.backlogSize) {
                let (bytes, meta) = emu.core.log.event(i)
                var key = meta.eventType
                if key == "SHIELD_DOWNLOAD_BLOCKED" {
                    let text = String(decoding: bytes, as: UTF8.self)
                    key += text.contains("\"service\":null") ? ".web" : text.contains("\"service\":\"") ? ".string" : ".object"
                    key += text.contains("monitoring") ? ".monitoring" : ".enforced"
                }
                if seen.insert(key).inserted { try save("Event.\(key)", bytes) }
            }
            // A malformed sample is kept for inspection but deliberately not validated.
            let broken = EventGenerator(enterprise: e, seed: 1, malformedShare: 1).event(at: 0, createdAt: 1_790_000_000)
            try save("Event.0.malformed", broken.json.serialized())

            try await dump("User--Full.me", "/2.0/users/me", token: t)
            try await dump("Users.offset", "/2.0/users?limit=7&offset=3", token: t)
            try await dump("Users.marker", "/2.0/users?usemarker=true&limit=5", token: t)
            try await dump("Users.fields", "/2.0/users?fields=status,role,enterprise&limit=50", token: t)
            try await dump("Groups.all", "/2.0/groups", token: t)
            try await dump("GroupMemberships.group", "/2.0/groups/\(e.groups[0].id)/memberships", token: t)
            try await dump("GroupMemberships.user", "/2.0/users/\(e.users[2].id)/memberships", token: t)
            let shared = try #require(e.files.first { $0.sharedLink != nil && $0.parent != nil })
            try await dump("File--Full.shared", "/2.0/files/\(shared.id)", token: t)
            try await dump("File--Full.fields", "/2.0/files/\(e.files[0].id)?fields=name,size,sha1,path_collection,owned_by,parent,shared_link,modified_at,item_status", token: t)
            let nested = try #require(e.folders.first { $0.parent != nil })
            try await dump("Folder--Full.nested", "/2.0/folders/\(nested.id)", token: t)
            try await dump("Folder--Full.root", "/2.0/folders/0", token: t)
            let collabFolder = try #require(e.collaborationsByFolder.keys.min())
            try await dump("Collaborations.folder", "/2.0/folders/\(e.folders[collabFolder].id)/collaborations", token: t)
            let collabFile = try #require(e.collaborationsByFile.keys.min())
            try await dump("Collaborations.file", "/2.0/files/\(e.files[collabFile].id)/collaborations", token: t)
            try await dump("ClientError.400", "/2.0/events?stream_type=admin_logs&limit=501", token: t, status: 400)
            try await dump("ClientError.401", "/2.0/users/me", token: "nope", status: 401)
            try await dump("ClientError.404", "/2.0/files/1", token: t, status: 404)
            _ = try await c.request(.POST, "/_emulator/faults", body: #"[{"kind":"rate_limit"},{"kind":"status","status":503,"retry_after":1}]"#)
            try await dump("ClientError.429", "/2.0/users/me", token: t, status: 429)
            try await dump("ClientError.503", "/2.0/users/me", token: t, status: 503)
            return count
        }
        #expect(written > 60)

        let validation = try await runToCompletion(URL(fileURLWithPath: "/usr/bin/env"), ["python3", SchemaSampleTests.script, dir.path])
        let text = validation.stdoutText + validation.stderrText
        #expect(validation.status == 0, "\(text)")
        #expect(text.contains(" passed, 0 failed"))
        if ProcessInfo.processInfo.environment["EMULATOR_SAMPLES_DIR"] == nil { try? FileManager.default.removeItem(at: dir) }
    }
}
