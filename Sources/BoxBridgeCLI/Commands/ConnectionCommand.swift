import ArgumentParser

struct ConnectionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connection",
        abstract: "Verify, deauthorize or resume a Box connection."
    )

    func run() async throws {
        throw NotBuiltYet(command: "connection", issue: 6).exit()
    }
}
