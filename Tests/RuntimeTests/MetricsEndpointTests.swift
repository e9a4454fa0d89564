import BoxBridgeRuntime
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import Prometheus
import ServiceLifecycle
import Testing

@Suite("Metrics endpoint")
struct MetricsEndpointTests {
    @Test("serves the registry in Prometheus text format on an ephemeral port")
    func servesPrometheusText() async throws {
        let registry = PrometheusCollectorRegistry()
        let counter = registry.makeCounter(name: "boxbridge_test_things_total", labels: [("kind", "a")])
        counter.increment(by: Int64(3))
        let endpoint = MetricsEndpoint(host: "127.0.0.1", port: 0, registry: registry, logger: Logger(label: "test"))
        let group = ServiceGroup(services: [endpoint], logger: Logger(label: "test"))

        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let port = try await awaitValue(within: .seconds(10)) { endpoint.boundPort }
            let (body, status) = try await get("http://127.0.0.1:\(port)/metrics")
            #expect(status == 200)
            #expect(body.contains("boxbridge_test_things_total{kind=\"a\"} 3"))
            let (health, healthStatus) = try await get("http://127.0.0.1:\(port)/healthz")
            #expect(healthStatus == 200)
            #expect(health == "ok\n")
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test("healthz answers 503 when the process says it is unhealthy")
    func unhealthy() async throws {
        let endpoint = MetricsEndpoint(
            host: "127.0.0.1", port: 0, registry: PrometheusCollectorRegistry(),
            logger: Logger(label: "test"), health: { false }
        )
        let group = ServiceGroup(services: [endpoint], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let port = try await awaitValue(within: .seconds(10)) { endpoint.boundPort }
            let (_, status) = try await get("http://127.0.0.1:\(port)/healthz")
            #expect(status == 503)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}

@Suite("JSON log lines")
struct JSONLogHandlerTests {
    @Test("writes one JSON object per line with dotted metadata keys")
    func jsonLines() throws {
        let lines = LineSink()
        var logger = Logger(label: "boxbridge.test") { label in
            JSONLogHandler(label: label, write: { lines.append($0) })
        }
        logger.logLevel = .debug
        logger.info("page fetched", metadata: ["box.event_id": "abc", "connection": "acme"])
        let captured = lines.all
        #expect(captured.count == 1)
        let line = try #require(captured.first)
        #expect(line.hasSuffix("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["msg"] as? String == "page fetched")
        #expect(object["level"] as? String == "info")
        #expect(object["box.event_id"] as? String == "abc")
        #expect(object["connection"] as? String == "acme")
        #expect(object["label"] as? String == "boxbridge.test")
    }

    @Test("respects the log level")
    func level() {
        let lines = LineSink()
        var logger = Logger(label: "t") { JSONLogHandler(label: $0, write: { lines.append($0) }) }
        logger.logLevel = .warning
        logger.info("hidden")
        logger.error("shown")
        #expect(lines.all.count == 1)
        #expect(lines.all.first?.contains("shown") == true)
    }
}

final class LineSink: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}

/// Polls `probe` until it returns a value or the deadline passes.
func awaitValue<T: Sendable>(
    within timeout: Duration, _ probe: @Sendable () -> T?
) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if let value = probe() { return value }
        try await Task.sleep(for: .milliseconds(10))
    }
    throw DeadlineExceeded()
}

struct DeadlineExceeded: Error {}

func get(_ url: String) async throws -> (String, Int) {
    let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
    return (String(decoding: data, as: UTF8.self), (response as? HTTPURLResponse)?.statusCode ?? 0)
}
