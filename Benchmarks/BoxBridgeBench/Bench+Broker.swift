import ArgumentParser
import BoxBridgeProtocol
import Broker
import BusClient
import Foundation
import Logging
import ZeroMQ

/// `boxbridge-bench broker`: the broker beside a raw libzmq XSUB→XPUB proxy, in one run.
///
/// Both carry 1 KiB events from one publisher to one subscriber over tcp loopback. The proxy does
/// no journaling and no decoding; the broker journals every batch durably (fsync, group commit)
/// before fanning it out. Then: publish→deliver latency at a paced 20,000 events/s, replay speed
/// from a 1,000,000-event journal, and the broker process's peak RSS (VmHWM, the broker runs as a
/// child process of this benchmark so its memory is measured alone).
/// Targets: ratio ≥ 0.5, p99 ≤ 5 ms, replay ≥ 300,000 events/s, peak RSS < 200 MB.
struct BrokerBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Measure the broker against a raw ZeroMQ proxy, its latency, replay speed and memory.",
        discussion: "Targets: ≥ 0.5× the proxy's throughput, p99 ≤ 5 ms at 20,000 events/s, replay ≥ 300,000 events/s, RSS < 200 MB."
    )

    @Option(help: "Events per throughput run.")
    var events = 200_000

    @Option(help: "Bytes per event payload.")
    var eventBytes = 1_024

    @Option(help: "Events per ingest batch (the collector's batch size).")
    var batchSize = 100

    @Option(help: "Events in the replay journal.")
    var replayEvents = 1_000_000

    @Option(help: "Seconds of paced publishing for the latency figure.")
    var latencySeconds = 3.0

    @Option(help: "Folder for the journals (default: a temporary folder, removed afterwards).")
    var directory: String?

    @Option(help: "The broker's group-commit window in microseconds (default: BrokerOptions' default).")
    var groupCommitMicroseconds: Int?

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() async throws {
        let root = directory ?? (NSTemporaryDirectory() + "boxbridge-bench-broker-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { if directory == nil { try? FileManager.default.removeItem(atPath: root) } }

        let proxyRate = try BrokerBenchParts.rawProxyThroughput(events: events, eventBytes: eventBytes)
        let child = try BrokerBenchParts.ChildBroker(journal: root + "/live", groupCommitMicroseconds: groupCommitMicroseconds)
        defer { child.stop() }
        let brokerRate = try BrokerBenchParts.brokerThroughput(
            endpoints: child.endpoints, events: events, eventBytes: eventBytes, batchSize: batchSize)
        let latency = try BrokerBenchParts.latency(
            endpoints: child.endpoints, eventsPerSecond: 20_000, seconds: latencySeconds, eventBytes: eventBytes)
        let liveRSS = child.peakRSSBytes()
        child.stop()

        try BrokerBenchParts.writeJournal(directory: root + "/replay", events: replayEvents, eventBytes: eventBytes)
        let replayChild = try BrokerBenchParts.ChildBroker(journal: root + "/replay")
        defer { replayChild.stop() }
        let replayRate = try BrokerBenchParts.replaySpeed(endpoints: replayChild.endpoints, expected: replayEvents)
        let replayRSS = replayChild.peakRSSBytes()
        replayChild.stop()

        let ratio = brokerRate / proxyRate
        let peak = max(liveRSS, replayRSS)
        if json {
            let object: [String: Any] = [
                "proxy_events_per_second": proxyRate, "broker_events_per_second": brokerRate, "ratio": ratio,
                "latency_p50_ms": latency.p50, "latency_p99_ms": latency.p99, "latency_samples": latency.samples,
                "replay_events_per_second": replayRate, "replay_events": replayEvents,
                "broker_peak_rss_bytes": peak,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        func mark(_ ok: Bool) -> String { ok ? "ok" : "MISSED" }
        print("""
            broker benchmark (\(eventBytes)-byte events, tcp loopback, one publisher, one subscriber)
              raw XSUB→XPUB proxy throughput   \(Int(proxyRate)) events/s
              broker throughput (durable)      \(Int(brokerRate)) events/s  (batches of \(batchSize), fsync'd)
              ratio                            \(String(format: "%.2f", ratio))×   target ≥ 0.50  \(mark(ratio >= 0.5))
              publish→deliver at 20,000/s      p50 \(String(format: "%.2f", latency.p50)) ms  p99 \(String(format: "%.2f", latency.p99)) ms  (\(latency.samples) events)  target p99 ≤ 5 ms  \(mark(latency.p99 <= 5))
              replay from \(replayEvents)-event journal  \(Int(replayRate)) events/s  target ≥ 300,000  \(mark(replayRate >= 300_000))
              broker peak RSS                  \(peak / 1_048_576) MB (live \(liveRSS / 1_048_576) MB, replay \(replayRSS / 1_048_576) MB)  target < 200 MB  \(mark(peak < 200 << 20))
            """)
    }
}

/// `boxbridge-bench broker-server`: the broker alone in a child process (hidden; used by `broker`).
struct BrokerBenchServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "broker-server", shouldDisplay: false)

    @Option var journal: String
    @Option var endpointsFile: String
    @Option var groupCommitMicroseconds: Int?

    func run() async throws {
        var options = BrokerOptions(journalDirectory: journal)
        options.ingestEndpoint = "tcp://127.0.0.1:*"
        options.publishEndpoint = "tcp://127.0.0.1:*"
        options.controlEndpoint = "tcp://127.0.0.1:*"
        if let groupCommitMicroseconds { options.groupCommitWindow = .microseconds(groupCommitMicroseconds) }
        var logger = Logger(label: "bench.broker")
        logger.logLevel = .error
        let server = BrokerServer(options: options, logger: logger)
        let endpoints = try server.start()
        let text = "\(endpoints.ingest)\n\(endpoints.publish)\n\(endpoints.control)\n"
        try text.write(toFile: endpointsFile + ".tmp", atomically: false, encoding: .utf8)
        rename(endpointsFile + ".tmp", endpointsFile)
        try await server.waitUntilStopped()
    }
}

enum BrokerBenchParts {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    // MARK: The raw proxy

    static func rawProxyThroughput(events: Int, eventBytes: Int) throws -> Double {
        let context = try ZMQContext(ioThreads: 1)
        let frontend = try context.socket(.xsub)
        let backend = try context.socket(.xpub)
        for socket in [frontend, backend] {
            try socket.setOption(.sendHighWaterMark, 100_000)
            try socket.setOption(.receiveHighWaterMark, 100_000)
        }
        let front = try frontend.bind("tcp://127.0.0.1:*")
        let back = try backend.bind("tcp://127.0.0.1:*")
        let stop = StopFlag()
        startThread {
            let poller = Poller()
            poller.register(frontend)
            poller.register(backend)
            while !stop.isSet {
                guard let ready = try? poller.poll(timeout: .milliseconds(50)) else { break }
                for item in ready {
                    if item.index == 0 {
                        while let message = try? frontend.receive(dontWait: true) { _ = try? backend.send(message, dontWait: true) }
                    } else {
                        while let message = try? backend.receive(dontWait: true) { _ = try? frontend.send(message, dontWait: true) }
                    }
                }
            }
        }
        defer {
            stop.set()
            Thread.sleep(forTimeInterval: 0.1)
        }
        let subscriber = try context.socket(.sub)
        try subscriber.setOption(.receiveHighWaterMark, 100_000)
        try subscriber.subscribe("box/")
        try subscriber.connect(back)
        let publisher = try context.socket(.pub)
        try publisher.setOption(.sendHighWaterMark, 100_000)
        try publisher.connect(front)
        let topic = Array("box/acme/created".utf8)
        let payload = [UInt8](repeating: 0x61, count: eventBytes)
        // Until the subscription has travelled through the proxy, PUB drops: warm up.
        try subscriber.setOption(.receiveTimeout, .milliseconds(20))
        var warm = false
        for _ in 0..<500 where !warm {
            try publisher.send(Message(frames: [topic, [0]]))
            if try subscriber.receive() != nil { warm = true }
        }
        while (try? subscriber.receive(dontWait: true)) != nil {}
        guard warm else { throw Failure(description: "the proxy never delivered") }
        try subscriber.setOption(.receiveTimeout, .seconds(2))
        startThread {
            for _ in 0..<events { _ = try? publisher.send(Message(frames: [topic, payload])) }
        }
        let start = now()
        var received = 0
        var last = start
        while received < events, let _ = try subscriber.receive() {
            received += 1
            last = now()
        }
        return Double(received) / (Double(last - start) / 1e9)
    }

    // MARK: The broker in its own process

    final class ChildBroker {
        let process = Process()
        let endpoints: BusEndpoints
        private var stopped = false

        init(journal: String, groupCommitMicroseconds: Int? = nil) throws {
            let file = NSTemporaryDirectory() + "boxbridge-bench-endpoints-\(UUID().uuidString)"
            process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            if !FileManager.default.isExecutableFile(atPath: process.executableURL!.path) {
                process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            }
            process.arguments = ["broker-server", "--journal", journal, "--endpoints-file", file]
                + (groupCommitMicroseconds.map { ["--group-commit-microseconds", "\($0)"] } ?? [])
            try process.run()
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline {
                if let text = try? String(contentsOfFile: file, encoding: .utf8) {
                    let lines = text.split(separator: "\n").map(String.init)
                    if lines.count == 3 {
                        endpoints = BusEndpoints(ingest: lines[0], publish: lines[1], control: lines[2])
                        try? FileManager.default.removeItem(atPath: file)
                        return
                    }
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
            process.terminate()
            throw Failure(description: "the broker child did not start")
        }

        /// VmHWM of the child, in bytes.
        func peakRSSBytes() -> Int {
            ProcessMemory.bytes("VmHWM", pid: String(process.processIdentifier))
        }

        func stop() {
            guard !stopped else { return }
            stopped = true
            process.terminate()
            process.waitUntilExit()
        }
    }

    // MARK: Broker throughput

    /// One serialized batch of `count` events, without its batch id (appended per send).
    static func batchTemplate(count: Int, eventBytes: Int, stamp: Bool = false) throws -> [UInt8] {
        var batch = Boxbridge_V1_IngestBatch()
        batch.connection = "acme"
        batch.collectorID = "bench"
        for index in 0..<count {
            var event = Boxbridge_V1_FileEvent()
            event.connection = "acme"
            event.eventIds = ["\(index)"]
            event.file.name = String(repeating: "f", count: max(0, eventBytes - 40))
            var envelope = Boxbridge_V1_Envelope()
            envelope.topic = "box/acme/created"
            envelope.fileEvent = event
            batch.items.append(envelope)
        }
        return try batch.serializedBytes()
    }

    static func appendString(field: Int, _ value: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(field << 3 | 2))
        let utf8 = Array(value.utf8)
        var length = UInt64(utf8.count)
        while length >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: length) | 0x80)
            length >>= 7
        }
        bytes.append(UInt8(length))
        bytes += utf8
    }

    static func brokerThroughput(endpoints: BusEndpoints, events: Int, eventBytes: Int, batchSize: Int) throws -> Double {
        let context = try ZMQContext(ioThreads: 1)
        let subscriber = try context.socket(.sub)
        try subscriber.setOption(.receiveHighWaterMark, 200_000)
        try subscriber.subscribe("box/")
        try subscriber.connect(endpoints.publish)
        let dealer = try context.socket(.dealer)
        try dealer.connect(endpoints.ingest)
        let template = try batchTemplate(count: batchSize, eventBytes: eventBytes)
        let method = Array(RPCMethod.ingestPublish.rawValue.utf8)
        func send(_ id: String) throws {
            var body = template
            appendString(field: 4, id, to: &body)
            try dealer.send(Message(frames: [method, Array(id.utf8), body]))
        }
        // Warm up until the subscription is live.
        try subscriber.setOption(.receiveTimeout, .milliseconds(100))
        var warm = false
        for attempt in 0..<100 where !warm {
            try send("warm-\(attempt)")
            _ = try dealer.receive()
            while let _ = try subscriber.receive() { warm = true }
        }
        guard warm else { throw Failure(description: "the broker never delivered") }
        try subscriber.setOption(.receiveTimeout, .seconds(5))
        let batches = events / batchSize
        let window = 16
        let start = now()
        startThread {
            var inFlight = 0
            var sent = 0
            while sent < batches || inFlight > 0 {
                while sent < batches && inFlight < window {
                    try? send("t-\(sent)")
                    sent += 1
                    inFlight += 1
                }
                if (try? dealer.receive()) != nil { inFlight -= 1 } else { break }
            }
        }
        var received = 0
        var last = start
        while received < batches * batchSize, let _ = try subscriber.receive() {
            received += 1
            last = now()
        }
        return Double(received) / (Double(last - start) / 1e9)
    }

    // MARK: Latency

    static func latency(endpoints: BusEndpoints, eventsPerSecond: Int, seconds: Double, eventBytes: Int) throws
        -> (p50: Double, p99: Double, samples: Int)
    {
        let context = try ZMQContext(ioThreads: 1)
        let subscriber = try context.socket(.sub)
        try subscriber.setOption(.receiveHighWaterMark, 200_000)
        try subscriber.subscribe("box/acme/modified")
        try subscriber.connect(endpoints.publish)
        let dealer = try context.socket(.dealer)
        try dealer.connect(endpoints.ingest)
        let method = Array(RPCMethod.ingestPublish.rawValue.utf8)
        // A batch every millisecond (the collector's cadence under load) of rate/1000 events.
        let perBatch = max(1, eventsPerSecond / 1000)
        var batch = Boxbridge_V1_IngestBatch()
        batch.connection = "acme"
        var event = Boxbridge_V1_FileEvent()
        event.file.name = String(repeating: "f", count: max(0, eventBytes - 60))
        func body(_ id: Int) throws -> [UInt8] {
            batch.batchID = "lat-\(id)"
            batch.items = []
            let stamp = "\(now())"
            for _ in 0..<perBatch {
                event.eventIds = [stamp]
                var envelope = Boxbridge_V1_Envelope()
                envelope.topic = "box/acme/modified"
                envelope.fileEvent = event
                batch.items.append(envelope)
            }
            return try batch.serializedBytes()
        }
        try subscriber.setOption(.receiveTimeout, .milliseconds(100))
        var warm = false
        for attempt in 0..<100 where !warm {
            try dealer.send(Message(frames: [method, [0], try body(-1 - attempt)]))
            _ = try dealer.receive()
            while let _ = try subscriber.receive() { warm = true }
        }
        guard warm else { throw Failure(description: "the broker never delivered (latency)") }
        let total = Int(seconds * 1000)
        startThread {
            let start = now()
            for index in 0..<total {
                let due = start + UInt64(index) * 1_000_000
                let current = now()
                if due > current { usleep(useconds_t((due - current) / 1_000)) }
                _ = try? dealer.send(Message(frames: [method, [1], (try? body(index)) ?? []]))
                while (try? dealer.receive(dontWait: true)) != nil {}
            }
        }
        try subscriber.setOption(.receiveTimeout, .seconds(3))
        var latencies: [Double] = []
        latencies.reserveCapacity(total * perBatch)
        while latencies.count < total * perBatch, let message = try subscriber.receive() {
            let arrived = now()
            let envelope = try Boxbridge_V1_Envelope(serializedBytes: message.frames[1])
            if let sent = UInt64(envelope.fileEvent.eventIds.first ?? "") { latencies.append(Double(arrived - sent) / 1e6) }
        }
        latencies.sort()
        guard !latencies.isEmpty else { return (0, 0, 0) }
        return (latencies[latencies.count / 2], latencies[min(latencies.count - 1, latencies.count * 99 / 100)], latencies.count)
    }

    // MARK: Replay

    /// Fills a journal directly, the way ingest writes it, so the replay run starts from disk.
    static func writeJournal(directory: String, events: Int, eventBytes: Int) throws {
        var logger = Logger(label: "bench.journal")
        logger.logLevel = .error
        let journal = try Journal(options: JournalOptions(directory: directory), nowMillis: 0, logger: logger)
        var event = Boxbridge_V1_FileEvent()
        event.connection = "acme"
        event.file.name = String(repeating: "f", count: max(0, eventBytes - 60))
        let batchSize = 500
        var sequence: UInt64 = 0
        let nowMillis = Int64(Date().timeIntervalSince1970 * 1000)
        for batch in 0..<(events / batchSize) {
            var entries: [Journal.Entry] = []
            entries.reserveCapacity(batchSize)
            for _ in 0..<batchSize {
                sequence += 1
                event.eventIds = ["e\(sequence)"]
                var envelope = Boxbridge_V1_Envelope()
                envelope.topic = "box/acme/created"
                envelope.sequence = sequence
                envelope.schemaVersion = 1
                envelope.fileEvent = event
                entries.append(Journal.Entry(topic: envelope.topic, sequence: sequence, envelope: try envelope.serializedBytes()))
            }
            try journal.appendBatch(entries, connection: "acme", batchID: "fill-\(batch)", nowMillis: nowMillis)
        }
        try journal.sync()
    }

    /// Counts envelopes (field 2) in a serialized ReplayBatch and reads `caught_up` (field 3).
    static func scanReplayBatch(_ bytes: [UInt8]) -> (envelopes: Int, caughtUp: Bool, replayID: String) {
        var offset = 0
        var count = 0
        var caughtUp = false
        var replayID = ""
        func varint() -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while offset < bytes.count {
                let byte = bytes[offset]
                offset += 1
                result |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { break }
                shift += 7
            }
            return result
        }
        while offset < bytes.count {
            let tag = varint()
            switch tag & 7 {
            case 0:
                let value = varint()
                if tag >> 3 == 3 { caughtUp = value != 0 }
            case 2:
                let length = Int(varint())
                if tag >> 3 == 2 { count += 1 }
                if tag >> 3 == 1 { replayID = String(decoding: bytes[offset..<offset + length], as: UTF8.self) }
                offset += length
            case 1: offset += 8
            case 5: offset += 4
            default: return (count, caughtUp, replayID)
            }
        }
        return (count, caughtUp, replayID)
    }

    static func replaySpeed(endpoints: BusEndpoints, expected: Int) throws -> Double {
        let context = try ZMQContext(ioThreads: 1)
        let dealer = try context.socket(.dealer)
        try dealer.setOption(.receiveHighWaterMark, 100_000)
        try dealer.connect(endpoints.control)
        try dealer.setOption(.receiveTimeout, .seconds(10))
        var request = Boxbridge_V1_ReplayRequest()
        request.subscriberID = "bench"
        request.topicPrefix = "box/"
        request.start = .earliest
        let credit: UInt32 = 20_000
        request.credit = credit
        let start = now()
        try dealer.send(Message(frames: [Array(RPCMethod.replayOpen.rawValue.utf8), [1], try request.serializedBytes()]))
        var received = 0
        var sinceGrant = 0
        while let message = try dealer.receive() {
            guard message.frames[1] == [1] else { continue }
            let scan = scanReplayBatch(message.frames[2])
            received += scan.envelopes
            sinceGrant += scan.envelopes
            if scan.caughtUp { break }
            if sinceGrant >= Int(credit / 2) {
                var grant = Boxbridge_V1_ReplayCredit()
                grant.replayID = scan.replayID
                grant.credit = UInt32(sinceGrant)
                sinceGrant = 0
                try dealer.send(Message(frames: [Array(RPCMethod.replayCredit.rawValue.utf8), [2], try grant.serializedBytes()]))
            }
        }
        let elapsed = Double(now() - start) / 1e9
        guard received >= expected else { throw Failure(description: "replay returned \(received) of \(expected) events") }
        return Double(received) / elapsed
    }
}

final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}

/// Hands a closure that owns its sockets to a new thread (the sockets move with it).
private final class UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

private func startThread(_ body: @escaping () -> Void) {
    let box = UncheckedBox(body)
    let thread = Thread { box.value() }
    thread.start()
}
