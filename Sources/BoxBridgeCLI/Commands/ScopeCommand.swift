import ArgumentParser
import BoxBridgeConfig
import Collector
import Foundation

struct ScopeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scope",
        abstract: "Manage which users or groups a connection monitors.",
        discussion: """
            A connection monitors all active users (scope = "all" in bridge.conf), the users of a \
            CSV with an Email or Email Address column (scope = "users"), or the members of the \
            groups of a CSV with a Group Name or Groups column (scope = "groups"). Inactive users \
            are never monitored; an event is collected when the file's owner is monitored.

            Imported lists are kept in <folder of [index] path>/scope/<connection>.json (var/scope/ \
            by default) and take precedence over the connection's scope_file.
            """,
        subcommands: [ScopeImportCommand.self, ScopeShowCommand.self]
    )
}

/// Options shared by the scope subcommands.
struct ScopeOptions: ParsableArguments {
    @Option(name: .long, help: "The connection ([[connections]] name in bridge.conf).")
    var connection: String

    @Option(name: .long, help: "The configuration file (default ./bridge.conf).")
    var config: String = BridgeConfig.defaultPath

    @Flag(name: .long, help: "Print the result as one JSON object.")
    var json = false
}

/// A failure of a scope subcommand: its message and exit status.
struct ScopeCommandFailure: Error {
    var status: Int32
    var message: String
    var problems: [ScopeListError.Problem] = []
    var file: String?
}

/// The connection named by `--connection`, with its configured scope (the emulator's demo connection monitors all).
struct ScopeTarget {
    var config: BridgeConfig
    var name: String
    var configured: ConnectionSection.Scope?

    static func load(_ options: ScopeOptions) throws(ScopeCommandFailure) -> ScopeTarget {
        let config: BridgeConfig
        do {
            config = try BridgeConfig.load(path: options.config)
        } catch {
            switch error {
            case .unreadable(let file, let reason):
                throw ScopeCommandFailure(status: 2, message: "cannot read \(file): \(reason)")
            case .invalid(let file, let problems):
                let lines = problems.map(\.description).joined(separator: "\n")
                throw ScopeCommandFailure(status: 2, message: "\(file) is not valid (boxbridge config check):\n\(lines)")
            }
        }
        if let connection = config.connection(named: options.connection) {
            return ScopeTarget(config: config, name: connection.name, configured: connection.scope)
        }
        if config.usesEmulator, options.connection == config.emulator.connectionName {
            return ScopeTarget(config: config, name: options.connection, configured: nil)
        }
        let known = config.usesEmulator ? [config.emulator.connectionName] : config.connections.map(\.name)
        throw ScopeCommandFailure(
            status: 2,
            message: "no connection named \"\(options.connection)\" in \(options.config) (known: \(known.joined(separator: ", ")))")
    }
}

/// `boxbridge scope import --connection C FILE.csv`.
struct ScopeImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Validate a users or groups CSV and make it the connection's scope, replacing the old list.",
        discussion: """
            Users: a column headed Email or Email Address, one email per row. Groups: a column \
            headed Group Name or Groups, names exactly as in the Box Admin Console (a group not \
            found is skipped and looked up again every 24 hours). Headers are matched ignoring \
            case and surrounding spaces; blank lines are skipped, duplicates collapsed, quoted \
            fields may hold commas. At most 1,000 entries.

            Nothing is stored unless the whole file is valid; every bad row is reported as \
            FILE:ROW: reason. The new list replaces the old one atomically.

            Exit status: 0 imported, 1 the CSV is invalid or of the wrong kind for the connection, \
            2 the file or configuration cannot be read or the connection is unknown.
            """
    )

    @OptionGroup var options: ScopeOptions

    @Argument(help: "The CSV file of users or groups.")
    var file: String

    func run() async throws {
        do {
            let target = try ScopeTarget.load(options)
            let list: ScopeList
            do {
                list = try ScopeList.read(contentsOf: file)
            } catch {
                throw ScopeCommandFailure(
                    status: error.isUnreadable ? 2 : 1,
                    message: error.description, problems: error.problems, file: error.file)
            }
            if let configured = target.configured {
                let expected: ScopeList.Kind? = configured == .users ? .users : (configured == .groups ? .groups : nil)
                guard let expected else {
                    throw ScopeCommandFailure(
                        status: 1,
                        message: "connection \(target.name) monitors all users (scope = \"all\" in bridge.conf); "
                            + "set scope = \"\(list.kind.rawValue)\" to monitor this list. Nothing was imported.")
                }
                guard expected == list.kind else {
                    throw ScopeCommandFailure(
                        status: 1,
                        message: "\(file) lists \(list.kind.rawValue) but connection \(target.name) has scope = "
                            + "\"\(expected.rawValue)\" in bridge.conf. Nothing was imported.")
                }
            }
            let store = ScopeStore(config: target.config)
            let absolute = file.hasPrefix("/") ? file : FileManager.default.currentDirectoryPath + "/" + file
            let stored = StoredScope(
                connection: target.name, list: list, source: absolute, importedAt: Date().timeIntervalSince1970)
            do {
                try store.replace(stored)
            } catch {
                throw ScopeCommandFailure(status: 2, message: error.description)
            }
            let path = store.path(for: target.name)
            if options.json {
                writeJSON([
                    "imported": true, "connection": target.name, "kind": list.kind.rawValue, "entries": list.entries.count,
                    "source": absolute, "stored": path,
                ])
            } else {
                let noun = list.kind == .users ? "user" : "group"
                FileOutput.standardOutput.write(
                    "imported \(list.entries.count) \(noun)\(list.entries.count == 1 ? "" : "s") for connection \(target.name) "
                        + "(replacing any previous list)\n  stored: \(path)\n")
            }
        } catch let failure as ScopeCommandFailure {
            report(failure, json: options.json)
        }
    }
}

/// `boxbridge scope show --connection C`.
struct ScopeShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print the connection's stored scope list.",
        discussion: "Exit status: 0 shown, 2 the configuration or stored list cannot be read or the connection is unknown."
    )

    @OptionGroup var options: ScopeOptions

    func run() async throws {
        do {
            let target = try ScopeTarget.load(options)
            let store = ScopeStore(config: target.config)
            let stored: StoredScope?
            do {
                stored = try store.load(connection: target.name)
            } catch {
                throw ScopeCommandFailure(status: 2, message: error.description)
            }
            // The emulator's demo connection has no [[connections]] entry: it monitors every user.
            let configured = target.configured?.rawValue ?? "all"
            if options.json {
                var object: [String: Any] = ["connection": target.name, "scope": configured, "stored": NSNull()]
                if let stored {
                    object["stored"] = [
                        "kind": stored.list.kind.rawValue, "entries": stored.list.entries, "source": stored.source,
                        "imported_at": ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: stored.importedAt)),
                        "path": store.path(for: target.name),
                    ] as [String: Any]
                }
                writeJSON(object)
                return
            }
            var text = "connection \(target.name): scope = \"\(configured)\"\n"
            if let stored {
                let when = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: stored.importedAt))
                text += "  imported list: \(stored.list.entries.count) \(stored.list.kind.rawValue) from \(stored.source) at \(when)\n"
                for entry in stored.list.entries { text += "    \(entry)\n" }
            } else {
                text += "  no imported list (\(store.path(for: target.name)) does not exist)\n"
            }
            FileOutput.standardOutput.write(text)
        } catch let failure as ScopeCommandFailure {
            report(failure, json: options.json)
        }
    }
}

/// Prints a failure (text to stderr, or one JSON object to stdout) and exits with its status.
private func report(_ failure: ScopeCommandFailure, json: Bool) -> Never {
    if json {
        var object: [String: Any] = ["imported": false, "error": failure.message]
        if let file = failure.file { object["file"] = file }
        if !failure.problems.isEmpty {
            object["problems"] = failure.problems.map { problem -> [String: Any] in
                var entry: [String: Any] = ["reason": problem.reason]
                if let row = problem.row { entry["row"] = row }
                return entry
            }
        }
        writeJSON(object)
    } else {
        let lines = failure.message.split(separator: "\n", omittingEmptySubsequences: false).map { "error: \($0)" }
        FileOutput.standardError.write(lines.joined(separator: "\n") + "\n")
    }
    ScopeImportCommand.exit(withError: ExitCode(failure.status))
}

private func writeJSON(_ object: [String: Any]) {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    FileOutput.standardOutput.write(String(decoding: data, as: UTF8.self) + "\n")
}
