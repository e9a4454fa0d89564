#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a record starts or ends in the journal: a segment number and a byte offset inside it.
public struct JournalPosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var segment: UInt64
    public var offset: Int64

    public init(segment: UInt64, offset: Int64) {
        self.segment = segment
        self.offset = offset
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.segment, lhs.offset) < (rhs.segment, rhs.offset)
    }

    public var description: String { "\(segment):\(offset)" }
}

/// The kinds of record a segment holds.
///
/// Framing of every record: `u32 length | u32 crc32c(body) | body`, where the body is one kind
/// byte then the kind's data. A batch is its envelope records followed by its commit record, all
/// written by one `write(2)`; recovery keeps a batch only when its commit record is intact.
enum JournalRecordKind: UInt8 {
    /// `u64 sequence | u16 topic length | topic | serialized Envelope`.
    case envelope = 1
    /// Closes a batch: its connection, batch id, checkpoint and consumed event ids.
    case commit = 2
    /// First record of every segment: the state that older segments held, so retention can drop
    /// them without losing a checkpoint or resetting a topic's sequence.
    case snapshot = 3
}

enum JournalFormat {
    /// Eight bytes at the start of each segment file; the digits are the format version.
    static let magic: [UInt8] = Array("BXJRNL01".utf8)
    static let headerSize: Int64 = 8
    static let recordHeaderSize = 8
    /// A record longer than this is damage, not data: it stops the scan.
    static let maxRecordBytes = 256 << 20

    static func segmentName(_ id: UInt64) -> String {
        let digits = String(id)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".seg"
    }

    static func segmentID(fileName: String) -> UInt64? {
        guard fileName.hasSuffix(".seg"), fileName.count == 24 else { return nil }
        return UInt64(fileName.dropLast(4))
    }

    /// Appends one framed record to `buffer`: the body is written by `body` after the kind byte.
    static func appendRecord(to buffer: inout [UInt8], kind: JournalRecordKind, body: (inout [UInt8]) -> Void) {
        let start = buffer.count
        buffer.append(contentsOf: [0, 0, 0, 0, 0, 0, 0, 0])
        buffer.append(kind.rawValue)
        body(&buffer)
        let length = UInt32(buffer.count - start - recordHeaderSize)
        let crc = buffer.withUnsafeBytes { raw in
            CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[(start + recordHeaderSize)...]))
        }
        buffer.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: length.littleEndian, toByteOffset: start, as: UInt32.self)
            raw.storeBytes(of: crc.littleEndian, toByteOffset: start + 4, as: UInt32.self)
        }
    }

    static func appendEnvelope(to buffer: inout [UInt8], topic: String, sequence: UInt64, envelope: [UInt8]) {
        appendRecord(to: &buffer, kind: .envelope) { out in
            withUnsafeBytes(of: sequence.littleEndian) { out.append(contentsOf: $0) }
            let topicBytes = Array(topic.utf8)
            withUnsafeBytes(of: UInt16(topicBytes.count).littleEndian) { out.append(contentsOf: $0) }
            out.append(contentsOf: topicBytes)
            out.append(contentsOf: envelope)
        }
    }
}

/// What closes a batch in the journal: the checkpoint is stored with its batch, atomically,
/// because both are in the same `write(2)` and recovery keeps neither without the other.
struct CommitRecord: Equatable {
    var connection: String
    var batchID: String
    var collectorID: String
    var epoch: UInt64
    /// The connection's new stream position, or nil when the batch does not carry one (e.g. alerts).
    var nextPosition: String?
    var consumedEventIDs: [String]
    var envelopeCount: UInt32
    var publishedAtMillis: Int64

    func encode(into out: inout [UInt8]) {
        var writer = BinaryWriter()
        writer.string(connection)
        writer.string(batchID)
        writer.string(collectorID)
        writer.varint(epoch)
        writer.u8(nextPosition == nil ? 0 : 1)
        writer.string(nextPosition ?? "")
        writer.strings(consumedEventIDs)
        writer.varint(UInt64(envelopeCount))
        writer.varint(UInt64(bitPattern: publishedAtMillis))
        out.append(contentsOf: writer.bytes)
    }

    static func decode(_ bytes: UnsafeRawBufferPointer) throws -> CommitRecord {
        var reader = BinaryReader(bytes)
        let connection = try reader.string()
        let batchID = try reader.string()
        let collectorID = try reader.string()
        let epoch = try reader.varint()
        let hasPosition = try reader.u8() == 1
        let position = try reader.string()
        let consumed = try reader.strings()
        let count = UInt32(truncatingIfNeeded: try reader.varint())
        let published = Int64(bitPattern: try reader.varint())
        return CommitRecord(
            connection: connection, batchID: batchID, collectorID: collectorID, epoch: epoch,
            nextPosition: hasPosition ? position : nil, consumedEventIDs: consumed, envelopeCount: count,
            publishedAtMillis: published)
    }
}

/// The journal's state at the start of a segment (see `JournalRecordKind.snapshot`).
struct SnapshotRecord: Equatable {
    struct TopicEntry: Equatable {
        var topic: String
        var lastSequence: UInt64
        var lastPublishedAtMillis: Int64
    }

    var topics: [TopicEntry]
    var connections: [ConnectionCheckpoint]

    func encode(into out: inout [UInt8]) {
        var writer = BinaryWriter()
        writer.varint(UInt64(topics.count))
        for entry in topics {
            writer.string(entry.topic)
            writer.varint(entry.lastSequence)
            writer.varint(UInt64(bitPattern: entry.lastPublishedAtMillis))
        }
        writer.varint(UInt64(connections.count))
        for connection in connections {
            writer.string(connection.connection)
            writer.string(connection.checkpoint)
            writer.varint(connection.epoch)
            writer.string(connection.collectorID)
            writer.strings(connection.recentEventIDs.elements)
            writer.strings(connection.recentBatchIDs.elements)
        }
        out.append(contentsOf: writer.bytes)
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, eventCapacity: Int, batchCapacity: Int) throws
        -> SnapshotRecord
    {
        var reader = BinaryReader(bytes)
        var topics: [TopicEntry] = []
        for _ in 0..<(try reader.varint()) {
            topics.append(
                TopicEntry(
                    topic: try reader.string(), lastSequence: try reader.varint(),
                    lastPublishedAtMillis: Int64(bitPattern: try reader.varint())))
        }
        var connections: [ConnectionCheckpoint] = []
        for _ in 0..<(try reader.varint()) {
            var checkpoint = ConnectionCheckpoint(
                connection: try reader.string(), eventCapacity: eventCapacity, batchCapacity: batchCapacity)
            checkpoint.checkpoint = try reader.string()
            checkpoint.epoch = try reader.varint()
            checkpoint.collectorID = try reader.string()
            for id in try reader.strings() { checkpoint.recentEventIDs.insert(id) }
            for id in try reader.strings() { checkpoint.recentBatchIDs.insert(id) }
            connections.append(checkpoint)
        }
        return SnapshotRecord(topics: topics, connections: connections)
    }
}

/// A set that remembers only its most recent `capacity` members, in insertion order.
///
/// Bounds the broker's memory for batch ids (duplicate detection) and Box event ids (the dedupe
/// window handed to a collector that takes a connection over).
public struct RecentSet: Sendable, Equatable {
    public let capacity: Int
    private var ring: [String] = []
    private var head = 0
    private var members: Set<String> = []

    public init(capacity: Int) { self.capacity = max(1, capacity) }

    public func contains(_ value: String) -> Bool { members.contains(value) }

    public var count: Int { ring.count }

    /// Adds `value` unless present; evicts the oldest member when full.
    @discardableResult
    public mutating func insert(_ value: String) -> Bool {
        guard !members.contains(value) else { return false }
        if ring.count < capacity {
            ring.append(value)
        } else {
            members.remove(ring[head])
            ring[head] = value
            head = (head + 1) % capacity
        }
        members.insert(value)
        return true
    }

    /// Members from oldest to newest.
    public var elements: [String] {
        Array(ring[head...]) + Array(ring[..<head])
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.elements == rhs.elements }
}

/// A connection's durable state: where its stream stands and what it has recently delivered.
public struct ConnectionCheckpoint: Sendable, Equatable {
    public var connection: String
    /// The opaque stream position to resume from ("" = never started).
    public var checkpoint: String = ""
    /// The highest lease epoch seen on a durable batch (fencing survives broker restarts).
    public var epoch: UInt64 = 0
    public var collectorID: String = ""
    public var recentEventIDs: RecentSet
    public var recentBatchIDs: RecentSet

    public init(connection: String, eventCapacity: Int, batchCapacity: Int) {
        self.connection = connection
        self.recentEventIDs = RecentSet(capacity: eventCapacity)
        self.recentBatchIDs = RecentSet(capacity: batchCapacity)
    }

    mutating func apply(_ commit: CommitRecord) {
        recentBatchIDs.insert(commit.batchID)
        for id in commit.consumedEventIDs { recentEventIDs.insert(id) }
        if let next = commit.nextPosition { checkpoint = next }
        epoch = max(epoch, commit.epoch)
        if !commit.collectorID.isEmpty { collectorID = commit.collectorID }
    }
}
