#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import Logging

/// The broker's durable, segmented, append-only log of envelopes and batch commits.
///
/// Invariants this type keeps (DESIGN.md 1, 2 and 4; each has a test in JournalTests):
/// - **A batch is all or nothing.** Its envelope records and its commit record are written by one
///   `write(2)`; recovery keeps a batch only when its commit record is intact, so a connection's
///   checkpoint is never durable without every envelope before it, and vice versa.
/// - **Acknowledged means fsynced.** `append` only writes; the caller acknowledges after `sync` (or
///   a `GroupCommitter` round) has made the batch's end position durable.
/// - **Recovery cuts, never guesses.** Every record carries a CRC-32C; at open, the scan stops at the
///   first torn or corrupt record (or an uncommitted batch) and truncates the segment there. Since
///   nothing after that point was ever acknowledged, nothing acknowledged is lost.
/// - **Retention never forgets state.** Every segment starts with a snapshot record (checkpoints,
///   recent batch and event ids, each topic's last sequence), so dropping whole oldest segments by
///   size or age never resets a checkpoint or a sequence.
/// - **Bounded memory.** Per segment and topic the index keeps a sparse sequence→offset mark every
///   `indexStride` envelopes; batch and event id sets are bounded; reading uses a fixed buffer.
///
/// Files are created 0600 and the folder 0700: the journal holds users' file activity.
/// Not thread-safe: one thread (the broker's socket thread) owns it; only `GroupCommitter` touches
/// duplicated descriptors from another thread.
public final class Journal {
    /// Per-topic range of a segment, with its sparse index.
    struct TopicRange {
        var first: UInt64
        var last: UInt64
        var count: UInt64
        var bytes: UInt64
        /// (sequence, offset of its record) every `indexStride` envelopes, first one included.
        var marks: [(sequence: UInt64, offset: Int64)]
    }

    final class Segment {
        let id: UInt64
        let path: String
        var size: Int64
        var lastAppendMillis: Int64
        var topics: [String: TopicRange] = [:]

        init(id: UInt64, path: String, size: Int64, lastAppendMillis: Int64) {
            self.id = id
            self.path = path
            self.size = size
            self.lastAppendMillis = lastAppendMillis
        }
    }

    /// A topic's newest state in the journal (written, not necessarily durable yet).
    public struct TopicHead: Sendable, Equatable {
        public var lastSequence: UInt64
        public var lastPublishedAtMillis: Int64
    }

    /// What recovery found at open.
    public struct RecoveryReport: Sendable, Equatable {
        public var segments = 0
        public var batches = 0
        public var envelopes = 0
        /// Bytes cut from segment tails (torn writes, corrupt records, uncommitted batches).
        public var truncatedBytes: Int64 = 0
        /// Segments in which a corrupt record was found before their end.
        public var damagedSegments: [UInt64] = []
    }

    /// One envelope of a batch to append, its sequence already assigned.
    public struct Entry {
        public var topic: String
        public var sequence: UInt64
        public var envelope: [UInt8]

        public init(topic: String, sequence: UInt64, envelope: [UInt8]) {
            self.topic = topic
            self.sequence = sequence
            self.envelope = envelope
        }
    }

    public let options: JournalOptions
    let logger: Logger
    private(set) var segments: [Segment] = []
    private var activeFD: Int32 = -1
    public private(set) var topics: [String: TopicHead] = [:]
    public private(set) var connections: [String: ConnectionCheckpoint] = [:]
    public private(set) var durableEnd: JournalPosition
    public private(set) var recovery = RecoveryReport()
    private var buffer: [UInt8] = []

    /// Opens the journal in `options.directory`, creating it, and recovers its state.
    public init(options: JournalOptions, nowMillis: Int64, logger: Logger) throws {
        self.options = options
        self.logger = logger
        self.durableEnd = JournalPosition(segment: 0, offset: 0)
        try Self.makeDirectory(options.directory)
        try recover(nowMillis: nowMillis)
    }

    deinit {
        if activeFD >= 0 { close(activeFD) }
    }

    /// Where the next record will be written.
    public var writtenEnd: JournalPosition {
        let active = segments[segments.count - 1]
        return JournalPosition(segment: active.id, offset: active.size)
    }

    public var totalBytes: Int64 { segments.reduce(0) { $0 + $1.size } }
    public var segmentCount: Int { segments.count }

    // MARK: Appending

    /// Writes one batch (its envelopes then its commit record) with one `write(2)`; not yet durable.
    ///
    /// Returns the batch's end position: the batch is durable once `durableEnd` reaches it.
    @discardableResult
    func append(entries: [Entry], commit: CommitRecord, nowMillis: Int64) throws -> JournalPosition {
        var active = segments[segments.count - 1]
        if active.size >= options.segmentBytes {
            try roll(nowMillis: nowMillis)
            active = segments[segments.count - 1]
        }
        buffer.removeAll(keepingCapacity: true)
        var offsets: [Int64] = []
        offsets.reserveCapacity(entries.count)
        for entry in entries {
            offsets.append(active.size + Int64(buffer.count))
            JournalFormat.appendEnvelope(
                to: &buffer, topic: entry.topic, sequence: entry.sequence, envelope: entry.envelope)
        }
        JournalFormat.appendRecord(to: &buffer, kind: .commit) { commit.encode(into: &$0) }
        try writeAll(buffer, at: active.size, path: active.path)
        for (position, entry) in entries.enumerated() {
            index(entry: entry.topic, sequence: entry.sequence, offset: offsets[position],
                  bytes: UInt64(entry.envelope.count), in: active)
            topics[entry.topic] = TopicHead(lastSequence: entry.sequence, lastPublishedAtMillis: nowMillis)
        }
        applyCommit(commit)
        active.size += Int64(buffer.count)
        active.lastAppendMillis = nowMillis
        return JournalPosition(segment: active.id, offset: active.size)
    }

    /// Makes everything written so far durable, on this thread (tests and shutdown).
    public func sync() throws {
        let active = segments[segments.count - 1]
        if fdatasync(activeFD) != 0 { throw JournalError.system("fdatasync", path: active.path) }
        markDurable(upTo: writtenEnd)
    }

    /// A duplicate of the active segment's descriptor and the position it will make durable, for
    /// a `GroupCommitter` on another thread. The receiver closes the descriptor.
    func syncRequest() -> (descriptor: Int32, position: JournalPosition) {
        (dup(activeFD), writtenEnd)
    }

    /// Records that everything up to `position` is on disk.
    func markDurable(upTo position: JournalPosition) {
        if position > durableEnd { durableEnd = position }
    }

    private func roll(nowMillis: Int64) throws {
        // The old segment must be durable before the new one's snapshot can stand for it.
        let old = segments[segments.count - 1]
        if fdatasync(activeFD) != 0 { throw JournalError.system("fdatasync", path: old.path) }
        markDurable(upTo: JournalPosition(segment: old.id, offset: old.size))
        close(activeFD)
        activeFD = -1
        try createSegment(id: old.id + 1, nowMillis: nowMillis)
    }

    private func createSegment(id: UInt64, nowMillis: Int64) throws {
        let path = options.directory + "/" + JournalFormat.segmentName(id)
        let fd = open(path, O_CREAT | O_RDWR | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw JournalError.system("open", path: path) }
        activeFD = fd
        var bytes = JournalFormat.magic
        JournalFormat.appendRecord(to: &bytes, kind: .snapshot) { snapshot().encode(into: &$0) }
        try writeAll(bytes, at: 0, path: path)
        if fdatasync(fd) != 0 { throw JournalError.system("fdatasync", path: path) }
        try Self.syncDirectory(options.directory)
        segments.append(Segment(id: id, path: path, size: Int64(bytes.count), lastAppendMillis: nowMillis))
        markDurable(upTo: JournalPosition(segment: id, offset: Int64(bytes.count)))
    }

    private func snapshot() -> SnapshotRecord {
        SnapshotRecord(
            topics: topics.sorted { $0.key < $1.key }.map {
                .init(topic: $0.key, lastSequence: $0.value.lastSequence, lastPublishedAtMillis: $0.value.lastPublishedAtMillis)
            },
            connections: connections.values.sorted { $0.connection < $1.connection })
    }

    private func index(entry topic: String, sequence: UInt64, offset: Int64, bytes: UInt64, in segment: Segment) {
        if var range = segment.topics[topic] {
            range.last = sequence
            range.count += 1
            range.bytes += bytes
            if range.count % UInt64(options.indexStride) == 0 { range.marks.append((sequence, offset)) }
            segment.topics[topic] = range
        } else {
            segment.topics[topic] = TopicRange(
                first: sequence, last: sequence, count: 1, bytes: bytes, marks: [(sequence, offset)])
        }
    }

    private func applyCommit(_ commit: CommitRecord) {
        var state = connections[commit.connection]
            ?? ConnectionCheckpoint(
                connection: commit.connection, eventCapacity: options.recentEventIDs,
                batchCapacity: options.recentBatchIDs)
        state.apply(commit)
        connections[commit.connection] = state
    }

    private func writeAll(_ bytes: [UInt8], at offset: Int64, path: String) throws {
        var written = 0
        try bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let result = pwrite(activeFD, raw.baseAddress! + written, raw.count - written, off_t(offset) + off_t(written))
                if result < 0 {
                    if errno == EINTR { continue }
                    throw JournalError.system("pwrite", path: path)
                }
                written += result
            }
        }
    }

    // MARK: Retention

    /// Drops whole oldest segments while the journal exceeds `retentionBytes` or they are older
    /// than `retentionAge`; never the active segment, and only once its snapshot is durable.
    /// Returns the ids of dropped segments.
    @discardableResult
    public func applyRetention(nowMillis: Int64) -> [UInt64] {
        var dropped: [UInt64] = []
        let active = segments[segments.count - 1]
        guard durableEnd.segment >= active.id else { return dropped }
        var total = totalBytes
        let ageLimit = nowMillis - options.retentionAge.milliseconds
        while segments.count > 1 {
            let oldest = segments[0]
            guard total > options.retentionBytes || oldest.lastAppendMillis < ageLimit else { break }
            unlink(oldest.path)
            total -= oldest.size
            segments.removeFirst()
            dropped.append(oldest.id)
        }
        if !dropped.isEmpty { try? Self.syncDirectory(options.directory) }
        return dropped
    }

    // MARK: Index queries

    /// The oldest sequence the journal still holds for `topic` (last + 1 when it holds none).
    public func oldestRetained(topic: String) -> UInt64 {
        for segment in segments {
            if let range = segment.topics[topic] { return range.first }
        }
        return (topics[topic]?.lastSequence ?? 0) + 1
    }

    /// Retained message count and bytes of `topic`.
    public func retained(topic: String) -> (messages: UInt64, bytes: UInt64) {
        var messages: UInt64 = 0
        var bytes: UInt64 = 0
        for segment in segments {
            if let range = segment.topics[topic] {
                messages += range.count
                bytes += range.bytes
            }
        }
        return (messages, bytes)
    }

    /// Where to start reading to find `sequence` of `topic` (at or before its record), without
    /// scanning: the segment whose range covers it, then the nearest sparse mark below it.
    public func position(topic: String, sequence: UInt64) -> JournalPosition {
        for segment in segments {
            guard let range = segment.topics[topic], range.last >= sequence else { continue }
            var low = 0
            var high = range.marks.count - 1
            var best = JournalFormat.headerSize
            while low <= high {
                let middle = (low + high) / 2
                if range.marks[middle].sequence <= sequence {
                    best = range.marks[middle].offset
                    low = middle + 1
                } else {
                    high = middle - 1
                }
            }
            return JournalPosition(segment: segment.id, offset: best)
        }
        return writtenEnd
    }

    /// The oldest position still on disk.
    public var startPosition: JournalPosition {
        JournalPosition(segment: segments[0].id, offset: JournalFormat.headerSize)
    }

    /// The segment after `id`, if retained.
    func segment(after id: UInt64) -> Segment? { segments.first { $0.id > id } }
    func segment(id: UInt64) -> Segment? { segments.first { $0.id == id } }

    // MARK: Recovery

    private func recover(nowMillis: Int64) throws {
        let names = try Self.listDirectory(options.directory)
        let ids = names.compactMap(JournalFormat.segmentID(fileName:)).sorted()
        for (position, id) in ids.enumerated() {
            let path = options.directory + "/" + JournalFormat.segmentName(id)
            let isLast = position == ids.count - 1
            try recoverSegment(id: id, path: path, isLast: isLast)
        }
        if let last = segments.last {
            activeFD = open(last.path, O_RDWR | O_CLOEXEC)
            guard activeFD >= 0 else { throw JournalError.system("open", path: last.path) }
            if last.size == JournalFormat.headerSize {
                // A segment created without its snapshot (crash during creation): write it now.
                var bytes: [UInt8] = []
                JournalFormat.appendRecord(to: &bytes, kind: .snapshot) { snapshot().encode(into: &$0) }
                try writeAll(bytes, at: last.size, path: last.path)
                if fdatasync(activeFD) != 0 { throw JournalError.system("fdatasync", path: last.path) }
                last.size += Int64(bytes.count)
            }
            durableEnd = writtenEnd
        } else {
            try createSegment(id: 1, nowMillis: nowMillis)
        }
        recovery.segments = segments.count
        if recovery.truncatedBytes > 0 || !recovery.damagedSegments.isEmpty {
            logger.warning(
                "journal recovery cut a damaged or unfinished tail",
                metadata: [
                    "journal.truncated_bytes": "\(recovery.truncatedBytes)",
                    "journal.damaged_segments": "\(recovery.damagedSegments)",
                ])
        }
    }

    private func recoverSegment(id: UInt64, path: String, isLast: Bool) throws {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw JournalError.system("open", path: path) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw JournalError.system("fstat", path: path) }
        let fileSize = Int64(info.st_size)
        let mtime = Int64(info.st_mtim.tv_sec) * 1000 + Int64(info.st_mtim.tv_nsec) / 1_000_000

        var header = [UInt8](repeating: 0, count: Int(JournalFormat.headerSize))
        let headerRead = header.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, 0) }
        if headerRead != Int(JournalFormat.headerSize) || header != JournalFormat.magic {
            guard isLast else {
                throw JournalError(path: path, operation: "recover", detail: "not a journal segment (bad header)")
            }
            // Crash while creating the segment: rewrite its header; the snapshot follows in recover().
            _ = JournalFormat.magic.withUnsafeBytes { pwrite(fd, $0.baseAddress!, $0.count, 0) }
            if ftruncate(fd, off_t(JournalFormat.headerSize)) != 0 { throw JournalError.system("ftruncate", path: path) }
            _ = fdatasync(fd)
            recovery.truncatedBytes += max(0, fileSize - JournalFormat.headerSize)
            segments.append(Segment(id: id, path: path, size: JournalFormat.headerSize, lastAppendMillis: mtime))
            return
        }

        let segment = Segment(id: id, path: path, size: JournalFormat.headerSize, lastAppendMillis: mtime)
        var reader = SegmentScanner(descriptor: fd, fileSize: fileSize, start: JournalFormat.headerSize)
        var pending: [(topic: String, sequence: UInt64, offset: Int64, bytes: UInt64)] = []
        var committedEnd = JournalFormat.headerSize
        var damaged = false
        scan: while true {
            let record: SegmentScanner.Record
            switch reader.next(verify: true) {
            case .end: break scan
            case .damaged:
                damaged = true
                break scan
            case .record(let value): record = value
            }
            switch JournalRecordKind(rawValue: record.kind) {
            case .envelope:
                guard let envelope = record.envelopeHeader() else {
                    damaged = true
                    break scan
                }
                pending.append((envelope.topic, envelope.sequence, record.offset, UInt64(envelope.payloadCount)))
            case .commit:
                guard let commit = try? record.body({ try CommitRecord.decode($0) }) else {
                    damaged = true
                    break scan
                }
                for entry in pending {
                    index(entry: entry.topic, sequence: entry.sequence, offset: entry.offset, bytes: entry.bytes, in: segment)
                    let previous = topics[entry.topic]?.lastSequence ?? 0
                    topics[entry.topic] = TopicHead(
                        lastSequence: max(previous, entry.sequence), lastPublishedAtMillis: commit.publishedAtMillis)
                }
                recovery.envelopes += pending.count
                recovery.batches += 1
                pending.removeAll(keepingCapacity: true)
                applyCommit(commit)
                committedEnd = record.end
            case .snapshot:
                let eventCapacity = options.recentEventIDs
                let batchCapacity = options.recentBatchIDs
                guard
                    let snapshot = try? record.body({
                        try SnapshotRecord.decode($0, eventCapacity: eventCapacity, batchCapacity: batchCapacity)
                    })
                else {
                    damaged = true
                    break scan
                }
                for entry in snapshot.topics where (topics[entry.topic]?.lastSequence ?? 0) < entry.lastSequence {
                    topics[entry.topic] = TopicHead(
                        lastSequence: entry.lastSequence, lastPublishedAtMillis: entry.lastPublishedAtMillis)
                }
                for connection in snapshot.connections where connections[connection.connection] == nil {
                    connections[connection.connection] = connection
                }
                pending.removeAll()
                committedEnd = record.end
            case nil:
                damaged = true
                break scan
            }
        }
        if committedEnd < fileSize {
            // Everything after the last intact commit was never acknowledged: cut it.
            if ftruncate(fd, off_t(committedEnd)) != 0 { throw JournalError.system("ftruncate", path: path) }
            if fdatasync(fd) != 0 { throw JournalError.system("fdatasync", path: path) }
            recovery.truncatedBytes += fileSize - committedEnd
            if damaged && !isLast { recovery.damagedSegments.append(id) }
        }
        segment.size = committedEnd
        segments.append(segment)
    }

    // MARK: File system

    static func makeDirectory(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o700) != 0 && errno != EEXIST { throw JournalError.system("mkdir", path: current) }
        }
        _ = chmod(path, 0o700)
    }

    static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw JournalError.system("open", path: path) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw JournalError.system("fsync", path: path) }
    }

    static func listDirectory(_ path: String) throws -> [String] {
        guard let directory = opendir(path) else { throw JournalError.system("opendir", path: path) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            names.append(name)
        }
        return names
    }
}

extension Duration {
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

extension Journal {
    /// Appends one batch of already-sequenced envelopes with its commit record (not yet durable;
    /// call `sync`). For tools that build journals directly, such as the benchmark.
    @discardableResult
    public func appendBatch(
        _ entries: [Entry], connection: String, batchID: String, collectorID: String = "", epoch: UInt64 = 0,
        nextPosition: String? = nil, consumedEventIDs: [String] = [], nowMillis: Int64
    ) throws -> JournalPosition {
        try append(
            entries: entries,
            commit: CommitRecord(
                connection: connection, batchID: batchID, collectorID: collectorID, epoch: epoch, nextPosition: nextPosition,
                consumedEventIDs: consumedEventIDs, envelopeCount: UInt32(entries.count), publishedAtMillis: nowMillis),
            nowMillis: nowMillis)
    }
}
