public import BoxBridgeProtocol
public import Foundation
public import Logging
import BoxBridgeRuntime

/// Where and how one connection is archived.
public struct ArchiveConfiguration: Sendable {
    /// The archive root; a connection's files live in `<root>/<connection>/`.
    public var root: String
    public var connection: String
    /// A segment is sealed once its uncompressed JSON lines reach this size (default 64 MiB).
    public var maxSegmentBytes: Int
    /// The gzip level (0–9; default 1: level 6 saves ~2.5 points of size for ~2x the CPU per event).
    /// Part of the byte-for-byte contract: change it and new segments differ.
    public var compressionLevel: Int32

    public init(root: String, connection: String, maxSegmentBytes: Int = 64 << 20, compressionLevel: Int32 = 1) {
        self.root = root
        self.connection = connection
        self.maxSegmentBytes = maxSegmentBytes
        self.compressionLevel = compressionLevel
    }

    var connectionPath: String { (root as NSString).appendingPathComponent(connection) }
    var manifestPath: String { (connectionPath as NSString).appendingPathComponent(Manifest.fileName) }
}

/// What ``ArchiveWriter/append(_:)`` did with an envelope.
public enum AppendOutcome: Sendable, Equatable {
    case archived
    /// Its sequence was already archived (a replay overlapping what is sealed or open): skipped.
    case duplicate
}

/// Why a segment was sealed.
public enum SealReason: String, Sendable {
    case dayChanged = "day_changed", sizeLimit = "size_limit", flush
}

/// Writes one connection's envelopes into per-UTC-day gzip segments chained in `MANIFEST.jsonl`.
///
/// Sealed segments are immutable and byte-for-byte determined by the envelopes and their order
/// (plus `maxSegmentBytes` and `compressionLevel`). The open segment is an uncompressed
/// `segment-<n>.jsonl.gz.open` file. ``commit()`` makes what it holds durable: it fsyncs the file,
/// then atomically replaces `OPEN-SEGMENT.json` with its committed length, event count and topic
/// ranges. A restart truncates the open file back to that length and continues it, so after
/// `kill -9` the subscriber resumes from ``committedCursor`` and the sealed bytes are the same as
/// an uninterrupted run's; without a commit only the manifest counts (``resumeCursor``).
///
/// A full segment is sealed in the background (gzip, SHA-256, atomic write, manifest append) while
/// the next one fills, one seal at a time. It counts as sealed only once it is on disk and in the
/// manifest: ``commit()``, ``flush()``, ``applyRetention(keepDays:now:)``, ``resumeCursor`` and
/// `deinit` wait for it. If a background seal fails, the call that collects it throws and so does
/// every later call: reopen the writer (a restart), which resumes from what is durable.
/// Not thread-safe: own it from one task or actor.
public final class ArchiveWriter {
    public let configuration: ArchiveConfiguration
    private let logger: Logger
    private var lastChain: String
    private var nextIndex: Int
    private var sealedCursor: [String: UInt64]
    /// `sealedCursor` plus the segment being sealed in the background: what duplicates are judged by.
    private var closedCursor: [String: UInt64]
    private var sealedSegments: [(path: String, day: String)]
    private var removedSegments: Set<String>
    private var open: OpenSegment?
    private var sealing: SealJob?
    /// The buffer and gzip members of the last sealed segment, reused by the next one: their
    /// pages are already mapped, and a fresh 64 MiB per segment cost a page fault per 4 KiB.
    private var spareBuffer: ByteStore?
    private var spareMembers: Gzip.Members?
    private var failure: (any Error)?
    private let ownPrefixes: [String]
    private let encoder = LineEncoder()
    /// Test hook: runs on the sealer thread before a seal's first write.
    var beforeSeal: (@Sendable (Int) throws -> Void)?

    /// Per topic, the next sequence not yet sealed (waits for a seal in progress).
    public var resumeCursor: [String: UInt64] {
        _ = try? finishSealing()
        return sealedCursor
    }

    /// Per topic, the next sequence not yet durable (sealed, or in the open segment at its last
    /// ``commit()``): where a subscriber that commits every batch resumes after a restart.
    public private(set) var committedCursor: [String: UInt64] = [:]

    /// Per topic, the next sequence not yet archived (sealed or open): where live delivery continues.
    public var nextExpected: [String: UInt64] {
        var cursor = closedCursor
        for (topic, range) in open?.topics ?? [:] { cursor[topic] = max(cursor[topic] ?? 0, range.last + 1) }
        return cursor
    }

    /// Events in the open (unsealed) segment.
    public var openEventCount: Int { open?.events ?? 0 }

    /// Opens the connection's archive: reads the manifest, discards the unsealed leftovers of a crash.
    public init(configuration: ArchiveConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.ownPrefixes = ["box", "alerts", "ops"].map { "\($0)/\(configuration.connection)/" }
        var logger = logger
        logger[metadataKey: LogKey.connection] = "\(configuration.connection)"
        self.logger = logger
        try FileSystem.makeDirectory(configuration.connectionPath)
        let manifest = try Self.readRepairingTornTail(configuration.manifestPath)
        var chain = ManifestEntry.genesis
        var cursor: [String: UInt64] = [:]
        var segments: [(path: String, day: String)] = []
        var removed = Set<String>()
        var maxIndex = 0
        for line in manifest.lines {
            guard let entry = line.entry, entry.prev == chain, entry.computedChain() == entry.chain else {
                throw ArchiveError(
                    .corruptManifest, path: configuration.manifestPath,
                    "line \(line.number): chain broken; run `boxbridge archive verify` before writing")
            }
            chain = entry.chain
            switch entry.kind {
            case .segment:
                for (topic, range) in entry.topics ?? [:] { cursor[topic] = max(cursor[topic] ?? 0, range.last + 1) }
                segments.append((entry.path ?? "", entry.day ?? ""))
                maxIndex = max(maxIndex, entry.index ?? 0)
            case .retention:
                removed.formUnion(entry.removed ?? [])
            }
        }
        self.lastChain = chain
        self.nextIndex = maxIndex + 1
        self.sealedCursor = cursor
        self.closedCursor = cursor
        self.sealedSegments = segments
        self.removedSegments = removed
        self.committedCursor = cursor
        let resumed = try resumeCommittedOpenSegment()
        try discardUnsealed(listed: Set(segments.map(\.path)), keep: resumed)
        if resumed != nil { committedCursor = nextExpected }
    }

    deinit {
        // A seal in progress finishes (a process that exits normally leaves it sealed).
        sealing?.wait()
        if let open { close(open.fd) }
    }

    /// Archives one envelope, sealing the open segment first when the envelope's UTC day differs.
    @discardableResult
    public func append(_ envelope: Boxbridge_V1_Envelope) throws -> AppendOutcome {
        try checkUsable()
        try LineEncoder.checkConnection(envelope, ownPrefixes: ownPrefixes, connection: configuration.connection)
        if envelope.sequence < expectedSequence(envelope.topic) { return .duplicate }
        var line: [UInt8] = []
        try ArchiveRecord.appendLine(for: envelope, to: &line)
        let dayNumber = UTCTime.floorDiv(ArchiveRecord.eventTime(of: envelope).seconds, 86_400)
        return try line.withUnsafeBytes { try file(envelope, dayNumber: dayNumber, line: $0) }
    }

    /// Archives envelopes in order; returns how many were new (not duplicates).
    @discardableResult
    public func append(contentsOf envelopes: some Sequence<Boxbridge_V1_Envelope>) throws -> Int {
        try checkUsable()
        let batch = Array(envelopes)
        // Encoding is most of the cost and independent per envelope: spread it over the cores,
        // then file the lines strictly in order so the bytes stay the same.
        let encoded = encoder.encode(batch, ownPrefixes: ownPrefixes, connection: configuration.connection)
        var archived = 0
        for chunk in encoded {
            for position in 0..<chunk.count {
                let envelope = batch[chunk.first + position]
                if let failure = chunk.failure, failure.position == position { throw failure.error }
                if envelope.sequence < expectedSequence(envelope.topic) { continue }
                let outcome = try chunk.line(position) { line in
                    try file(envelope, dayNumber: chunk.dayNumbers[position], line: line)
                }
                if outcome == .archived { archived += 1 }
            }
        }
        return archived
    }

    /// Makes everything appended so far durable without sealing: waits for a seal in progress,
    /// fsyncs the open segment, then atomically records its length and topic ranges, which a
    /// restart resumes from.
    public func commit() throws {
        try checkUsable()
        try finishSealing()
        guard let segment = open, segment.events > 0 else {
            committedCursor = sealedCursor
            return
        }
        try writePending()
        guard fsync(segment.fd) == 0 else { throw ArchiveError.errno("fsync", path: segment.path) }
        let state = OpenSegmentState(
            index: segment.index, day: segment.day, bytes: segment.buffer.count, events: segment.events,
            topics: segment.topics, prev: lastChain)
        try FileSystem.writeAtomically(try state.encoded(), to: openStatePath)
        committedCursor = nextExpected
    }

    /// Seals the open segment (at shutdown or when idle) and waits until every seal is on disk and
    /// in the manifest. Returns the open segment's manifest entry, or nil when it was empty.
    @discardableResult
    public func flush() throws -> ManifestEntry? {
        try checkUsable()
        try seal(reason: .flush)
        return try finishSealing()
    }

    /// Removes sealed segments whose UTC day is more than `keepDays` days before `now`'s day,
    /// recording them in the manifest first so the chain still verifies. Returns the removed paths.
    @discardableResult
    public func applyRetention(keepDays: Int, now: Date) throws -> [String] {
        try checkUsable()
        try finishSealing()
        let today = UTCTime.daysSinceEpoch(of: UTCTime.day(now)) ?? 0
        let keepFrom = UTCTime.day(seconds: (today - Int64(max(0, keepDays))) * 86_400)
        let expired = sealedSegments.filter { $0.day < keepFrom && !removedSegments.contains($0.path) }.map(\.path)
        guard !expired.isEmpty else { return [] }
        let entry = ManifestEntry.retention(removed: expired, keepFrom: keepFrom, prev: lastChain)
        // Record first: a crash before the unlinks leaves files the manifest already calls removed.
        try FileSystem.appendDurably(try entry.line(), to: configuration.manifestPath)
        lastChain = entry.chain
        removedSegments.formUnion(expired)
        var folders = Set<String>()
        for path in expired {
            let full = (configuration.connectionPath as NSString).appendingPathComponent(path)
            try FileSystem.remove(full)
            folders.insert((full as NSString).deletingLastPathComponent)
        }
        for folder in folders where FileSystem.list(folder).isEmpty { rmdir(folder) }
        logger.info("archive retention removed segments", metadata: [LogKey.archiveEvents: "\(expired.count) segments", LogKey.archiveKeepFrom: "\(keepFrom)"])
        return expired
    }

    // MARK: Segments

    private func checkUsable() throws {
        if let failure { throw failure }
    }

    private func expectedSequence(_ topic: String) -> UInt64 {
        if let range = open?.topics[topic] { return range.last + 1 }
        return closedCursor[topic] ?? 0
    }

    /// Adds one encoded line to the open segment, sealing first on a new UTC day and after when full.
    private func file(_ envelope: Boxbridge_V1_Envelope, dayNumber: Int64, line: UnsafeRawBufferPointer) throws -> AppendOutcome {
        if let current = open?.dayNumber, current != dayNumber { try seal(reason: .dayChanged) }
        // Moved out and back so the topic dictionary stays uniquely referenced (no copy on write).
        var segment = try open.take() ?? startSegment(day: UTCTime.day(seconds: dayNumber * 86_400), dayNumber: dayNumber)
        // The open file is written at commit only: what is not committed is cut back on restart
        // anyway, and the lines are in memory until the seal.
        segment.buffer.append(line)
        segment.events += 1
        segment.topics[envelope.topic, default: TopicRange(first: envelope.sequence, last: envelope.sequence, count: 0)].add(envelope.sequence)
        let full = segment.buffer.count >= configuration.maxSegmentBytes
        open = segment
        if full { try seal(reason: .sizeLimit) }
        return .archived
    }

    private func startSegment(day: String, dayNumber: Int64) throws -> OpenSegment {
        let folder = (configuration.connectionPath as NSString).appendingPathComponent(day)
        try FileSystem.makeDirectory(folder)
        let path = (folder as NSString).appendingPathComponent(Self.segmentName(nextIndex) + ".open")
        let fd = try FileSystem.openForAppend(path)
        let buffer = spareBuffer ?? ByteStore(capacity: min(configuration.maxSegmentBytes, 64 << 20) + (256 << 10))
        spareBuffer = nil
        return OpenSegment(index: nextIndex, day: day, dayNumber: dayNumber, buffer: buffer, fd: fd, path: path)
    }

    private func writePending() throws {
        guard var segment = open, segment.buffer.count > segment.flushedBytes else { return }
        let bytes = segment.buffer.bytes
        try FileSystem.writeAll(segment.fd, UnsafeRawBufferPointer(rebasing: bytes[segment.flushedBytes...]), path: segment.path)
        segment.flushedBytes = segment.buffer.count
        open = segment
    }

    /// Hands the open segment to the background sealer (after the previous seal has finished).
    private func seal(reason: SealReason) throws {
        guard let segment = open, segment.events > 0 else { return }
        try finishSealing()
        let relative = segment.day + "/" + Self.segmentName(segment.index)
        let job = SealJob(
            segment: segment, relative: relative,
            full: (configuration.connectionPath as NSString).appendingPathComponent(relative),
            manifestPath: configuration.manifestPath, prev: lastChain, level: configuration.compressionLevel,
            members: spareMembers ?? Gzip.Members(), beforeSeal: beforeSeal)
        spareMembers = nil
        open = nil
        nextIndex = segment.index + 1
        for (topic, range) in segment.topics { closedCursor[topic] = max(closedCursor[topic] ?? 0, range.last + 1) }
        sealing = job
        // A thread of its own, not a GCD global queue: callers waiting for it (commit, the next
        // seal) block the thread they run on, which may be one of Swift's few pool threads, and
        // the job must never need one of those to finish.
        let thread = Thread { job.run() }
        thread.name = "archive-seal"
        thread.start()
        logger.debug(
            "archive segment sealing",
            metadata: [LogKey.path: "\(relative)", LogKey.archiveSealReason: "\(reason.rawValue)", LogKey.archiveEvents: "\(segment.events)"])
    }

    /// Waits for the seal in progress and records it; returns its entry (nil when none was running).
    @discardableResult
    private func finishSealing() throws -> ManifestEntry? {
        if let failure { throw failure }
        guard let job = sealing else { return nil }
        job.wait()
        sealing = nil
        switch job.outcome {
        case .success(let entry):
            lastChain = entry.chain
            for (topic, range) in job.segment.topics { sealedCursor[topic] = max(sealedCursor[topic] ?? 0, range.last + 1) }
            sealedSegments.append((job.relative, job.segment.day))
            committedCursor.merge(sealedCursor) { Swift.max($0, $1) }
            job.segment.buffer.removeAll()
            spareBuffer = job.segment.buffer
            spareMembers = job.members
            logger.debug("archive segment sealed", metadata: [LogKey.path: "\(job.relative)", LogKey.archiveEvents: "\(job.segment.events)"])
            return entry
        case .failure(let error):
            failure = error
            logger.error("archive seal failed; the writer stops (a restart resumes from what is durable)", metadata: [
                LogKey.path: "\(job.relative)", LogKey.error: "\(error)",
            ])
            throw error
        case nil:
            let error = ArchiveError(.io, path: job.full, "seal finished without an outcome")
            failure = error
            throw error
        }
    }

    static func segmentName(_ index: Int) -> String {
        "segment-" + UTCTime.pad(index, 6) + ".jsonl.gz"
    }

    // MARK: Recovery

    /// Drops a manifest's torn last line (a crash mid-append), which never had its fsync.
    private static func readRepairingTornTail(_ path: String) throws -> Manifest {
        guard FileSystem.exists(path) else { return Manifest(lines: []) }
        let data = try FileSystem.read(path)
        if let last = data.last, last != UInt8(ascii: "\n") {
            let keep = data.lastIndex(of: UInt8(ascii: "\n")).map { data.startIndex..<($0 + 1) } ?? data.startIndex..<data.startIndex
            try FileSystem.writeAtomically(data.subdata(in: keep), to: path)
        }
        return try Manifest.read(at: path)
    }

    var openStatePath: String { (configuration.connectionPath as NSString).appendingPathComponent(OpenSegmentState.fileName) }

    /// Continues the open segment of the last ``commit()``: truncated back to the committed length
    /// (a crash may have left more, never less). Returns its path, or nil when there is none to resume.
    private func resumeCommittedOpenSegment() throws -> String? {
        guard FileSystem.exists(openStatePath) else { return nil }
        guard let state = try? OpenSegmentState.decode(try FileSystem.read(openStatePath)) else {
            logger.warning("archive open-segment state unreadable; resuming from the sealed segments", metadata: [LogKey.path: "\(openStatePath)"])
            return nil
        }
        // A state from before the last seal (the crash came between the manifest append and the
        // next commit) describes a segment that is already sealed.
        guard state.index == nextIndex, state.prev == lastChain else { return nil }
        let folder = (configuration.connectionPath as NSString).appendingPathComponent(state.day)
        let path = (folder as NSString).appendingPathComponent(Self.segmentName(state.index) + ".open")
        guard FileSystem.exists(path) else { return nil }
        var data = try FileSystem.read(path)
        guard data.count >= state.bytes else {
            logger.warning("archive open segment shorter than committed; resuming from the sealed segments", metadata: [LogKey.path: "\(path)"])
            return nil
        }
        data = data.prefix(state.bytes)
        guard data.reduce(0, { $0 + ($1 == 0x0A ? 1 : 0) }) == state.events else {
            logger.warning("archive open segment does not match its committed state; resuming from the sealed segments", metadata: [LogKey.path: "\(path)"])
            return nil
        }
        try FileSystem.truncate(path, to: state.bytes)
        let fd = try FileSystem.openExistingForAppend(path)
        open = OpenSegment(
            index: state.index, day: state.day, dayNumber: UTCTime.daysSinceEpoch(of: state.day) ?? 0, buffer: ByteStore(copying: data), flushedBytes: state.bytes, events: state.events,
            topics: state.topics, fd: fd, path: path)
        logger.info("archive resumed the committed open segment", metadata: [LogKey.path: "\(path)", LogKey.archiveEvents: "\(state.events)"])
        return path
    }

    /// Removes open segments, temporary files and sealed files the manifest never recorded (a crash
    /// between rename and manifest append); replay regenerates them byte for byte.
    private func discardUnsealed(listed: Set<String>, keep: String?) throws {
        let base = configuration.connectionPath
        for day in FileSystem.list(base) where UTCTime.daysSinceEpoch(of: day) != nil {
            let folder = (base as NSString).appendingPathComponent(day)
            for name in FileSystem.list(folder) {
                let relative = day + "/" + name
                let unrecordedSealed = name.hasSuffix(".jsonl.gz") && !listed.contains(relative)
                    && (Self.index(ofSegmentName: name) ?? 0) >= nextIndex
                let full = (folder as NSString).appendingPathComponent(name)
                if full == keep { continue }
                if name.hasSuffix(".open") || name.hasSuffix(".tmp") || unrecordedSealed {
                    try FileSystem.remove(full)
                    logger.info("archive discarded unsealed file", metadata: [LogKey.path: "\(relative)"])
                }
            }
        }
    }

    static func index(ofSegmentName name: String) -> Int? {
        guard name.hasPrefix("segment-"), name.hasSuffix(".jsonl.gz") else { return nil }
        return Int(name.dropFirst("segment-".count).dropLast(".jsonl.gz".count))
    }
}
