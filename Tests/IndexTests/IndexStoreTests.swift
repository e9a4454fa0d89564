import BoxBridgeProtocol
import Foundation
import GRDB
import Testing
@testable import Index

@Suite("IndexStore")
struct IndexStoreTests {
    @Test("a batch's rows and cursors are written together; every field is kept")
    func applyWritesRowsAndCursors() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let store = try IndexStore.open(path: directory.path + "/var/index.sqlite")
        #expect(try store.loadCursors().isEmpty)
        var envelope = fileEnvelope(sequence: 7, fileName: "big.iso", sha1: "ABCDEF", size: 5_000_000_000, ip: "10.0.0.1")
        envelope.fileEvent.share.inviteEmail = "bob@gmail.com"
        envelope.fileEvent.shield.serviceName = "Box Drive"
        let result = try store.apply(envelopes: [envelope], nextCursors: [envelope.topic: 8])
        #expect(result == .init(inserted: 1, duplicates: 0, skipped: 0))
        #expect(try store.loadCursors() == [envelope.topic: 8])

        let hit = try #require(try store.search(SearchQuery()).first)
        #expect(hit.topic == envelope.topic && hit.sequence == 7)
        var expected = envelope.fileEvent
        expected.raw = []  // raw Box JSON bodies are the archive's; the ids stay
        #expect(hit.event == expected)
        let columns = try store.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT file_size, sha1, ip_address, occurred_at, typeof(file_size) AS t FROM file_events")
        }
        #expect(columns?["file_size"] == 5_000_000_000 as Int64)
        #expect(columns?["t"] == "integer")
        #expect(columns?["sha1"] == "abcdef")
        #expect(columns?["ip_address"] == "10.0.0.1")
        #expect(columns?["occurred_at"] == micros("2026-11-21T10:00:00Z"))
    }

    @Test("a large batch (rows prepared on every core) keeps delivery order and every row")
    func largeBatch() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let envelopes = (1...1_001).map {
            fileEnvelope(sequence: UInt64($0), at: UTCTime.format(micros("2026-11-21T00:00:00Z") + Int64($0) * 1_000_000), fileID: "f\($0)")
        }
        let store = try makeStore(envelopes, directory: directory)
        let order = try store.pool.read { db in try String.fetchAll(db, sql: "SELECT file_id FROM file_events ORDER BY id") }
        #expect(order == (1...1_001).map { "f\($0)" })
        var query = SearchQuery()
        query.fileID = "f777"
        #expect(try store.search(query).map(\.sequence) == [777])
    }

    @Test("the index file is created 0600 in a folder created on demand")
    func fileMode() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let path = directory.path + "/nested/deeper/index.sqlite"
        _ = try IndexStore.open(path: path)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test("re-applying the same sequences inserts nothing twice")
    func duplicatesAreSkipped() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let envelopes = (1...3).map { fileEnvelope(sequence: UInt64($0)) }
        let store = try makeStore(envelopes, directory: directory)
        let again = try store.apply(envelopes: envelopes, nextCursors: ["box/acme/created": 4])
        #expect(again == .init(inserted: 0, duplicates: 3, skipped: 0))
        #expect(try store.count() == 3)
        #expect(try store.search(SearchQuery()).count == 3)
    }

    @Test("other payloads only advance the cursor; gone ranges are recorded")
    func otherPayloadsAdvanceCursorsOnly() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let store = try IndexStore.open(path: directory.path + "/index.sqlite")
        var health = Boxbridge_V1_Envelope()
        health.topic = "box/acme/other"
        health.sequence = 1
        health.health = Boxbridge_V1_CollectorHealth()
        var gone = Boxbridge_V1_ReplayGone()
        gone.topic = "box/acme/created"
        gone.requestedSequence = 1
        gone.oldestRetained = 40
        let result = try store.apply(
            envelopes: [health], nextCursors: ["box/acme/other": 2, "box/acme/created": 40], gone: [gone])
        #expect(result == .init(inserted: 0, duplicates: 0, skipped: 1))
        #expect(try store.count() == 0)
        #expect(try store.loadCursors() == ["box/acme/other": 2, "box/acme/created": 40])
        let records = try store.goneRecords()
        #expect(records.count == 1 && records[0].topic == "box/acme/created" && records[0].oldestRetained == 40)
    }

    @Test("a batch that fails midway leaves neither its rows nor its cursors")
    func batchAndCursorAreAtomic() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let store = try makeStore([fileEnvelope(sequence: 1)], directory: directory)
        // A real SQLite failure in the middle of the transaction: the third row is refused.
        try store.pool.write { db in
            try db.execute(sql: """
                CREATE TRIGGER poison BEFORE INSERT ON file_events WHEN NEW.file_name = 'poison'
                BEGIN SELECT RAISE(ABORT, 'poisoned row'); END
                """)
        }
        let batch = [
            fileEnvelope(sequence: 2), fileEnvelope(sequence: 3), fileEnvelope(sequence: 4, fileName: "poison"),
            fileEnvelope(sequence: 5),
        ]
        #expect(throws: IndexError.self) {
            try store.apply(envelopes: batch, nextCursors: ["box/acme/created": 6])
        }
        #expect(try store.count() == 1)
        #expect(try store.loadCursors() == ["box/acme/created": 2])
        #expect(try store.search(SearchQuery()).map(\.sequence) == [1])
    }

    @Test("search refuses a missing file or a non-index with a clear error")
    func openForSearchErrors() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let missing = directory.path + "/none.sqlite"
        let error = try #require(throws: IndexError.self) { try IndexStore.openForSearch(path: missing) }
        #expect(error.kind == .missing)
        #expect(error.description.contains(missing) && error.description.contains("boxbridge index"))
        #expect(!FileManager.default.fileExists(atPath: missing))

        let other = directory.path + "/other.sqlite"
        let queue = try DatabaseQueue(path: other)
        try queue.write { db in try db.execute(sql: "CREATE TABLE t(x)") }
        try queue.close()
        let notIndex = try #require(throws: IndexError.self) { try IndexStore.openForSearch(path: other) }
        #expect(notIndex.kind == .notAnIndex)

        let text = directory.path + "/text.sqlite"
        FileManager.default.createFile(atPath: text, contents: Data(String(repeating: "not a database ", count: 100).utf8))
        let garbage = try #require(throws: IndexError.self) { try IndexStore.openForSearch(path: text) }
        #expect(garbage.kind == .notAnIndex)
    }
}
