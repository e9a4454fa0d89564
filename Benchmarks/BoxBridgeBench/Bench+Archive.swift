import Archive
import ArgumentParser
import BoxBridgeProtocol
import Foundation
import Logging
import SwiftProtobuf

/// `boxbridge-bench archive`: archive throughput — envelopes with ~1 KiB of raw Box
/// JSON each encoded as JSON lines, gzipped into sealed segments, hashed and chained in the manifest.
///
/// Issue 7's target: at least 100,000 events/s. Everything is timed from the first append to the
/// last manifest fsync, over events spread across topics and UTC days as a collector would publish.
struct ArchiveBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "Measure archive throughput (envelopes in, sealed gzip segments out).",
        discussion: "The target is 100,000 events/s on file events carrying ~1 KiB of raw Box JSON each."
    )

    @Option(help: "Events to archive.")
    var events = 200_000

    @Option(help: "Segment size limit in uncompressed bytes.")
    var segmentBytes = 64 << 20

    @Option(help: "gzip level (0-9).")
    var level: Int32 = 1

    @Option(help: "Commit (fsync the open segment + its state) every this many events, as the archive subscriber does per batch; 0 = never.")
    var commitEvery = 0

    @Flag(help: "Also time the line encoding alone.")
    var breakdown = false

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    static let target = 100_000.0

    func run() async throws {
        let envelopes = (0..<events).map { Self.envelope(index: $0) }
        let rawBytes = envelopes.reduce(0) { $0 + $1.fileEvent.raw.reduce(0) { $0 + $1.json.count } }
        let root = NSTemporaryDirectory() + "boxbridge-bench-archive-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        let logger = Logger(label: "bench.archive")

        let clock = ContinuousClock()
        if breakdown {
            var sink = 0
            let t0 = clock.now
            for envelope in envelopes { sink &+= (try envelope.fileEvent.jsonString()).utf8.count }
            let t1 = clock.now
            for envelope in envelopes { sink &+= try ArchiveRecord.line(for: envelope).count }
            let t2 = clock.now
            print("  breakdown: protobuf JSON \(t1 - t0), whole line \(t2 - t1) for \(events) events (\(sink))")
        }
        let cpuStart = Self.cpuSeconds()
        let start = clock.now
        let writer = try ArchiveWriter(
            configuration: .init(root: root, connection: "bench", maxSegmentBytes: segmentBytes, compressionLevel: level),
            logger: logger)
        let batchSize = commitEvery > 0 ? commitEvery : 500
        for batch in stride(from: 0, to: envelopes.count, by: batchSize) {
            try writer.append(contentsOf: envelopes[batch..<min(batch + batchSize, envelopes.count)])
            if commitEvery > 0 { try writer.commit() }
        }
        try writer.flush()
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = Double(events) / seconds
        let cpuSeconds = Self.cpuSeconds() - cpuStart
        let cpuPerEvent = cpuSeconds / Double(events)
        // Below the core count while the machine is idle means a serial stretch; under other load it
        // is the share the scheduler gave us, so read the rate together with the CPU per event.
        let coresBusy = cpuSeconds / seconds

        let verifyStart = clock.now
        let verification = ArchiveVerifier.verify(root: root, connection: "bench")
        let verifyElapsed = clock.now - verifyStart
        let verifySeconds = Double(verifyElapsed.components.seconds) + Double(verifyElapsed.components.attoseconds) / 1e18
        let archived = Self.bytes(under: root + "/bench")
        let meetsTarget = rate >= Self.target && verification.isValid

        if json {
            let object: [String: Any] = [
                "benchmark": "archive", "events_per_second": Int(rate), "target_events_per_second": Int(Self.target),
                "meets_target": meetsTarget, "events": events, "mean_raw_bytes": rawBytes / max(events, 1),
                "archived_bytes": archived, "segments": verification.segmentsVerified, "seconds": seconds,
                "verify_events_per_second": Int(Double(events) / verifySeconds), "verified": verification.isValid,
                "cpu_microseconds_per_event": cpuPerEvent * 1e6, "cores_busy": coresBusy,
                "cores": ProcessInfo.processInfo.activeProcessorCount,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("archive: \(events) file events, mean raw Box JSON \(rawBytes / max(events, 1)) bytes, gzip level \(level)"
                  + (commitEvery > 0 ? ", a commit every \(commitEvery) events" : ""))
            print("  \(verification.segmentsVerified) sealed segments, \(archived / 1024) KiB on disk",
                  String(format: "(%.1f%% of raw JSON)", 100 * Double(archived) / Double(max(rawBytes, 1))))
            print(String(format: "  verify: %.0f events/s, chain %@", Double(events) / verifySeconds,
                         verification.isValid ? "valid" : "INVALID: \(verification.firstBad?.description ?? "")"))
            print(String(format: "  CPU: %.1f µs per event (%.0f events per CPU-second, all cores); %.2f of %d cores busy",
                         cpuPerEvent * 1e6, 1 / cpuPerEvent, coresBusy, ProcessInfo.processInfo.activeProcessorCount))
            print(String(format: "  throughput: %.0f events/s (target ≥ %.0f) %@",
                         rate, Self.target, meetsTarget ? "OK" : "BELOW TARGET"))
        }
    }

    static let categories: [Boxbridge_V1_Category] = [.downloaded, .previewed, .modified, .sharedDirect, .sharedLink, .deleted]

    /// A realistic file event: normalized fields plus an admin_logs entry of about 1 KiB.
    static func envelope(index: Int) -> Boxbridge_V1_Envelope {
        let category = categories[index % categories.count]
        let seconds = Int64(1_763_683_200 + index * 3)  // ~100k events cross 3 UTC days
        let user = index % 2_000, file = (index * 7_919) % 500_000
        var event = Boxbridge_V1_FileEvent()
        event.connection = "bench"
        event.eventIds = ["1b8c\(String(index, radix: 16))-9f1e-4c7a-a1d2-\(String(index * 31, radix: 16))"]
        event.boxEventType = "DOWNLOAD"
        event.category = category
        event.occurredAt = Google_Protobuf_Timestamp(seconds: seconds, nanos: 0)
        event.recordedAt = Google_Protobuf_Timestamp(seconds: seconds + 2, nanos: 0)
        event.actor.id = "\(10_000_000 + user)"
        event.actor.name = "User \(user)"
        event.actor.login = "user\(user)@acme.example"
        event.ipAddress = "10.\(user % 250).\(index % 250).\(file % 250)"
        event.file.id = "\(900_000_000 + file)"
        event.file.name = "Quarterly report \(file).xlsx"
        event.file.itemType = "file"
        event.file.parentID = "\(800_000 + file % 1_000)"
        event.file.parentName = "Finance \(file % 1_000)"
        event.file.path = "/All Files/Finance \(file % 1_000)/Quarterly report \(file).xlsx"
        event.file.size = Int64(10_000 + file * 13)
        event.file.sha1 = String(repeating: String(format: "%08x", file), count: 5)
        event.coalescedCount = 1
        event.streamType = "admin_logs_streaming"
        let raw = """
            {"source":{"item_type":"file","item_id":"\(event.file.id)","item_name":"\(event.file.name)",\
            "parent":{"type":"folder","name":"\(event.file.parentName)","id":"\(event.file.parentID)"},\
            "owned_by":{"type":"user","id":"\(event.actor.id)","name":"\(event.actor.name)","login":"\(event.actor.login)"}},\
            "created_by":{"type":"user","id":"\(event.actor.id)","name":"\(event.actor.name)","login":"\(event.actor.login)"},\
            "action_by":null,"created_at":"2025-11-21T00:00:00-08:00","event_id":"\(event.eventIds[0])",\
            "event_type":"DOWNLOAD","ip_address":"\(event.ipAddress)","type":"event","session_id":null,\
            "additional_details":{"size":\(event.file.size),"version_id":"\(1_000_000 + file)",\
            "service_id":"123456","service_name":"Box Sync for Windows","ekm_id":null,\
            "shared_link_id":null,"client_type":"desktop","user_agent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) \
            AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",\
            "metadata":{"classification":"Confidential","template":"securityClassification-6VMVochwUWo"},\
            "collab_id":null,"is_performed_by_admin":false,"sha1":"\(event.file.sha1)"}}
            """
        var rawEvent = Boxbridge_V1_RawBoxEvent()
        rawEvent.eventID = event.eventIds[0]
        rawEvent.json = Data(raw.utf8)
        event.raw = [rawEvent]
        var envelope = Boxbridge_V1_Envelope()
        envelope.topic = Topic.box("bench", category)
        envelope.sequence = UInt64(index / categories.count)
        envelope.schemaVersion = 1
        envelope.publishedAt = Google_Protobuf_Timestamp(seconds: seconds + 3, nanos: 0)
        envelope.fileEvent = event
        return envelope
    }

    /// User plus system CPU time of the whole process, so a loaded machine does not hide the cost.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    static func bytes(under path: String) -> Int {
        var total = 0
        let enumerator = FileManager.default.enumerator(atPath: path)
        while let name = enumerator?.nextObject() as? String {
            total += (try? FileManager.default.attributesOfItem(atPath: path + "/" + name)[.size] as? Int) ?? 0
        }
        return total
    }
}
