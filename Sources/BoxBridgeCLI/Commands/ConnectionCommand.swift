import ArgumentParser
import BoxBridgeConfig
import Collector
import Foundation
import Logging

struct ConnectionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connection",
        abstract: "Verify, deauthorize or resume a Box connection.",
        discussion: """
            NAME is a [[connections]] name in bridge.conf; with no connection configured, the \
            emulator's demo connection ("demo" by default) is the one there is.

            A deauthorized or failed connection is not polled: collectors check its state before \
            every poll and report it as "deauthorized" or "failed: <reason>" in boxbridge status. \
            States are kept in <folder of [index] path>/connections/NAME.json (var/connections/ by \
            default); no file means active.
            """,
        subcommands: [ConnectionVerifyCommand.self, ConnectionDeauthorizeCommand.self, ConnectionResumeCommand.self]
    )
}

/// Options shared by the connection subcommands.
struct ConnectionOptions: ParsableArguments {
    @Argument(help: "The connection ([[connections]] name in bridge.conf).")
    var name: String

    @Option(name: .long, help: "The configuration file (default ./bridge.conf).")
    var config: String = BridgeConfig.defaultPath

    @Flag(name: .long, help: "Print the result as one JSON object.")
    var json = false
}

/// A connection subcommand that cannot run: its message and exit status.
struct ConnectionCommandFailure: Error {
    var status: Int32
    var message: String
}

/// The configuration and the named connection, or a failure naming the file or the known names.
struct ConnectionTarget {
    var config: BridgeConfig
    var connection: ConnectionSection

    static func load(_ options: ConnectionOptions) throws(ConnectionCommandFailure) -> ConnectionTarget {
        let config: BridgeConfig
        do {
            config = try BridgeConfig.load(path: options.config)
        } catch {
            switch error {
            case .unreadable(let file, let reason):
                throw ConnectionCommandFailure(status: 2, message: "cannot read \(file): \(reason)")
            case .invalid(let file, let problems):
                let lines = problems.map(\.description).joined(separator: "\n")
                throw ConnectionCommandFailure(status: 2, message: "\(file) is not valid (boxbridge config check):\n\(lines)")
            }
        }
        guard let connection = config.activeConnection(named: options.name) else {
            let known = config.activeConnections.map(\.name).joined(separator: ", ")
            throw ConnectionCommandFailure(
                status: 2, message: "no connection named \"\(options.name)\" in \(options.config) (known: \(known))")
        }
        return ConnectionTarget(config: config, connection: connection)
    }
}

/// `boxbridge connection verify NAME`.
struct ConnectionVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a connection's credentials, enterprise, admin email and event stream against Box.",
        discussion: """
            Checks, in order:
              credentials    Box issues a token (CCG or JWT) for enterprise_id
              enterprise     the token's enterprise (GET /users/me) is enterprise_id
              admin_email    admin_email is an admin or co-admin there (when empty,
                             as for the demo connection: "not configured", no failure)
              event_stream   the enterprise event stream can be read

            Each failure says what is wrong: Box's error code and message for refused \
            credentials, both enterprise ids for a token of another enterprise. Secrets are \
            never printed.

            Exit status: 0 every check passed, 1 a check failed, 2 the configuration cannot be read \
            or the connection is unknown.
            """
    )

    @OptionGroup var options: ConnectionOptions

    func run() async throws {
        let target: ConnectionTarget
        do {
            target = try ConnectionTarget.load(options)
        } catch {
            connectionReport(error, json: options.json)
        }
        let logger = Logger(label: "boxbridge.connection") { _ in SwiftLogNoOpLogHandler() }
        let result: ConnectionVerification
        switch Result(catching: { () throws(ConnectionCredentialsError) in
            try ConnectionVerifier(connection: target.connection, scheduler: target.config.scheduler, logger: logger)
        }) {
        case .success(let verifier): result = await verifier.verify()
        case .failure(let error): result = ConnectionVerifier.unusableCredentials(target.connection, error)
        }
        if options.json {
            connectionWriteJSON([
                "connection": result.connection, "enterprise_id": result.enterpriseID, "api_base_url": result.apiBaseURL,
                "auth": result.auth, "ok": result.passed,
                "checks": result.checks.map { ["name": $0.name, "status": $0.status.rawValue, "detail": $0.detail] },
            ])
        } else {
            var text = "connection \(result.connection): enterprise \(result.enterpriseID) at \(result.apiBaseURL) (\(result.auth))\n"
            for check in result.checks {
                let mark =
                    switch check.status {
                    case .pass: "[ok]  "
                    case .fail: "[FAIL]"
                    case .skipped: "[skip]"
                    case .notConfigured: "[n/a] "
                    }
                text += "  \(mark) \(check.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(check.detail)\n"
            }
            let failed = result.checks.filter { $0.status == .fail }.count
            let skipped = result.checks.filter { $0.status == .skipped }.count
            if result.passed {
                text += "verified: every check passed\n"
            } else {
                text += "not verified: \(failed) check\(failed == 1 ? "" : "s") failed"
                text += skipped > 0 ? ", \(skipped) not run\n" : "\n"
            }
            FileOutput.standardOutput.write(text)
        }
        if !result.passed { throw ExitCode(1) }
    }
}

/// `boxbridge connection deauthorize NAME`.
struct ConnectionDeauthorizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deauthorize",
        abstract: "Stop collecting a connection until it is resumed.",
        discussion: """
            Collectors stop polling the connection at their next check (one heartbeat) and report \
            its state as "deauthorized". Nothing already on the bus is removed, and the Box app \
            stays authorized in Box. Use it before changing a connection's scope, or after the \
            500,000-drive limit failed it; then run boxbridge connection resume NAME.

            Exit status: 0 done, 1 the state file cannot be written, 2 the configuration cannot be \
            read or the connection is unknown.
            """
    )

    @OptionGroup var options: ConnectionOptions

    @Option(help: "Why, recorded with the state (shown by status).")
    var reason = "deauthorized by the operator"

    func run() async throws {
        do {
            let target = try ConnectionTarget.load(options)
            let store = ConnectionStateStore(config: target.config)
            let change: (previous: ConnectionControl, current: ConnectionControl)
            do {
                change = try store.deauthorize(connection: target.connection.name, reason: reason, by: connectionActor("deauthorize"))
            } catch {
                throw ConnectionCommandFailure(status: 1, message: error.description)
            }
            let path = store.path(for: target.connection.name)
            if options.json {
                connectionWriteJSON(connectionChangeJSON(change, path: path))
            } else {
                FileOutput.standardOutput.write(
                    "connection \(target.connection.name): deauthorized (was \(describe(change.previous)))\n"
                        + "  collectors stop polling it at their next check; resume with: boxbridge connection resume \(target.connection.name)\n"
                        + "  state: \(path)\n")
            }
        } catch {
            connectionReport(error, json: options.json)
        }
    }
}

/// `boxbridge connection resume NAME`.
struct ConnectionResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Collect a deauthorized or failed connection again; scoping re-runs.",
        discussion: """
            Marks the connection active. The collector that picks it up resolves its scope from \
            scratch (users, groups, inactive users, the 500,000-drive limit) before polling, from \
            the broker's checkpoint. The imported scope list (boxbridge scope show) is kept: to \
            change the scope, import the new CSV before resuming.

            Exit status: 0 done, 1 the state file cannot be written, 2 the configuration cannot be \
            read or the connection is unknown.
            """
    )

    @OptionGroup var options: ConnectionOptions

    func run() async throws {
        do {
            let target = try ConnectionTarget.load(options)
            let store = ConnectionStateStore(config: target.config)
            let change: (previous: ConnectionControl, current: ConnectionControl)
            do {
                change = try store.resume(connection: target.connection.name, by: connectionActor("resume"))
            } catch {
                throw ConnectionCommandFailure(status: 1, message: error.description)
            }
            let path = store.path(for: target.connection.name)
            if options.json {
                connectionWriteJSON(connectionChangeJSON(change, path: path))
            } else {
                FileOutput.standardOutput.write(
                    "connection \(target.connection.name): active (was \(describe(change.previous)))\n"
                        + "  scoping re-runs when a collector picks it up, then polling resumes from the broker's checkpoint\n"
                        + "  state: \(path)\n")
            }
        } catch {
            connectionReport(error, json: options.json)
        }
    }
}

/// "active", "deauthorized: reason" or "failed: reason".
private func describe(_ control: ConnectionControl) -> String {
    control.reason.isEmpty ? control.state.rawValue : "\(control.state.rawValue): \(control.reason)"
}

/// Who made a change, for the state file's `changed_by`.
private func connectionActor(_ verb: String) -> String {
    "boxbridge connection \(verb) (\(NSUserName())@\(ProcessInfo.processInfo.hostName))"
}

private func connectionChangeJSON(_ change: (previous: ConnectionControl, current: ConnectionControl), path: String) -> [String: Any] {
    [
        "connection": change.current.connection, "state": change.current.state.rawValue, "reason": change.current.reason,
        "previous_state": change.previous.state.rawValue, "previous_reason": change.previous.reason,
        "changed_at": ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: change.current.changedAt)),
        "generation": change.current.generation, "path": path,
    ]
}

/// Prints a failure (text to stderr, or one JSON object to stdout) and exits with its status.
private func connectionReport(_ error: any Error, json: Bool) -> Never {
    let failure = error as? ConnectionCommandFailure ?? ConnectionCommandFailure(status: 1, message: "\(error)")
    if json {
        connectionWriteJSON(["ok": false, "error": failure.message])
    } else {
        let lines = failure.message.split(separator: "\n", omittingEmptySubsequences: false).map { "error: \($0)" }
        FileOutput.standardError.write(lines.joined(separator: "\n") + "\n")
    }
    ConnectionCommand.exit(withError: ExitCode(failure.status))
}

private func connectionWriteJSON(_ object: [String: Any]) {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    FileOutput.standardOutput.write(String(decoding: data, as: UTF8.self) + "\n")
}
