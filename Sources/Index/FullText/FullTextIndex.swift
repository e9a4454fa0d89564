import Foundation
import GRDB
import Logging
import Metrics

/// The full-text half of the index: `file_events_fts` (file name and path) and `file_events_keys`
/// (exact keys) in a database of their own, `<index>-fulltext`, written by its own connection on
/// its own thread while the main connection writes the next batch's rows.
///
/// Why a second database: the two FTS5 tables are about half of ingest's SQLite work, and one
/// SQLite database has one writer at a time. Two files with two connections write in parallel on
/// two cores (`boxbridge-bench index`, 2 cores: 31–35k events/s with one database, 57–66k with
/// two, SQLite's memory statistics off and folder-only paths).
///
/// Invariants (tested in FullTextIndexTests):
/// - The full-text database holds exactly the rows of `file_events` with `id <= mark.rowID`, each
///   once. `mark` is committed in the same transaction as the documents it covers.
/// - Rows are committed to the main database (with their cursor) before their documents are
///   queued here, so the full-text side never runs ahead of the rows it indexes, except when an OS
///   crash makes the main database lose commits the full-text one kept. `mark` names its row by
///   (topic, sequence); a mismatch at open empties the full-text tables and rebuilds them.
/// - Opening for writing starts a catch-up that indexes, in chunks read back from `file_events`,
///   every row after `mark`: the tail a kill -9 left behind, or all rows when the file is new or
///   was deleted. Meanwhile `enqueue` drops its batches (the catch-up reads their rows too) and
///   never blocks, so ingest goes on at full speed during a rebuild. The catch-up hands over to
///   the queue under the lock, only once it has read past every dropped batch.
/// - Documents are written in row order and a document at or below the committed mark is never
///   written again, so a batch both read back by the catch-up and queued is indexed once.
/// - At most `maxPendingDocuments` documents wait (or one batch, if larger): `enqueue` blocks
///   beyond that, so a slow disk slows ingest instead of growing memory. A failed write is sticky: every later `enqueue`, `flush`
///   and `close` throws it, and the next start catches up from the last committed mark.
/// - `close` stops a catch-up between chunks (the next start resumes it) and otherwise commits
///   what is queued.
/// - Only `boxbridge index` writes it; `boxbridge search` attaches it read-only.
final class FullTextIndex: @unchecked Sendable {
    /// The full-text database of the index at `indexPath`.
    static func path(for indexPath: String) -> String { indexPath + "-fulltext" }

    /// Eight batches of the default 1,000 events and then some: either writer may pause for a WAL
    /// checkpoint (tens of milliseconds) without stalling the other. With two batches, the row
    /// writer waited on the full-text one ~10% of the time. Counted in documents, so a large
    /// `[index] batch_size` does not multiply the memory held.
    static let maxPendingDocuments = 10_000

    /// Tests only: runs on the writer thread when a catch-up has read every row and is about to
    /// hand over to the queue, with the full-text database's path.
    nonisolated(unsafe) static var beforeHandOver: (@Sendable (String) -> Void)?
    /// Rows per transaction when catching up from `file_events`.
    static let catchUpChunk = 10_000

    let path: String
    private let database: DatabaseQueue
    private let rows: DatabasePool
    private let logger: Logger

    private let condition = NSCondition()
    // Guarded by `condition`.
    private var pending: [FullTextBatch] = []
    private var pendingDocuments = 0
    private var catchingUp = false
    /// The last row of the batches `enqueue` dropped during the catch-up.
    private var droppedThrough: Int64 = 0
    /// The committed mark's row (the writer thread's own).
    private var indexedThrough: Int64 = 0
    /// The last row applied to the index, and the last one committed here (guarded copies).
    private var appliedThrough: Int64 = 0
    private var committedThrough: Int64 = 0
    /// Rows applied to the index and not yet here: text and key searches miss them.
    private let backlog = Gauge(label: "boxbridge_index_fulltext_backlog")
    private var failure: IndexError?
    private var stopping = false
    private var finished = false
    private var closed = false

    private init(path: String, database: DatabaseQueue, rows: DatabasePool, logger: Logger) {
        self.path = path
        self.database = database
        self.rows = rows
        self.logger = logger
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: name and path, exact keys, indexed-through mark") { db in
            try db.execute(sql: """
                -- Contentless FTS5 tables whose rowid is file_events.id.
                -- File name and path in NFC, accent-insensitive.
                CREATE VIRTUAL TABLE file_events_fts USING fts5(
                    name, path, content = '', tokenize = 'unicode61 remove_diacritics 2'
                );
                -- Exact-value lookups (actor id and login, file id, SHA-1, every Box event id),
                -- one token per value, confirmed against file_events columns by the query.
                CREATE VIRTUAL TABLE file_events_keys USING fts5(
                    actor, file, sha1, ids, content = '', tokenize = "unicode61 remove_diacritics 0 tokenchars '-_.@+'"
                );
                -- Every file_events row up to row_id is indexed; (topic, sequence) names that row.
                CREATE TABLE indexed_through (
                    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
                    row_id INTEGER NOT NULL,
                    topic TEXT NOT NULL,
                    sequence INTEGER NOT NULL
                );
                """)
        }
        return migrator
    }

    /// Opens (creating it 0600 when missing) the full-text database of the index whose rows are in
    /// `rows`, checks it against them and starts its writer thread, which first indexes every row
    /// the mark does not cover.
    static func openWriter(indexPath: String, rows: DatabasePool, logger: Logger) throws -> FullTextIndex {
        let path = Self.path(for: indexPath)
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in try db.execute(sql: IndexSchema.connectionPragmas) }
        let database = try DatabaseQueue(path: path, configuration: configuration)
        do {
            try database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
            try migrator.migrate(database)
        } catch {
            try? database.close()
            throw error
        }
        let index = FullTextIndex(path: path, database: database, rows: rows, logger: logger)
        var mark = try index.mark()
        let (lastRow, marked) = try rows.read { db in
            let last = try Int64.fetchOne(db, sql: "SELECT max(id) FROM file_events") ?? 0
            guard mark.rowID > 0 else { return (last, true) }
            let row = try Row.fetchOne(db, sql: "SELECT topic, sequence FROM file_events WHERE id = ?", arguments: [mark.rowID])
            return (last, row.map { $0[0] == mark.topic && $0[1] == mark.sequence } ?? false)
        }
        if !marked {
            logger.warning(
                "the full-text index covers events the index does not have (the index lost commits, or the files do not belong together): rebuilding it",
                metadata: ["path": "\(path)", "fulltext.row": "\(mark.rowID)", "index.last_row": "\(lastRow)"])
            try index.reset()
            mark = .empty
        }
        index.indexedThrough = mark.rowID
        index.committedThrough = mark.rowID
        index.appliedThrough = max(lastRow, mark.rowID)
        index.catchingUp = lastRow > mark.rowID
        index.backlog.record(index.appliedThrough - mark.rowID)
        let thread = Thread { index.run() }
        thread.name = "boxbridge.index.fulltext"
        thread.start()
        return index
    }

    /// The committed mark.
    func mark() throws -> FullTextMark {
        try database.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT row_id, topic, sequence FROM indexed_through") else { return .empty }
            return FullTextMark(rowID: row[0], topic: row[1], sequence: row[2])
        }
    }

    /// Empties both tables and the mark (in one transaction).
    private func reset() throws {
        try database.write { db in
            try db.execute(sql: """
                INSERT INTO file_events_fts(file_events_fts) VALUES ('delete-all');
                INSERT INTO file_events_keys(file_events_keys) VALUES ('delete-all');
                DELETE FROM indexed_through;
                """)
        }
    }

    // MARK: The pipeline

    /// Queues `batch` (documents of rows already committed, in row order), waiting while
    /// `maxPendingDocuments` are ahead of it; during a catch-up, drops it instead (the catch-up
    /// reads its rows). Throws the writer's failure, if it had one.
    func enqueue(_ batch: FullTextBatch) throws(IndexError) {
        condition.lock()
        defer { condition.unlock() }
        appliedThrough = max(appliedThrough, batch.mark.rowID)
        backlog.record(appliedThrough - committedThrough)
        if catchingUp {
            droppedThrough = max(droppedThrough, batch.mark.rowID)
            return
        }
        while failure == nil, !stopping, !pending.isEmpty,
              pendingDocuments + batch.documents.count > Self.maxPendingDocuments {
            condition.wait()
        }
        if let failure { throw failure }
        if stopping { throw IndexError(.database, path: path, message: "the full-text index is closed") }
        pending.append(batch)
        pendingDocuments += batch.documents.count
        condition.broadcast()
    }

    /// Waits until every applied row is committed here (the catch-up included).
    func flush() throws(IndexError) {
        condition.lock()
        defer { condition.unlock() }
        while failure == nil, !finished, catchingUp || !pending.isEmpty { condition.wait() }
        if let failure { throw failure }
    }

    /// Stops the writer thread (after the catch-up chunk it is on, or after committing what is
    /// queued) and closes the database.
    func close() throws(IndexError) {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !finished { condition.wait() }
        let wasClosed = closed
        closed = true
        let failure = self.failure
        condition.unlock()
        if !wasClosed {
            // Readers in this process may have it attached (read-only), and the last connection
            // to close only checkpoints when it may write: checkpoint here.
            _ = try? database.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
            do {
                try database.close()
            } catch {
                throw IndexError(.database, path: path, message: "\(error)")
            }
        }
        if let failure { throw failure }
    }

    private var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    private func run() {
        defer {
            condition.lock()
            finished = true
            condition.broadcast()
            condition.unlock()
        }
        do {
            if try !catchUp() { return }
        } catch {
            return fail(error)
        }
        while true {
            condition.lock()
            while pending.isEmpty, !stopping { condition.wait() }
            guard let batch = pending.first else {
                condition.unlock()
                return
            }
            condition.unlock()
            do {
                try write(batch)
            } catch {
                return fail(error)
            }
            condition.lock()
            pendingDocuments -= pending.removeFirst().documents.count
            condition.broadcast()
            condition.unlock()
        }
    }

    private func fail(_ error: any Error) {
        logger.error(
            "the full-text index could not be written; its rows are safe in the index and are indexed again at the next start",
            metadata: ["path": "\(path)", "error": "\(error)"])
        condition.lock()
        failure = IndexError(.database, path: path, message: "full-text index: \(error)")
        pending.removeAll()
        pendingDocuments = 0
        catchingUp = false
        condition.broadcast()
        condition.unlock()
    }

    /// Inserts `batch`'s documents the mark does not cover yet and moves the mark, in one
    /// transaction.
    private func write(_ batch: FullTextBatch) throws {
        var batch = batch
        if let first = batch.documents.first, first.id <= indexedThrough {
            batch.documents.removeAll { $0.id <= indexedThrough }
        }
        guard !batch.documents.isEmpty else { return }
        try database.write { db in
            let names = try db.cachedStatement(sql: "INSERT INTO file_events_fts(rowid, name, path) VALUES (?, ?, ?)")
            let keys = try db.cachedStatement(
                sql: "INSERT INTO file_events_keys(rowid, actor, file, sha1, ids) VALUES (?, ?, ?, ?, ?)")
            for document in batch.documents {
                try IndexStore.execute(names, [.int(document.id), .text(document.name), .text(document.path)], db)
                try IndexStore.execute(keys, [.int(document.id)] + document.keys.map { .text($0) }, db)
            }
            try db.execute(
                sql: """
                    INSERT INTO indexed_through(singleton, row_id, topic, sequence) VALUES (1, ?, ?, ?)
                    ON CONFLICT(singleton) DO UPDATE SET row_id = excluded.row_id, topic = excluded.topic, sequence = excluded.sequence
                    """,
                arguments: [batch.mark.rowID, batch.mark.topic, batch.mark.sequence])
        }
        indexedThrough = batch.mark.rowID
        condition.lock()
        committedThrough = indexedThrough
        appliedThrough = max(appliedThrough, committedThrough)
        backlog.record(appliedThrough - committedThrough)
        condition.unlock()
    }

    /// The documents of up to `limit` rows with `after < id <= through`, read back from
    /// `file_events`, and the mark of the last one.
    static func documents(_ db: Database, after: Int64, through: Int64, limit: Int) throws -> FullTextBatch {
        var documents: [FullTextDocument] = []
        var mark = FullTextMark.empty
        let cursor = try Row.fetchCursor(
            db,
            sql: """
                SELECT id, topic, sequence, file_name, file_path, actor_id, actor_login, file_id, sha1, event_ids
                FROM file_events WHERE id > ? AND id <= ? ORDER BY id LIMIT ?
                """,
            arguments: [after, through, limit])
        while let row = try cursor.next() {
            documents.append(FullTextDocument(
                id: row[0], fileName: row[3], filePath: row[4], actorID: row[5], actorLogin: row[6],
                fileID: row[7], sha1: row[8], eventIDs: row[9]))
            mark = FullTextMark(rowID: row[0], topic: row[1], sequence: row[2])
        }
        return FullTextBatch(documents: documents, mark: mark)
    }

    /// While `catchingUp`: indexes every row after the mark, reading them back from
    /// `file_events` in chunks, until it has read past the last row and every dropped batch; then
    /// hands over to the queue. Returns false when `close` stopped it first.
    private func catchUp() throws -> Bool {
        condition.lock()
        let needed = catchingUp
        condition.unlock()
        guard needed else { return true }
        let after = indexedThrough
        let total = try rows.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM file_events WHERE id > ?", arguments: [after]) ?? 0
        }
        logger.info(
            "indexing for full-text search the events the full-text index does not cover yet",
            metadata: ["path": "\(path)", "events": "\(total)"])
        let started = ContinuousClock.now
        var lastReport = started
        var done = 0
        while true {
            if isStopping { return false }
            let position = indexedThrough
            let batch = try rows.read { db in
                try Self.documents(db, after: position, through: Int64.max, limit: Self.catchUpChunk)
            }
            if batch.documents.isEmpty {
                Self.beforeHandOver?(path)
                condition.lock()
                if droppedThrough <= indexedThrough {
                    catchingUp = false
                    condition.broadcast()
                    condition.unlock()
                    break
                }
                condition.unlock()
                continue
            }
            try write(batch)
            done += batch.documents.count
            if ContinuousClock.now - lastReport >= .seconds(10) {
                lastReport = ContinuousClock.now
                logger.info("full-text indexing", metadata: ["events": "\(done) of \(total)+"])
            }
        }
        logger.info(
            "the full-text index covers every event",
            metadata: ["path": "\(path)", "events": "\(done)", "seconds": "\((ContinuousClock.now - started).components.seconds)"])
        return true
    }
}
