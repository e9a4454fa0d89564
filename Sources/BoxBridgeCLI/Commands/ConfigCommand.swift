import ArgumentParser
import BoxBridgeConfig
import Foundation

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Work with bridge.conf.",
        discussion: "The reference of every key is docs/config-reference.md.",
        subcommands: [ConfigCheckCommand.self]
    )
}

/// `boxbridge config check [FILE] [--json]`.
struct ConfigCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate bridge.conf and list every problem with its line and key.",
        discussion: """
            Reads the file as every boxbridge process would: TOML syntax, unknown keys (with a \
            did-you-mean), types, ranges, durations, endpoints, emails and domains, duplicate \
            connection names, conflicting options, and that every secret can be read from its \
            environment variable or file. Secret values are never printed.

            Each problem is printed as FILE:LINE: key: reason. The reference of every key is \
            docs/config-reference.md.

            Exit status: 0 when valid (warnings allowed), 1 when the file has problems, 2 when the \
            file cannot be read.
            """
    )

    @Argument(help: "The file to check (default: --config, else ./bridge.conf).")
    var file: String?

    @Option(name: .long, help: "The configuration file, as for every command.")
    var config: String?

    @Flag(name: .long, help: "Print the result as one JSON object.")
    var json = false

    func run() async throws {
        let path = file ?? config ?? BridgeConfig.defaultPath
        let result = ConfigCheckReport.make(path: path, environment: ProcessInfo.processInfo.environment)
        if json {
            FileOutput.standardOutput.write(result.json() + "\n")
        } else {
            let output = result.exitCode == 0 ? FileOutput.standardOutput : FileOutput.standardError
            output.write(result.text())
        }
        if result.exitCode != 0 { throw ExitCode(result.exitCode) }
    }
}

/// What `config check` found, rendered as text or JSON. Separate from the command so that both
/// renderings come from one value.
struct ConfigCheckReport: Encodable {
    var file: String
    var valid: Bool
    /// 0 valid, 1 problems, 2 unreadable.
    var exitCode: Int32
    var error: String?
    var problems: [ConfigProblem]
    var summary: [String: String]?

    enum CodingKeys: String, CodingKey {
        case file, valid, error, problems, summary
    }

    static func make(path: String, environment: [String: String]) -> ConfigCheckReport {
        do {
            let config = try BridgeConfig.load(path: path, environment: environment)
            return ConfigCheckReport(
                file: path, valid: true, exitCode: 0, error: nil, problems: config.warnings, summary: summarize(config))
        } catch {
            switch error {
            case .unreadable(_, let reason):
                return ConfigCheckReport(
                    file: path, valid: false, exitCode: 2, error: "cannot read \(path): \(reason)", problems: [], summary: nil)
            case .invalid(_, let problems):
                return ConfigCheckReport(file: path, valid: false, exitCode: 1, error: nil, problems: problems, summary: nil)
            }
        }
    }

    static func summarize(_ config: BridgeConfig) -> [String: String] {
        var summary: [String: String] = [
            "connections": config.connections.isEmpty
                ? "none (demo: Box emulator on \(config.emulator.host):\(config.emulator.port), connection \"\(config.emulator.connectionName)\")"
                : config.connections.map { "\($0.name) (\($0.auth.rawValue), enterprise \($0.enterpriseID), scope \($0.scope.rawValue))" }
                    .joined(separator: ", "),
            "broker": "ingest \(config.broker.ingestEndpoint), publish \(config.broker.publishEndpoint), control \(config.broker.controlEndpoint)\(config.security.curve ? ", CURVE on" : "")",
            "journal": "\(config.broker.journalPath) (retention \(formatConfigDuration(config.broker.retentionAge)))",
            "index": config.index.path,
            "alert": "\(config.alert.rules.count) rule\(config.alert.rules.count == 1 ? "" : "s")\(config.alert.defaultRules ? " + the default set" : "")",
            "archive": config.archive.path,
        ]
        summary["metrics"] = config.metrics.enabled ? "on \(config.metrics.host)" : "off"
        return summary
    }

    func text() -> String {
        if let error { return "error: \(error)\n" }
        var lines = problems.map(\.description)
        if valid {
            lines.insert("\(file): OK", at: 0)
            for key in ["connections", "broker", "journal", "index", "alert", "archive", "metrics"] {
                if let value = summary?[key] { lines.append("  \(key): \(value)") }
            }
        } else {
            let errors = problems.filter { $0.severity == .error }.count
            lines.append("\(file): \(errors) problem\(errors == 1 ? "" : "s") found")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self), let text = String(data: data, encoding: .utf8) else {
            return "{\"valid\":false,\"error\":\"could not encode the report\"}"
        }
        return text
    }
}
