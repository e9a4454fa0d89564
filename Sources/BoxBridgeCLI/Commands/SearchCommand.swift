import ArgumentParser

struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search the forensic index by connection, actor, file, category, exposure, time and more."
    )

    func run() async throws {
        throw NotBuiltYet(command: "search", issue: 7).exit()
    }
}
