public import BoxBridgeProtocol
public import Foundation
import CSQLiteConfig
import GRDB
import GRDBSQLite
public import Logging

/// One chunk's rows (or why it failed), filled by a worker of `prepareRows`.
struct ChunkResult {
    var rows: [IndexRow?] = []
    var error: String?
}

/// The chunks' results: each worker writes only its own slot, and the caller reads them after
/// `concurrentPerform` returns, which orders every write before the reads.
final class ChunkResults: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<ChunkResult>
    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: ChunkResult())
    }
    deinit {
        slots.deinitialize()
        slots.deallocate()
    }
    func set(_ index: Int, _ value: ChunkResult) { slots[index] = value }
    var values: [ChunkResult] { Array(slots) }
}

/// The forensic index: every file event in SQLite (GRDB, WAL) with full-text search over names.
///
/// Writes go through `apply(envelopes:nextCursors:gone:)`, one transaction for a batch's rows and
/// its cursors, so a process killed at any instant restarts exactly where its rows end. The
/// batch's full-text documents then go to `FullTextIndex`, which commits them in its own database
/// on its own thread while the next batch is applied, and catches up after a restart. Reads
/// (`search`) run concurrently with the writers thanks to WAL; a store that writes waits for its
/// queued full-text work before it searches, so it reads what it wrote.
public final class IndexStore: Sendable {
    /// The database file.
    public let path: String
    /// The full-text database (`<path>-fulltext`).
    public var fullTextPath: String { FullTextIndex.path(for: path) }
    let pool: DatabasePool
    /// The full-text writer, in a store opened for writing.
    let fullText: FullTextIndex?

    private init(path: String, pool: DatabasePool, fullText: FullTextIndex?) {
        self.path = path
        self.pool = pool
        self.fullText = fullText
    }

    deinit {
        // A store dropped without `close` still commits its queued full-text work and stops
        // the full-text thread (which would otherwise wait for batches forever).
        try? fullText?.close()
    }

    /// Opens (creating it and its folder when missing, mode 0600) and migrates the index at `path`,
    /// and starts its full-text writer, which first indexes any rows its database does not cover.
    public static func open(
        path: String, logger: Logger = Logger(label: "boxbridge.index", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws(IndexError) -> IndexStore {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty, !FileManager.default.fileExists(atPath: folder) {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw IndexError(.database, path: path, message: "cannot create folder \(folder): \(error)")
            }
        }
        if !FileManager.default.fileExists(atPath: path) {
            // Events are sensitive: create the file 0600 before SQLite does (its -wal and -shm
            // files copy the main file's mode).
            _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        let rows = try openExisting(path: path, migrate: true)
        do {
            let fullText = try FullTextIndex.openWriter(indexPath: path, rows: rows.pool, logger: logger)
            return IndexStore(path: path, pool: rows.pool, fullText: fullText)
        } catch {
            try? rows.pool.close()
            throw IndexError(
                .database, path: FullTextIndex.path(for: path),
                message: "\(error). It holds only what the index derives: delete it (with its -wal and -shm) and start again to rebuild it")
        }
    }

    /// Opens an index that must already exist (what `boxbridge search` does): never creates,
    /// migrates or writes one.
    public static func openForSearch(path: String) throws(IndexError) -> IndexStore {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw IndexError(
                .missing, path: path,
                message: "run `boxbridge index` (it creates the index), or point at one with --db or [index] path")
        }
        return try openExisting(path: path, migrate: false)
    }

    /// SQLite's process-wide settings, applied once before the process's first connection: its
    /// memory statistics (a global mutex around every allocation) stay off, so the row writer and
    /// the full-text writer do not serialize on it. Measured with two writer threads: 33 → 21 µs
    /// of CPU per event. Nothing in boxbridge reads those statistics.
    static let sqliteConfigured: Bool = boxbridge_sqlite_disable_memory_statistics() == 0

    private static func openExisting(path: String, migrate: Bool) throws(IndexError) -> IndexStore {
        _ = sqliteConfigured
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let fullTextPath = FullTextIndex.path(for: path)
        configuration.prepareDatabase { db in
            // Readers see the full-text tables as `fulltext.*` (read-only, like the connection).
            if db.configuration.readonly, FileManager.default.fileExists(atPath: fullTextPath) {
                try db.execute(sql: "ATTACH DATABASE ? AS fulltext", arguments: [fullTextPath])
            }
            try db.execute(sql: IndexSchema.connectionPragmas)
        }
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            let migrator = IndexSchema.migrator
            if migrate {
                try migrator.migrate(pool)
            } else {
                let (applied, complete, newer) = try pool.read { db in
                    (try migrator.appliedMigrations(db).count, try migrator.hasCompletedMigrations(db),
                     try migrator.hasBeenSuperseded(db))
                }
                if applied == 0 {
                    throw IndexError(.notAnIndex, path: path, message: "it has no boxbridge schema")
                }
                if newer {
                    throw IndexError(.notAnIndex, path: path, message: "it was written by a newer boxbridge")
                }
                if !complete {
                    throw IndexError(
                        .notAnIndex, path: path,
                        message: "it was written by an older boxbridge: start `boxbridge index` on it once to upgrade it")
                }
            }
            return IndexStore(path: path, pool: pool, fullText: nil)
        } catch let error as IndexError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw IndexError(.notAnIndex, path: path, message: "not an SQLite database")
        } catch {
            throw IndexError(.database, path: path, message: "\(error)")
        }
    }

    /// Per topic, the next sequence wanted, as committed with the rows.
    public func loadCursors() throws(IndexError) -> [String: UInt64] {
        try wrap {
            try pool.read { db in
                var cursors: [String: UInt64] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT topic, next_sequence FROM cursors") {
                    cursors[row[0]] = UInt64(bitPattern: row[1] as Int64)
                }
                return cursors
            }
        }
    }

    /// What one `apply` wrote.
    public struct ApplyResult: Sendable, Equatable {
        /// File events inserted as rows.
        public var inserted: Int
        /// File events already present (same topic and sequence): skipped, never doubled.
        public var duplicates: Int
        /// Envelopes with another payload: they only advance the cursor.
        public var skipped: Int
    }

    /// Writes the file events among `envelopes`, the retention losses and the cursors in ONE
    /// transaction: either all of it is durable or none of it is.
    @discardableResult
    public func apply(
        envelopes: [Boxbridge_V1_Envelope], nextCursors: [String: UInt64], gone: [Boxbridge_V1_ReplayGone] = [],
        now: Date = Date()
    ) throws(IndexError) -> ApplyResult {
        let rows = try Self.prepareRows(envelopes, path: path)
        let nowMicros = Int64(now.timeIntervalSince1970 * 1_000_000)
        let (result, fullTextBatch) = try wrap {
            try pool.write { db in
                var result = ApplyResult(inserted: 0, duplicates: 0, skipped: 0)
                var batch = FullTextBatch(documents: [], mark: .empty)
                batch.documents.reserveCapacity(rows.count)
                let insert = try db.cachedStatement(sql: IndexRow.insertSQL)
                for row in rows {
                    guard let row else {
                        result.skipped += 1
                        continue
                    }
                    try Self.execute(insert, row.values, db)
                    guard db.changesCount == 1 else {
                        result.duplicates += 1
                        continue
                    }
                    let id = db.lastInsertedRowID
                    batch.documents.append(row.document(id: id))
                    batch.mark = FullTextMark(rowID: id, topic: row.topic, sequence: row.sequence)
                    result.inserted += 1
                }
                if !gone.isEmpty {
                    let insertGone = try db.cachedStatement(
                        sql: "INSERT INTO gone(topic, requested_sequence, oldest_retained, recorded_at) VALUES (?, ?, ?, ?)")
                    for lost in gone {
                        try insertGone.execute(arguments: [
                            lost.topic, Int64(bitPattern: lost.requestedSequence), Int64(bitPattern: lost.oldestRetained),
                            nowMicros,
                        ])
                    }
                }
                let upsert = try db.cachedStatement(sql: """
                    INSERT INTO cursors(topic, next_sequence, updated_at) VALUES (?, ?, ?)
                    ON CONFLICT(topic) DO UPDATE SET next_sequence = excluded.next_sequence, updated_at = excluded.updated_at
                    """)
                for (topic, next) in nextCursors.sorted(by: { $0.key < $1.key }) {
                    try upsert.execute(arguments: [topic, Int64(bitPattern: next), nowMicros])
                }
                return (result, batch)
            }
        }
        if let fullText, !fullTextBatch.documents.isEmpty { try fullText.enqueue(fullTextBatch) }
        return result
    }

    /// Waits until the full-text tables cover every applied row (a no-op for a search-only store).
    public func flushFullText() throws(IndexError) {
        try fullText?.flush()
    }

    /// File events the full-text tables do not cover yet: new rows while `boxbridge index` is
    /// behind, or every row while it rebuilds them. Text and exact-key filters miss those.
    public func fullTextBacklog() throws(IndexError) -> Int {
        try wrap {
            try pool.read { db in
                guard try Self.hasFullText(db) else {
                    return try Int.fetchOne(db, sql: "SELECT count(*) FROM file_events") ?? 0
                }
                return try Int.fetchOne(db, sql: """
                    SELECT count(*) FROM file_events
                    WHERE id > coalesce((SELECT row_id FROM fulltext.indexed_through), 0)
                    """) ?? 0
            }
        }
    }

    /// Whether this reader connection has the full-text database attached.
    static func hasFullText(_ db: Database) throws -> Bool {
        // Attached and past its first migration (a search may start while the index creates it).
        guard try Row.fetchAll(db, sql: "PRAGMA database_list").contains(where: { $0["name"] == "fulltext" }) else { return false }
        return try Int.fetchOne(
            db, sql: "SELECT count(*) FROM fulltext.sqlite_master WHERE name IN ('file_events_fts', 'file_events_keys', 'indexed_through')") == 3
    }

    /// Flattens the file events into rows, on every core for large batches: encoding is about
    /// half of ingest's CPU and needs no database, so it need not wait for the writer's thread.
    static func prepareRows(_ envelopes: [Boxbridge_V1_Envelope], path: String) throws(IndexError) -> [IndexRow?] {
        let chunks = envelopes.count >= 256 ? min(ProcessInfo.processInfo.activeProcessorCount, 8) : 1
        let box = ChunkResults(count: chunks)
        let size = (envelopes.count + chunks - 1) / max(chunks, 1)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let range = min(chunk * size, envelopes.count)..<min((chunk + 1) * size, envelopes.count)
            var result = ChunkResult()
            do {
                result.rows = try envelopes[range].map { envelope in
                    guard case .fileEvent(let event) = envelope.payload else { return nil }
                    return try IndexRow(envelope: envelope, event: event)
                }
            } catch {
                result.error = "\(error)"
            }
            box.set(chunk, result)
        }
        var rows: [IndexRow?] = []
        rows.reserveCapacity(envelopes.count)
        for result in box.values {
            if let error = result.error { throw IndexError(.database, path: path, message: "cannot encode an event: \(error)") }
            rows += result.rows
        }
        return rows
    }

    /// Binds `values` and steps `statement` once, through the C API: GRDB's argument boxing was
    /// a fifth of ingest's CPU. Errors come back as GRDB's DatabaseError, like any other.
    static func execute(_ statement: Statement, _ values: [BindValue], _ db: Database) throws {
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }
        for (offset, value) in values.enumerated() {
            let code = value.bind(to: handle, at: Int32(offset + 1))
            if code != SQLITE_OK {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
        }
        let code = sqlite3_step(handle)
        if code != SQLITE_DONE {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
    }

    /// Number of file events in the index.
    public func count() throws(IndexError) -> Int {
        try wrap { try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM file_events") ?? 0 } }
    }

    /// Retention losses recorded so far (topic, first sequence asked, oldest retained).
    public func goneRecords() throws(IndexError) -> [(topic: String, requested: UInt64, oldestRetained: UInt64)] {
        try wrap {
            try pool.read { db in
                try Row.fetchAll(db, sql: "SELECT topic, requested_sequence, oldest_retained FROM gone ORDER BY rowid").map {
                    (topic: $0[0], requested: UInt64(bitPattern: $0[1] as Int64), oldestRetained: UInt64(bitPattern: $0[2] as Int64))
                }
            }
        }
    }

    /// Refreshes the query planner's statistics (cheap; run it after bulk loads and at shutdown).
    public func optimize() throws(IndexError) {
        try wrap { try pool.write { db in try db.execute(sql: "PRAGMA optimize") } }
    }

    /// Gathers full planner statistics (ANALYZE): worth it once after a large first load.
    public func analyze() throws(IndexError) {
        try wrap { try pool.write { db in try db.execute(sql: "ANALYZE") } }
    }

    /// Commits the queued full-text work and closes both databases (checkpointing their WALs into
    /// the main files); the store is unusable after.
    public func close() throws(IndexError) {
        let fullTextClosed = Result { () throws(IndexError) in try fullText?.close() }
        try wrap {
            // The last connection to close checkpoints the WAL, but only if it may write: the
            // writer closes first and a reader closes last, so checkpoint here instead.
            if fullText != nil { try pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) } }
            try pool.close()
        }
        try fullTextClosed.get()
    }

    func wrap<T>(_ body: () throws -> T) throws(IndexError) -> T {
        do {
            return try body()
        } catch let error as IndexError {
            throw error
        } catch {
            throw IndexError(.database, path: path, message: "\(error)")
        }
    }
}

