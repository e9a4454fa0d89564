import BoxBridgeConfig
import BoxBridgeProtocol
import BusClient
import Foundation
import Subscriber
import Testing

@testable import Alert

/// The sink's outputs and its exactly-once commit, against real files and a real broker.
@Suite("Alert sink", .timeLimit(.minutes(1)))
struct AlertSinkTests {
    func batch(_ events: [Boxbridge_V1_FileEvent], from sequence: UInt64 = 1) -> SubscriberBatch {
        var envelopes: [Boxbridge_V1_Envelope] = []
        var cursors: [String: UInt64] = [:]
        var next: [String: UInt64] = [:]
        for event in events {
            let topic = Topic.box(event.connection, event.category)
            let seq = next[topic] ?? sequence
            envelopes.append(envelope(event, sequence: seq))
            next[topic] = seq + 1
            cursors[topic] = seq + 1
        }
        return SubscriberBatch(envelopes: envelopes, nextCursors: cursors)
    }

    @Test("file output: JSON lines with the id first, created 0600; cursors persist with the output")
    func fileOutputAndCursors() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let file = directory.path + "/out/alerts.jsonl"
        let stdout = Lines()
        let sink = AlertSink(
            ruleSet: AlertRuleSet(section: AlertSection()),
            options: .init(statePath: directory.path + "/state", stdout: true, file: file), client: nil, webhook: nil,
            stdout: { stdout.append($0) }, logger: quietLogger)
        #expect(try await sink.loadCursors() == [:])
        try await sink.apply(batch([
            event("e1", .sharedLink, exposure: .public, linkAccess: .open), event("e2", .created),
            event("e3", .shieldBlocked, controlMode: .monitoring),
        ]))
        let written = lines(of: file)
        #expect(written.count == 2)
        #expect(written.allSatisfy { $0.hasPrefix("{\"id\":\"") })
        #expect(written[0].contains("\"rule\":\"public-link-created\""))
        #expect(written[1].contains("\"would_have_blocked\":true"))
        #expect(stdout.text == written.map { $0 + "\n" }.joined())
        let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        // A new sink on the same state resumes from the committed cursors.
        let again = AlertSink(
            ruleSet: AlertRuleSet(section: AlertSection()), options: .init(statePath: directory.path + "/state", file: file),
            client: nil, webhook: nil, logger: quietLogger)
        #expect(try await again.loadCursors() == ["box/acme/shared-link": 2, "box/acme/created": 2, "box/acme/shield-blocked": 2])
        #expect(await again.firedCount == 2)
    }

    @Test("a crash after the commit redelivers the outbox: the file skips what it has, repairs a torn line")
    func outboxRedeliveryIsDeduplicated() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let file = directory.path + "/alerts.jsonl"
        let statePath = directory.path + "/state"
        let sink = AlertSink(
            ruleSet: AlertRuleSet(section: AlertSection()), options: .init(statePath: statePath, file: file),
            client: nil, webhook: nil, logger: quietLogger)
        _ = try await sink.loadCursors()
        try await sink.apply(batch([event("e1", .sharedLink, exposure: .public, linkAccess: .open)]))
        try await sink.apply(batch([event("e2", .sharedLink, at: minutes(1), exposure: .public, linkAccess: .open)], from: 2))
        let before = lines(of: file)
        #expect(before.count == 2)

        // The state a crash right after step (3) leaves: both alerts still owed to the file, and
        // the second one torn half-way.
        var state = try #require(try AlertSinkState.load(from: statePath + "/state.json"))
        state.outbox = before.map { line in
            let id = String(AlertLine.id(ofLine: Substring(line))!)
            return .init(id: id, json: line, connection: "acme", topic: "alerts/acme/public-link-created", alert: Data(),
                         stdout: false, file: true, bus: false)
        }
        try state.save(to: statePath + "/state.json")
        let torn = before[0] + "\n" + before[1].prefix(40)
        try Data(torn.utf8).write(to: URL(fileURLWithPath: file))

        let restarted = AlertSink(
            ruleSet: AlertRuleSet(section: AlertSection()), options: .init(statePath: statePath, file: file),
            client: nil, webhook: nil, logger: quietLogger)
        _ = try await restarted.loadCursors()
        #expect(lines(of: file) == before)
        #expect(await restarted.outboxCount == 0)
    }

    @Test("bus output: alerts/<connection>/<rule> on the broker, once even when redelivered")
    func busOutput() async throws {
        let broker = try TestBroker.start()
        let client = try broker.client()
        defer { Task { await client.close(); try? await broker.stop() } }
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let statePath = directory.path + "/state"
        let sink = AlertSink(
            ruleSet: AlertRuleSet(section: AlertSection()), options: .init(statePath: statePath, bus: true),
            client: client, webhook: nil, logger: quietLogger)
        _ = try await sink.loadCursors()
        try await sink.apply(batch([event("e1", .shieldBlocked, controlMode: .enforced, boxType: "SHIELD_DOWNLOAD_BLOCKED")]))
        var published = try await broker.replay(prefix: "alerts/", client: client)
        #expect(published.map(\.topic) == ["alerts/acme/shield-block"])
        let alert = try #require(published.first?.alert)
        #expect(alert.rule == "shield-block")
        #expect(alert.eventIds == ["e1"])

        // Redeliver the same alert as a crash after the commit would: the broker answers duplicate.
        var state = try #require(try AlertSinkState.load(from: statePath + "/state.json"))
        let fired = AlertRuleTester.run([envelope(event("e1", .shieldBlocked, controlMode: .enforced, boxType: "SHIELD_DOWNLOAD_BLOCKED"))], ruleSet: AlertRuleSet(section: AlertSection()))
        state.outbox = try fired.map { fired in
            .init(id: fired.id, json: try AlertLine.json(fired), connection: "acme", topic: fired.topic,
                  alert: try fired.alert.serializedData(), stdout: false, file: false, bus: true,
                  busBatch: "alerts-" + AlertID.make(connection: "acme", rule: "", key: "", eventIDs: [fired.id]))
        }
        try state.save(to: statePath + "/state.json")
        let restarted = AlertSink(
            ruleSet: AlertRuleSet(section: AlertSection()), options: .init(statePath: statePath, bus: true),
            client: client, webhook: nil, logger: quietLogger)
        _ = try await restarted.loadCursors()
        #expect(await restarted.outboxCount == 0)
        published = try await broker.replay(prefix: "alerts/", client: client)
        #expect(published.count == 1)
    }
}

extension AlertSinkTests {
    @Test("bus output: alerts of several connections in one batch are all journaled, each on its own topic")
    func busOutputSeveralConnections() async throws {
        let broker = try TestBroker.start()
        let client = try broker.client()
        defer { Task { await client.close(); try? await broker.stop() } }
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let sink = AlertSink(
            ruleSet: AlertRuleSet(section: AlertSection()), options: .init(statePath: directory.path + "/state", bus: true),
            client: client, webhook: nil, logger: quietLogger)
        _ = try await sink.loadCursors()
        try await sink.apply(batch([
            event("a1", .sharedLink, exposure: .public, linkAccess: .open),
            event("b1", .sharedLink, connection: "beta", exposure: .public, linkAccess: .open),
            event("a2", .sharedLink, at: minutes(1), exposure: .public, linkAccess: .open),
        ]))
        let published = try await broker.replay(prefix: "alerts/", client: client)
        #expect(published.map(\.topic).sorted() == ["alerts/acme/public-link-created", "alerts/acme/public-link-created", "alerts/beta/public-link-created"])
        #expect(published.map { $0.alert.eventIds.first ?? "" }.sorted() == ["a1", "a2", "b1"])
        #expect(await sink.outboxCount == 0)
    }
}

/// Collects standard-output text written by the sink.
final class Lines: @unchecked Sendable {
    private let lock = NSLock()
    private var storage = ""

    func append(_ text: String) { lock.withLock { storage += text } }
    var text: String { lock.withLock { storage } }
}
