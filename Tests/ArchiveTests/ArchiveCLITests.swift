import Foundation
import TestSupport
import Testing

@testable import Archive

/// `boxbridge archive verify` and `boxbridge archive export` as a user runs them.
@Suite("boxbridge archive verify|export", .timeLimit(.minutes(1)))
struct ArchiveCLITests {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func boxbridge(_ arguments: [String]) async throws -> Output {
        let result = try await runToCompletion(URL(fileURLWithPath: ArchiveProcessTests.executable), arguments)
        return Output(status: result.status, stdout: result.stdoutText, stderr: result.stderrText)
    }

    /// An archive of 300 events a minute apart from 2025-11-21 00:00 UTC in several sealed segments.
    static func archive() throws -> String {
        let root = try Fixtures.temporaryRoot()
        let writer = try ArchiveWriter(
            configuration: .init(root: root, connection: Fixtures.connection, maxSegmentBytes: 30_000), logger: Fixtures.logger)
        try writer.append(contentsOf: Fixtures.stream(count: 300))
        try writer.flush()
        return root
    }

    @Test("verify passes a good archive, then fails with status 1 naming the one segment whose byte was flipped")
    func verifyNamesFlippedSegment() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: ArchiveProcessTests.executable))
        let root = try Self.archive()
        defer { Fixtures.remove(root) }
        let good = try await Self.boxbridge(["archive", "verify", root])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("acme: OK"))
        #expect(good.stdout.contains("300 events"))

        let segment = "acme/2025-11-21/segment-000003.jsonl.gz"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: root + "/" + segment))
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: root + "/" + segment))
        let bad = try await Self.boxbridge(["archive", "verify", root])
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("FAILED at \(segment)"))
        let json = try await Self.boxbridge(["archive", "verify", "--json", root + "/acme"])
        #expect(json.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["valid"] as? Bool == false)
        #expect((object["first_bad"] as? [String: Any])?["path"] as? String == segment)

        let missing = try await Self.boxbridge(["archive", "verify", root + "/nothing-here"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no archive"))
    }

    @Test("export prints the events of [from, to) as JSON lines, whatever the offset the bounds are written in")
    func exportRange() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: ArchiveProcessTests.executable))
        let root = try Self.archive()
        defer { Fixtures.remove(root) }
        let result = try await Self.boxbridge(["archive", "export", "--from", "2025-11-21T01:10:00+01:00", "--to", "2025-11-21T00:20:00Z", root])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 10)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["sequence"] as? Int == 10)
        #expect(first["raw"] != nil)
        let bad = try await Self.boxbridge(["archive", "export", "--from", "yesterday", "--to", "2025-11-21", root])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("--from"))
    }
}
