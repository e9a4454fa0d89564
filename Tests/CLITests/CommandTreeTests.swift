import Foundation
import Testing

@Suite("The boxbridge command tree")
struct CommandTreeTests {
    /// Every role and operator task of DESIGN.md.
    static let subcommands = [
        "up", "broker", "collector", "index", "alert", "archive", "emulator", "search", "topics",
        "status", "scope", "connection", "keys", "config", "normalize",
    ]

    @Test("--help lists every subcommand of DESIGN.md")
    func helpListsSubcommands() async throws {
        let result = try await BoxBridgeProcess.run(["--help"])
        #expect(result.status == 0)
        for command in Self.subcommands {
            #expect(result.stdout.contains("  \(command)"), "missing \(command) in --help")
        }
    }

    @Test("each subcommand explains itself with --help", arguments: subcommands)
    func subcommandHelp(command: String) async throws {
        let result = try await BoxBridgeProcess.run([command, "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE: boxbridge \(command)"))
        #expect(result.stdout.contains("OVERVIEW:"))
    }

    @Test("an unknown subcommand fails with usage on stderr")
    func unknownCommand() async throws {
        let result = try await BoxBridgeProcess.run(["frobnicate"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("frobnicate"))
    }

    @Test("--version prints the version")
    func version() async throws {
        let result = try await BoxBridgeProcess.run(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
    }
}

@Suite("Subcommands not built yet")
struct NotBuiltYetTests {
    /// Subcommands whose role has not landed. Each must say so and exit 2, printing nothing on
    /// stdout that a script could mistake for a result. Remove a name when its role lands.
    static let pending: [String] = NotBuiltYetTests.discoverPending()

    static func discoverPending() -> [String] {
        let commands = BoxBridgeProcess.packageRoot.appending(path: "Sources/BoxBridgeCLI/Commands")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: commands.path)) ?? []
        return files.compactMap { file -> String? in
            guard let text = try? String(contentsOf: commands.appending(path: file), encoding: .utf8),
                  let range = text.range(of: #"NotBuiltYet\(command: "([a-z ]+)""#, options: .regularExpression)
            else { return nil }
            let match = text[range]
            return match.split(separator: "\"")[1].description
        }.sorted()
    }

    @Test("says so on stderr, prints nothing on stdout and exits 2", arguments: pending)
    func exitsTwo(command: String) async throws {
        let result = try await BoxBridgeProcess.run(command.split(separator: " ").map(String.init))
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("not built yet"))
    }
}
