import ArgumentParser

struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Run a whole working system on this machine: broker, collector, subscribers and, without Box credentials, the emulator."
    )

    func run() async throws {
        throw NotBuiltYet(command: "up", issue: 8).exit()
    }
}
