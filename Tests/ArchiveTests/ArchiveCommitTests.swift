import Foundation
import Testing

@testable import Archive
import BoxBridgeProtocol

@Suite("ArchiveWriter commits")
struct ArchiveCommitTests {
    static func configuration(_ root: String) -> ArchiveConfiguration {
        ArchiveConfiguration(root: root, connection: Fixtures.connection, maxSegmentBytes: 50_000)
    }

    @Test("after kill -9, the committed open segment is cut back to its commit and continued to identical bytes")
    func resumeCommittedOpenSegment() throws {
        let envelopes = Fixtures.stream(count: 400)
        let reference = try Fixtures.temporaryRoot()
        defer { Fixtures.remove(reference) }
        do {
            let writer = try ArchiveWriter(configuration: Self.configuration(reference), logger: Fixtures.logger)
            for chunk in stride(from: 0, to: 400, by: 37) {
                try writer.append(contentsOf: envelopes[chunk..<min(400, chunk + 37)])
                try writer.commit()
            }
        }

        let crashed = try Fixtures.temporaryRoot()
        defer { Fixtures.remove(crashed) }
        do {
            let writer = try ArchiveWriter(configuration: Self.configuration(crashed), logger: Fixtures.logger)
            try writer.append(contentsOf: envelopes.prefix(230))
            try writer.commit()
            #expect(writer.committedCursor == [envelopes[0].topic: 230])
            #expect(writer.resumeCursor[envelopes[0].topic] ?? 0 < 230)
            // Appended but never committed: on disk in part, then the process dies.
            try writer.append(contentsOf: envelopes[230..<260])
        }
        let open = try #require(try Fixtures.files(under: crashed).keys.first { $0.hasSuffix(".open") })
        let handle = try #require(FileHandle(forWritingAtPath: crashed + "/" + open))
        handle.seekToEndOfFile()
        handle.write(Data("{\"time\":\"torn".utf8))  // a torn write past the commit
        try handle.close()

        let restarted = try ArchiveWriter(configuration: Self.configuration(crashed), logger: Fixtures.logger)
        #expect(restarted.committedCursor == [envelopes[0].topic: 230])
        #expect(restarted.nextExpected == [envelopes[0].topic: 230])
        #expect(restarted.openEventCount > 0)
        for chunk in stride(from: 230, to: 400, by: 50) {
            try restarted.append(contentsOf: envelopes[chunk..<min(400, chunk + 50)])
            try restarted.commit()
        }
        #expect(try Fixtures.files(under: crashed).filter { $0.key.hasSuffix(".gz") || $0.key.hasSuffix("MANIFEST.jsonl") }
            == (try Fixtures.files(under: reference)).filter { $0.key.hasSuffix(".gz") || $0.key.hasSuffix("MANIFEST.jsonl") })
        #expect(ArchiveVerifier.verify(root: crashed, connection: Fixtures.connection).isValid)
        // And once both seal the rest, every byte agrees.
        try restarted.flush()
        let writer = try ArchiveWriter(configuration: Self.configuration(reference), logger: Fixtures.logger)
        try writer.flush()
        #expect(try Fixtures.files(under: crashed).filter { !$0.key.hasSuffix(".json") }
            == (try Fixtures.files(under: reference)).filter { !$0.key.hasSuffix(".json") })
    }

    @Test("a commit state left from before a seal is ignored: the sealed segment is not resumed twice")
    func staleStateIgnored() throws {
        let root = try Fixtures.temporaryRoot()
        defer { Fixtures.remove(root) }
        let envelopes = Fixtures.stream(count: 40)
        do {
            let writer = try ArchiveWriter(configuration: Self.configuration(root), logger: Fixtures.logger)
            try writer.append(contentsOf: envelopes.prefix(20))
            try writer.commit()
            try writer.flush()  // sealed; the state file still names that segment
        }
        #expect(FileManager.default.fileExists(atPath: root + "/acme/" + OpenSegmentState.fileName))
        let writer = try ArchiveWriter(configuration: Self.configuration(root), logger: Fixtures.logger)
        #expect(writer.committedCursor == [envelopes[0].topic: 20])
        #expect(writer.openEventCount == 0)
        try writer.append(contentsOf: envelopes[20...])
        try writer.flush()
        let verification = ArchiveVerifier.verify(root: root, connection: Fixtures.connection)
        #expect(verification.isValid)
        #expect(verification.eventsVerified == 40)
    }

    @Test("export includes the committed part of the open segment, not what was never committed")
    func exportReadsCommittedOpenSegment() throws {
        let root = try Fixtures.temporaryRoot()
        defer { Fixtures.remove(root) }
        let envelopes = Fixtures.stream(count: 30)
        let writer = try ArchiveWriter(configuration: Self.configuration(root), logger: Fixtures.logger)
        try writer.append(contentsOf: envelopes.prefix(12))
        try writer.commit()
        try writer.append(contentsOf: envelopes[12...])  // written to the file, not committed
        let lines = try ArchiveExporter(root: root).export(from: .distantPast, to: .distantFuture, connection: Fixtures.connection)
        #expect(lines.count == 12)
        #expect(lines.last?.contains("\"sequence\":11,") == true)
    }
}
