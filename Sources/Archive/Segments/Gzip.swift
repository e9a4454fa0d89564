import CompressNIO
import Foundation
import NIOCore

/// gzip with a fixed level: zlib writes no mtime or file name, so equal input gives equal bytes.
///
/// Input larger than `memberBytes` is cut at fixed offsets into gzip members compressed in
/// parallel and concatenated (RFC 1952 §2.2: a gzip file is a series of members; `zcat` and
/// `gzip -d` read them all). The cut points depend only on the input, so the bytes stay deterministic.
enum Gzip {
    /// 4 MiB: large enough that the ratio is unchanged (deflate's window is 32 KiB), small enough
    /// that a 64 MiB segment spreads over every core.
    static let defaultMemberBytes = 4 << 20

    static func compress(_ data: Data, level: Int32, memberBytes: Int = defaultMemberBytes) throws -> Data {
        let memberBytes = max(1, memberBytes)
        guard data.count > memberBytes else { return try compressMember(data[...], level: level) }
        let count = (data.count + memberBytes - 1) / memberBytes
        let results = MemberSlots(count: count)
        DispatchQueue.concurrentPerform(iterations: count) { index in
            let start = data.startIndex + index * memberBytes
            let end = min(data.endIndex, start + memberBytes)
            results.set(index, Result { try compressMember(data[start..<end], level: level) })
        }
        var output = Data()
        for result in results.values { output.append(try result.get()) }
        return output
    }

    private static func compressMember(_ data: Data.SubSequence, level: Int32) throws -> Data {
        var input = ByteBuffer(bytes: data)
        let configuration = ZlibConfiguration(windowSize: 15, compressionLevel: level, memoryLevel: 8, strategy: .default)
        do {
            var output = try input.compress(with: .gzip(configuration: configuration))
            return output.readData(length: output.readableBytes) ?? Data()
        } catch {
            throw ArchiveError(.compression, "gzip failed: \(error)")
        }
    }

    /// Decompresses every member, in order.
    static func decompress(_ data: Data, path: String) throws -> Data {
        var input = ByteBuffer(bytes: data)
        var plain = Data()
        repeat {
            let start = input.readerIndex
            let member: Data
            do {
                var output = try input.decompress(with: .gzip())
                member = output.readData(length: output.readableBytes) ?? Data()
            } catch {
                throw ArchiveError(.compression, path: path, "cannot decompress: \(error)")
            }
            // CompressNIO stops quietly when the input runs out mid-member, so check that the member
            // really ended: at least a minimal member long, its trailer's ISIZE equal to what came out.
            let end = input.readerIndex
            let trailer = end - start >= 20 ? Array(data[(data.startIndex + end - 4)..<(data.startIndex + end)]) : []
            guard trailer.count == 4,
                  UInt32(trailer[0]) | UInt32(trailer[1]) << 8 | UInt32(trailer[2]) << 16 | UInt32(trailer[3]) << 24
                    == UInt32(truncatingIfNeeded: member.count)
            else {
                throw ArchiveError(.compression, path: path, "cannot decompress: the gzip member at byte \(start) is truncated or corrupt")
            }
            plain.append(member)
        } while input.readableBytes > 0
        return plain
    }
}

/// One slot per member, each written by exactly one worker of `concurrentPerform`.
private final class MemberSlots: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<Data, any Error>]

    init(count: Int) {
        slots = Array(repeating: .success(Data()), count: count)
    }

    func set(_ index: Int, _ value: Result<Data, any Error>) {
        lock.withLock { slots[index] = value }
    }

    var values: [Result<Data, any Error>] { lock.withLock { slots } }
}
