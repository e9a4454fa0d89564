import BoxAPI
import BoxBridgeProtocol
import BoxBridgeRuntime
import BusClient
import Foundation
import SwiftProtobuf

extension ConnectionPipeline {
    /// Publishes what the core has ready and moves the checkpoint as far as it allows.
    func publish(_ core: inout PipelineCore) async throws {
        let drain = core.drain()
        guard !drain.items.isEmpty || drain.target != core.checkpoint else { return }

        var events: [Boxbridge_V1_FileEvent] = []
        for item in drain.items { if case .file(let event) = item.payload { events.append(event) } }
        if !events.isEmpty { events = await enrich(events, &core) }

        var envelopes: [(Boxbridge_V1_Envelope, [String])] = []
        envelopes.reserveCapacity(drain.items.count)
        var nextEvent = 0
        var healths: [Boxbridge_V1_CollectorHealth] = []
        for item in drain.items {
            switch item.payload {
            case .file:
                envelopes.append((assembler.envelope(events[nextEvent]), item.consumedIDs))
                nextEvent += 1
            case .health(let health):
                healths.append(health)
                envelopes.append((assembler.envelope(health), item.consumedIDs))
            case .quarantined(let quarantined):
                envelopes.append((assembler.envelope(quarantined), item.consumedIDs))
            }
        }
        for batch in assembler.batches(envelopes, checkpoint: core.checkpoint, target: drain.target) {
            try await send(batch, &core)
        }
        core.committed(drain)
        let counters = core.counters
        let checkpoint = core.checkpoint
        let held = core.heldGroups
        state.withLock { status in
            status.position = checkpoint
            status.counters = counters
            status.heldGroups = held
        }
        for health in healths { onSignal(.health(health)) }
        onSignal(.published(events: events.count, position: checkpoint))
    }

    /// Sends one batch until the broker answers; returns once it is durable (or was already).
    func send(_ batch: Boxbridge_V1_IngestBatch, _ core: inout PipelineCore) async throws {
        var ack: Boxbridge_V1_IngestAck
        while true {
            do {
                ack = try await bus.publish(batch)
                break
            } catch let error as BusError where error.isRetriable {
                // Same batch id: if the first attempt was journaled the broker answers DUPLICATE.
                core.counters.publishRetries += 1
                let retries = core.counters.publishRetries
                state.withLock { $0.counters.publishRetries = retries }
                logger.info(
                    "publishing a batch failed; sending it again",
                    metadata: [LogKey.batchID: "\(batch.batchID)", LogKey.error: "\(error)"])
                try await clock.sleep(for: options.publishRetryDelay)
            }
        }
        switch ack.status {
        case .durable, .duplicate:
            core.counters.batches += 1
            if ack.status == .duplicate { core.counters.duplicateBatches += 1 }
        case .staleLease:
            logger.notice("the broker says the lease is gone; stopping", metadata: [LogKey.batchID: "\(batch.batchID)"])
            throw LeaseLost(connection: connection.name, epoch: lease.epoch, message: ack.message)
        case .positionMismatch:
            throw CheckpointMismatch(connection: connection.name, sent: batch.fromPosition, brokerCheckpoint: ack.checkpoint)
        case .invalid, .unspecified, .UNRECOGNIZED:
            logger.error(
                "the broker refused a batch", metadata: [LogKey.batchID: "\(batch.batchID)", LogKey.error: "\(ack.message)"])
            throw BatchRefused(connection: connection.name, batchID: batch.batchID, message: ack.message)
        }
    }

    /// Runs the enricher within the budget (or its longer `maximumHold` for exposure-critical
    /// lookups); events it does not return in time go out unenriched.
    func enrich(_ events: [Boxbridge_V1_FileEvent], _ core: inout PipelineCore) async -> [Boxbridge_V1_FileEvent] {
        guard let enricher else {
            return events.map { event in
                var event = event
                if event.enrichment == .unspecified { event.enrichment = .notNeeded }
                return event
            }
        }
        let budget = options.enrichmentBudget
        let hold = max(budget, enricher.maximumHold ?? budget)
        let clock = self.clock
        let result: [Boxbridge_V1_FileEvent]? = await withTaskGroup(of: [Boxbridge_V1_FileEvent]?.self) { group in
            group.addTask { await enricher.enrich(events, budget: budget) }
            group.addTask {
                try? await clock.sleep(for: hold)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        if let result, result.count == events.count,
            zip(result, events).allSatisfy({ $0.eventIds == $1.eventIds })
        {
            return result
        }
        if result != nil {
            logger.warning("the enricher returned different events; publishing them unenriched")
        }
        core.counters.enrichmentSkipped += events.count
        return events.map { event in
            var event = event
            event.enrichment = result == nil ? .skippedBudget : .failed
            return event
        }
    }
}
