import ArgumentParser
import BoxBridgeConfig
import BoxBridgeRuntime
import BusClient
import Collector
import Foundation
import Logging
import ServiceLifecycle

/// `boxbridge collector`: leases connections from the broker and collects their Box events.
struct CollectorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collector",
        abstract: "Run a collector: lease connections, poll Box, normalize, scope, dedupe, coalesce, enrich, publish.",
        discussion: """
            Reads bridge.conf (--config; when the file is missing the defaults apply: the demo
            connection `demo` to the local emulator). The collector heartbeats the broker, which
            leases it connections (several collectors share them; when one stops or dies, another
            takes its connections over within [broker] lease_timeout). For each connection it holds
            it resolves the scope, polls Box's enterprise events through the credential's
            rate-limit-aware scheduler from the broker's checkpoint, normalizes, dedupes, coalesces,
            enriches and publishes batches the broker acknowledges only once they are durable.

            Health (auth failures, 429 pauses, lag, silence, quarantined events, the scope) goes
            to ops/<connection>/<kind>. When standard error is a terminal, backfill progress is
            shown per connection. Metrics (boxbridge_collector_*) and /healthz are served on
            [metrics] collector_port. SIGTERM/SIGINT stop gracefully and hand the leases back at once.
            """
    )

    @Option(help: "bridge.conf to read (missing file: defaults, i.e. the demo connection to the emulator).")
    var config = BridgeConfig.defaultPath

    @Option(help: "Lease identity (overrides [collector] id; default <hostname>-<pid>).")
    var id: String?

    @Option(help: "Port of the /metrics and /healthz endpoint (overrides [metrics] collector_port; 0 = any free port).")
    var metricsPort: Int?

    @Option(help: "Most connections this collector takes (0 = no limit).")
    var capacity = 0

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (overrides [logging] level).")
    var logLevel: String?

    func validate() throws {
        if capacity < 0 { throw ValidationError("--capacity must be 0 (no limit) or more, got \(capacity)") }
        if let metricsPort, !(0...65_535).contains(metricsPort) {
            throw ValidationError("--metrics-port must be 0...65535, got \(metricsPort)")
        }
    }

    func run() async throws {
        var loaded: BridgeConfig?
        if FileManager.default.fileExists(atPath: config) {
            do {
                loaded = try BridgeConfig.load(path: config)
            } catch {
                FileOutput.standardError.write("error: \(error)\n")
                throw ExitCode(2)
            }
        }
        let bridge = loaded ?? BridgeConfig()
        ProcessPlumbing.bootstrapLogging(loaded, levelOverride: logLevel)
        let collectorID = id ?? bridge.collector.resolvedID(
            hostname: ProcessInfo.processInfo.hostName, pid: ProcessInfo.processInfo.processIdentifier)
        var logger = Logger(label: "boxbridge.collector")
        logger[metadataKey: LogKey.collectorID] = "\(collectorID)"
        for warning in bridge.warnings { logger.warning("\(warning)") }

        let endpoints = BusEndpoints(config: bridge)
        let bus: BusClient
        do {
            bus = try BusClient(endpoints: endpoints)
        } catch {
            FileOutput.standardError.write("error: cannot reach the broker: \(error)\n")
            throw ExitCode(1)
        }
        // Before any metric is made, so the collector's counters land in the registry.
        let registry = bridge.metrics.enabled ? MetricsBootstrap.prometheus() : nil
        let stderr = FileOutput.standardError
        let progressWriter: (@Sendable (String) -> Void)? = stderr.isTerminal ? { @Sendable text in stderr.write(text) } : nil
        let options = CollectorOptions(config: bridge, collectorID: collectorID, capacity: capacity)
        let states = StoredConnectionStates(store: ConnectionStateStore(config: bridge), collectorID: collectorID, logger: logger)
        let service = CollectorService(
            config: bridge, options: options, bus: bus, states: states, progressWriter: progressWriter, logger: logger)
        var services: [any Service] = [service]
        if let registry {
            services.append(MetricsEndpoint(
                host: bridge.metrics.host, port: metricsPort ?? bridge.metrics.collectorPort, registry: registry,
                logger: logger, health: { service.isHealthy }))
        }
        FileOutput.standardOutput.write(
            "collector \(collectorID) started: broker \(endpoints.control), connections \(bridge.activeConnections.map(\.name).joined(separator: ", "))\n")
        do {
            try await ProcessRunner.run(services, logger: logger)
        } catch {
            FileOutput.standardError.write("error: collector stopped: \(error)\n")
            await bus.close()
            throw ExitCode(1)
        }
        await bus.close()
    }
}
