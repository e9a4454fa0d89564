import GRDB

/// The index's SQLite schema, as GRDB migrations (append new ones; never edit a shipped one).
///
/// Conventions, so `sqlite3 var/index.sqlite` is readable by a forensic analyst too:
/// - one `file_events` row per FileEvent: EVERY field is in `payload` (below); the columns are
///   the ones searched, sorted or most read by hand (ids TEXT, sizes INTEGER 64-bit). Fewer
///   columns keep ingest fast: each costs a bind and record bytes on every event;
/// - times are INTEGER microseconds since 1970-01-01 UTC (`occurred_at`), so a range is
///   an integer comparison whatever offset the user typed;
/// - an empty protobuf string is stored as NULL, which lets the partial indexes below skip the
///   many events without an exposure, classification or Shield mode; `classification` is the
///   file's label, else the Shield event's;
/// - enums are stored by their kebab-case CLI names (`shared-link`, `external`, `enforced`);
/// - `payload` is the whole FileEvent in protobuf binary, minus the raw Box JSON bodies (those
///   are the archive's job; their event ids stay in `event_ids`, space-separated, and in `file_events_keys`);
/// - full-text search lives in a second database, `<index>-fulltext` (see FullTextIndex): its own
///   writer indexes each batch while the next one is written here. It is derived from
///   `file_events` alone, so deleting it only costs a rebuild at the next `boxbridge index` start.
enum IndexSchema {
    /// Every connection's settings, to the index and to its full-text database.
    ///
    /// NORMAL in WAL mode: a committed transaction survives a killed process (the kill -9
    /// promise); an OS crash may lose the last commits, but rows and cursor together, so the
    /// subscriber replays them: still exactly once (and FullTextIndex notices its side is ahead).
    /// A larger WAL between checkpoints writes hot index pages back once, not per batch.
    static let connectionPragmas = """
        PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;
        PRAGMA wal_autocheckpoint = 16384
        """

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: file events, event ids, cursors, full-text") { db in
            try db.execute(sql: """
                CREATE TABLE file_events (
                    id INTEGER PRIMARY KEY,
                    topic TEXT NOT NULL,
                    sequence INTEGER NOT NULL,
                    connection TEXT NOT NULL,
                    event_ids TEXT,
                    box_event_type TEXT,
                    category TEXT NOT NULL,
                    occurred_at INTEGER NOT NULL,
                    actor_id TEXT,
                    actor_login TEXT,
                    ip_address TEXT,
                    file_id TEXT,
                    file_name TEXT,
                    file_path TEXT,
                    owner_id TEXT,
                    file_size INTEGER,
                    sha1 TEXT,
                    classification TEXT,
                    exposure TEXT,
                    control_mode TEXT,
                    coalesced_count INTEGER NOT NULL DEFAULT 1,
                    payload BLOB NOT NULL
                );
                -- Exactly-once guard and the (topic, sequence) lookup.
                CREATE UNIQUE INDEX file_events_topic_sequence ON file_events(topic, sequence);
                -- Newest first, and every time range.
                CREATE INDEX file_events_occurred ON file_events(occurred_at);
                -- One index per low-cardinality filter, with the time second so `filter + newest
                -- first` reads the index in order and stops at --limit. These stay cheap to insert
                -- into (each insert lands at the end of its value's range). High-cardinality keys
                -- (actor, file id, SHA-1, event ids) are in file_events_keys instead: a B-tree
                -- index on a random key costs one dirtied page per event per index once the
                -- table outgrows the cache, which capped ingest near 8,000 events/s.
                CREATE INDEX file_events_connection ON file_events(connection, occurred_at);
                CREATE INDEX file_events_category ON file_events(category, occurred_at);
                CREATE INDEX file_events_exposure ON file_events(exposure, occurred_at) WHERE exposure IS NOT NULL;
                CREATE INDEX file_events_classification ON file_events(classification COLLATE NOCASE, occurred_at)
                    WHERE classification IS NOT NULL;
                CREATE INDEX file_events_control_mode ON file_events(control_mode, occurred_at)
                    WHERE control_mode IS NOT NULL;

                -- Per topic, the next sequence wanted: committed with the rows it covers.
                CREATE TABLE cursors (
                    topic TEXT PRIMARY KEY NOT NULL,
                    next_sequence INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                ) WITHOUT ROWID;

                CREATE VIRTUAL TABLE file_events_fts USING fts5(
                    name, path, content = '', tokenize = 'unicode61 remove_diacritics 2'
                );
                -- Exact-value lookups (actor id and login, file id, SHA-1, every Box event id),
                -- one token per value, confirmed against file_events columns by the query.
                CREATE VIRTUAL TABLE file_events_keys USING fts5(
                    actor, file, sha1, ids, content = '', tokenize = "unicode61 remove_diacritics 0 tokenchars '-_.@+'"
                );

                -- Events the broker's retention dropped before this index read them.
                CREATE TABLE gone (
                    topic TEXT NOT NULL,
                    requested_sequence INTEGER NOT NULL,
                    oldest_retained INTEGER NOT NULL,
                    recorded_at INTEGER NOT NULL
                );
                """)
        }
        migrator.registerMigration("v2: time by row id, for full-text results") { db in
            // Full-text hits come as row ids; sorting them newest first needs each one's time.
            // Read from this small covering index (append-only, so cheap to maintain), that
            // costs a few cached pages instead of one 4 KiB table page per hit.
            try db.execute(sql: "CREATE INDEX file_events_id_time ON file_events(id, occurred_at)")
        }
        migrator.registerMigration("v3: full-text tables move to <index>-fulltext") { db in
            // FullTextIndex rebuilds them there from file_events at the next start.
            try db.execute(sql: "DROP TABLE IF EXISTS file_events_fts; DROP TABLE IF EXISTS file_events_keys")
        }
        return migrator
    }
}
