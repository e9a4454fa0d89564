import ArgumentParser

struct IndexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Run the forensic search indexer (a bus subscriber writing SQLite)."
    )

    func run() async throws {
        throw NotBuiltYet(command: "index", issue: 7).exit()
    }
}
