import BoxBridgeProtocol
import BoxBridgeRuntime
import BusClient
import Foundation
import ZeroMQ

extension BrokerLoop {
    /// Reads every queued ingest request (bounded per round so control traffic is served too).
    func drainIngest() throws {
        var handled = 0
        while handled < 2_000, let message = try ingest.receive(dontWait: true) {
            handled += 1
            guard message.count == 4 else {
                if let identity = message.frame(0) {
                    replyError(on: ingest, identity: identity, correlation: message.frame(2) ?? [], code: "bad_request",
                               message: "a request has three frames: method, correlation id, body", retriable: false)
                }
                continue
            }
            let identity = message.frames[0]
            let correlation = message.frames[2]
            guard message.string(at: 1) == RPCMethod.ingestPublish.rawValue else {
                replyError(on: ingest, identity: identity, correlation: correlation, code: "unknown_method",
                           message: "the ingest endpoint serves \(RPCMethod.ingestPublish.rawValue) only", retriable: false)
                continue
            }
            try handlePublish(identity: identity, correlation: correlation, body: message.frames[3])
        }
    }

    private func handlePublish(identity: [UInt8], correlation: [UInt8], body: [UInt8]) throws {
        let scanned: ScannedBatch
        do {
            scanned = try body.withUnsafeBytes { try ScannedBatch($0) }
        } catch {
            replyError(on: ingest, identity: identity, correlation: correlation, code: "bad_request",
                       message: "the body is not a valid IngestBatch", retriable: false)
            return
        }
        var ack = Boxbridge_V1_IngestAck()
        ack.batchID = scanned.batchID
        let state = journal.connections[scanned.connection]
        ack.checkpoint = state?.checkpoint ?? ""

        func refuse(_ status: Boxbridge_V1_IngestStatus, _ text: String) {
            metrics.batchesRejected.increment()
            ack.status = status
            ack.message = text
            reply(on: ingest, identity: identity, correlation: correlation, message: ack)
        }

        guard Topic.isValidSegment(scanned.connection), !scanned.batchID.isEmpty else {
            return refuse(.invalid, "connection must be a valid name and batch_id non-empty")
        }
        if state?.recentBatchIDs.contains(scanned.batchID) == true {
            metrics.batchesDuplicate.increment()
            ack.status = .duplicate
            ack.message = "batch \(scanned.batchID) is already journaled; nothing written again"
            if journal.durableEnd >= journal.writtenEnd {
                reply(on: ingest, identity: identity, correlation: correlation, message: ack)
            } else {
                // The original may still be waiting for its fsync: answer once it is durable.
                pending.append(PendingBatch(
                    end: journal.writtenEnd, identity: identity, correlation: correlation, ack: ack, envelopes: [],
                    connection: scanned.connection, epoch: 0))
            }
            return
        }
        guard leases.admits(connection: scanned.connection, epoch: scanned.leaseEpoch) else {
            let holder = leases.holders[scanned.connection]
            return refuse(
                .staleLease,
                "lease epoch \(scanned.leaseEpoch) is not current for \(scanned.connection)"
                    + (holder.map { " (held by \($0.collectorID) at epoch \($0.epoch))" } ?? ""))
        }
        if !scanned.nextPosition.isEmpty, scanned.fromPosition != (state?.checkpoint ?? "") {
            return refuse(
                .positionMismatch,
                "from_position does not match the connection's checkpoint; resume from the checkpoint in this ack")
        }
        for item in scanned.items {
            guard Topic.connection(of: item.topic) == scanned.connection, item.topic.utf8.count < 1024 else {
                return refuse(.invalid, "topic '\(item.topic)' is not a topic of connection \(scanned.connection)")
            }
        }

        let nowMillis = now()
        let seconds = nowMillis / 1000
        let nanos = Int32((nowMillis % 1000) * 1_000_000)
        var entries: [Journal.Entry] = []
        entries.reserveCapacity(scanned.items.count)
        var sequences: [String: UInt64] = [:]
        var bytesTotal = 0
        body.withUnsafeBytes { raw in
            for item in scanned.items {
                let sequence = (sequences[item.topic] ?? journal.topics[item.topic]?.lastSequence ?? 0) + 1
                sequences[item.topic] = sequence
                var envelope: [UInt8] = []
                envelope.reserveCapacity(item.range.count + 24)
                ProtobufWire.stamp(
                    envelope: UnsafeRawBufferPointer(rebasing: raw[item.range]), sequence: sequence, seconds: seconds,
                    nanos: nanos, into: &envelope)
                if !item.hasSchemaVersion {
                    ProtobufWire.appendVarint(4 << 3, to: &envelope)
                    ProtobufWire.appendVarint(UInt64(Boxbridge_V1_SchemaVersion.current.rawValue), to: &envelope)
                }
                bytesTotal += envelope.count
                entries.append(Journal.Entry(topic: item.topic, sequence: sequence, envelope: envelope))
            }
        }
        let commit = CommitRecord(
            connection: scanned.connection, batchID: scanned.batchID, collectorID: scanned.collectorID,
            epoch: scanned.leaseEpoch, nextPosition: scanned.nextPosition.isEmpty ? nil : scanned.nextPosition,
            consumedEventIDs: scanned.consumedEventIDs, envelopeCount: UInt32(entries.count), publishedAtMillis: nowMillis)
        let end = try journal.append(entries: entries, commit: commit, nowMillis: nowMillis)
        appendedSinceSync = true
        metrics.batchesDurable.increment()
        metrics.ingestedEvents.increment(by: entries.count)
        metrics.ingestedBytes.increment(by: bytesTotal)

        ack.status = .durable
        ack.checkpoint = journal.connections[scanned.connection]?.checkpoint ?? ""
        ack.lastSequences = sequences
        pending.append(PendingBatch(
            end: end, identity: identity, correlation: correlation, ack: ack,
            envelopes: entries.map { ($0.topic, $0.sequence, $0.envelope) }, connection: scanned.connection,
            epoch: scanned.leaseEpoch))
    }
}
