import Alert
import ArgumentParser
import BoxBridgeConfig
import BoxBridgeProtocol
import BoxBridgeRuntime
import BusClient
import Foundation
import Logging
import ServiceLifecycle

/// `boxbridge alert`: the alerting subscriber, and `alert test-rules` to try rules on sample events.
struct AlertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alert",
        abstract: "Run the alerting subscriber: rules from bridge.conf, outputs to stdout, file, webhook and the bus.",
        discussion: """
            `boxbridge alert` (= `alert run`) subscribes to box/ and ops/ on the broker, runs the \
            default DLP rules and bridge.conf's [[alert.rules]] in event time, and sends each alert \
            to the outputs of [alert.outputs]. Its state (cursor, threshold windows, suppressions) \
            lives in [alert] state_path; a kill -9 and restart gives the same alerts, once. \
            `boxbridge alert test-rules FILE` runs the same rules over events in a JSON-lines file.
            """,
        subcommands: [AlertRunCommand.self, AlertTestRulesCommand.self],
        defaultSubcommand: AlertRunCommand.self
    )
}

/// Loads bridge.conf (a missing file means defaults); config errors exit 2 naming file and line.
private func loadAlertConfig(_ path: String) throws -> BridgeConfig? {
    guard FileManager.default.fileExists(atPath: path) else { return nil }
    do {
        return try BridgeConfig.load(path: path)
    } catch {
        FileOutput.standardError.write("error: \(error)\n")
        throw ExitCode(2)
    }
}

struct AlertRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the alert subscriber until SIGTERM/SIGINT (the default of `boxbridge alert`).",
        discussion: """
            Reads [broker], [security], [alert], [logging] and [metrics] from bridge.conf. Alert \
            JSON lines go to standard output when [alert.outputs] stdout = true; logs go to \
            standard error. Metrics are served on [metrics] alert_port.
            """
    )

    @Option(help: "bridge.conf to read (missing file: defaults).")
    var config = BridgeConfig.defaultPath

    @Option(help: "State folder (overrides [alert] state_path).")
    var state: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (overrides [logging] level).")
    var logLevel: String?

    @Option(help: "Port of the /metrics and /healthz endpoint (overrides [metrics] alert_port; 0 = any free port).")
    var metricsPort: Int?

    func run() async throws {
        var loaded = try loadAlertConfig(config) ?? BridgeConfig()
        if let state { loaded.alert.statePath = state }
        ProcessPlumbing.bootstrapLogging(loaded, levelOverride: logLevel)
        let logger = Logger(label: "boxbridge.alert")
        let metrics = ProcessPlumbing.metricsEndpoint(loaded, port: \.alertPort, portOverride: metricsPort, logger: logger)
        let process: AlertProcess
        let client: BusClient
        do {
            client = try BusClient(endpoints: BusEndpoints(config: loaded))
            process = try AlertProcess(
                config: loaded, client: client, stdout: { FileOutput.standardOutput.write($0) }, logger: logger)
        } catch {
            FileOutput.standardError.write("error: alert could not start: \(error)\n")
            throw ExitCode(1)
        }
        let group = ServiceGroup(
            configuration: .init(
                services: process.services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
                    + (metrics.map { [ServiceGroupConfiguration.ServiceConfiguration(service: $0)] } ?? []),
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            FileOutput.standardError.write("error: \(error)\n")
            await client.close()
            throw ExitCode(1)
        }
        await client.close()
    }
}

struct AlertTestRulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-rules",
        abstract: "Run the alert rules over events in a JSON-lines file and print the alerts.",
        discussion: """
            Each line is a FileEvent in protobuf JSON (what `boxbridge normalize` prints) or an \
            Envelope with `topic` and `file_event` or `health`. Rules come from bridge.conf's \
            [alert] (default rules + [[alert.rules]]); thresholds and suppression run in the events' \
            own time, from an empty state. Prints one alert per line as JSON (the format of the \
            alert outputs), or a readable line each with --text. Exit 0 even when nothing fires.
            """
    )

    @Option(help: "bridge.conf to read the rules from (missing file: the default rules).")
    var config = BridgeConfig.defaultPath

    @Flag(help: "One readable line per alert instead of JSON.")
    var text = false

    @Argument(help: ArgumentHelp("JSON-lines file of events; '-' reads standard input.", valueName: "file"))
    var file: String

    func run() async throws {
        let section = try loadAlertConfig(config)?.alert ?? AlertSection()
        let data: Data?
        if file == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            data = FileManager.default.contents(atPath: file)
        }
        guard let data else {
            FileOutput.standardError.write("error: cannot read \(file)\n")
            throw ExitCode(1)
        }
        let envelopes: [Boxbridge_V1_Envelope]
        do {
            envelopes = try AlertRuleTester.envelopes(from: String(decoding: data, as: UTF8.self), source: file == "-" ? "<stdin>" : file)
        } catch {
            FileOutput.standardError.write("error: \(error)\n")
            throw ExitCode(1)
        }
        let alerts = AlertRuleTester.run(envelopes, ruleSet: AlertRuleSet(section: section))
        var out = ""
        for fired in alerts {
            if text {
                out += "\(fired.alert.rule) [\(fired.alert.severity)] \(fired.alert.summary)\n"
            } else {
                out += try AlertLine.json(fired) + "\n"
            }
        }
        FileOutput.standardOutput.write(out)
        FileOutput.standardError.write("\(alerts.count) alert(s) from \(envelopes.count) event(s)\n")
    }
}
