import ArgumentParser

struct CollectorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collector",
        abstract: "Run a collector: lease connections, poll Box, normalize, scope, dedupe, coalesce, enrich, publish."
    )

    func run() async throws {
        throw NotBuiltYet(command: "collector", issue: 6).exit()
    }
}
