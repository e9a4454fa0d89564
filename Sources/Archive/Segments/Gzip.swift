import CCompressZlib
import Foundation

/// gzip with a fixed level: zlib writes no mtime or file name, so equal input gives equal bytes.
///
/// Input larger than `memberBytes` is cut at fixed offsets into gzip members compressed in
/// parallel and concatenated (RFC 1952 §2.2: a gzip file is a series of members; `zcat` and
/// `gzip -d` read them all). The cut points depend only on the input, so the bytes stay deterministic.
///
/// zlib is called directly (through compress-nio's C module, the same library and the same single
/// `deflate(Z_FINISH)` call compress-nio makes, so the bytes are unchanged): compress-nio copied a
/// member's input and output into fresh buffers twice, page faults included, for every segment.
enum Gzip {
    /// 4 MiB: large enough that the ratio is unchanged (deflate's window is 32 KiB), small enough
    /// that a 64 MiB segment spreads over every core.
    static let defaultMemberBytes = 4 << 20

    /// The members of one compressed input, in order; their concatenation is the gzip file.
    /// The stores are reused by the next ``compress(_:level:memberBytes:into:)`` given the same value.
    struct Members: @unchecked Sendable {
        fileprivate(set) var stores: [ByteStore] = []
        fileprivate(set) var count = 0

        var parts: ArraySlice<ByteStore> { stores[..<count] }
        var byteCount: Int { parts.reduce(0) { $0 + $1.count } }

        var data: Data {
            var output = Data(capacity: byteCount)
            for part in parts { output.append(contentsOf: part.bytes) }
            return output
        }
    }

    static func compress(_ data: Data, level: Int32, memberBytes: Int = defaultMemberBytes) throws -> Data {
        var members = Members()
        try data.withUnsafeBytes { try compress($0, level: level, memberBytes: memberBytes, into: &members) }
        return members.data
    }

    /// Compresses `input` into `members`, one member per `memberBytes` of input, in parallel.
    static func compress(_ input: UnsafeRawBufferPointer, level: Int32, memberBytes: Int = defaultMemberBytes, into members: inout Members) throws {
        let memberBytes = max(1, memberBytes)
        let count = max(1, (input.count + memberBytes - 1) / memberBytes)
        while members.stores.count < count { members.stores.append(ByteStore()) }
        members.count = count
        let stores = members.stores
        if count == 1 {
            try compressMember(input, level: level, into: stores[0])
            return
        }
        let failures = FailureSlots(count: count)
        let shared = SharedBytes(input)
        DispatchQueue.concurrentPerform(iterations: count) { index in
            let start = index * memberBytes
            let slice = UnsafeRawBufferPointer(rebasing: shared.bytes[start..<min(shared.bytes.count, start + memberBytes)])
            do { try compressMember(slice, level: level, into: stores[index]) } catch { failures.set(index, error) }
        }
        if let error = failures.first { throw error }
    }

    private static func compressMember(_ input: UnsafeRawBufferPointer, level: Int32, into output: ByteStore) throws {
        output.removeAll()
        var stream = z_stream()
        guard CCompressZlib_deflateInit2(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK else {
            throw ArchiveError(.compression, "gzip failed: deflateInit2 refused level \(level)")
        }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(input.count))) + 6
        var empty: UInt8 = 0
        var finished = false
        withUnsafeMutablePointer(to: &empty) { emptyPointer in
            output.appendInPlace(maxBytes: bound) { out in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self)) ?? emptyPointer
                stream.avail_in = uInt(input.count)
                stream.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(out.count)
                finished = deflate(&stream, Z_FINISH) == Z_STREAM_END
                return finished ? out.count - Int(stream.avail_out) : 0
            }
        }
        guard finished, output.count > 0 else {
            throw ArchiveError(.compression, "gzip failed: deflate did not finish (\(input.count) bytes in)")
        }
    }

    /// Decompresses every member, in order.
    static func decompress(_ data: Data, path: String) throws -> Data {
        let plain = ByteStore(capacity: data.count * 4)
        try data.withUnsafeBytes { try decompress($0, path: path, into: plain) }
        return plain.data
    }

    /// Decompresses every member of `input`, in order, appending to `plain`.
    ///
    /// zlib checks each member's CRC-32 and length trailer; input ending mid-member is an error.
    static func decompress(_ input: UnsafeRawBufferPointer, path: String, into plain: ByteStore) throws {
        guard let inputBase = input.baseAddress, input.count > 0 else {
            throw ArchiveError(.compression, path: path, "cannot decompress: empty input")
        }
        var offset = 0
        repeat {
            let start = offset
            var stream = z_stream()
            guard CCompressZlib_inflateInit2(&stream, 15 + 16) == Z_OK else {
                throw ArchiveError(.compression, path: path, "cannot decompress: inflateInit2 failed")
            }
            defer { inflateEnd(&stream) }
            stream.next_in = UnsafeMutablePointer(mutating: (inputBase + start).assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(input.count - start)
            var result = Z_OK
            while result == Z_OK {
                // Segments compress about 6:1; grow as needed.
                let room = max(256 << 10, min(Int(stream.avail_in) * 8, 16 << 20))
                plain.appendInPlace(maxBytes: room) { out in
                    stream.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
                    stream.avail_out = uInt(out.count)
                    result = inflate(&stream, Z_NO_FLUSH)
                    return out.count - Int(stream.avail_out)
                }
                if result == Z_BUF_ERROR, stream.avail_in > 0 { result = Z_OK }  // only out of output room
            }
            guard result == Z_STREAM_END else {
                let reason = result == Z_BUF_ERROR || (result == Z_OK && stream.avail_in == 0)
                    ? "is truncated" : "is corrupt (zlib error \(result))"
                throw ArchiveError(.compression, path: path, "cannot decompress: the gzip member at byte \(start) \(reason)")
            }
            offset = input.count - Int(stream.avail_in)
        } while offset < input.count
    }
}

/// One slot per member, each written by at most one worker of `concurrentPerform`.
private final class FailureSlots: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [(any Error)?]

    init(count: Int) {
        slots = Array(repeating: nil, count: count)
    }

    func set(_ index: Int, _ error: any Error) {
        lock.withLock { slots[index] = error }
    }

    var first: (any Error)? { lock.withLock { slots.compactMap { $0 }.first } }
}

/// Input bytes read by several `concurrentPerform` workers; the caller keeps them alive and unchanged.
struct SharedBytes: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }
}
