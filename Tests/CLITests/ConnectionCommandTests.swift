import Foundation
import TestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `boxbridge connection verify|deauthorize|resume` as an operator runs them, against a real
/// `boxbridge emulator` process on an ephemeral port.
@Suite("boxbridge connection")
struct ConnectionCommandTests {
    /// A running `boxbridge emulator --port 0`, stopped (SIGTERM, SIGKILL if it lingers) by `stop()`.
    final class Emulator: @unchecked Sendable {
        let process: Process
        let port: Int
        let state: [String: Any]

        init(folder: URL) async throws {
            let portFile = folder.appending(path: "emulator.port")
            process = Process()
            process.executableURL = BoxBridgeProcess.executable
            process.arguments = [
                "emulator", "--port", "0", "--port-file", portFile.path, "--users", "6", "--groups", "1", "--backlog-size", "5",
                "--malformed-share", "0",
            ]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let deadline = ContinuousClock.now + .seconds(20)
            var port: Int?
            while port == nil {
                if let text = try? String(contentsOf: portFile, encoding: .utf8),
                    let value = Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
                {
                    port = value
                } else if ContinuousClock.now > deadline || !process.isRunning {
                    process.terminate()
                    throw BoxBridgeProcess.TimedOut(arguments: process.arguments ?? [])
                } else {
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            self.port = port!
            let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port!)/_emulator/state")!)
            state = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        }

        /// Returns at once (it is called from `defer`): the wait for the exit happens on GCD.
        func stop() {
            stopInBackground(process)
        }
    }

    static func config(port: Int, secretEnv: String, enterprise: String = "1234567", admin: String) -> String {
        """
        [index]
        path = "state/index.sqlite"

        [[connections]]
        name = "acme"
        auth = "ccg"
        client_id = "emulator-client-id"
        client_secret_env = "\(secretEnv)"
        enterprise_id = "\(enterprise)"
        admin_email = "\(admin)"
        api_base_url = "http://127.0.0.1:\(port)"

        """
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    static func checks(_ object: [String: Any]) -> [String: (status: String, detail: String)] {
        var result: [String: (status: String, detail: String)] = [:]
        for check in object["checks"] as? [[String: Any]] ?? [] {
            result[check["name"] as? String ?? ""] = (check["status"] as? String ?? "", check["detail"] as? String ?? "")
        }
        return result
    }

    @Test("verify: exit 0 when every check passes; 1 naming Box's error for a bad secret or a wrong enterprise; 2 for an unknown name")
    func verify() async throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "boxbridge-connection-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let emulator = try await Emulator(folder: folder)
        defer { emulator.stop() }
        let admin = try #require(emulator.state["admin_login"] as? String)
        let secret = "emulator-client-secret"

        func run(_ config: String, _ arguments: [String], secretValue: String = secret) async throws -> BoxBridgeProcess.Result {
            try config.write(to: folder.appending(path: "bridge.conf"), atomically: true, encoding: .utf8)
            return try await BoxBridgeProcess.run(
                ["connection"] + arguments, environment: ["BOXBRIDGE_TEST_CONNECTION_SECRET": secretValue], currentDirectory: folder)
        }
        let good = Self.config(port: emulator.port, secretEnv: "BOXBRIDGE_TEST_CONNECTION_SECRET", admin: admin)

        let text = try await run(good, ["verify", "acme"])
        #expect(text.status == 0, "\(text.stdout)\(text.stderr)")
        #expect(text.stdout.contains("[ok]   credentials"), "\(text.stdout)")
        #expect(text.stdout.contains("\(admin) is an admin of enterprise 1234567"), "\(text.stdout)")
        #expect(text.stdout.contains("verified: every check passed"))

        let json = try await run(good, ["verify", "acme", "--json"])
        #expect(json.status == 0)
        let passed = try Self.json(json.stdout)
        #expect(passed["ok"] as? Bool == true)
        #expect(Self.checks(passed).values.allSatisfy { $0.status == "pass" })

        let wrongSecret = "not-the-secret-0451"
        let bad = try await run(good, ["verify", "acme", "--json"], secretValue: wrongSecret)
        #expect(bad.status == 1)
        let refused = try Self.json(bad.stdout)
        #expect(refused["ok"] as? Bool == false)
        #expect(Self.checks(refused)["credentials"]?.status == "fail")
        #expect(Self.checks(refused)["credentials"]?.detail.contains("invalid_grant") == true)
        #expect(Self.checks(refused)["enterprise"]?.status == "skipped")
        #expect(!bad.stdout.contains(wrongSecret) && !bad.stderr.contains(wrongSecret), "the secret never shows")

        let other = Self.config(port: emulator.port, secretEnv: "BOXBRIDGE_TEST_CONNECTION_SECRET", enterprise: "7654321", admin: admin)
        let wrongEnterprise = try await run(other, ["verify", "acme"])
        #expect(wrongEnterprise.status == 1)
        #expect(wrongEnterprise.stdout.contains("[FAIL] credentials"), "\(wrongEnterprise.stdout)")
        #expect(wrongEnterprise.stdout.contains("enterprise_id 7654321"), "\(wrongEnterprise.stdout)")
        #expect(wrongEnterprise.stdout.contains("not verified: 1 check failed"))

        let coUser = Self.config(port: emulator.port, secretEnv: "BOXBRIDGE_TEST_CONNECTION_SECRET", admin: "nobody@example.com")
        let notAdmin = try await run(coUser, ["verify", "acme", "--json"])
        #expect(notAdmin.status == 1)
        #expect(Self.checks(try Self.json(notAdmin.stdout))["admin_email"]?.status == "fail")

        let unknown = try await run(good, ["verify", "nope"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no connection named \"nope\""), "\(unknown.stderr)")
        #expect(unknown.stderr.contains("known: acme"))
    }

    @Test("verify on the emulator's demo connection: admin email not configured, still exit 0")
    func verifyDemo() async throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "boxbridge-connection-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let emulator = try await Emulator(folder: folder)
        defer { emulator.stop() }
        try "[emulator]\nport = \(emulator.port)\n".write(to: folder.appending(path: "bridge.conf"), atomically: true, encoding: .utf8)
        let result = try await BoxBridgeProcess.run(["connection", "verify", "demo", "--json"], currentDirectory: folder)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let object = try Self.json(result.stdout)
        #expect(Self.checks(object)["admin_email"]?.status == "not_configured")
        #expect(Self.checks(object)["enterprise"]?.status == "pass")
    }

    @Test("deauthorize and resume record the state in a 0600 file and report it as text or JSON")
    func deauthorizeResume() async throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "boxbridge-connection-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.config(port: 9, secretEnv: "BOXBRIDGE_TEST_CONNECTION_SECRET", admin: "admin@acme.com")
            .write(to: folder.appending(path: "bridge.conf"), atomically: true, encoding: .utf8)
        func run(_ arguments: [String]) async throws -> BoxBridgeProcess.Result {
            try await BoxBridgeProcess.run(
                ["connection"] + arguments, environment: ["BOXBRIDGE_TEST_CONNECTION_SECRET": "x"], currentDirectory: folder)
        }
        let statePath = folder.appending(path: "state/connections/acme.json").path

        let deauthorized = try await run(["deauthorize", "acme", "--reason", "rescoping"])
        #expect(deauthorized.status == 0, "\(deauthorized.stderr)")
        #expect(deauthorized.stdout.contains("connection acme: deauthorized (was active)"), "\(deauthorized.stdout)")
        let mode = try FileManager.default.attributesOfItem(atPath: statePath)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        let stored = try Self.json(String(contentsOfFile: statePath, encoding: .utf8))
        #expect(stored["state"] as? String == "deauthorized")
        #expect(stored["reason"] as? String == "rescoping")

        let resumed = try await run(["resume", "acme", "--json"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let object = try Self.json(resumed.stdout)
        #expect(object["state"] as? String == "active")
        #expect(object["previous_state"] as? String == "deauthorized")
        #expect(object["previous_reason"] as? String == "rescoping")
        #expect(object["generation"] as? Int == 2)
        #expect(object["path"] as? String == statePath)
        #expect(try Self.json(String(contentsOfFile: statePath, encoding: .utf8))["state"] as? String == "active")

        let unknown = try await run(["resume", "nope", "--json"])
        #expect(unknown.status == 2)
        #expect((try Self.json(unknown.stdout))["error"] as? String == "no connection named \"nope\" in bridge.conf (known: acme)")
    }
}
