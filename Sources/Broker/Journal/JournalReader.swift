#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads envelope records forward from a position, across segments, never past a limit.
///
/// Replay uses one per open replay; it holds one descriptor and a fixed buffer, so memory stays
/// bounded whatever the journal's size. Checksums were verified at recovery or written by this
/// process, so the read path does not verify them again (that keeps replay fast).
final class JournalReader {
    private(set) var position: JournalPosition
    private var descriptor: Int32 = -1
    private var scanner: SegmentScanner?
    /// Set when retention dropped the segment this reader needed: the caller reports what is gone.
    private(set) var skippedDroppedSegments = false

    init(position: JournalPosition) {
        self.position = position
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Calls `visit(sequence, topic, envelope)` for each envelope record before `limit`, until
    /// `visit` returns false or the limit is reached. Returns true when the limit was reached.
    func read(
        in journal: Journal, upTo limit: JournalPosition,
        _ visit: (UInt64, UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool
    ) throws -> Bool {
        while position < limit {
            if scanner == nil { try openSegment(in: journal) }
            guard var current = scanner else { return true }
            guard let segment = journal.segment(id: position.segment) else {
                closeSegment()
                continue
            }
            current.fileSize = position.segment == limit.segment ? limit.offset : segment.size
            var keepGoing = true
            var reachedEnd = false
            while keepGoing {
                switch current.next(verify: false) {
                case .end:
                    reachedEnd = true
                    keepGoing = false
                case .damaged(let offset):
                    scanner = current
                    throw JournalError(
                        path: segment.path, operation: "read", detail: "damaged record at offset \(offset)")
                case .record(let record):
                    position.offset = record.end
                    if record.kind == JournalRecordKind.envelope.rawValue,
                        let header = record.envelopeHeaderRaw()
                    {
                        if !visit(header.sequence, header.topic, header.payload) { keepGoing = false }
                    }
                }
            }
            scanner = current
            if !reachedEnd { return false }
            if position.segment == limit.segment { return position >= limit }
            guard let next = journal.segment(after: position.segment) else { return true }
            closeSegment()
            position = JournalPosition(segment: next.id, offset: JournalFormat.headerSize)
        }
        return true
    }

    private func openSegment(in journal: Journal) throws {
        var segment = journal.segment(id: position.segment)
        if segment == nil {
            // Retention dropped it since this replay started: continue at the oldest one left.
            guard let oldest = journal.segment(after: 0) else { return }
            skippedDroppedSegments = true
            segment = oldest
            position = JournalPosition(segment: oldest.id, offset: JournalFormat.headerSize)
        }
        guard let segment else { return }
        descriptor = open(segment.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw JournalError.system("open", path: segment.path) }
        scanner = SegmentScanner(descriptor: descriptor, fileSize: segment.size, start: position.offset, bufferBytes: 1 << 20)
    }

    private func closeSegment() {
        scanner = nil
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
    }
}

extension SegmentScanner.Record {
    /// Sequence, topic bytes and envelope bytes of an envelope record, without allocating.
    func envelopeHeaderRaw() -> (sequence: UInt64, topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer)? {
        guard storage.count >= 10 else { return nil }
        let sequence = UInt64(littleEndian: storage.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        let topicCount = Int(UInt16(littleEndian: storage.loadUnaligned(fromByteOffset: 8, as: UInt16.self)))
        guard storage.count >= 10 + topicCount else { return nil }
        return (
            sequence, UnsafeRawBufferPointer(rebasing: storage[10..<10 + topicCount]),
            UnsafeRawBufferPointer(rebasing: storage[(10 + topicCount)...])
        )
    }
}
