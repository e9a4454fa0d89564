import BoxBridgeProtocol
import BoxBridgeRuntime
import BusClient
import Foundation
import SwiftProtobuf
import ZeroMQ

extension BrokerLoop {
    func drainControl() {
        var handled = 0
        while handled < 1_000, let message = try? control.receive(dontWait: true) {
            handled += 1
            guard message.count == 4 else { continue }
            let identity = message.frames[0]
            let correlation = message.frames[2]
            let body = message.frames[3]
            do {
                switch RPCMethod(rawValue: message.string(at: 1) ?? "") {
                case .replayOpen:
                    try openReplay(identity: identity, correlation: correlation, request: .init(serializedBytes: body))
                case .replayCredit:
                    let credit = try Boxbridge_V1_ReplayCredit(serializedBytes: body)
                    guard let cursor = replays[credit.replayID] else {
                        replyError(on: control, identity: identity, correlation: correlation, code: "unknown_replay",
                                   message: "no open replay \(credit.replayID); open a new one", retriable: false)
                        continue
                    }
                    cursor.credit += UInt64(credit.credit)
                    cursor.lastActivityMillis = now()
                    var answer = Boxbridge_V1_ReplayBatch()
                    answer.replayID = credit.replayID
                    reply(on: control, identity: identity, correlation: correlation, message: answer)
                case .leasesHeartbeat:
                    let grant = heartbeat(try Boxbridge_V1_CollectorHeartbeat(serializedBytes: body))
                    reply(on: control, identity: identity, correlation: correlation, message: grant)
                case .statsGet:
                    let request = try Boxbridge_V1_StatsRequest(serializedBytes: body)
                    reply(on: control, identity: identity, correlation: correlation, message: stats(prefix: request.topicPrefix))
                case .statsReportSubscriber:
                    var progress = try Boxbridge_V1_SubscriberProgress(serializedBytes: body)
                    if !progress.hasAt { progress.at = timestamp(now()) }
                    if subscribers[progress.subscriberID] == nil && subscribers.count >= options.maxSubscribers,
                        let oldest = subscribers.min(by: { $0.value.at.seconds < $1.value.at.seconds })?.key
                    {
                        subscribers[oldest] = nil
                    }
                    subscribers[progress.subscriberID] = progress
                    reply(on: control, identity: identity, correlation: correlation, message: Boxbridge_V1_StatsRequest())
                case .ingestPublish, nil:
                    replyError(on: control, identity: identity, correlation: correlation, code: "unknown_method",
                               message: "the control endpoint does not serve '\(message.string(at: 1) ?? "?")'",
                               retriable: false)
                }
            } catch {
                replyError(on: control, identity: identity, correlation: correlation, code: "bad_request",
                           message: "the request body could not be decoded: \(error)", retriable: false)
            }
        }
    }

    // MARK: Replay

    private func openReplay(identity: [UInt8], correlation: [UInt8], request: Boxbridge_V1_ReplayRequest) {
        guard replays.count < options.maxOpenReplays else {
            replyError(on: control, identity: identity, correlation: correlation, code: "unavailable",
                       message: "too many replays open (\(options.maxOpenReplays)); retry shortly", retriable: true)
            return
        }
        replayCounter += 1
        let id = "r\(replayCounter)-\(now())"
        var next: [String: UInt64] = [:]
        var gone: [Boxbridge_V1_ReplayGone] = []
        var start = journal.durableEnd
        for (topic, last) in durableHeads where topic.hasPrefix(request.topicPrefix) {
            let oldest = journal.oldestRetained(topic: topic)
            var wanted: UInt64
            if let asked = request.nextSequences[topic] {
                wanted = max(asked, 1)
            } else {
                wanted = request.start == .latest ? last + 1 : oldest
            }
            if wanted < oldest {
                var entry = Boxbridge_V1_ReplayGone()
                entry.topic = topic
                entry.requestedSequence = wanted
                entry.oldestRetained = oldest
                gone.append(entry)
                metrics.replayGone.increment()
                logger.warning(
                    "replay asked for sequences retention dropped",
                    metadata: [LogKey.subscriberID: "\(request.subscriberID)", LogKey.topic: "\(topic)",
                               LogKey.sequence: "\(wanted)", "journal.oldest_retained": "\(oldest)"])
                wanted = oldest
            }
            next[topic] = wanted
            if wanted <= last { start = min(start, journal.position(topic: topic, sequence: wanted)) }
        }
        // Topics the request names that the journal has never seen start at 1.
        for (topic, asked) in request.nextSequences where next[topic] == nil { next[topic] = max(asked, 1) }
        let credit = request.credit == 0 ? options.defaultReplayCredit : request.credit
        let cursor = ReplayCursor(
            id: id, identity: identity, correlation: correlation, prefix: request.topicPrefix, next: next,
            credit: UInt64(credit), reader: JournalReader(position: start), gone: gone, now: now(),
            subscriberID: request.subscriberID)
        replays[id] = cursor
    }

    /// Sends each open replay what its credit allows, a bounded amount per round.
    func pumpReplays() {
        for cursor in replays.values where cursor.credit > 0 {
            let allowance = Int(min(cursor.credit, UInt64(options.replayBatchSize)))
            var body: [UInt8] = []
            var count = 0
            let reachedEnd: Bool
            do {
                reachedEnd = try cursor.reader.read(in: journal, upTo: journal.durableEnd) { sequence, topicBytes, payload in
                    guard topicBytes.starts(with: cursor.prefixBytes) else { return true }
                    let topic = String(decoding: topicBytes, as: UTF8.self)
                    let wanted = cursor.next[topic] ?? cursor.defaultNext
                    guard sequence >= wanted else { return true }
                    ProtobufWire.appendBytesField(2, payload, to: &body)
                    cursor.next[topic] = sequence + 1
                    count += 1
                    return count < allowance
                }
            } catch {
                logger.error("replay read failed", metadata: [LogKey.error: "\(error)"])
                replyError(on: control, identity: cursor.identity, correlation: cursor.correlation, code: "unavailable",
                           message: "the journal could not be read: \(error)", retriable: true)
                replays[cursor.id] = nil
                continue
            }
            cursor.credit -= UInt64(count)
            metrics.replayed.increment(by: count)
            var header = Boxbridge_V1_ReplayBatch()
            header.replayID = cursor.id
            header.gone = cursor.gone
            if reachedEnd {
                header.caughtUp = true
                for (topic, last) in durableHeads where topic.hasPrefix(cursor.prefix) { header.endSequences[topic] = last }
            }
            guard count > 0 || reachedEnd || !cursor.gone.isEmpty else { continue }
            let headerBytes: [UInt8] = (try? header.serializedBytes()) ?? []
            let message = ZeroMQ.Message(frames: [cursor.identity, Array(RPCStatus.ok.rawValue.utf8), cursor.correlation, headerBytes + body])
            if !send(on: control, message) {
                // Peer gone (or its queue full, which credit should prevent): close the replay.
                replays[cursor.id] = nil
                continue
            }
            cursor.gone = []
            cursor.lastActivityMillis = now()
            if reachedEnd { replays[cursor.id] = nil }
        }
    }

    // MARK: Leases

    private func heartbeat(_ beat: Boxbridge_V1_CollectorHeartbeat) -> Boxbridge_V1_LeaseGrant {
        let nowMillis = now()
        for progress in beat.progress where leases.holders[progress.connection]?.collectorID == beat.collectorID {
            connectionProgress[progress.connection] = progress
        }
        let before = leases.holders
        let held = leases.heartbeat(
            collectorID: beat.collectorID, capacity: Int(beat.capacity), leaving: beat.leaving, nowMillis: nowMillis)
        for (connection, holder) in leases.holders where before[connection] != nil && before[connection] != holder {
            metrics.leaseReassignments.increment()
        }
        var grant = Boxbridge_V1_LeaseGrant()
        grant.heartbeatIntervalMs = UInt32(options.heartbeatInterval.milliseconds)
        grant.leaseTimeoutMs = UInt32(options.leaseTimeout.milliseconds)
        for (connection, epoch) in held.sorted(by: { $0.key < $1.key }) {
            var lease = Boxbridge_V1_Lease()
            lease.connection = connection
            lease.epoch = epoch
            if let state = journal.connections[connection] {
                lease.checkpoint = state.checkpoint
                lease.recentEventIds = state.recentEventIDs.elements
            }
            grant.leases.append(lease)
        }
        return grant
    }

    // MARK: Stats

    func stats(prefix: String) -> Boxbridge_V1_StatsResponse {
        let nowMillis = now()
        var response = Boxbridge_V1_StatsResponse()
        response.at = timestamp(nowMillis)
        response.journalBytes = UInt64(journal.totalBytes)
        response.journalSegments = UInt64(journal.segmentCount)
        for topic in durableHeads.keys.sorted() where topic.hasPrefix(prefix) {
            var entry = Boxbridge_V1_TopicStats()
            entry.topic = topic
            let retained = journal.retained(topic: topic)
            entry.messages = retained.messages
            entry.bytes = retained.bytes
            let rate = rates[topic, default: TopicRates()].rates(nowMillis: nowMillis)
            entry.rate1M = rate.oneMinute
            entry.rate5M = rate.fiveMinutes
            entry.lastSequence = durableHeads[topic] ?? 0
            entry.oldestSequence = journal.oldestRetained(topic: topic)
            entry.liveSubscribers = UInt32(liveSubscribers(topic: topic))
            if let last = lastPublishedMillis[topic] { entry.lastPublishedAt = timestamp(last) }
            response.topics.append(entry)
        }
        let live = Set(leases.liveCollectors(nowMillis: nowMillis).map(\.id))
        for collector in leases.collectors.values.sorted(by: { $0.id < $1.id }) {
            var entry = Boxbridge_V1_CollectorStats()
            entry.collectorID = collector.id
            entry.connections = leases.held(by: collector.id).keys.sorted()
            entry.lastHeartbeat = timestamp(collector.lastHeartbeatMillis)
            entry.alive = live.contains(collector.id)
            response.collectors.append(entry)
        }
        for connection in leases.connections.union(journal.connections.keys).sorted() {
            var entry = Boxbridge_V1_ConnectionStats()
            entry.connection = connection
            if let holder = leases.holders[connection] {
                entry.collectorID = holder.collectorID
                entry.leaseEpoch = holder.epoch
            }
            entry.checkpoint = journal.connections[connection]?.checkpoint ?? ""
            if let progress = connectionProgress[connection] { entry.progress = progress }
            response.connections.append(entry)
        }
        for progress in subscribers.values.sorted(by: { $0.subscriberID < $1.subscriberID }) {
            var entry = Boxbridge_V1_SubscriberStats()
            entry.progress = progress
            var lag: UInt64 = 0
            for (topic, last) in durableHeads where topic.hasPrefix(progress.topicPrefix) {
                let next = progress.nextSequences[topic] ?? 1
                if last + 1 > next { lag += last + 1 - next }
            }
            entry.lag = lag
            response.subscribers.append(entry)
        }
        return response
    }

    func timestamp(_ millis: Int64) -> Google_Protobuf_Timestamp {
        var stamp = Google_Protobuf_Timestamp()
        stamp.seconds = millis / 1000
        stamp.nanos = Int32((millis % 1000) * 1_000_000)
        return stamp
    }
}
