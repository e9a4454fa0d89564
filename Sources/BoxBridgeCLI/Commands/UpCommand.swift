import ArgumentParser
import BoxBridgeConfig
import BoxBridgeRuntime
import BoxBridgeProtocol
import BusClient
import Foundation
import Logging
import ServiceLifecycle
import Supervisor

/// `boxbridge up`: the whole system on this machine, under one supervisor.
struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Run a whole working system on this machine: broker, collector, subscribers and, without Box credentials, the emulator.",
        discussion: """
            Starts each role as a child process of this one, in order, waiting for each to answer \
            on its /healthz: the Box emulator with a demo enterprise (only when bridge.conf has no \
            [[connections]]), the broker, a collector, and the index, alert and archive subscribers. \
            A child that exits is restarted after 1 s, then 2, 4, ... up to 30 s (back to 1 s once it \
            ran a minute). Each child's output is shown prefixed with its name and appended to \
            var/logs/<name>.log beside bridge.conf.

            On a terminal a status line shows events/s, lag behind Box, subscriber lag and alerts. \
            Ctrl-C (or SIGTERM) stops gracefully: collectors and subscribers first, then the \
            broker, then the emulator; a child still running after --stop-timeout is killed.

            Without a config file, the demo defaults apply and are written to var/up/bridge.conf \
            so that every child reads the same configuration.
            """
    )

    @Option(help: "bridge.conf to run (missing file: the demo defaults).")
    var config = BridgeConfig.defaultPath

    @Flag(help: "Do not draw the live status line.")
    var noStatus = false

    @Option(help: "Seconds each child may take to become healthy before `up` moves on.")
    var startTimeout = 30.0

    @Option(help: "Seconds a child may take to exit after SIGTERM before it is killed.")
    var stopTimeout = 10.0

    @Option(help: "Folder of the children's log files (default: var/logs beside bridge.conf).")
    var logDir: String?

    func run() async throws {
        let fileManager = FileManager.default
        let cwd = fileManager.currentDirectoryPath
        var configPath = config.hasPrefix("/") ? config : cwd + "/" + config
        var demoNote: String?
        if !fileManager.fileExists(atPath: configPath) {
            let varDirectory = cwd + "/var"
            let written = varDirectory + "/up/bridge.conf"
            do {
                try fileManager.createDirectory(atPath: varDirectory + "/up", withIntermediateDirectories: true)
                try Data(UpPlan.demoConfig(missing: config, varDirectory: varDirectory).utf8)
                    .write(to: URL(fileURLWithPath: written), options: .atomic)
            } catch {
                FileOutput.standardError.write("error: \(config) does not exist and the demo config could not be written to \(written): \(error.localizedDescription)\n")
                throw ExitCode(1)
            }
            demoNote = "\(config) not found: running the demo defaults (written to \(written))"
            configPath = written
        }
        let loaded: BridgeConfig
        do {
            loaded = try BridgeConfig.load(path: configPath)
        } catch {
            FileOutput.standardError.write("error: \(error)\n")
            throw ExitCode(2)
        }
        let problems = UpPlan.problems(loaded)
        guard problems.isEmpty else {
            for problem in problems { FileOutput.standardError.write("error: \(configPath): \(problem)\n") }
            throw ExitCode(2)
        }
        // A second `up`, or a role started by hand, would make children fail to bind, while the
        // health checks answered by the other process made everything look fine.
        var taken: [String] = []
        for listener in UpPlan.listeningPorts(loaded) where await HealthProbe.isListening(host: listener.host, port: listener.port) {
            taken.append("\(listener.key): \(listener.host):\(listener.port) is already in use")
        }
        guard taken.isEmpty else {
            for problem in taken { FileOutput.standardError.write("error: \(configPath): \(problem)\n") }
            FileOutput.standardError.write("Is boxbridge already running here (`boxbridge status`)? Stop it, or give this system other ports.\n")
            throw ExitCode(1)
        }
        // Beside the data: var/ next to bridge.conf, or the demo's var/ in this folder.
        let dataFolder = demoNote == nil ? (configPath as NSString).deletingLastPathComponent + "/var" : cwd + "/var"
        let logDirectory = logDir.map { $0.hasPrefix("/") ? $0 : cwd + "/" + $0 } ?? dataFolder + "/logs"
        do {
            try fileManager.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
        } catch {
            FileOutput.standardError.write("error: cannot create the log folder \(logDirectory): \(error.localizedDescription)\n")
            throw ExitCode(1)
        }

        let plan = UpPlan(config: loaded, configPath: configPath, executable: currentExecutablePath(), logDirectory: logDirectory)
        let console = UpConsole(
            showsStatus: !noStatus && FileOutput.standardError.isTerminal,
            nameWidth: plan.children.map(\.spec.name.count).max() ?? 0)
        var logger = Logger(label: "boxbridge.up") { _ in UpConsoleLogHandler(console: console) }
        logger.logLevel = Logger.Level(rawValue: loaded.logging.level.rawValue) ?? .info
        if let demoNote { console.line(from: "up", demoNote) }

        let supervisor = Supervisor(
            options: .init(stopTimeout: .milliseconds(Int64(stopTimeout * 1000))), logger: logger,
            output: { console.line(from: $0.child, $0.text) })
        let service = UpService(
            plan: plan, config: loaded, configArgument: config == BridgeConfig.defaultPath && demoNote == nil ? nil : configPath,
            logDirectory: logDirectory, supervisor: supervisor, console: console,
            startTimeout: .milliseconds(Int64(startTimeout * 1000)), logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// Starts the children in order, keeps the status line fresh, stops everything on shutdown.
private struct UpService: Service {
    let plan: UpPlan
    let config: BridgeConfig
    /// `--config X` for the hints, nil when the default applies.
    let configArgument: String?
    let logDirectory: String
    let supervisor: Supervisor
    let console: UpConsole
    let startTimeout: Duration
    let logger: Logger

    func run() async throws {
        let work = Task {
            guard await startChildren() else { return }
            console.write(hints())
            await refreshStatus()
        }
        // Returns once SIGINT/SIGTERM arrives (or throws when the group is cancelled).
        try? await gracefulShutdown()
        work.cancel()
        await work.value
        console.clearStatus()
        logger.info("stopping every child")
        await supervisor.stopAll()
        let leftovers = await supervisor.children().filter { $0.pid != nil }
        if leftovers.isEmpty {
            logger.info("all stopped")
        } else {
            logger.error("still running", metadata: [LogKey.childName: "\(leftovers.map(\.name).joined(separator: ","))"])
        }
    }

    /// Starts each child and waits until it is healthy (or has failed, or the start timeout
    /// passed: then it keeps being restarted and `up` moves on). False when cancelled.
    private func startChildren() async -> Bool {
        for child in plan.children {
            guard !Task.isCancelled else { return false }
            let name = child.spec.name
            do {
                try await supervisor.start(child.spec)
            } catch {
                logger.error("cannot supervise", metadata: [LogKey.childName: "\(name)", LogKey.error: "\(error)"])
                continue
            }
            guard let readiness = child.readiness else {
                logger.info("started (no health endpoint to wait for)", metadata: [LogKey.childName: "\(name)"])
                continue
            }
            let deadline = ContinuousClock.now + startTimeout
            var outcome = HealthProbe.Result.unreachable(reason: "not probed")
            while !Task.isCancelled, ContinuousClock.now < deadline {
                outcome = await HealthProbe.check(host: readiness.host, port: readiness.port, path: readiness.path)
                if outcome == .healthy { break }
                if let status = await supervisor.child(name), status.unexpectedExits > 0 {
                    let exit = status.lastExit.map { "\($0)" } ?? "?"
                    logger.warning(
                        "exited while starting; restarting with backoff (see its log)",
                        metadata: [LogKey.childName: "\(name)", LogKey.childExit: "\(exit)", LogKey.path: "\(logDirectory)/\(name).log"])
                    break
                }
                try? await Task.sleep(for: .milliseconds(100))
            }
            if outcome == .healthy {
                logger.info("healthy", metadata: [LogKey.childName: "\(name)", LogKey.healthURL: "http://\(readiness.host):\(readiness.port)\(readiness.path)"])
            } else if !Task.isCancelled, ContinuousClock.now >= deadline {
                logger.warning("not healthy in time; moving on", metadata: [LogKey.childName: "\(name)", LogKey.error: "\(outcome)"])
            }
        }
        return !Task.isCancelled
    }

    private func hints() -> String {
        let flag = configArgument.map { " --config \($0)" } ?? ""
        var text = "\nboxbridge is up"
        if config.usesEmulator {
            text += " with a demo enterprise (Box emulator at http://\(config.emulator.host):\(config.emulator.port))"
        }
        text += ".\n  try: boxbridge search\(flag) --limit 10               # the newest file events\n"
        text += "       boxbridge status\(flag)                         # leases, lag, subscribers, topics\n"
        text += "       boxbridge topics\(flag) --prefix alerts/        # alerts fired, per rule\n"
        if config.metrics.enabled && config.metrics.brokerPort != 0 {
            text += "       curl -s http://\(config.metrics.host):\(config.metrics.brokerPort)/metrics\n"
        }
        text += "  logs: \(logDirectory)/<name>.log     Ctrl-C stops everything.\n\n"
        return text
    }

    /// Redraws the status line every second on a terminal; elsewhere (a log file, CI) logs the
    /// same summary every 30 s.
    private func refreshStatus() async {
        guard let client = try? BusClient(endpoints: BusEndpoints(config: config), timeout: .seconds(1)) else { return }
        defer { Task { await client.close() } }
        let live = console.showsStatus
        while !Task.isCancelled {
            if !live { try? await Task.sleep(for: .seconds(30)) }
            guard !Task.isCancelled else { break }
            let children = await supervisor.children()
            let running = children.filter { $0.pid != nil }.count
            var line = "\(running)/\(children.count) up"
            let restarts = children.reduce(0) { $0 + $1.unexpectedExits }
            if restarts > 0 { line += " (\(restarts) restart\(restarts == 1 ? "" : "s"))" }
            if let stats = try? await client.stats() {
                line += " · " + UpStatusLine.summary(stats)
            } else {
                line += " · broker not answering"
            }
            if live {
                console.status(line)
                try? await Task.sleep(for: .seconds(1))
            } else {
                logger.info("\(line)")
            }
        }
    }
}

/// The one-line summary of the live status line.
enum UpStatusLine {
    static func summary(_ stats: Boxbridge_V1_StatsResponse) -> String {
        let boxTopics = stats.topics.filter { $0.topic.hasPrefix("box/") }
        let events = boxTopics.reduce(UInt64(0)) { $0 + $1.messages }
        let rate = boxTopics.reduce(0.0) { $0 + $1.rate1M }
        let alerts = stats.topics.filter { $0.topic.hasPrefix("alerts/") }.reduce(UInt64(0)) { $0 + $1.messages }
        let boxLag = stats.connections.map(\.progress.lagSeconds).max() ?? 0
        let subscriberLag = stats.subscribers.map(\.lag).max() ?? 0
        let limited = stats.connections.reduce(UInt64(0)) { $0 + $1.progress.rateLimitedTotal }
        // Most telling first: a narrow terminal cuts the end of the line.
        return "\(String(format: "%.1f", rate)) events/s (\(events)) · alerts \(alerts) · Box lag \(StatusReport.formatSeconds(boxLag))"
            + " · subscribers behind \(subscriberLag) · 429s \(limited)"
    }
}
