import BoxBridgeConfig
import BoxBridgeProtocol
import BusClient
import Foundation
import TestSupport
import Testing

@testable import Alert

/// Runs the built `boxbridge alert` as a real process against an in-process broker and kills it
/// with SIGKILL mid-stream.
@Suite("Alert process", .timeLimit(.minutes(1)))
struct AlertProcessTests {
    static let binary: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent(".build/debug/boxbridge").path
    }()

    func launch(config: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["alert", "--config", config, "--log-level", "error"]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// A stream with many alerts: downloads in bursts (a 3-in-60-s user rule and mass-download),
    /// open links, Shield blocks in both modes, shares to personal mail.
    func workload() -> [Boxbridge_V1_FileEvent] {
        (0..<1_500).map { index in
            let at = t0 + Int64(index) * 700
            let actor = "u\(index % 4)@acme.com"
            switch index % 10 {
            case 7: return event("e\(index)", .sharedLink, at: at, actor: actor, exposure: .public, linkAccess: .open)
            case 8: return event("e\(index)", .shieldBlocked, at: at, actor: actor, controlMode: index % 20 == 8 ? .enforced : .monitoring)
            case 9: return event("e\(index)", .sharedDirect, at: at, actor: actor, exposure: .external, invitee: "p\(index)@gmail.com")
            default: return event("e\(index)", .downloaded, at: at, actor: actor, file: "f\(index).pdf")
            }
        }
    }

    @Test("kill -9 mid-stream and restart: the same alerts as an uninterrupted run, each once in the file and on the bus")
    func killAndRestart() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build the boxbridge binary first")
        let broker = try TestBroker.start()
        let client = try broker.client()
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        try await broker.publish(workload(), client: client)

        let alertsFile = directory.path + "/alerts.jsonl"
        let configPath = directory.path + "/bridge.conf"
        let configText = """
            [broker]
            ingest_endpoint = "\(broker.endpoints.ingest)"
            publish_endpoint = "\(broker.endpoints.publish)"
            control_endpoint = "\(broker.endpoints.control)"

            [metrics]
            enabled = false

            [alert]
            state_path = "\(directory.path)/state"

            [alert.outputs]
            stdout = false
            file = "\(alertsFile)"
            bus = true

            [[alert.rules]]
            name = "burst"
            categories = ["downloaded"]
            threshold = { count = 3, window = "60s" }

            """
        try configText.write(toFile: configPath, atomically: true, encoding: .utf8)
        let config = try BridgeConfig.load(path: configPath)

        // What an uninterrupted run gives: the rules over the journal in delivery order.
        let journal = try await broker.replay(prefix: "box/", client: client)
        #expect(journal.count == 1_500)
        let expected = try AlertRuleTester.run(journal, ruleSet: AlertRuleSet(section: config.alert)).map(AlertLine.json)
        #expect(expected.count > 300)

        let first = try launch(config: configPath)
        #expect(await eventually(timeout: .seconds(20)) { lines(of: alertsFile).count >= 20 })
        kill(first.processIdentifier, SIGKILL)
        await exitStatus(of: first)
        let atKill = lines(of: alertsFile).count
        #expect(atKill < expected.count, "the kill landed mid-stream (\(atKill) of \(expected.count) alerts written)")

        let second = try launch(config: configPath)
        defer { stopInBackground(second) }
        let lastSequences = Dictionary(journal.map { ($0.topic, $0.sequence + 1) }, uniquingKeysWith: max)
        let statePath = directory.path + "/state/state.json"
        #expect(await eventually(timeout: .seconds(20)) {
            guard let state = try? AlertSinkState.load(from: statePath) else { return false }
            return state.cursors == lastSequences && state.outbox.isEmpty
        })
        #expect(lines(of: alertsFile) == expected)

        let published = try await broker.replay(prefix: "alerts/", client: client)
        #expect(published.count == expected.count)
        let ids = Set(published.map { AlertID.make(connection: $0.alert.connection, rule: $0.alert.rule, key: $0.alert.key, eventIDs: $0.alert.eventIds) })
        #expect(ids.count == expected.count)
        // Stop the subscriber while its broker is still up: a graceful stop reports progress last.
        second.terminate()
        await exitStatus(of: second)
        #expect(second.terminationStatus == 0)
        await client.close()
        try await broker.stop()
    }

    func run(_ arguments: [String], stdin: Data? = nil) async throws -> (status: Int32, stdout: String, stderr: String) {
        let output = try await runToCompletion(URL(fileURLWithPath: Self.binary), arguments, stdin: stdin)
        return (output.status, output.stdoutText, output.stderrText)
    }

    @Test("alert test-rules prints what the engine fires, as the outputs write it; bad lines name file and line")
    func testRulesCommand() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build the boxbridge binary first")
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let events = [
            event("e1", .sharedLink, exposure: .public, linkAccess: .open),
            event("e2", .shieldBlocked, at: minutes(1), controlMode: .monitoring, boxType: "SHIELD_DOWNLOAD_BLOCKED"),
            event("e3", .created, at: minutes(2)),
        ]
        let input = try events.map { try $0.jsonString() }.joined(separator: "\n") + "\n"
        let file = directory.path + "/events.jsonl"
        try input.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try await run(["alert", "test-rules", "--config", directory.path + "/none.conf", file])
        #expect(result.status == 0)
        let expected = try AlertRuleTester.run(events.map { envelope($0) }, ruleSet: AlertRuleSet(section: AlertSection())).map(AlertLine.json)
        #expect(expected.count == 2)
        #expect(result.stdout == expected.map { $0 + "\n" }.joined())

        try (input + "{\"no_such_field\": 1}\n").write(toFile: file, atomically: true, encoding: .utf8)
        let bad = try await run(["alert", "test-rules", "--config", directory.path + "/none.conf", file])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("\(file):4: not a FileEvent or Envelope"))
    }

    @Test("a bad [alert] config stops `boxbridge alert` at start with file, line and key")
    func badConfig() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build the boxbridge binary first")
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let config = directory.path + "/bridge.conf"
        try "[alert]\nstate_path = \"\(directory.path)/state\"\n\n[[alert.rules]]\nname = \"x\"\ncategories = [\"downloads\"]\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let result = try await run(["alert", "--config", config])
        #expect(result.status == 2)
        #expect(result.stderr.contains("bridge.conf:6: alert.rules[0].categories[0]: \"downloads\" is not a category"))
        #expect(result.stderr.contains("did you mean \"downloaded\"?"))
    }
}
