import ArgumentParser
import BoxAPI
import BoxBridgeProtocol
import BoxEmulator
import Collector
import Foundation

/// `boxbridge-bench normalize`: normalization throughput on one core, raw Box JSON in, encoded
/// protobuf out, on the emulator's workload mix (every event family, Shield variants, user-stream
/// shapes, a share of malformed events).
///
/// Issue 6's target: at least 100,000 events/s. Each pass takes Box events pages of 500 entries as
/// bytes, splits them (RawJSON), normalizes every entry and serializes the FileEvent (or the
/// QuarantinedEvent) to protobuf bytes, all on the calling thread.
struct NormalizeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "normalize",
        abstract: "Measure normalization throughput (Box JSON in, protobuf out) on one core.",
        discussion: "The target is 100,000 events/s. Events come from the Box emulator's seeded generator."
    )

    @Option(help: "Distinct events generated for the mix (served as pages of 500).")
    var events = 50_000

    @Option(help: "Seconds to measure for (after one warm-up pass).")
    var seconds = 5.0

    @Option(help: "Share of malformed events in the mix.")
    var malformedShare = 0.01

    @Option(help: "Seed of the emulator's workload.")
    var seed: UInt64 = 42

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    static let target = 100_000.0

    func run() async throws {
        let enterprise = Enterprise(
            seed: seed, userCount: 2_000, inactiveShare: 0.05, groupCount: 60, foldersPerUser: 4,
            filesPerUser: 12, enterpriseID: "900001", epoch: 1_700_000_000)
        let generator = EventGenerator(enterprise: enterprise, seed: seed, malformedShare: malformedShare)
        var pages: [[UInt8]] = []
        var page: [UInt8] = []
        var inPage = 0
        var totalBytes = 0
        var families: [String: Int] = [:]
        var expectations: [(malformed: Bool, byServiceAccount: Bool, actorID: String?)] = []
        func closePage(_ position: Int) {
            page += Array("],\"next_stream_position\":\"\(1_152_922_976_252_290_886 + position)\",\"chunk_size\":\(inPage)}".utf8)
            pages.append(page)
            page = []
            inPage = 0
        }
        for index in 0..<events {
            if inPage == 0 { page = Array("{\"entries\":[".utf8) } else { page.append(UInt8(ascii: ",")) }
            let event = generator.event(at: UInt64(index), createdAt: 1_700_000_000 + Int64(index))
            let bytes = event.json.serialized()
            families[event.family.rawValue, default: 0] += 1
            expectations.append((event.malformed, event.byServiceAccount, event.actorID))
            totalBytes += bytes.count
            page += bytes
            inPage += 1
            if inPage == 500 { closePage(index) }
        }
        if inPage > 0 { closePage(events) }

        let normalizer = Normalizer(
            connection: "bench", internalDomains: enterprise.internalDomains,
            serviceAccount: .init(userID: enterprise.serviceAccount.id, login: enterprise.serviceAccount.login),
            streamType: "admin_logs_streaming")

        // Cross-check with the generator's ground truth: malformed ⇔ quarantined, service account marked.
        var disagreements: [String] = []
        var checked = 0
        for page in pages {
            let split = try RawJSON.eventsPage(in: page)
            for range in split.entries {
                let truth = expectations[checked]
                checked += 1
                switch normalizer.normalize(raw: page[range]) {
                case .event(let event):
                    if truth.malformed { disagreements.append("event \(checked - 1): generated malformed but normalized") }
                    if event.byServiceAccount != truth.byServiceAccount {
                        disagreements.append("event \(checked - 1): by_service_account \(event.byServiceAccount), expected \(truth.byServiceAccount)")
                    }
                    if truth.actorID == "2" && event.hasActor { disagreements.append("event \(checked - 1): anonymous user as actor") }
                case .quarantined(let q):
                    if !truth.malformed { disagreements.append("event \(checked - 1): quarantined: \(q.reason)") }
                }
            }
        }

        // One pass: split every page, normalize every entry, encode to protobuf.
        func pass() throws -> (events: Int, quarantined: Int, outputBytes: Int) {
            var count = 0
            var quarantined = 0
            var output = 0
            for page in pages {
                let split = try RawJSON.eventsPage(in: page)
                try page.withUnsafeBytes { buffer in
                    for range in split.entries {
                        switch normalizer.normalize(buffer: UnsafeRawBufferPointer(rebasing: buffer[range])) {
                        case .event(let event):
                            let encoded: [UInt8] = try event.serializedBytes()
                            output += encoded.count
                        case .quarantined(let q):
                            let encoded: [UInt8] = try q.serializedBytes()
                            output += encoded.count
                            quarantined += 1
                        }
                        count += 1
                    }
                }
            }
            return (count, quarantined, output)
        }

        let warmup = try pass()
        let clock = ContinuousClock()
        let start = clock.now
        var processed = 0
        var outputBytes = 0
        repeat {
            let result = try pass()
            processed += result.events
            outputBytes += result.outputBytes
        } while clock.now - start < .milliseconds(Int(seconds * 1000))
        let elapsed = clock.now - start
        let elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = Double(processed) / elapsedSeconds
        let meetsTarget = rate >= Self.target

        if json {
            let object: [String: Any] = [
                "benchmark": "normalize", "events_per_second": Int(rate), "target_events_per_second": Int(Self.target),
                "meets_target": meetsTarget, "distinct_events": events, "quarantined_per_pass": warmup.quarantined,
                "mean_event_bytes": totalBytes / max(events, 1), "mean_protobuf_bytes": outputBytes / max(processed, 1),
                "seconds": elapsedSeconds, "ground_truth_disagreements": disagreements.count,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("normalize: \(events) distinct events from the emulator mix (\(families.count) families:",
                  families.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")")
            print("  mean event \(totalBytes / max(events, 1)) bytes JSON → \(outputBytes / max(processed, 1)) bytes protobuf;",
                  "\(warmup.quarantined) quarantined per pass")
            print("  ground truth: \(disagreements.isEmpty ? "every event agrees with the generator" : "\(disagreements.count) disagreements")")
            for line in disagreements.prefix(10) { print("    \(line)") }
            print(String(format: "  throughput on one core: %.0f events/s (target ≥ %.0f) %@",
                         rate, Self.target, meetsTarget ? "OK" : "BELOW TARGET"))
        }
    }
}
