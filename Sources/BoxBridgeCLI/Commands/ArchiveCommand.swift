import ArgumentParser

struct ArchiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "Run the tamper-evident archive subscriber; `archive verify` and `archive export` inspect it."
    )

    func run() async throws {
        throw NotBuiltYet(command: "archive", issue: 7).exit()
    }
}
