import Foundation
import TOMLKit

/// The whole of bridge.conf, typed, with every default filled in.
///
/// `BridgeConfig()` is the configuration of an empty file: the local demo. Load a file with
/// `BridgeConfig.load(path:environment:)`; once loaded, every path is absolute (resolved against
/// the config file's folder) and every secret has been read (from the environment or a file).
public struct BridgeConfig: Sendable, Equatable {
    public var broker = BrokerSection()
    public var security = SecuritySection()
    /// `[[connections]]`; empty means no real Box connection (`boxbridge up` starts the emulator).
    public var connections: [ConnectionSection] = []
    public var scheduler = SchedulerSection()
    public var collector = CollectorSection()
    public var index = IndexSection()
    public var alert = AlertSection()
    public var archive = ArchiveSection()
    public var metrics = MetricsSection()
    public var emulator = EmulatorSection()
    public var logging = LoggingSection()
    /// Problems that did not stop loading (e.g. a secret file readable by others).
    public var warnings: [ConfigProblem] = []

    public init() {}

    /// The connection with this name.
    public func connection(named name: String) -> ConnectionSection? {
        connections.first { $0.name == name }
    }

    /// Whether `boxbridge up` should start the emulator: no real connection is configured.
    public var usesEmulator: Bool { connections.isEmpty }

    /// The connections the bridge runs: the configured ones, or the demo connection to the
    /// emulator (`[emulator]`'s host, port and credentials) when none is configured.
    ///
    /// Every process (broker leases, collectors, `status`) must use this, not `connections`, so the
    /// demo behaves exactly like a real deployment.
    public var activeConnections: [ConnectionSection] {
        guard usesEmulator else { return connections }
        var demo = ConnectionSection(
            name: emulator.connectionName, clientID: EmulatorSection.clientID,
            clientSecret: ConfigSecret(EmulatorSection.clientSecret), enterpriseID: EmulatorSection.enterpriseID,
            adminEmail: "")
        demo.apiBaseURL = "http://\(emulator.host):\(emulator.port)"
        demo.internalDomains = EmulatorSection.internalDomains
        demo.startPosition = .earliest
        return [demo]
    }

    /// The active connection with this name.
    public func activeConnection(named name: String) -> ConnectionSection? {
        activeConnections.first { $0.name == name }
    }
}

extension BridgeConfig {
    /// The file commands read when neither `--config` nor a path is given.
    public static let defaultPath = "bridge.conf"

    /// Loads and validates a bridge.conf with this process's environment.
    public static func load(path: String) throws(ConfigLoadError) -> BridgeConfig {
        try load(path: path, environment: ProcessInfo.processInfo.environment)
    }

    /// Loads and validates a bridge.conf, reading secrets from `environment`.
    ///
    /// Throws `.unreadable` when the file cannot be read, `.invalid` with every problem (not just
    /// the first) when it can. Warnings of a valid file are in `warnings`.
    public static func load(path: String, environment: [String: String]) throws(ConfigLoadError) -> BridgeConfig {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .unreadable(file: path, reason: ConfigLoadError.noSuchFile)
        }
        guard !isDirectory.boolValue else { throw .unreadable(file: path, reason: "it is a directory") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(file: path, reason: "permission denied")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadable(file: path, reason: "not UTF-8 text")
        }
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        let folder = (absolute as NSString).deletingLastPathComponent
        return try parse(text, file: path, baseDirectory: folder, environment: environment)
    }

    /// Validates bridge.conf text; `file` names it in problems, relative paths resolve against
    /// `baseDirectory`.
    public static func parse(
        _ text: String, file: String, baseDirectory: String, environment: [String: String]
    ) throws(ConfigLoadError) -> BridgeConfig {
        let (config, problems) = check(text, file: file, baseDirectory: baseDirectory, environment: environment)
        if let config { return config }
        throw .invalid(file: file, problems: problems)
    }

    /// Every problem of bridge.conf text, and the configuration when none is an error.
    public static func check(
        _ text: String, file: String, baseDirectory: String, environment: [String: String]
    ) -> (config: BridgeConfig?, problems: [ConfigProblem]) {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let problem = ConfigProblem(
                file: file, line: error.source.begin.line, column: error.source.begin.column, key: "",
                message: "TOML syntax error: \(error.description)")
            return (nil, [problem])
        } catch {
            return (nil, [ConfigProblem(file: file, line: nil, key: "", message: "TOML syntax error: \(error)")])
        }
        let context = DecodingContext(
            file: file, baseDirectory: baseDirectory, environment: environment, locator: TOMLLineLocator(text: text))
        var config = BridgeConfig.decode(TableReader(table: table, path: .root, context: context))
        // Stable order for people and tests: by line, then key.
        let problems = context.problems.enumerated().sorted { a, b in
            let lineA = a.element.line ?? 0, lineB = b.element.line ?? 0
            return lineA != lineB ? lineA < lineB : a.offset < b.offset
        }.map(\.element)
        if problems.contains(where: { $0.severity == .error }) { return (nil, problems) }
        config.warnings = problems
        return (config, problems)
    }
}
