import ArgumentParser
import BoxBridgeConfig
import BoxBridgeRuntime
import Broker
import Foundation
import Logging
import ServiceLifecycle

/// `boxbridge broker`: the bus's durable spine.
struct BrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Run the broker: durable journal, per-topic sequences, live fan-out, replay, leases and stats.",
        discussion: """
            Reads [broker] and [security] from bridge.conf (--config; when the file is missing the
            defaults apply), then the flags below override it. Collectors publish on the ingest
            endpoint and get an ack only once their batch is fsynced; subscribers read the live
            stream on the publish endpoint and replay/leases/stats go through the control endpoint.
            Endpoints may use port `*` to pick free ports: the bound ones are printed and, with
            --endpoints-file, written as JSON. SIGTERM/SIGINT stop gracefully.
            """
    )

    @Option(help: "bridge.conf to read (missing file: defaults).")
    var config = BridgeConfig.defaultPath

    @Option(help: "Journal folder (overrides [broker] journal_path).")
    var journal: String?

    @Option(help: "Ingest ROUTER endpoint, e.g. tcp://127.0.0.1:7301.")
    var ingest: String?

    @Option(help: "Publish XPUB endpoint, e.g. tcp://127.0.0.1:7302.")
    var publish: String?

    @Option(name: .customLong("control"), help: "Control ROUTER endpoint, e.g. tcp://127.0.0.1:7303.")
    var controlEndpoint: String?

    @Option(help: "A connection to lease to collectors (repeatable; adds to bridge.conf's).")
    var connection: [String] = []

    @Option(help: "Lease timeout in ms (overrides [broker] lease_timeout).")
    var leaseTimeoutMs: Int?

    @Option(help: "Write the bound endpoints here as JSON once listening (0600).")
    var endpointsFile: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (overrides [logging] level).")
    var logLevel: String?

    @Option(help: "Port of the /metrics and /healthz endpoint (overrides [metrics] broker_port; 0 = any free port).")
    var metricsPort: Int?

    func run() async throws {
        var options: BrokerOptions
        var loaded: BridgeConfig?
        if FileManager.default.fileExists(atPath: config) {
            do {
                loaded = try BridgeConfig.load(path: config)
                options = BrokerOptions(config: loaded!)
            } catch {
                FileOutput.standardError.write("error: \(error)\n")
                throw ExitCode(2)
            }
        } else {
            options = BrokerOptions(journalDirectory: BrokerSection().journalPath)
        }
        if let journal { options.journal.directory = journal }
        if let ingest { options.ingestEndpoint = ingest }
        if let publish { options.publishEndpoint = publish }
        if let controlEndpoint { options.controlEndpoint = controlEndpoint }
        if let leaseTimeoutMs { options.leaseTimeout = .milliseconds(leaseTimeoutMs) }
        options.connections += connection

        ProcessPlumbing.bootstrapLogging(loaded, levelOverride: logLevel)
        let logger = Logger(label: "boxbridge.broker")
        let metrics = ProcessPlumbing.metricsEndpoint(
            loaded, port: \.brokerPort, portOverride: metricsPort, logger: logger)
        let service = BrokerService(options: options, logger: logger)
        let endpoints: BrokerEndpoints
        do {
            endpoints = try service.server.start()
        } catch {
            FileOutput.standardError.write("error: broker could not start: \(error)\n")
            throw ExitCode(1)
        }
        let json = """
            {"ingest":"\(endpoints.ingest)","publish":"\(endpoints.publish)","control":"\(endpoints.control)"}
            """
        if let endpointsFile {
            let temporary = endpointsFile + ".tmp"
            FileManager.default.createFile(atPath: temporary, contents: Data(json.utf8), attributes: [.posixPermissions: 0o600])
            _ = try? FileManager.default.replaceItemAt(URL(fileURLWithPath: endpointsFile), withItemAt: URL(fileURLWithPath: temporary))
            if !FileManager.default.fileExists(atPath: endpointsFile) {
                try? FileManager.default.moveItem(atPath: temporary, toPath: endpointsFile)
            }
        }
        FileOutput.standardOutput.write("broker listening: ingest \(endpoints.ingest) publish \(endpoints.publish) control \(endpoints.control)\n")
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: RunningBroker(server: service.server))]
                    + (metrics.map { [ServiceGroupConfiguration.ServiceConfiguration(service: $0)] } ?? []),
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// The already-started server as a Service: waits for it, stops it on graceful shutdown.
private struct RunningBroker: Service {
    let server: BrokerServer

    func run() async throws {
        let server = self.server
        try await withGracefulShutdownHandler {
            try await server.waitUntilStopped()
        } onGracefulShutdown: {
            Task { try? await server.stop() }
        }
    }
}
