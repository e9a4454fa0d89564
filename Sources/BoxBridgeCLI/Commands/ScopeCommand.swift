import ArgumentParser

struct ScopeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scope",
        abstract: "Manage which users or groups a connection monitors (`scope import`)."
    )

    func run() async throws {
        throw NotBuiltYet(command: "scope", issue: 6).exit()
    }
}
