import ArgumentParser
import BoxBridgeConfig
import BoxBridgeRuntime
import BusClient
import Foundation
import Index
import Logging
import ServiceLifecycle
import Subscriber

/// `boxbridge index`: the forensic indexer, a bus subscriber writing SQLite.
struct IndexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Run the forensic search indexer (a bus subscriber writing SQLite).",
        discussion: """
            Subscribes to every connection's file events (topic prefix box/) and writes each one as a
            row of the SQLite index at [index] path (--db overrides), created 0600 on first start,
            with full-text search over file names and paths. Each batch (up to [index] batch_size
            events, or what arrived within 50 ms) is written in one transaction together with the
            per-topic cursors, so a kill -9 at any moment loses nothing and doubles nothing: on
            restart the indexer replays from the broker exactly where its rows end. Query it with
            `boxbridge search`, also while this runs.
            Metrics on [metrics] index_port: boxbridge_index_events_total (file events indexed).
            SIGTERM/SIGINT write what was received, then stop.
            """
    )

    @Option(help: "bridge.conf to read (missing file: defaults).")
    var config = BridgeConfig.defaultPath

    @Option(help: "The index database (overrides [index] path).")
    var db: String?

    @Option(help: "The broker's publish endpoint (overrides [broker] publish_endpoint).")
    var publish: String?

    @Option(name: .customLong("control"), help: "The broker's control endpoint (overrides [broker] control_endpoint).")
    var controlEndpoint: String?

    @Option(help: "Events per write transaction (overrides [index] batch_size).")
    var batchSize: Int?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (overrides [logging] level).")
    var logLevel: String?

    @Option(help: "Port of the /metrics and /healthz endpoint (overrides [metrics] index_port; 0 = any free port).")
    var metricsPort: Int?

    func validate() throws {
        if let batchSize, !(1...1_000_000).contains(batchSize) {
            throw ValidationError("--batch-size must be between 1 and 1000000, not \(batchSize)")
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
        let settings = loaded ?? BridgeConfig()
        var endpoints = BusEndpoints(config: settings)
        if let publish { endpoints.publish = publish }
        if let controlEndpoint { endpoints.control = controlEndpoint }
        let path = db ?? settings.index.path

        ProcessPlumbing.bootstrapLogging(loaded, levelOverride: logLevel)
        let logger = Logger(label: "boxbridge.index")
        let metrics = ProcessPlumbing.metricsEndpoint(loaded, port: \.indexPort, portOverride: metricsPort, logger: logger)
        let store: IndexStore
        let client: BusClient
        do {
            store = try IndexStore.open(path: path, logger: logger)
            client = try BusClient(endpoints: endpoints)
        } catch {
            FileOutput.standardError.write("error: index could not start: \(error)\n")
            throw ExitCode(1)
        }
        let runner = Self.runner(
            store: store, client: client, batchSize: batchSize ?? settings.index.batchSize, logger: logger)
        FileOutput.standardOutput.write("index: \(path) (\(try store.count()) events), subscribed to box/ on \(endpoints.publish)\n")
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: runner)]
                    + (metrics.map { [ServiceGroupConfiguration.ServiceConfiguration(service: $0)] } ?? []),
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        try? store.optimize()
        do {
            // Commits the full-text work still queued: a restart then has none to catch up.
            try store.close()
        } catch {
            logger.error("index close failed", metadata: ["error": "\(error)"])
        }
        await client.close()
    }

    /// The indexer process: the index sink driven by the subscriber runtime on `box/`.
    static func runner(store: IndexStore, client: BusClient, batchSize: Int, logger: Logger) -> SubscriberRunner {
        SubscriberRunner(
            name: "index", topicPrefixes: ["box/"], client: client, sink: IndexSink(store: store, logger: logger),
            options: SubscriberOptions(maxBatch: batchSize), logger: logger)
    }
}
