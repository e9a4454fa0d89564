#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the records of one segment sequentially through a fixed-size buffer.
///
/// Memory stays bounded by the buffer (1 MiB, or one record if larger) whatever the segment's size.
struct SegmentScanner {
    struct Record {
        var kind: UInt8
        /// Offset of the record's header in the segment.
        var offset: Int64
        /// Offset just past the record.
        var end: Int64
        /// The body without its kind byte, valid until the next call to `next`.
        var storage: UnsafeRawBufferPointer

        func body<T>(_ decode: (UnsafeRawBufferPointer) throws -> T) throws -> T { try decode(storage) }

        /// For envelope records: sequence, topic and the serialized envelope.
        func envelopeHeader() -> (sequence: UInt64, topic: String, payloadCount: Int, payload: UnsafeRawBufferPointer)? {
            guard storage.count >= 10 else { return nil }
            let sequence = UInt64(littleEndian: storage.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
            let topicCount = Int(UInt16(littleEndian: storage.loadUnaligned(fromByteOffset: 8, as: UInt16.self)))
            guard storage.count >= 10 + topicCount else { return nil }
            let topic = String(decoding: UnsafeRawBufferPointer(rebasing: storage[10..<10 + topicCount]), as: UTF8.self)
            let payload = UnsafeRawBufferPointer(rebasing: storage[(10 + topicCount)...])
            return (sequence, topic, payload.count, payload)
        }

        /// The topic bytes of an envelope record, without allocating a String.
        func envelopeTopicBytes() -> UnsafeRawBufferPointer? {
            guard storage.count >= 10 else { return nil }
            let topicCount = Int(UInt16(littleEndian: storage.loadUnaligned(fromByteOffset: 8, as: UInt16.self)))
            guard storage.count >= 10 + topicCount else { return nil }
            return UnsafeRawBufferPointer(rebasing: storage[10..<10 + topicCount])
        }
    }

    enum Step {
        case record(Record)
        case end
        /// A torn, oversized or checksum-failing record at this offset.
        case damaged(offset: Int64)
    }

    let descriptor: Int32
    var fileSize: Int64
    /// Offset of the next record to return.
    private(set) var position: Int64
    private var buffer: UnsafeMutableRawBufferPointer
    private var bufferStart: Int64 = 0
    private var bufferCount = 0
    private var owner: Owner

    /// Frees the buffer when the last copy of the scanner goes.
    final class Owner {
        var pointer: UnsafeMutableRawBufferPointer
        init(capacity: Int) { pointer = .allocate(byteCount: capacity, alignment: 8) }
        deinit { pointer.deallocate() }
    }

    init(descriptor: Int32, fileSize: Int64, start: Int64, bufferBytes: Int = 1 << 20) {
        self.descriptor = descriptor
        self.fileSize = fileSize
        self.position = start
        self.owner = Owner(capacity: bufferBytes)
        self.buffer = owner.pointer
    }

    /// Makes `count` bytes from `offset` available in the buffer; false at end of file.
    private mutating func ensure(_ offset: Int64, _ count: Int) -> Bool {
        if offset >= bufferStart && offset + Int64(count) <= bufferStart + Int64(bufferCount) { return true }
        guard offset + Int64(count) <= fileSize else { return false }
        if count > buffer.count {
            owner = Owner(capacity: count + (1 << 20))
            buffer = owner.pointer
        }
        bufferStart = offset
        bufferCount = 0
        let want = Int(min(Int64(buffer.count), fileSize - offset))
        while bufferCount < want {
            let result = pread(descriptor, buffer.baseAddress! + bufferCount, want - bufferCount, off_t(offset) + off_t(bufferCount))
            if result < 0 && errno == EINTR { continue }
            if result <= 0 { break }
            bufferCount += result
        }
        return bufferCount >= count
    }

    /// The next record, or the end, or where damage starts.
    mutating func next(verify: Bool) -> Step {
        let start = position
        if start >= fileSize { return .end }
        guard ensure(start, JournalFormat.recordHeaderSize) else { return .damaged(offset: start) }
        let headerAt = Int(start - bufferStart)
        let length = Int(UInt32(littleEndian: UnsafeRawBufferPointer(buffer).loadUnaligned(fromByteOffset: headerAt, as: UInt32.self)))
        let crc = UInt32(littleEndian: UnsafeRawBufferPointer(buffer).loadUnaligned(fromByteOffset: headerAt + 4, as: UInt32.self))
        guard length >= 1, length <= JournalFormat.maxRecordBytes else { return .damaged(offset: start) }
        let total = JournalFormat.recordHeaderSize + length
        guard ensure(start, total) else { return .damaged(offset: start) }
        let bodyAt = Int(start - bufferStart) + JournalFormat.recordHeaderSize
        let body = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[bodyAt..<bodyAt + length])
        if verify && CRC32C.checksum(body) != crc { return .damaged(offset: start) }
        position = start + Int64(total)
        return .record(
            Record(kind: body[0], offset: start, end: position, storage: UnsafeRawBufferPointer(rebasing: body[1...])))
    }
}
