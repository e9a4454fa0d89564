/// Just enough of the protobuf wire format to route batches without decoding every payload.
///
/// The broker never needs a file event's fields: it reads the batch's header fields and each
/// item's topic, then appends the sequence and publish time as extra fields (protobuf merges
/// concatenated fields, last one wins), so ingest costs a scan, not a decode and re-encode.
enum ProtobufWire {
    struct Malformed: Error {}

    struct Field {
        var number: Int
        var wireType: Int
        var varint: UInt64
        var bytes: Range<Int>
    }

    /// Calls `visit` for each top-level field of the message in `bytes`; throws on malformed input.
    static func forEachField(_ bytes: UnsafeRawBufferPointer, _ visit: (Field) throws -> Void) throws {
        var offset = 0
        while offset < bytes.count {
            let tag = try readVarint(bytes, &offset)
            let number = Int(tag >> 3)
            let wireType = Int(tag & 7)
            guard number > 0 else { throw Malformed() }
            switch wireType {
            case 0:
                let value = try readVarint(bytes, &offset)
                try visit(Field(number: number, wireType: 0, varint: value, bytes: offset..<offset))
            case 1, 5:
                let size = wireType == 1 ? 8 : 4
                guard offset + size <= bytes.count else { throw Malformed() }
                try visit(Field(number: number, wireType: wireType, varint: 0, bytes: offset..<offset + size))
                offset += size
            case 2:
                let length = try readVarint(bytes, &offset)
                guard length <= UInt64(bytes.count - offset) else { throw Malformed() }
                let end = offset + Int(length)
                try visit(Field(number: number, wireType: 2, varint: 0, bytes: offset..<end))
                offset = end
            default:
                throw Malformed()
            }
        }
    }

    static func readVarint(_ bytes: UnsafeRawBufferPointer, _ offset: inout Int) throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count {
            let byte = bytes[offset]
            offset += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
            if shift >= 64 { throw Malformed() }
        }
        throw Malformed()
    }

    static func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        out.append(UInt8(value))
    }

    /// Appends a length-delimited field holding `bytes`.
    static func appendBytesField(_ number: Int, _ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        appendVarint(UInt64(number << 3 | 2), to: &out)
        appendVarint(UInt64(bytes.count), to: &out)
        out.append(contentsOf: bytes)
    }

    /// Appends `Envelope.sequence` (2), `published_at` (3, both Timestamp fields explicit so they
    /// override anything a writer left) and `schema_version` (4) when missing.
    static func stamp(envelope raw: UnsafeRawBufferPointer, sequence: UInt64, seconds: Int64, nanos: Int32, into out: inout [UInt8]) {
        out.append(contentsOf: raw)
        appendVarint(2 << 3, to: &out)
        appendVarint(sequence, to: &out)
        var timestamp: [UInt8] = []
        appendVarint(1 << 3, to: &timestamp)
        appendVarint(UInt64(bitPattern: seconds), to: &timestamp)
        appendVarint(2 << 3, to: &timestamp)
        appendVarint(UInt64(UInt32(bitPattern: nanos)), to: &timestamp)
        timestamp.withUnsafeBytes { appendBytesField(3, $0, to: &out) }
    }
}

/// An `IngestBatch` as the broker reads it: header fields decoded, items kept as raw bytes.
struct ScannedBatch {
    var connection = ""
    var collectorID = ""
    var leaseEpoch: UInt64 = 0
    var batchID = ""
    var fromPosition = ""
    var nextPosition = ""
    /// Each item's topic and the byte range of its serialized `Envelope` in the request.
    var items: [(topic: String, range: Range<Int>, hasSchemaVersion: Bool)] = []
    var consumedEventIDs: [String] = []

    init(_ bytes: UnsafeRawBufferPointer) throws {
        func string(_ range: Range<Int>) -> String {
            String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        }
        try ProtobufWire.forEachField(bytes) { field in
            switch (field.number, field.wireType) {
            case (1, 2): connection = string(field.bytes)
            case (2, 2): collectorID = string(field.bytes)
            case (3, 0): leaseEpoch = field.varint
            case (4, 2): batchID = string(field.bytes)
            case (5, 2): fromPosition = string(field.bytes)
            case (6, 2): nextPosition = string(field.bytes)
            case (7, 2):
                var topic = ""
                var hasSchemaVersion = false
                let item = UnsafeRawBufferPointer(rebasing: bytes[field.bytes])
                try ProtobufWire.forEachField(item) { inner in
                    if inner.number == 1 && inner.wireType == 2 {
                        topic = String(decoding: UnsafeRawBufferPointer(rebasing: item[inner.bytes]), as: UTF8.self)
                    } else if inner.number == 4 && inner.wireType == 0 {
                        hasSchemaVersion = inner.varint != 0
                    }
                }
                items.append((topic, field.bytes, hasSchemaVersion))
            case (8, 2): consumedEventIDs.append(string(field.bytes))
            case (1...8, _): throw ProtobufWire.Malformed()
            default: break
            }
        }
    }
}
