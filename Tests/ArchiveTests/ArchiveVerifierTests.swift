import Foundation
import Testing

@testable import Archive
import BoxBridgeProtocol

@Suite("ArchiveVerifier")
struct ArchiveVerifierTests {
    /// An archive of 3 sealed segments (days 2025-11-21, -22, -23) under a fresh root.
    static func makeArchive() throws -> (root: String, segments: [String]) {
        let root = try Fixtures.temporaryRoot()
        let writer = try ArchiveWriter(configuration: .init(root: root, connection: Fixtures.connection), logger: Fixtures.logger)
        for day in 0..<3 {
            try writer.append(contentsOf: Fixtures.stream(count: 40, start: 1_763_683_200 + Int64(day) * 86_400, from: UInt64(day * 40)))
        }
        try writer.flush()
        let segments = (1...3).map { "acme/2025-11-2\($0)/segment-00000\($0).jsonl.gz" }
        #expect(ArchiveVerifier.verify(root: root, connection: Fixtures.connection).isValid)
        return (root, segments)
    }

    @Test("flipping any one byte of a sealed segment fails verify and names that segment", arguments: [
        0, 3, 4, 9, 10, 50, -1, -2, -4, -5, -8,  // header, mtime, OS byte, deflate data, CRC32 and ISIZE trailer
    ])
    func flippedByte(position: Int) throws {
        let (root, segments) = try Self.makeArchive()
        defer { Fixtures.remove(root) }
        let target = root + "/" + segments[1]
        var bytes = try Data(contentsOf: URL(fileURLWithPath: target))
        let index = position >= 0 ? position : bytes.count + position
        bytes[index] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: target))
        let result = ArchiveVerifier.verify(root: root, connection: Fixtures.connection)
        #expect(!result.isValid)
        #expect(result.firstBad?.path == segments[1])
        #expect(result.firstBad?.reason.contains("sha256") == true)
    }

    @Test("flipping a byte in the middle of each segment in turn names exactly that segment")
    func flippedMiddleOfEach() throws {
        for victim in 0..<3 {
            let (root, segments) = try Self.makeArchive()
            defer { Fixtures.remove(root) }
            let target = root + "/" + segments[victim]
            var bytes = try Data(contentsOf: URL(fileURLWithPath: target))
            bytes[bytes.count / 2] ^= 0x80
            try bytes.write(to: URL(fileURLWithPath: target))
            #expect(ArchiveVerifier.verify(root: root, connection: Fixtures.connection).firstBad?.path == segments[victim])
        }
    }

    @Test("editing a manifest line fails verify and names its segment")
    func editedManifestLine() throws {
        let (root, segments) = try Self.makeArchive()
        defer { Fixtures.remove(root) }
        let manifest = root + "/acme/MANIFEST.jsonl"
        let text = try String(contentsOfFile: manifest, encoding: .utf8)
        var lines = text.split(separator: "\n").map(String.init)
        lines[1] = lines[1].replacingOccurrences(of: "\"events\":40", with: "\"events\":39")
        try (lines.joined(separator: "\n") + "\n").write(toFile: manifest, atomically: true, encoding: .utf8)
        let result = ArchiveVerifier.verify(root: root, connection: Fixtures.connection)
        #expect(!result.isValid)
        #expect(result.firstBad?.path == segments[1])
        #expect(result.firstBad?.reason.contains("line 2") == true)
    }

    @Test("an edited manifest line with a recomputed chain still fails on its contents and the next prev")
    func forgedManifestLine() throws {
        let (root, segments) = try Self.makeArchive()
        defer { Fixtures.remove(root) }
        let manifest = root + "/acme/MANIFEST.jsonl"
        let data = try Data(contentsOf: URL(fileURLWithPath: manifest))
        var entries = try data.split(separator: UInt8(ascii: "\n")).map { try JSONDecoder().decode(ManifestEntry.self, from: Data($0)) }
        entries[0].events = 41
        entries[0].chain = entries[0].computedChain()
        let forged = try entries.map { try $0.line() }.reduce(Data(), +)
        try forged.write(to: URL(fileURLWithPath: manifest))
        let result = ArchiveVerifier.verify(root: root, connection: Fixtures.connection)
        #expect(result.firstBad?.path == segments[0])
        #expect(result.firstBad?.reason.contains("41") == true)
    }

    @Test("deleting a manifest line fails verify", arguments: [0, 1, 2])
    func deletedManifestLine(line: Int) throws {
        let (root, segments) = try Self.makeArchive()
        defer { Fixtures.remove(root) }
        let manifest = root + "/acme/MANIFEST.jsonl"
        var lines = try String(contentsOfFile: manifest, encoding: .utf8).split(separator: "\n").map(String.init)
        lines.remove(at: line)
        try (lines.joined(separator: "\n") + "\n").write(toFile: manifest, atomically: true, encoding: .utf8)
        let result = ArchiveVerifier.verify(root: root, connection: Fixtures.connection)
        #expect(!result.isValid)
        // A removed last line leaves its segment unlisted; a removed earlier line breaks the next prev.
        #expect(result.firstBad?.path == (line == 2 ? segments[2] : segments[line + 1]))
    }

    @Test("deleting a sealed segment fails verify and names it")
    func deletedSegment() throws {
        let (root, segments) = try Self.makeArchive()
        defer { Fixtures.remove(root) }
        try FileManager.default.removeItem(atPath: root + "/" + segments[0])
        let result = ArchiveVerifier.verify(root: root, connection: Fixtures.connection)
        #expect(result.firstBad?.path == segments[0])
        #expect(result.firstBad?.reason.contains("retention") == true)
    }

    @Test("a segment file the manifest never listed fails verify")
    func unlistedSegment() throws {
        let (root, segments) = try Self.makeArchive()
        defer { Fixtures.remove(root) }
        let copy = root + "/acme/2025-11-23/segment-000009.jsonl.gz"
        try FileManager.default.copyItem(atPath: root + "/" + segments[2], toPath: copy)
        #expect(ArchiveVerifier.verify(root: root, connection: Fixtures.connection).firstBad?.path
            == "acme/2025-11-23/segment-000009.jsonl.gz")
    }

    @Test("retention removes old days, records them, and the chain still verifies and continues")
    func retention() throws {
        let (root, segments) = try Self.makeArchive()
        defer { Fixtures.remove(root) }
        let writer = try ArchiveWriter(configuration: .init(root: root, connection: Fixtures.connection), logger: Fixtures.logger)
        let now = Date(timeIntervalSince1970: 1_763_683_200 + 3 * 86_400 + 3600)  // 2025-11-24 01:00 UTC
        #expect(try writer.applyRetention(keepDays: 2, now: now) == ["2025-11-21/segment-000001.jsonl.gz"])
        #expect(!FileManager.default.fileExists(atPath: root + "/" + segments[0]))
        #expect(!FileManager.default.fileExists(atPath: root + "/acme/2025-11-21"))
        #expect(try writer.applyRetention(keepDays: 2, now: now).isEmpty)

        // The chain continues after the retention entry.
        try writer.append(contentsOf: Fixtures.stream(count: 5, start: 1_763_683_200 + 3 * 86_400, from: 120))
        try writer.flush()
        var result = ArchiveVerifier.verify(root: root, connection: Fixtures.connection)
        #expect(result.isValid, "\(String(describing: result.firstBad))")
        #expect(result.segmentsRemovedByRetention == 1)
        #expect(result.segmentsVerified == 3)
        // The removed range stays part of the durable cursor: a restart does not re-archive it.
        #expect(try ArchiveWriter(configuration: .init(root: root, connection: Fixtures.connection), logger: Fixtures.logger)
            .resumeCursor.values.first == 125)
        #expect(try ArchiveExporter(root: root).export(
            from: .distantPast, to: now, connection: Fixtures.connection).count == 85)

        // A segment retention did not record is still caught.
        try FileManager.default.removeItem(atPath: root + "/" + segments[1])
        result = ArchiveVerifier.verify(root: root, connection: Fixtures.connection)
        #expect(result.firstBad?.path == segments[1])
    }
}
