import BoxBridgeProtocol
import Foundation
import GRDB
import TestSupport
import Testing
@testable import Index

/// The full-text database beside the index (`<index>-fulltext`): what it holds, and how it
/// recovers when it is behind its rows (kill -9), ahead of them (lost commits), missing or broken.
/// A query with the fields `configure` sets (no limit unless it sets one).
private func query(_ configure: (inout SearchQuery) -> Void) -> SearchQuery {
    var query = SearchQuery()
    query.limit = nil
    configure(&query)
    return query
}

@Suite("Full-text index")
struct FullTextIndexTests {
    /// Batch `number` (1-based) of 40 events; `variant` changes every name, actor and file, so an
    /// index that kept another variant's documents would answer differently.
    static func batch(_ number: Int, variant: String = "a") -> [Boxbridge_V1_Envelope] {
        (0..<40).map { index in
            let n = (number - 1) * 40 + index
            let word = ["budget", "contract", "roadmap", "payroll", "merger"][n % 5]
            return fileEnvelope(
                sequence: UInt64(n + 1), category: n % 2 == 0 ? .created : .downloaded,
                at: UTCTime.format(micros("2026-11-21T00:00:00Z") + Int64(n) * 60_000_000),
                actorID: "\(variant)\(n % 7)", actorLogin: "\(variant)user\(n % 7)@acme.com",
                fileID: "\(variant)file\(n)", fileName: "\(variant)\(word) \(n) R\u{E9}sum\u{E9}.pdf",
                path: "/All Files/\(variant)Team \(n % 3)/\(variant)\(word) \(n) R\u{E9}sum\u{E9}.pdf",
                sha1: "\(variant)ABCDEF\(n)", eventIDs: ["\(variant)-ev-\(n)"])
        }
    }

    /// Queries over every full-text and exact-key filter, for both variants.
    static let queries: [SearchQuery] = {
        var queries: [SearchQuery] = []
        for variant in ["a", "b"] {
            for word in ["budget", "contract", "payroll"] {
                queries.append(query { $0.fileName = variant + word })
                queries.append(query { $0.text = "\(variant)team \(variant)\(word)" })
            }
            queries.append(query { $0.text = "resume \(variant)team" })
            queries.append(query { $0.actor = "\(variant)3" })
            queries.append(query { $0.actor = "\(variant)USER5@acme.com" })
            queries.append(query { $0.fileID = "\(variant)file17" })
            queries.append(query { $0.sha1 = "\(variant)abcdef99" })
            queries.append(query { $0.eventID = "\(variant)-ev-42" })
        }
        return queries
    }()

    /// Each query's hits as "topic#sequence".
    static func answers(_ store: IndexStore) throws -> [[String]] {
        try queries.map { query in try store.search(query).map { "\($0.topic)#\($0.sequence)" } }
    }

    static func apply(_ store: IndexStore, _ envelopes: [Boxbridge_V1_Envelope]) throws {
        var cursors: [String: UInt64] = [:]
        for envelope in envelopes { cursors[envelope.topic] = envelope.sequence + 1 }
        try store.apply(envelopes: envelopes, nextCursors: cursors)
    }

    /// An index holding `batches`, closed.
    static func build(_ path: String, _ batches: [[Boxbridge_V1_Envelope]]) throws {
        let store = try IndexStore.open(path: path)
        for batch in batches { try apply(store, batch) }
        try store.close()
    }

    /// Copies a closed database (and a WAL, if one was left) from `source` to `target`.
    static func copyDatabase(_ source: String, to target: String) throws {
        for suffix in ["", "-wal"] {
            try? FileManager.default.removeItem(atPath: target + suffix)
            if FileManager.default.fileExists(atPath: source + suffix) {
                try FileManager.default.copyItem(atPath: source + suffix, toPath: target + suffix)
            }
        }
        try? FileManager.default.removeItem(atPath: target + "-shm")
    }

    /// A writing store in `directory` with batch 1 applied and indexed, and its path.
    static func openIndexed(_ directory: TemporaryDirectory) throws -> (String, IndexStore) {
        let path = directory.path + "/index.sqlite"
        let store = try IndexStore.open(path: path)
        try apply(store, batch(1))
        try store.flushFullText()
        return (path, store)
    }

    /// Deletes the full-text database of the index at `path`, as an operator would.
    static func deleteFullText(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + "-fulltext" + suffix) }
    }

    /// An index at `path` holding `indexed` then `behind`, whose full-text database covers only
    /// `indexed`: what a kill -9 between the two commits leaves.
    static func buildLagging(_ path: String, indexed: [[Boxbridge_V1_Envelope]], behind: [[Boxbridge_V1_Envelope]]) throws {
        try build(path, indexed)
        let snapshot = path + "-fulltext-snapshot"
        try copyDatabase(path + "-fulltext", to: snapshot)
        try build(path, behind)
        try copyDatabase(snapshot, to: path + "-fulltext")
    }

    @Test("the documents read back from rows equal the ones indexed live, for every kind of field")
    func documentsReadBackEqualLive() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        var envelopes = Self.batch(1) + searchFixture.map { var envelope = $0; envelope.sequence += 100; return envelope }
        envelopes.append(fileEnvelope(sequence: 200, actorID: "", fileID: "", fileName: "", path: ""))
        let store = try IndexStore.open(path: directory.path + "/index.sqlite")
        try Self.apply(store, envelopes)
        let live = try envelopes.enumerated().map { offset, envelope in
            try IndexRow(envelope: envelope, event: envelope.fileEvent).document(id: Int64(offset + 1))
        }
        let readBack = try store.pool.read { db in
            try FullTextIndex.documents(db, after: 0, through: Int64.max, limit: 1_000)
        }
        #expect(readBack.documents == live)
        #expect(readBack.mark == FullTextMark(rowID: Int64(envelopes.count), topic: envelopes.last!.topic, sequence: 200))
        try store.close()
    }

    @Test("the path column holds the folder: the name's words are in the name column")
    func folderOfPath() {
        #expect(FullTextDocument.folder(of: "/All Files/Legal/a.pdf", name: "a.pdf") == "/All Files/Legal")
        #expect(FullTextDocument.folder(of: "/a.pdf", name: "a.pdf") == "")
        #expect(FullTextDocument.folder(of: "/All Files/Legal/data.pdf", name: "a.pdf") == "/All Files/Legal/data.pdf")
        #expect(FullTextDocument.folder(of: "/All Files/Legal", name: "") == "/All Files/Legal")
        #expect(FullTextDocument.folder(of: "a.pdf", name: "a.pdf") == "a.pdf")
        let nfd = "Re\u{301}sume\u{301}.pdf"
        #expect(FullTextDocument.folder(of: "/HR/\(nfd)", name: nfd) == "/HR")
    }

    @Test("behind its rows (killed before the full-text commit): the next open indexes the tail; same answers")
    func catchesUpTheTail() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let reference = directory.path + "/reference.sqlite"
        try Self.build(reference, (1...3).map { Self.batch($0) })

        // The full-text database as a kill -9 can leave it: its last commit covers batch 1 only.
        let interrupted = directory.path + "/index.sqlite"
        try Self.buildLagging(interrupted, indexed: [Self.batch(1)], behind: [Self.batch(2), Self.batch(3)])

        let searching = try IndexStore.openForSearch(path: interrupted)
        #expect(try searching.fullTextBacklog() == 80)
        #expect(try searching.search(query { $0.fileID = "afile100" }).isEmpty, "the tail is not indexed yet")
        let expected = try Self.answers(try IndexStore.openForSearch(path: reference))
        // Every "a" query has hits (the "b" ones have none): the comparison below means something.
        #expect(expected.prefix(Self.queries.count / 2).allSatisfy { !$0.isEmpty })
        #expect(expected.suffix(Self.queries.count / 2).allSatisfy { $0.isEmpty })

        let reopened = try IndexStore.open(path: interrupted)
        try reopened.flushFullText()
        #expect(try Self.answers(reopened) == expected)
        #expect(try reopened.fullTextBacklog() == 0)
        #expect(try searching.fullTextBacklog() == 0)
        try reopened.close()
    }

    @Test("ahead of its rows (the index lost commits): rebuilt at open, no stale hits for reused row ids")
    func rebuildsWhenAhead() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let path = directory.path + "/index.sqlite"
        try Self.build(path, [Self.batch(1)])
        let rowsAfterBatch1 = directory.path + "/rows-after-batch-1.sqlite"
        try Self.copyDatabase(path, to: rowsAfterBatch1)
        try Self.build(path, [Self.batch(2, variant: "a")])
        // An OS crash loses the index's last commit; the full-text database kept its own.
        try Self.copyDatabase(rowsAfterBatch1, to: path)

        // Batch 2 arrives again, as other events (the broker replays; row ids 41...80 again).
        let store = try IndexStore.open(path: path)
        try Self.apply(store, Self.batch(2, variant: "b"))
        let reference = directory.path + "/reference.sqlite"
        try Self.build(reference, [Self.batch(1), Self.batch(2, variant: "b")])
        let expected = try Self.answers(try IndexStore.openForSearch(path: reference))
        #expect(try Self.answers(store) == expected)
        // Without the check, batch 2's "a" documents would still answer for rows 41...80.
        #expect(try store.search(query { $0.fileID = "afile50" }).isEmpty)
        #expect(try store.search(query { $0.fileID = "bfile50" }).count == 1)
        try store.close()
    }

    @Test("a deleted full-text database: text search names it; the next open rebuilds it from the rows")
    func rebuildsWhenMissing() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let path = directory.path + "/index.sqlite"
        try Self.build(path, (1...2).map { Self.batch($0) })
        let expected = try Self.answers(try IndexStore.openForSearch(path: path))
        Self.deleteFullText(path)

        let searching = try IndexStore.openForSearch(path: path)
        let error = try #require(throws: IndexError.self) { try searching.search(query { $0.text = "budget" }) }
        #expect(error.kind == .missing && error.description.contains(path + "-fulltext"))
        #expect(error.description.contains("boxbridge index"))
        #expect(try searching.search(query { $0.categories = [.created] }).count == 40, "other filters still work")
        #expect(try searching.fullTextBacklog() == 80)

        let reopened = try IndexStore.open(path: path)
        #expect(try Self.answers(reopened) == expected)
        try reopened.close()
        let attributes = try FileManager.default.attributesOfItem(atPath: path + "-fulltext")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test("a failed full-text write: the batch's rows are kept, apply fails from then on, a restart recovers")
    func failureIsStickyAndRecovered() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let (path, store) = try Self.openIndexed(directory)
        // Break the full-text database under the running writer.
        let breaker = try DatabaseQueue(path: path + "-fulltext")
        try breaker.write { db in try db.execute(sql: "DROP TABLE file_events_keys") }
        try breaker.close()

        try Self.apply(store, Self.batch(2))  // rows committed; the full-text write fails behind it
        let flushError = try #require(throws: IndexError.self) { try store.flushFullText() }
        #expect(flushError.message.contains("full-text index"))
        let applyError = try #require(throws: IndexError.self) { try Self.apply(store, Self.batch(3)) }
        #expect(applyError.kind == .database)
        #expect(try store.count() == 120, "rows and cursors commit before their full-text documents")
        #expect(throws: IndexError.self) { try store.close() }

        // The operator removes the broken file; the next start rebuilds it.
        Self.deleteFullText(path)
        let reopened = try IndexStore.open(path: path)
        let reference = directory.path + "/reference.sqlite"
        try Self.build(reference, (1...3).map { Self.batch($0) })
        #expect(try Self.answers(reopened) == (try Self.answers(try IndexStore.openForSearch(path: reference))))
        try reopened.close()
    }

    @Test("an index from before the split upgrades: full-text tables leave the main file, answers unchanged")
    func upgradesSchemaV2() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let path = directory.path + "/index.sqlite"
        // A v2 index as the previous release wrote it: rows, with both full-text tables in the same file.
        let old = try DatabaseQueue(path: path)
        try IndexSchema.migrator.migrate(old, upTo: "v2: time by row id, for full-text results")
        try old.write { db in
            let insert = try db.makeStatement(sql: IndexRow.insertSQL)
            for envelope in Self.batch(1) {
                try IndexStore.execute(insert, try IndexRow(envelope: envelope, event: envelope.fileEvent).values, db)
            }
        }
        try old.close()
        let upgrade = try #require(throws: IndexError.self) { try IndexStore.openForSearch(path: path) }
        #expect(upgrade.kind == .notAnIndex && upgrade.message.contains("older boxbridge"))

        let store = try IndexStore.open(path: path)
        let tables = try store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM main.sqlite_master WHERE name LIKE 'file_events_fts%' OR name LIKE 'file_events_keys%'")
        }
        #expect(tables.isEmpty)
        let reference = directory.path + "/reference.sqlite"
        try Self.build(reference, [Self.batch(1)])
        #expect(try Self.answers(store) == (try Self.answers(try IndexStore.openForSearch(path: reference))))
        try store.close()
    }

    @Test("a rebuild does not hold ingest: batches applied meanwhile are all searchable; close stops it, the next open resumes")
    func rebuildWhileIngesting() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let path = directory.path + "/index.sqlite"
        let early = (1...300).map { Self.batch($0) }  // 12,000 rows: two catch-up chunks and more
        try Self.build(path, early)
        Self.deleteFullText(path)

        // Closed at once: the catch-up stops between chunks and keeps what it committed.
        let interrupted = try IndexStore.open(path: path)
        try interrupted.close()
        let store = try IndexStore.open(path: path)
        for number in 301...340 { try Self.apply(store, Self.batch(number)) }
        try store.flushFullText()
        var everything = SearchQuery()
        everything.text = "resume"
        everything.limit = nil
        #expect(try store.search(everything).count == 340 * 40)
        #expect(try store.fullTextBacklog() == 0)
        var last = SearchQuery()
        last.eventID = "a-ev-\(340 * 40 - 1)"
        #expect(try store.search(last).count == 1)
        try store.close()
    }

    @Test("rows committed while the catch-up hands over to the queue are indexed, once")
    func handOver() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let path = directory.path + "/index.sqlite"
        try Self.build(path, [Self.batch(1)])
        Self.deleteFullText(path)
        let holder = StoreHolder()
        // The catch-up read everything; batch 2 commits (its documents dropped: still catching up)
        // before the hand-over takes the lock.
        FullTextIndex.beforeHandOver = { fullTextPath in
            guard fullTextPath == path + "-fulltext", let store = holder.takeWhenSet() else { return }
            try? Self.apply(store, Self.batch(2))
        }
        defer { FullTextIndex.beforeHandOver = nil }
        let store = try IndexStore.open(path: path)
        holder.set(store)
        try store.flushFullText()
        #expect(holder.take() == nil, "the hook ran")
        #expect(try store.count() == 80)
        #expect(try store.search(query { $0.text = "resume" }).count == 80)
        try store.close()
    }

    @Test("documents at or below the mark are not written again, and the mark never moves back")
    func writtenOnce() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let (_, store) = try Self.openIndexed(directory)
        let again = try store.pool.read { db in try FullTextIndex.documents(db, after: 20, through: 30, limit: 100) }
        try store.fullText!.enqueue(again)
        try store.flushFullText()
        #expect(try store.fullText!.mark().rowID == 40)
        #expect(try store.fullTextBacklog() == 0)
        #expect(try store.search(query { $0.text = "resume" }).count == 40)
        try store.close()
    }

    @Test("a stalled full-text writer holds ingest at the pending bound instead of growing memory")
    func backPressure() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let (path, store) = try Self.openIndexed(directory)
        // Another connection holds the full-text database's write lock: its writer waits.
        var unsafe = Configuration()
        unsafe.allowsUnsafeTransactions = true  // the transaction spans two accesses on purpose
        let blocker = try DatabaseQueue(path: path + "-fulltext", configuration: unsafe)
        try blocker.inDatabase { db in try db.execute(sql: "BEGIN IMMEDIATE") }
        let large = FullTextIndex.maxPendingDocuments / 40 * 4 / 10  // batches of 40 per large batch
        func largeBatch(_ part: Int) -> [Boxbridge_V1_Envelope] {
            (0..<large).flatMap { Self.batch(2 + part * large + $0) }
        }
        try Self.apply(store, largeBatch(0))  // taken by the writer, which waits for the lock
        try Self.apply(store, largeBatch(1))  // queued: 80% of the bound in all
        let third = largeBatch(2)
        let returned = Flag()
        let applying = Thread {
            try? Self.apply(store, third)
            returned.set()
        }
        applying.start()
        // Its rows commit; only handing its documents over waits.
        let total = 40 + 3 * large * 40
        #expect(await eventually(timeout: .seconds(20)) { (try? store.count()) == total })
        // Negative check: give the apply ample time to return if it were not held.
        #expect(!(await eventually(timeout: .milliseconds(500)) { returned.isSet }), "apply must wait at the bound")
        try blocker.inDatabase { db in try db.execute(sql: "ROLLBACK") }
        try blocker.close()
        #expect(await eventually(timeout: .seconds(20)) { returned.isSet })
        try store.flushFullText()
        #expect(try store.search(query { $0.text = "resume" }).count == total)
        try store.close()
    }

    @Test("boxbridge search says when the full-text index is behind")
    func searchCommandNotesBacklog() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: IndexProcessTests.binary), "build the boxbridge binary first")
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let path = directory.path + "/index.sqlite"
        try Self.buildLagging(path, indexed: [Self.batch(1)], behind: [Self.batch(2)])

        let behind = try await SearchCommandTests().search(["--db", path, "--text", "budget"])
        #expect(behind.status == 0)
        #expect(behind.stderr.contains("40 events behind"), "\(behind.stderr)")
        let noText = try await SearchCommandTests().search(["--db", path, "--category", "created"])
        #expect(!noText.stderr.contains("behind"))
    }
}

/// Hands a store to a hook on another thread, once.
final class StoreHolder: @unchecked Sendable {
    private let lock = NSLock()
    private var store: IndexStore?
    private var wasSet = false

    func set(_ store: IndexStore) {
        lock.withLock {
            self.store = store
            wasSet = true
        }
    }

    /// The store, the first time after `set`; nil before and after.
    func take() -> IndexStore? {
        lock.withLock {
            defer { store = nil }
            return store
        }
    }

    /// The first call waits (up to 10 s) for `set`, then takes the store; later calls get nil.
    func takeWhenSet() -> IndexStore? {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let (set, store) = lock.withLock { () -> (Bool, IndexStore?) in
                defer { self.store = nil }
                return (wasSet, self.store)
            }
            if set { return store }
            Thread.sleep(forTimeInterval: 0.001)
        }
        return nil
    }
}

/// A flag one thread sets and another polls.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
