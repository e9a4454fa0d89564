import ArgumentParser

struct AlertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alert",
        abstract: "Run the alerting subscriber: rules from bridge.conf, outputs to stdout, file, webhook and the bus."
    )

    func run() async throws {
        throw NotBuiltYet(command: "alert", issue: 7).exit()
    }
}
