import ArgumentParser
import Supervisor

/// The one executable. Each role and operator task is a subcommand; `@main` stays thin and each
/// process is built by a function its tests call too (STYLE.md practice 7).
@main
struct BoxBridge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "boxbridge",
        abstract: "Box enterprise file activity as a reliable, typed event stream over ZeroMQ.",
        discussion: """
            Roles (long-running processes): broker, collector, index, alert, archive, emulator.
            Operator tasks: search, topics, status, scope, connection, archive verify|export, keys, config, normalize.
            `boxbridge up` runs a whole working system on this machine.

            Every command reads bridge.conf (--config, default ./bridge.conf).
            """,
        version: BoxBridgeVersion.current,
        subcommands: [
            UpCommand.self,
            BrokerCommand.self,
            CollectorCommand.self,
            IndexCommand.self,
            AlertCommand.self,
            ArchiveCommand.self,
            EmulatorCommand.self,
            SearchCommand.self,
            TopicsCommand.self,
            StatusCommand.self,
            ScopeCommand.self,
            ConnectionCommand.self,
            KeysCommand.self,
            ConfigCommand.self,
            NormalizeCommand.self,
        ]
    )

    /// ArgumentParser's own entry point, after one step every process takes: a child of
    /// `boxbridge up` ends gracefully if its supervisor dies, even by `kill -9`.
    static func main() async {
        SupervisorWatch.startIfSupervised()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

enum BoxBridgeVersion {
    static let current = "0.1.0"
}
