import Foundation

/// A growable byte buffer in raw memory, reused from segment to segment.
///
/// Why not `Data` or `[UInt8]`: a fresh 64 MiB buffer per segment cost a page fault and a page
/// clear per 4 KiB (a fifth of the archive's CPU), and growing one copied it several times. A store
/// keeps its pages, and appending is one `memcpy` with no uniqueness or exclusivity checks.
/// Owned by one thread at a time (the writer, then the sealer it hands a full segment to).
final class ByteStore: @unchecked Sendable {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var count = 0
    private(set) var capacity: Int

    init(capacity: Int = 0) {
        self.capacity = max(capacity, 64)
        base = .allocate(byteCount: self.capacity, alignment: 16)
    }

    convenience init(copying data: Data) {
        self.init(capacity: data.count)
        append(data)
    }

    deinit { base.deallocate() }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Makes room for `additional` more bytes without moving them later.
    func reserve(_ additional: Int) {
        let needed = count + additional
        guard needed > capacity else { return }
        var grown = max(capacity, 64)
        while grown < needed { grown *= 2 }
        let moved = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 16)
        moved.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = moved
        capacity = grown
    }

    func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        (base + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    func append(_ data: Data) {
        data.withUnsafeBytes { append($0) }
    }

    /// Empties the store, keeping its memory (and its already-touched pages) for the next segment.
    func removeAll() { count = 0 }

    /// Cuts the store back to its first `length` bytes.
    func truncate(to length: Int) { count = min(count, max(0, length)) }

    /// Lets a producer write up to `capacity` bytes in place; `body` returns how many it wrote.
    func appendInPlace(maxBytes: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> Int) rethrows {
        reserve(maxBytes)
        let written = try body(UnsafeMutableRawBufferPointer(start: base + count, count: maxBytes))
        count += min(max(0, written), maxBytes)
    }

    var data: Data { Data(bytes) }
}
