public import BoxBridgeProtocol
import Foundation
import SwiftProtobuf

/// Cuts what a pipeline publishes into ingest batches for the broker.
///
/// Every batch continues from the durable checkpoint; only the last one of a drain moves it (to
/// the drain's target), so a crash between two batches re-reads from the old checkpoint and dedupe
/// drops what was already journaled. Batch ids are derived from the content, so a resend after a
/// timeout is recognised by the broker as `DUPLICATE`.
public struct BatchAssembler: Sendable {
    public var connection: String
    public var collectorID: String
    public var leaseEpoch: UInt64
    /// Most envelopes per batch.
    public var maxItems: Int

    public init(connection: String, collectorID: String, leaseEpoch: UInt64, maxItems: Int) {
        self.connection = connection
        self.collectorID = collectorID
        self.leaseEpoch = leaseEpoch
        self.maxItems = max(1, maxItems)
    }

    /// The envelope of a file event, on `box/<connection>/<category>`.
    public func envelope(_ event: Boxbridge_V1_FileEvent) -> Boxbridge_V1_Envelope {
        var envelope = Boxbridge_V1_Envelope()
        envelope.topic = Topic.box(connection, event.category == .unspecified ? .other : event.category)
        envelope.schemaVersion = UInt32(Boxbridge_V1_SchemaVersion.current.rawValue)
        envelope.fileEvent = event
        return envelope
    }

    /// The envelope of a health message, on `ops/<connection>/<kind>`.
    public func envelope(_ health: Boxbridge_V1_CollectorHealth) -> Boxbridge_V1_Envelope {
        var envelope = Boxbridge_V1_Envelope()
        envelope.topic = Topic.ops(connection, health.kind)
        envelope.schemaVersion = UInt32(Boxbridge_V1_SchemaVersion.current.rawValue)
        envelope.health = health
        return envelope
    }

    /// The envelope of a quarantined event, on `ops/<connection>/quarantined`.
    public func envelope(_ quarantined: Boxbridge_V1_QuarantinedEvent) -> Boxbridge_V1_Envelope {
        var envelope = Boxbridge_V1_Envelope()
        envelope.topic = Topic.ops(connection, .quarantined)
        envelope.schemaVersion = UInt32(Boxbridge_V1_SchemaVersion.current.rawValue)
        envelope.quarantined = quarantined
        return envelope
    }

    /// A batch that publishes health only and leaves the checkpoint alone (empty `next_position`,
    /// which the broker accepts from any position): how the collector service reports auth
    /// failures, rate limiting, lag and silence for a connection it holds.
    public func healthBatch(_ health: [Boxbridge_V1_CollectorHealth]) -> Boxbridge_V1_IngestBatch {
        var batch = Boxbridge_V1_IngestBatch()
        batch.connection = connection
        batch.collectorID = collectorID
        batch.leaseEpoch = leaseEpoch
        batch.items = health.map { envelope($0) }
        batch.batchID = Self.batchID(connection: connection, from: "", next: "", items: batch.items, consumed: [], salt: "health")
        return batch
    }

    /// The batches publishing `items` (envelopes with the Box ids each accounts for) from
    /// `checkpoint`, the last moving it to `target`. Empty when there is nothing to publish and
    /// the checkpoint stays.
    func batches(_ items: [(Boxbridge_V1_Envelope, [String])], checkpoint: String, target: String) -> [Boxbridge_V1_IngestBatch] {
        if items.isEmpty && target == checkpoint { return [] }
        var out: [Boxbridge_V1_IngestBatch] = []
        var start = 0
        repeat {
            let end = min(items.count, start + maxItems)
            let last = end == items.count
            var batch = Boxbridge_V1_IngestBatch()
            batch.connection = connection
            batch.collectorID = collectorID
            batch.leaseEpoch = leaseEpoch
            batch.fromPosition = checkpoint
            batch.nextPosition = last ? target : checkpoint
            for (envelope, consumed) in items[start..<end] {
                batch.items.append(envelope)
                batch.consumedEventIds.append(contentsOf: consumed)
            }
            batch.batchID = Self.batchID(
                connection: connection, from: batch.fromPosition, next: batch.nextPosition, items: batch.items,
                consumed: batch.consumedEventIds, salt: "")
            out.append(batch)
            start = end
        } while start < items.count
        return out
    }

    /// A 128-bit digest of the batch's identity: connection, positions, Box ids, topics, and the
    /// bytes of items that carry no Box id (health), so different content never shares an id.
    static func batchID(
        connection: String, from: String, next: String, items: [Boxbridge_V1_Envelope], consumed: [String], salt: String
    ) -> String {
        var hasher = Digest128()
        hasher.add(connection)
        hasher.add(from)
        hasher.add(next)
        hasher.add(salt)
        for id in consumed { hasher.add(id) }
        for item in items {
            hasher.add(item.topic)
            switch item.payload {
            case .fileEvent: break  // named by its Box ids
            case .quarantined(let quarantined) where !quarantined.eventID.isEmpty: break
            default:
                let bytes: [UInt8] = (try? item.serializedBytes()) ?? []
                hasher.add(bytes)
            }
        }
        return "p-" + hasher.hex
    }
}

/// Two FNV-1a 64-bit hashes with different offsets: enough to tell batches of one connection apart.
struct Digest128 {
    private var a: UInt64 = 0xcbf2_9ce4_8422_2325
    private var b: UInt64 = 0x8422_2325_cbf2_9ce4

    mutating func add(_ text: String) {
        add(Array(text.utf8))
        add([0xFF])  // a separator no UTF-8 string contains
    }

    mutating func add(_ bytes: [UInt8]) {
        for byte in bytes {
            a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            b = (b ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
    }

    var hex: String {
        let left = String(a, radix: 16)
        let right = String(b, radix: 16)
        return String(repeating: "0", count: 16 - left.count) + left + String(repeating: "0", count: 16 - right.count) + right
    }
}
