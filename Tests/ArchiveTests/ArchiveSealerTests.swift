import CompressNIO
import Foundation
import NIOCore
import Testing

@testable import Archive
import BoxBridgeProtocol

/// Holds the background sealer at its first write until the test opens the gate.
private final class SealGate: @unchecked Sendable {
    let started = DispatchSemaphore(value: 0)
    let gate = DispatchSemaphore(value: 0)

    var hook: @Sendable (Int) throws -> Void {
        { [self] _ in
            started.signal()
            gate.wait()
        }
    }
}

@Suite("ArchiveWriter background sealing")
struct ArchiveSealerTests {
    static func configuration(_ root: String) -> ArchiveConfiguration {
        ArchiveConfiguration(root: root, connection: Fixtures.connection, maxSegmentBytes: 50_000)
    }

    /// How many fixture lines fill one 50 kB segment (the seal comes with the line that crosses it).
    static func linesPerSegment() throws -> Int {
        50_000 / (try ArchiveRecord.line(for: Fixtures.envelope(sequence: 50, seconds: 1_763_683_200)).count) + 1
    }

    static func manifestLines(_ root: String) -> Int {
        let data = FileManager.default.contents(atPath: root + "/acme/" + Manifest.fileName) ?? Data()
        return data.filter { $0 == UInt8(ascii: "\n") }.count
    }

    /// The sealed bytes of an uninterrupted run over `envelopes`.
    static func reference(_ envelopes: [Boxbridge_V1_Envelope]) throws -> [String: Data] {
        let root = try Fixtures.temporaryRoot()
        defer { Fixtures.remove(root) }
        let writer = try ArchiveWriter(configuration: configuration(root), logger: Fixtures.logger)
        try writer.append(contentsOf: envelopes)
        try writer.flush()
        return try Fixtures.files(under: root).filter { !$0.key.hasSuffix(".json") }
    }

    @Test("a segment being sealed is not sealed until on disk and in the manifest; appends go on meanwhile and commit waits")
    func sealingInBackground() throws {
        let perSegment = try Self.linesPerSegment()
        try #require(perSegment > 40)
        let envelopes = Fixtures.stream(count: 3 * perSegment)
        let root = try Fixtures.temporaryRoot()
        defer { Fixtures.remove(root) }
        let gate = SealGate()
        let writer = try ArchiveWriter(configuration: Self.configuration(root), logger: Fixtures.logger)
        writer.beforeSeal = gate.hook
        // Fills the first segment (sealed in the background, held at the gate) and starts the next.
        let first = perSegment + 5
        try writer.append(contentsOf: envelopes.prefix(first))
        #expect(gate.started.wait(timeout: .now() + 10) == .success)
        #expect(writer.nextExpected == [envelopes[0].topic: UInt64(first)])
        #expect(Self.manifestLines(root) == 0)
        #expect(writer.committedCursor.isEmpty)
        // Duplicates of the segment being sealed are still recognized, and new events are filed.
        #expect(try writer.append(contentsOf: envelopes[10..<20]) == 0)
        #expect(try writer.append(contentsOf: envelopes[first..<(first + 10)]) == 10)
        #expect(writer.openEventCount > 10)

        gate.gate.signal()
        try writer.commit()
        #expect(Self.manifestLines(root) == 1)
        #expect(writer.committedCursor == [envelopes[0].topic: UInt64(first + 10)])
        let sealedThrough = try #require(writer.resumeCursor[envelopes[0].topic])
        #expect(sealedThrough > 0 && sealedThrough < UInt64(first))
        writer.beforeSeal = nil
        try writer.append(contentsOf: envelopes[(first + 10)...])
        try writer.flush()
        #expect(try Fixtures.files(under: root).filter { !$0.key.hasSuffix(".json") } == (try Self.reference(envelopes)))
    }

    @Test("kill -9 while a segment is being sealed: the restart replays it and writes identical bytes")
    func crashWhileSealing() throws {
        let perSegment = try Self.linesPerSegment()
        try #require(perSegment > 40)
        let envelopes = Fixtures.stream(count: 3 * perSegment)
        let root = try Fixtures.temporaryRoot()
        let snapshot = try Fixtures.temporaryRoot()
        defer {
            Fixtures.remove(root)
            Fixtures.remove(snapshot)
        }
        let gate = SealGate()
        do {
            let writer = try ArchiveWriter(configuration: Self.configuration(root), logger: Fixtures.logger)
            try writer.append(contentsOf: envelopes.prefix(30))
            try writer.commit()
            writer.beforeSeal = gate.hook
            try writer.append(contentsOf: envelopes[30..<(perSegment + 5)])
            #expect(gate.started.wait(timeout: .now() + 10) == .success)
            // What kill -9 leaves at this instant: the committed open file, no manifest line yet.
            try FileManager.default.removeItem(atPath: snapshot)
            try FileManager.default.copyItem(atPath: root, toPath: snapshot)
            gate.gate.signal()
        }
        #expect(Self.manifestLines(snapshot) == 0)

        let restarted = try ArchiveWriter(configuration: Self.configuration(snapshot), logger: Fixtures.logger)
        #expect(restarted.resumeCursor.isEmpty)
        #expect(restarted.committedCursor == [envelopes[0].topic: 30])
        try restarted.append(contentsOf: envelopes[30...])
        try restarted.flush()
        #expect(try Fixtures.files(under: snapshot).filter { !$0.key.hasSuffix(".json") } == (try Self.reference(envelopes)))
        #expect(ArchiveVerifier.verify(root: snapshot, connection: Fixtures.connection).isValid)
    }

    @Test("a failed background seal fails the next call and every later one; reopening resumes from what is durable")
    func failedSealStopsTheWriter() throws {
        let perSegment = try Self.linesPerSegment()
        let envelopes = Fixtures.stream(count: 3 * perSegment)
        let root = try Fixtures.temporaryRoot()
        defer { Fixtures.remove(root) }
        do {
            let writer = try ArchiveWriter(configuration: Self.configuration(root), logger: Fixtures.logger)
            writer.beforeSeal = { _ in throw ArchiveError(.io, "injected disk failure", isRetriable: true) }
            try writer.append(contentsOf: envelopes.prefix(perSegment + 5))
            let error = try #require(throws: ArchiveError.self) { try writer.commit() }
            #expect(error.message == "injected disk failure")
            #expect(throws: ArchiveError.self) { try writer.append(contentsOf: envelopes[(perSegment + 5)...]) }
            #expect(throws: ArchiveError.self) { try writer.flush() }
            #expect(Self.manifestLines(root) == 0)
        }
        let reopened = try ArchiveWriter(configuration: Self.configuration(root), logger: Fixtures.logger)
        #expect(reopened.committedCursor.isEmpty)
        try reopened.append(contentsOf: envelopes)
        try reopened.flush()
        #expect(try Fixtures.files(under: root).filter { !$0.key.hasSuffix(".json") } == (try Self.reference(envelopes)))
    }

    @Test("flush returns the open segment's entry after every seal in progress is in the manifest")
    func flushWaitsForAll() throws {
        let count = 2 * (try Self.linesPerSegment()) + 10
        let envelopes = Fixtures.stream(count: count)
        let root = try Fixtures.temporaryRoot()
        defer { Fixtures.remove(root) }
        let writer = try ArchiveWriter(configuration: Self.configuration(root), logger: Fixtures.logger)
        try writer.append(contentsOf: envelopes)
        let entry = try #require(try writer.flush())
        let lines = Self.manifestLines(root)
        #expect(lines >= 3)
        let manifest = try Manifest.read(at: root + "/acme/" + Manifest.fileName)
        #expect(manifest.lines.last?.entry == entry)
        #expect(writer.resumeCursor == [envelopes[0].topic: UInt64(count)])
        #expect(writer.committedCursor == [envelopes[0].topic: UInt64(count)])
    }
}

@Suite("Gzip bytes")
struct GzipBytesTests {
    @Test("direct zlib gives the bytes compress-nio gave, member by member", arguments: [Int32(1), 6])
    func sameAsCompressNIO(level: Int32) throws {
        let lines = Fixtures.stream(count: 400).map { try! ArchiveRecord.line(for: $0) }
        let input = lines.reduce(into: Data()) { $0.append($1) }
        let ours = try Gzip.compress(input, level: level, memberBytes: 1 << 30)
        var buffer = ByteBuffer(bytes: input)
        let configuration = ZlibConfiguration(windowSize: 15, compressionLevel: level, memoryLevel: 8, strategy: .default)
        var theirs = try buffer.compress(with: .gzip(configuration: configuration))
        #expect(ours == theirs.readData(length: theirs.readableBytes))
        #expect(try Gzip.decompress(ours, path: "t") == input)
    }

    @Test("an empty input is one valid member")
    func emptyInput() throws {
        let empty = try Gzip.compress(Data(), level: 1)
        #expect(empty.count >= 20)
        #expect(try Gzip.decompress(empty, path: "t").isEmpty)
    }
}

@Suite("JSONValidator fast string scan")
struct JSONValidatorScanTests {
    static func valid(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBytes { JSONValidator.isValid($0) } }

    @Test("a special byte is caught at every offset of a long string, in every word position")
    func everyOffset() {
        // (inserted bytes, valid?): what the byte-by-byte rules say, wherever the 8-byte scan meets them.
        let cases: [([UInt8], Bool)] = [
            ([0x20], true), ([0x7E], true), ([0x7F], true), ([0xC3, 0xA9], true), ([0x5C, 0x6E], true), ([0x5C, 0x22], true),
            ([0x5C, 0x75, 0x30, 0x30, 0x65, 0x39], true),
            ([0x00], false), ([0x0A], false), ([0x1F], false), ([0x22], false), ([0x5C, 0x61], false), ([0x80], false),
            ([0xFF], false), ([0xC3], false), ([0xED, 0xA0, 0x80], false),
        ]
        for (inserted, expected) in cases {
            for offset in 0..<24 {
                let bytes = [UInt8(ascii: "[")] + [UInt8(ascii: "\"")] + Array(repeating: UInt8(ascii: "a"), count: offset)
                    + inserted + Array(repeating: UInt8(ascii: "b"), count: 23 - offset) + [UInt8(ascii: "\""), UInt8(ascii: "]")]
                #expect(Self.valid(bytes) == expected, "\(inserted) at \(offset)")
            }
        }
    }

    @Test("an unterminated long string is rejected, whatever its length")
    func unterminated() {
        for length in 0..<20 {
            #expect(!Self.valid([UInt8(ascii: "\"")] + Array(repeating: UInt8(ascii: "x"), count: length)))
        }
    }
}

@Suite("ArchiveVerifier line check")
struct VerifierLineTests {
    static func check(_ text: String) -> (String, UInt64)? {
        Data(text.utf8).withUnsafeBytes { ArchiveVerifier.topicAndSequence($0) }
    }

    @Test("topic and sequence come from the writer's fixed prefix, or a full parse for anything else")
    func readsTopicAndSequence() throws {
        let line = try ArchiveRecord.line(for: Fixtures.envelope(sequence: 1_234, seconds: 1_763_683_200))
        let parsed = line.dropLast().withUnsafeBytes { ArchiveVerifier.topicAndSequence($0) }
        #expect(parsed?.0 == "box/acme/downloaded")
        #expect(parsed?.1 == 1_234)
        let escaped = try #require(Self.check(#"{"time":"2025-11-21T00:00:00.000000000Z","topic":"box\/acme\"x","sequence":7,"kind":"x"}"#))
        #expect(escaped.0 == "box/acme\"x" && escaped.1 == 7)
        #expect(Self.check(#"{"topic":"t","sequence":9}"#)?.1 == 9)
        #expect(Self.check(#"{"time":"2025-11-21T00:00:00.000000000Z","topic":"t","sequence":7,}"#) == nil)  // not JSON
        #expect(Self.check(#"{"time":"2025-11-21T00:00:00.000000000Z","topic":"t","kind":"x"}"#) == nil)
        #expect(Self.check(#"{"time":"2025-11-21T00:00:00.000000000Z","topic":"t","sequence":"7"}"#) == nil)
    }
}

@Suite("JSONBytes fast escape scan")
struct JSONBytesScanTests {
    @Test("a character to escape is escaped at every offset of a long string, in every word position")
    func everyOffset() throws {
        for special in ["\"", "\\", "\n", "\u{01}", "\u{1F}", "é", "\u{7F}", " "] {
            for offset in 0..<24 {
                let text = String(repeating: "a", count: offset) + special + String(repeating: "b", count: 23 - offset)
                var out: [UInt8] = []
                JSONBytes.appendString(text, to: &out)
                #expect(!out.dropFirst().dropLast().contains { $0 < 0x20 }, "\(special) at \(offset)")
                let parsed = try JSONSerialization.jsonObject(with: Data(out), options: [.fragmentsAllowed]) as? String
                #expect(parsed == text, "\(special) at \(offset)")
            }
        }
    }
}
