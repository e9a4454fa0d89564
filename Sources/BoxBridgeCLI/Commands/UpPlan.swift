import BoxBridgeConfig
import Foundation
import Supervisor

/// What `boxbridge up` runs, in start order, and how it knows each one is up.
struct UpPlan {
    /// One process of the system.
    struct Child {
        var spec: ChildSpec
        /// How `up` knows it is serving; nil when it cannot tell (metrics off or on port 0).
        var readiness: Readiness?
    }

    /// A `GET` that answers 200 once the process serves.
    struct Readiness {
        var host: String
        var port: Int
        var path: String
    }

    var children: [Child]

    /// The system of `config`: the emulator (demo only), the broker, one collector and the index,
    /// alert and archive subscribers, each `executable` re-run with its role and `--config`.
    ///
    /// Stop stages: collectors and subscribers first (they flush to, and report to, the broker),
    /// then the broker, then the emulator the collector polled.
    init(config: BridgeConfig, configPath: String, executable: String, logDirectory: String) {
        let metrics = config.metrics
        func readiness(_ port: Int) -> Readiness? {
            metrics.enabled && port != 0 ? Readiness(host: metrics.host, port: port, path: "/healthz") : nil
        }
        func child(_ name: String, _ role: [String], stage: Int, port: Int, extra: [String] = []) -> Child {
            Child(
                spec: ChildSpec(
                    name: name, executable: executable, arguments: role + ["--config", configPath] + extra,
                    stopStage: stage, logFile: logDirectory + "/\(name).log"),
                readiness: readiness(port))
        }
        var children: [Child] = []
        if config.usesEmulator {
            let emulator = config.emulator
            children.append(Child(
                spec: ChildSpec(
                    name: "emulator", executable: executable,
                    arguments: [
                        "emulator", "--host", emulator.host, "--port", "\(emulator.port)", "--seed", "\(emulator.seed)",
                        "--users", "\(emulator.users)", "--backlog-size", "\(emulator.backlog)",
                        "--events-per-second", "\(emulator.eventsPerSecond)",
                        "--rate-limit-per-minute", "\(emulator.rateLimitPerMinute)",
                    ],
                    stopStage: 2, logFile: logDirectory + "/emulator.log"),
                readiness: Readiness(host: emulator.host, port: emulator.port, path: "/_emulator/health")))
        }
        children.append(child("broker", ["broker"], stage: 1, port: metrics.brokerPort))
        children.append(child("collector", ["collector"], stage: 0, port: metrics.collectorPort))
        children.append(child("index", ["index"], stage: 0, port: metrics.indexPort))
        children.append(child("alert", ["alert"], stage: 0, port: metrics.alertPort))
        children.append(child("archive", ["archive", "run"], stage: 0, port: metrics.archivePort))
        self.children = children
    }

    /// Every TCP port the system will listen on, with the key that sets it (checked free first).
    static func listeningPorts(_ config: BridgeConfig) -> [(key: String, host: String, port: Int)] {
        var ports: [(key: String, host: String, port: Int)] = []
        if config.usesEmulator { ports.append(("[emulator] port", config.emulator.host, config.emulator.port)) }
        for (key, endpoint) in [
            ("[broker] ingest_endpoint", config.broker.ingestEndpoint), ("[broker] publish_endpoint", config.broker.publishEndpoint),
            ("[broker] control_endpoint", config.broker.controlEndpoint),
        ] {
            if let host = endpoint.host, let port = endpoint.port { ports.append((key, host == "*" ? "127.0.0.1" : host, port)) }
        }
        let metrics = config.metrics
        if metrics.enabled {
            for (key, port) in [
                ("broker_port", metrics.brokerPort), ("collector_port", metrics.collectorPort), ("index_port", metrics.indexPort),
                ("alert_port", metrics.alertPort), ("archive_port", metrics.archivePort),
            ] where port != 0 {
                ports.append(("[metrics] \(key)", metrics.host, port))
            }
        }
        return ports
    }

    /// Problems that keep `up` from running `config`, each naming its key.
    static func problems(_ config: BridgeConfig) -> [String] {
        var problems: [String] = []
        if config.usesEmulator, config.emulator.port == 0 {
            problems.append("[emulator] port = 0: the collector must know the emulator's address; set a fixed port (default 7380)")
        }
        for (key, endpoint) in [
            ("ingest_endpoint", config.broker.ingestEndpoint), ("publish_endpoint", config.broker.publishEndpoint),
            ("control_endpoint", config.broker.controlEndpoint),
        ] where endpoint.transport == .inproc {
            problems.append("[broker] \(key) = \"\(endpoint)\": inproc:// works inside one process only; `up` runs one process per role")
        }
        return problems
    }

    /// The file `up` writes when the config file is missing, so every child reads the same demo
    /// configuration: the defaults, with data paths made absolute under `varDirectory`.
    static func demoConfig(missing path: String, varDirectory: String) -> String {
        let escaped = varDirectory.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return """
        # Written by `boxbridge up` because \(path) does not exist: the built-in demo (every default
        # of bridge.conf, the Box emulator as the only connection). Every process `up` starts reads
        # this file. Copy the shipped bridge.conf and pass --config to change anything.
        [broker]
        journal_path = "\(escaped)/journal"

        [index]
        path = "\(escaped)/index.sqlite"

        [alert]
        state_path = "\(escaped)/alert"

        [archive]
        path = "\(escaped)/archive"

        """
    }
}

/// The path of the running executable, for re-running it as each role.
func currentExecutablePath() -> String {
    if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
        return resolved
    }
    let argument = CommandLine.arguments[0]
    if argument.hasPrefix("/") { return argument }
    if argument.contains("/") { return FileManager.default.currentDirectoryPath + "/" + argument }
    // A bare name was found on PATH.
    for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
        let candidate = "\(folder)/\(argument)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return argument
}
