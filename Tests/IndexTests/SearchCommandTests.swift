import Foundation
import TestSupport
import Testing
@testable import Index

/// `boxbridge search` as a user runs it: the built binary against an index made in the test.
@Suite("search command")
struct SearchCommandTests {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    func search(_ arguments: [String]) async throws -> Result {
        let output = try await runToCompletion(URL(fileURLWithPath: IndexProcessTests.binary), ["search"] + arguments)
        return Result(status: output.status, stdout: output.stdoutText, stderr: output.stderrText)
    }

    @Test("table, --json, --csv and --limit from the command line; +02:00 finds the UTC-stored row")
    func outputs() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: IndexProcessTests.binary), "build the boxbridge binary first")
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        _ = try makeStore(searchFixture, directory: directory)
        let db = directory.path + "/index.sqlite"

        let table = try await search(["--db", db, "--actor", "ALICE@acme.com"])
        #expect(table.status == 0, "\(table.stderr)")
        let lines = table.stdout.split(separator: "\n")
        // Required, not expected: indexing a missing line would crash the whole test process.
        try #require(lines.count == 3, "\(table.stdout)")
        #expect(lines[0].hasPrefix("TIME (UTC)"))
        #expect(lines[1].hasPrefix("2026-11-21 10:00:00Z  globex") && lines[2].contains("Quarterly Report.pdf"))

        let json = try await search(["--db", db, "--since", "2026-11-21T12:00:00+02:00", "--until", "2026-11-21T12:00:00+02:00", "--json"])
        #expect(json.status == 0)
        #expect(json.stdout.split(separator: "\n").count == 1 && json.stdout.contains("\"plan.txt\""))

        let csv = try await search(["--db", db, "--file-name", "r\u{E9}sum\u{E9}", "--csv"])
        #expect(csv.status == 0)
        #expect(csv.stdout.hasPrefix("occurred_at,") && csv.stdout.components(separatedBy: "\r\n").count == 3)

        let limited = try await search(["--db", db, "--limit", "2"])
        #expect(limited.stdout.split(separator: "\n").count == 3)
        #expect(limited.stderr.contains("raise --limit"))
    }

    @Test("bad filters name their flag; a missing index says how to make one")
    func errors() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: IndexProcessTests.binary), "build the boxbridge binary first")
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        _ = try makeStore(searchFixture, directory: directory)
        let db = directory.path + "/index.sqlite"
        for (arguments, flag) in [
            (["--since", "last week"], "--since"), (["--until", "2026-02-30"], "--until"), (["--category", "uploaded"], "--category"),
            (["--exposure", "world"], "--exposure"), (["--control-mode", "strict"], "--control-mode"), (["--limit", "-3"], "--limit"),
            (["--text", "..."], "--text"), (["--json", "--csv"], "--json"),
        ] {
            let result = try await search(["--db", db] + arguments)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stderr.contains(flag), "\(arguments): \(result.stderr)")
        }
        let missing = try await search(["--db", directory.path + "/none.sqlite"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no index at") && missing.stderr.contains("boxbridge index"))
    }
}
