import Foundation
import TestSupport
import Testing

@testable import Archive
import BoxBridgeProtocol

@Suite("ArchiveWriter")
struct ArchiveWriterTests {
    @Test("write, seal, verify and export round-trip every event with its raw Box JSON")
    func roundTrip() throws {
        let root = try Fixtures.temporaryRoot()
        defer { Fixtures.remove(root) }
        let envelopes = Fixtures.stream(count: 50)
        let writer = try ArchiveWriter(configuration: .init(root: root, connection: Fixtures.connection), logger: Fixtures.logger)
        #expect(try writer.append(contentsOf: envelopes) == 50)
        let entry = try #require(try writer.flush())
        #expect(entry.events == 50)
        #expect(entry.topics?[envelopes[0].topic] == TopicRange(first: 0, last: 49, count: 50))
        #expect(writer.resumeCursor == [envelopes[0].topic: 50])

        let verification = ArchiveVerifier.verify(root: root, connection: Fixtures.connection)
        #expect(verification.isValid, "\(String(describing: verification.firstBad))")
        #expect(verification.eventsVerified == 50)
        #expect(verification.segmentsVerified == 1)

        let start = Date(timeIntervalSince1970: 1_763_683_200)
        let lines = try ArchiveExporter(root: root).export(
            from: start.addingTimeInterval(600), to: start.addingTimeInterval(1200), connection: Fixtures.connection)
        #expect(lines.count == 10)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["sequence"] as? Int == 10)
        #expect(first["topic"] as? String == "box/acme/downloaded")
        #expect(first["time"] as? String == "2025-11-21T00:10:00.000000000Z")
        let event = try #require(first["event"] as? [String: Any])
        #expect(event["event_ids"] as? [String] == ["evt-10"])
        #expect(event["raw"] == nil)
        let raw = try #require((first["raw"] as? [[String: Any]])?.first)
        #expect(raw["event_id"] as? String == "evt-10")
        let rawJSON = try #require(raw["json"] as? [String: Any])
        #expect((rawJSON["source"] as? [String: Any])?["name"] as? String == "report-10.pdf")
    }

    @Test("raw bytes that are not JSON are kept as base64")
    func nonJSONRawIsBase64() throws {
        let root = try Fixtures.temporaryRoot()
        defer { Fixtures.remove(root) }
        let garbage = Data([0x7B, 0xFF, 0x00, 0x0A, 0x41])
        let writer = try ArchiveWriter(configuration: .init(root: root, connection: Fixtures.connection), logger: Fixtures.logger)
        try writer.append(Fixtures.envelope(sequence: 0, seconds: 1_763_683_200, raw: garbage))
        try writer.flush()
        let lines = try ArchiveExporter(root: root).export(
            from: .distantPast, to: .distantFuture, connection: Fixtures.connection)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        let raw = try #require((object["raw"] as? [[String: Any]])?.first)
        #expect(raw["base64"] as? String == garbage.base64EncodedString())
        #expect(raw["json"] == nil)
    }

    @Test("two writers given the same envelopes write byte-identical segments and manifests")
    func deterministic() throws {
        let envelopes = Fixtures.stream(count: 300, start: 1_763_769_600 - 150 * 60)  // crosses midnight UTC
        var outputs: [[String: Data]] = []
        for _ in 0..<2 {
            let root = try Fixtures.temporaryRoot()
            defer { Fixtures.remove(root) }
            let writer = try ArchiveWriter(
                configuration: .init(root: root, connection: Fixtures.connection, maxSegmentBytes: 40_000),
                logger: Fixtures.logger)
            try writer.append(contentsOf: envelopes)
            try writer.flush()
            outputs.append(try Fixtures.files(under: root))
        }
        #expect(outputs[0].count > 4)
        #expect(outputs[0].keys.contains { $0.hasPrefix("acme/2025-11-21/") })
        #expect(outputs[0].keys.contains { $0.hasPrefix("acme/2025-11-22/") })
        #expect(outputs[0] == outputs[1])
    }

    @Test("after a crash mid-segment, replay from resumeCursor regenerates identical sealed bytes")
    func resumeAfterCrash() throws {
        let envelopes = Fixtures.stream(count: 400)
        let configuration = { (root: String) in
            ArchiveConfiguration(root: root, connection: Fixtures.connection, maxSegmentBytes: 50_000)
        }
        let reference = try Fixtures.temporaryRoot()
        defer { Fixtures.remove(reference) }
        do {
            let writer = try ArchiveWriter(configuration: configuration(reference), logger: Fixtures.logger)
            try writer.append(contentsOf: envelopes)
            try writer.flush()
        }

        let crashed = try Fixtures.temporaryRoot()
        defer { Fixtures.remove(crashed) }
        var cursorAtCrash: UInt64 = 0
        do {
            let writer = try ArchiveWriter(configuration: configuration(crashed), logger: Fixtures.logger)
            try writer.append(contentsOf: envelopes.prefix(237))
            #expect(writer.openEventCount > 0)
            cursorAtCrash = writer.resumeCursor[envelopes[0].topic] ?? 0
            // Dropped without flush: the open segment stays behind as a .open file, like after kill -9.
        }
        #expect(try Fixtures.files(under: crashed).keys.contains { $0.hasSuffix(".open") })
        #expect(cursorAtCrash > 0 && cursorAtCrash < 237)

        let restarted = try ArchiveWriter(configuration: configuration(crashed), logger: Fixtures.logger)
        #expect(restarted.resumeCursor == [envelopes[0].topic: cursorAtCrash])
        #expect(!(try Fixtures.files(under: crashed).keys.contains { $0.hasSuffix(".open") }))
        // A replay that overlaps what is sealed is harmless: those sequences are skipped.
        #expect(try restarted.append(contentsOf: envelopes[Int(cursorAtCrash) - 5..<Int(cursorAtCrash)]) == 0)
        try restarted.append(contentsOf: envelopes[Int(cursorAtCrash)...])
        try restarted.flush()

        #expect(try Fixtures.files(under: crashed) == (try Fixtures.files(under: reference)))
        #expect(ArchiveVerifier.verify(root: crashed, connection: Fixtures.connection).isValid)
    }

    @Test("a sealed file recorded nowhere (crash between rename and manifest append) is rebuilt identically")
    func crashBeforeManifestAppend() throws {
        let root = try Fixtures.temporaryRoot()
        defer { Fixtures.remove(root) }
        let envelopes = Fixtures.stream(count: 20)
        let configuration = ArchiveConfiguration(root: root, connection: Fixtures.connection)
        do {
            let writer = try ArchiveWriter(configuration: configuration, logger: Fixtures.logger)
            try writer.append(contentsOf: envelopes)
            try writer.flush()
        }
        let before = try Fixtures.files(under: root)
        let manifest = root + "/acme/MANIFEST.jsonl"
        try Data().write(to: URL(fileURLWithPath: manifest))  // the append never happened
        #expect(!ArchiveVerifier.verify(root: root, connection: Fixtures.connection).isValid)

        let writer = try ArchiveWriter(configuration: configuration, logger: Fixtures.logger)
        #expect(writer.resumeCursor.isEmpty)
        try writer.append(contentsOf: envelopes)
        try writer.flush()
        #expect(try Fixtures.files(under: root) == before)
    }

    @Test("the UTC day of the event time picks the folder, whatever offset the event was reported in")
    func utcDayBoundaries() throws {
        let root = try Fixtures.temporaryRoot()
        defer { Fixtures.remove(root) }
        let formatter = ISO8601DateFormatter()
        // 19:30 at -05:00 is 00:30 UTC the next day; 08:59 at +09:00 is 23:59 UTC the day before.
        let moments = ["2026-03-01T19:30:00-05:00", "2026-03-03T08:59:59+09:00", "2026-03-02T23:59:59Z", "2026-03-03T00:00:00Z"]
        let writer = try ArchiveWriter(configuration: .init(root: root, connection: Fixtures.connection), logger: Fixtures.logger)
        for (index, text) in moments.enumerated() {
            let date = try #require(formatter.date(from: text))
            // The last nanosecond of a day still belongs to it.
            let nanos: Int32 = index == 2 ? 999_999_999 : 0
            try writer.append(Fixtures.envelope(sequence: UInt64(index), seconds: Int64(date.timeIntervalSince1970), nanos: nanos))
        }
        try writer.flush()
        let paths = try Fixtures.files(under: root).keys.filter { $0.hasSuffix(".gz") }.sorted()
        #expect(paths == ["acme/2026-03-02/segment-000001.jsonl.gz", "acme/2026-03-03/segment-000002.jsonl.gz"])
        let exported = try ArchiveExporter(root: root).export(
            from: try #require(formatter.date(from: "2026-03-02T00:00:00Z")),
            to: try #require(formatter.date(from: "2026-03-03T00:00:00Z")),
            connection: Fixtures.connection)
        #expect(exported.count == 3)
        #expect(exported.allSatisfy { $0.contains("\"time\":\"2026-03-02T") })
    }

    @Test("files are 0600 and folders 0700")
    func permissions() throws {
        let root = try Fixtures.temporaryRoot()
        defer { Fixtures.remove(root) }
        let writer = try ArchiveWriter(configuration: .init(root: root, connection: Fixtures.connection), logger: Fixtures.logger)
        try writer.append(contentsOf: Fixtures.stream(count: 3))
        try writer.flush()
        func mode(_ path: String) throws -> Int {
            (try FileManager.default.attributesOfItem(atPath: root + "/" + path)[.posixPermissions] as? Int ?? -1) & 0o777
        }
        #expect(try mode("acme") == 0o700)
        #expect(try mode("acme/2025-11-21") == 0o700)
        #expect(try mode("acme/MANIFEST.jsonl") == 0o600)
        #expect(try mode("acme/2025-11-21/segment-000001.jsonl.gz") == 0o600)
    }

    @Test("sealed segments are standard gzip that zcat reads")
    func zcatReadsSegments() async throws {
        let root = try Fixtures.temporaryRoot()
        defer { Fixtures.remove(root) }
        let writer = try ArchiveWriter(configuration: .init(root: root, connection: Fixtures.connection), logger: Fixtures.logger)
        try writer.append(contentsOf: Fixtures.stream(count: 7))
        try writer.flush()
        let gzip = try await runToCompletion(URL(fileURLWithPath: "/usr/bin/env"), ["gzip", "-dc", root + "/acme/2025-11-21/segment-000001.jsonl.gz"])
        let output = gzip.stdout
        #expect(gzip.status == 0)
        #expect(output.split(separator: UInt8(ascii: "\n")).count == 7)
    }

    @Test("envelopes of another connection are refused")
    func otherConnectionRefused() throws {
        let root = try Fixtures.temporaryRoot()
        defer { Fixtures.remove(root) }
        let writer = try ArchiveWriter(configuration: .init(root: root, connection: "other"), logger: Fixtures.logger)
        #expect(throws: ArchiveError.self) { try writer.append(Fixtures.envelope(sequence: 0, seconds: 0)) }
    }
}

@Suite("UTCTime")
struct UTCTimeTests {
    @Test("days and timestamps agree with Foundation's Gregorian UTC calendar")
    func matchesCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        for seconds in stride(from: Int64(-86_400 * 800), to: 86_400 * 40_000, by: 86_400 * 37 + 3_607) {
            let date = Date(timeIntervalSince1970: TimeInterval(seconds))
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            let expected = String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
            #expect(UTCTime.day(seconds: seconds) == expected)
            #expect(UTCTime.daysSinceEpoch(of: expected) == UTCTime.floorDiv(seconds, 86_400))
        }
        #expect(UTCTime.timestamp(seconds: 1_763_683_261, nanos: 5) == "2025-11-21T00:01:01.000000005Z")
    }
}
