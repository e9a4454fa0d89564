import BoxBridgeProtocol
import Broker
import BusClient
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRDB
import TestSupport
import Testing
@testable import Index

/// Runs the built `boxbridge index` as a real process against an in-process broker.
@Suite("Index process", .serialized, .timeLimit(.minutes(1)))
struct IndexProcessTests {
    static let binary: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent(".build/debug/boxbridge").path
    }()

    static let categories: [Boxbridge_V1_Category] = [.created, .downloaded, .sharedLink]

    func startBroker(_ directory: TemporaryDirectory) throws -> (BrokerServer, BrokerEndpoints) {
        var options = BrokerOptions(journalDirectory: directory.path + "/journal")
        options.ingestEndpoint = "tcp://127.0.0.1:*"
        options.publishEndpoint = "tcp://127.0.0.1:*"
        options.controlEndpoint = "tcp://127.0.0.1:*"
        let server = BrokerServer(options: options, logger: quietLogger)
        return (server, try server.start())
    }

    /// A bus client of the test's broker (to publish what the index reads).
    static func client(_ endpoints: BrokerEndpoints) throws -> BusClient {
        try BusClient(
            endpoints: BusEndpoints(ingest: endpoints.ingest, publish: endpoints.publish, control: endpoints.control),
            timeout: .seconds(5))
    }

    func launchIndex(db: String, endpoints: BrokerEndpoints, metricsPort: Int = 0) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = [
            "index", "--config", "/nonexistent/bridge.conf", "--db", db, "--publish", endpoints.publish,
            "--control", endpoints.control, "--metrics-port", "\(metricsPort)", "--log-level", "error", "--batch-size", "25",
        ]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Batch `number` of 30 file events spread over three topics, positions chained.
    func batch(_ number: Int) -> Boxbridge_V1_IngestBatch {
        var batch = Boxbridge_V1_IngestBatch()
        batch.connection = "acme"
        batch.collectorID = "test-collector"
        batch.batchID = "b\(number)"
        batch.fromPosition = number == 0 ? "" : "p\(number - 1)"
        batch.nextPosition = "p\(number)"
        for index in 0..<30 {
            let n = number * 30 + index
            let category = Self.categories[n % 3]
            var envelope = fileEnvelope(
                sequence: 0, category: category, at: UTCTime.format(micros("2026-11-21T00:00:00Z") + Int64(n) * 1_000_000),
                actorID: "\(n % 7)", fileID: "f\(n)", fileName: "file \(n) r\u{E9}sum\u{E9}.pdf")
            envelope.sequence = 0
            batch.items.append(envelope)
            batch.consumedEventIds.append(envelope.fileEvent.eventIds[0])
        }
        return batch
    }

    /// (topic, sequence, payload) of every row, in a stable order.
    func rows(_ path: String) throws -> [[DatabaseValue]] {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT topic, sequence, payload FROM file_events ORDER BY topic, sequence").map {
                [$0[0], $0[1], $0[2]] as [DatabaseValue]
            }
        }
    }

    func count(_ path: String) -> Int {
        guard FileManager.default.fileExists(atPath: path), let store = try? IndexStore.openForSearch(path: path) else { return 0 }
        return (try? store.count()) ?? 0
    }

    @Test("/metrics shows the full-text backlog, back to 0 once every event is searchable by text")
    func fullTextBacklogMetric() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build the boxbridge binary first")
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let (broker, endpoints) = try startBroker(directory)
        let client = try Self.client(endpoints)
        for number in 0..<4 { _ = try await client.publish(batch(number)) }
        let port = try freePort()
        let index = try launchIndex(db: directory.path + "/index.sqlite", endpoints: endpoints, metricsPort: port)
        var text = ""
        let settled = await eventually(timeout: .seconds(20)) {
            guard let (body, _) = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!) else {
                return false
            }
            text = String(decoding: body, as: UTF8.self)
            return text.contains("boxbridge_index_events_total 120") && text.contains("boxbridge_index_fulltext_backlog 0")
        }
        #expect(settled, "\(text)")
        var query = SearchQuery()
        query.text = "resume"
        query.limit = nil
        #expect(try IndexStore.openForSearch(path: directory.path + "/index.sqlite").search(query).count == 120)
        index.terminate()
        await exitStatus(of: index)
        #expect(index.terminationStatus == 0)
        await client.close()
        try await broker.stop()
    }

    @Test("kill -9 mid-stream and restart: the same rows as an uninterrupted run, none twice")
    func killNineMidStream() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build the boxbridge binary first")
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let (broker, endpoints) = try startBroker(directory)
        let client = try Self.client(endpoints)
        let batches = 40
        let total = batches * 30

        // The interrupted indexer runs while events are still being published.
        let interrupted = directory.path + "/interrupted.sqlite"
        let first = try launchIndex(db: interrupted, endpoints: endpoints)
        for number in 0..<batches / 2 { _ = try await client.publish(batch(number)) }
        let killedAt = await eventually { count(interrupted) >= 150 }
        #expect(killedAt)
        kill(first.processIdentifier, SIGKILL)
        await exitStatus(of: first)
        #expect(first.terminationReason == .uncaughtSignal)
        let atKill = count(interrupted)
        for number in batches / 2..<batches { _ = try await client.publish(batch(number)) }
        #expect(atKill < total, "the kill must land mid-stream")

        let second = try launchIndex(db: interrupted, endpoints: endpoints)
        defer { stopInBackground(second) }
        let uninterrupted = directory.path + "/uninterrupted.sqlite"
        let reference = try launchIndex(db: uninterrupted, endpoints: endpoints)
        defer { stopInBackground(reference) }
        #expect(await eventually(timeout: .seconds(30)) { count(interrupted) >= total && count(uninterrupted) >= total })
        // The cursors cover exactly every published sequence, none skipped.
        let cursorsDone = await eventually {
            let store = try? IndexStore.openForSearch(path: interrupted)
            let cursors = (try? store?.loadCursors()) ?? [:]
            return cursors.values.reduce(0) { $0 + $1 - 1 } == UInt64(total)
        }
        #expect(cursorsDone)
        let after = try rows(interrupted)
        let expected = try rows(uninterrupted)
        #expect(after.count == total)
        #expect(after == expected)
        // Full-text search too: the killed indexer's full-text tail is indexed after the restart.
        let caughtUp = await eventually {
            [interrupted, uninterrupted].allSatisfy { path in
                (try? IndexStore.openForSearch(path: path).fullTextBacklog()) == 0
            }
        }
        #expect(caughtUp)
        var queries: [SearchQuery] = []
        for configure: (inout SearchQuery) -> Void in [
            { $0.text = "resume" }, { $0.fileName = "file" }, { $0.actor = "3" }, { $0.fileID = "f777" },
            { $0.eventID = self.batch(20).items[4].fileEvent.eventIds[0] },
        ] {
            var query = SearchQuery()
            query.limit = nil
            configure(&query)
            queries.append(query)
        }
        for query in queries {
            let hits = try IndexStore.openForSearch(path: interrupted).search(query).map { "\($0.topic)#\($0.sequence)" }
            let reference = try IndexStore.openForSearch(path: uninterrupted).search(query).map { "\($0.topic)#\($0.sequence)" }
            #expect(!reference.isEmpty && hits.sorted() == reference.sorted(), "\(query)")
        }

        // Graceful stop (SIGTERM) exits cleanly; stop the indexers before the broker they talk to.
        second.terminate()
        await exitStatus(of: second)
        #expect(second.terminationStatus == 0)
        reference.terminate()
        await exitStatus(of: reference)
        #expect(reference.terminationStatus == 0)
        await client.close()
        try await broker.stop()
    }
}
