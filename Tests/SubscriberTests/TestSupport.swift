import BoxBridgeProtocol
import BusClient
import Foundation
import Logging
import Subscriber
@testable import Broker

/// A fresh temporary folder, removed by `cleanup()`.
struct TemporaryDirectory {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "boxbridge-subscriber-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

let quietLogger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return logger
}()

/// A broker on ephemeral loopback ports with its journal in a temporary folder.
struct TestBroker {
    let directory: TemporaryDirectory
    let server: BrokerServer
    let endpoints: BrokerEndpoints

    static func start(configure: (inout BrokerOptions) -> Void = { _ in }) throws -> TestBroker {
        let directory = TemporaryDirectory()
        var options = BrokerOptions(journalDirectory: directory.path + "/journal")
        options.ingestEndpoint = "tcp://127.0.0.1:*"
        options.publishEndpoint = "tcp://127.0.0.1:*"
        options.controlEndpoint = "tcp://127.0.0.1:*"
        configure(&options)
        let server = BrokerServer(options: options, logger: quietLogger)
        let endpoints = try server.start()
        return TestBroker(directory: directory, server: server, endpoints: endpoints)
    }

    func client() throws -> BusClient {
        try BusClient(
            endpoints: BusEndpoints(ingest: endpoints.ingest, publish: endpoints.publish, control: endpoints.control),
            timeout: .seconds(5))
    }

    func stop() async throws { try await server.stop() }
}

/// A batch of `count` file events on `topic` (`box/<connection>/...` or `ops/<connection>/...`).
func makeBatch(connection: String = "acme", topic: String? = nil, id: String, count: Int, payloadBytes: Int = 0) -> Boxbridge_V1_IngestBatch {
    var batch = Boxbridge_V1_IngestBatch()
    batch.connection = connection
    batch.collectorID = "test-collector"
    batch.batchID = id
    for index in 0..<count {
        var event = Boxbridge_V1_FileEvent()
        event.connection = connection
        event.eventIds = ["\(id)-\(index)"]
        event.boxEventType = "UPLOAD"
        if payloadBytes > 0 { event.file.name = String(repeating: "x", count: payloadBytes) }
        var envelope = Boxbridge_V1_Envelope()
        envelope.topic = topic ?? "box/\(connection)/created"
        envelope.fileEvent = event
        batch.items.append(envelope)
    }
    batch.consumedEventIds = (0..<count).map { "\(id)-\($0)" }
    return batch
}

/// A sink that keeps its output ("topic#sequence eventID" lines) and cursors in ONE file,
/// replaced atomically per batch: the simplest honest implementation of the contract.
final class FileRecordingSink: SubscriberSink, @unchecked Sendable {
    struct State: Codable {
        var lines: [String] = []
        var cursors: [String: UInt64] = [:]
        var gone: [String] = []
        var batches = 0
    }

    let path: String
    private let lock = NSLock()
    /// Fail the apply call with this (1-based) number, once.
    private var failOnApply: Int?
    private var applyCalls = 0

    init(path: String, failOnApply: Int? = nil) {
        self.path = path
        self.failOnApply = failOnApply
    }

    struct InjectedFailure: Error {}

    func read() -> State {
        guard let data = FileManager.default.contents(atPath: path) else { return State() }
        return (try? JSONDecoder().decode(State.self, from: data)) ?? State()
    }

    func loadCursors() async throws -> [String: UInt64] { read().cursors }

    func apply(_ batch: SubscriberBatch) async throws {
        try lock.withLock {
            applyCalls += 1
            if applyCalls == failOnApply { throw InjectedFailure() }
            var state = read()
            for envelope in batch.envelopes {
                state.lines.append("\(envelope.topic)#\(envelope.sequence) \(envelope.fileEvent.eventIds.first ?? "")")
            }
            state.gone += batch.gone.map { "\($0.topic) \($0.requestedSequence)->\($0.oldestRetained)" }
            state.cursors.merge(batch.nextCursors) { $1 }
            state.batches += 1
            let data = try JSONEncoder().encode(state)
            FileManager.default.createFile(atPath: path + ".tmp", contents: data)
            _ = rename(path + ".tmp", path)
        }
    }

    var lineCount: Int { read().lines.count }
}

extension Array where Element == String {
    /// The sequences of `topic` in these recorded lines, in order.
    func sequences(of topic: String) -> [UInt64] {
        compactMap { line in
            let head = line.split(separator: " ").first.map(String.init) ?? ""
            guard head.hasPrefix(topic + "#") else { return nil }
            return UInt64(head.dropFirst(topic.count + 1))
        }
    }
}
