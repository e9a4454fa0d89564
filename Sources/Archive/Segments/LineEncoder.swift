import BoxBridgeProtocol
import Foundation

/// Encodes a batch of envelopes into archive lines on every core, into buffers reused batch after batch.
///
/// Each chunk of the batch is encoded by one worker into one contiguous array (the lines back to
/// back, with where each ends), so encoding allocates nothing per event and the writer files a line
/// with one `memcpy`. The worker also checks the envelope's connection and computes its UTC day,
/// leaving the writer's serial part only the order-dependent decisions.
final class LineEncoder {
    /// One worker's share of a batch.
    final class Chunk: @unchecked Sendable {
        /// Index in the batch of the chunk's first envelope.
        fileprivate(set) var first = 0
        fileprivate(set) var count = 0
        fileprivate var bytes: [UInt8] = []
        /// `ends[i]` is where line `i` ends in `bytes` (it starts where line `i - 1` ends).
        fileprivate var ends: [Int] = []
        fileprivate(set) var dayNumbers: [Int64] = []
        /// The first envelope of the chunk that cannot be archived; encoding stopped there.
        fileprivate(set) var failure: (position: Int, error: any Error)?

        func line<R>(_ position: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
            let start = position == 0 ? 0 : ends[position - 1]
            return try bytes.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<ends[position]])) }
        }

        fileprivate func encode(_ batch: SharedEnvelopes, range: Range<Int>, ownPrefixes: [String], connection: String) {
            first = range.lowerBound
            count = range.count
            bytes.removeAll(keepingCapacity: true)
            ends.removeAll(keepingCapacity: true)
            dayNumbers.removeAll(keepingCapacity: true)
            failure = nil
            // Lines are ~2.5 KiB with 1 KiB of raw JSON: grow once, not line by line.
            bytes.reserveCapacity(range.count * 3072)
            for index in range {
                let envelope = batch.envelopes[index]
                do {
                    try LineEncoder.checkConnection(envelope, ownPrefixes: ownPrefixes, connection: connection)
                    try ArchiveRecord.appendLine(for: envelope, to: &bytes)
                } catch {
                    failure = (index - range.lowerBound, error)
                    return
                }
                ends.append(bytes.count)
                dayNumbers.append(UTCTime.floorDiv(ArchiveRecord.eventTime(of: envelope).seconds, 86_400))
            }
        }
    }

    private var chunks: [Chunk] = []
    private let cores = ProcessInfo.processInfo.activeProcessorCount

    /// Encodes `batch`; the chunks cover it in order and stay valid until the next call.
    func encode(_ batch: [Boxbridge_V1_Envelope], ownPrefixes: [String], connection: String) -> ArraySlice<Chunk> {
        // Several chunks per core so a core slowed by other work does not hold the batch up.
        let count = batch.count >= 64 ? max(1, min(cores * 4, batch.count / 16, 64)) : 1
        while chunks.count < count { chunks.append(Chunk()) }
        let size = (batch.count + count - 1) / max(count, 1)
        let shared = SharedEnvelopes(envelopes: batch)
        let chunks = self.chunks
        if count == 1 {
            chunks[0].encode(shared, range: 0..<batch.count, ownPrefixes: ownPrefixes, connection: connection)
        } else {
            DispatchQueue.concurrentPerform(iterations: count) { chunk in
                let range = min(batch.count, chunk * size)..<min(batch.count, (chunk + 1) * size)
                chunks[chunk].encode(shared, range: range, ownPrefixes: ownPrefixes, connection: connection)
            }
        }
        return chunks[..<count]
    }

    /// Refuses an envelope of another connection (the writer's own topics always pass).
    static func checkConnection(_ envelope: Boxbridge_V1_Envelope, ownPrefixes: [String], connection: String) throws {
        if !ownPrefixes.contains(where: { envelope.topic.hasPrefix($0) }),
           let other = Topic.connection(of: envelope.topic), other != connection {
            throw ArchiveError(
                .invalidEnvelope,
                "envelope \(envelope.topic)#\(envelope.sequence) belongs to connection \(other), not \(connection)")
        }
    }
}

/// A batch read by several `concurrentPerform` workers, never written while they run.
struct SharedEnvelopes: @unchecked Sendable {
    let envelopes: [Boxbridge_V1_Envelope]
}
