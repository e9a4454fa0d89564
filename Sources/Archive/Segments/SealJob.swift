import Crypto
import Foundation

/// One full segment sealed off the writer's thread: gzip, SHA-256, atomic write, manifest append.
///
/// The writer starts at most one at a time and waits for it before the next seal, a commit or a
/// flush, so manifest lines keep segment order and `prev` is always the chain of the line before.
/// The job owns the segment's buffer and `.open` file until ``wait()`` returns.
final class SealJob: @unchecked Sendable {
    let segment: OpenSegment
    let relative: String
    let full: String
    private let manifestPath: String
    private let prev: String
    private let level: Int32
    private(set) var members: Gzip.Members
    private let beforeSeal: (@Sendable (Int) throws -> Void)?
    private let done = DispatchSemaphore(value: 0)
    private var finished = false
    /// Set by ``run()`` before it signals; read only after ``wait()``.
    private(set) var outcome: Result<ManifestEntry, any Error>?

    init(
        segment: OpenSegment, relative: String, full: String, manifestPath: String, prev: String, level: Int32,
        members: Gzip.Members, beforeSeal: (@Sendable (Int) throws -> Void)?
    ) {
        self.segment = segment
        self.relative = relative
        self.full = full
        self.manifestPath = manifestPath
        self.prev = prev
        self.level = level
        self.members = members
        self.beforeSeal = beforeSeal
    }

    func run() {
        outcome = Result { try seal() }
        done.signal()
    }

    /// Blocks until ``run()`` has finished; safe to call more than once.
    func wait() {
        guard !finished else { return }
        done.wait()
        finished = true
    }

    private func seal() throws -> ManifestEntry {
        defer { close(segment.fd) }
        try beforeSeal?(segment.index)
        try Gzip.compress(segment.buffer.bytes, level: level, into: &members)
        var hasher = SHA256()
        for part in members.parts { hasher.update(bufferPointer: part.bytes) }
        let sha = Hex.string(hasher.finalize())
        try FileSystem.writeAtomically(parts: members.parts.map(\.bytes), to: full)
        let entry = ManifestEntry.segment(
            path: relative, index: segment.index, day: segment.day, events: segment.events,
            bytes: members.byteCount, sha256: sha, topics: segment.topics, prev: prev)
        try FileSystem.appendDurably(try entry.line(), to: manifestPath)
        try FileSystem.remove(segment.path)
        return entry
    }
}
