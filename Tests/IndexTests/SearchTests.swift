import BoxBridgeProtocol
import Foundation
import Testing
@testable import Index

/// "Résumé" with decomposed accents (e + U+0301), as macOS clients often send names.
let resumeNFD = "Re\u{301}sume\u{301} 2026.docx"
/// "Café" precomposed (U+00E9).
let cafeNFC = "Caf\u{E9} menu.pdf"

/// Six events spread over two days, two connections and every filterable field.
let searchFixture: [Boxbridge_V1_Envelope] = [
    fileEnvelope(
        sequence: 1, category: .created, at: "2026-11-20T08:00:00Z", actorID: "100", actorLogin: "alice@acme.com",
        fileID: "f1", fileName: "Quarterly Report.pdf", path: "/All Files/Finance/Quarterly Report.pdf"),
    fileEnvelope(
        sequence: 2, category: .sharedLink, at: "2026-11-20T09:00:00Z", actorID: "200", actorLogin: "Bob@Acme.com",
        fileID: "f2", fileName: resumeNFD, path: "/All Files/HR/\(resumeNFD)", exposure: .public,
        classification: "Confidential"),
    fileEnvelope(
        sequence: 3, connection: "globex", category: .downloaded, at: "2026-11-21T10:00:00Z", actorID: "100",
        actorLogin: "alice@acme.com", fileID: "f3", fileName: "plan.txt", sha1: "AAA111BBB"),
    fileEnvelope(
        sequence: 4, category: .shieldBlocked, at: "2026-11-21T11:00:00Z", actorID: "300", actorLogin: "carol@acme.com",
        fileID: "f4", fileName: "secret, \"final\".xlsx", exposure: .external, classification: "Restricted",
        controlMode: .enforced, eventIDs: ["ev-a", "ev-b"]),
    fileEnvelope(
        sequence: 5, category: .sharedDirect, at: "2026-11-21T12:00:00Z", actorID: "200", actorLogin: "bob@acme.com",
        fileID: "f5", fileName: cafeNFC, exposure: .external, classification: "confidential"),
    fileEnvelope(
        sequence: 6, category: .shieldBlocked, at: "2026-11-21T13:00:00Z", actorID: "", fileID: "f1",
        fileName: "Quarterly Report.pdf", controlMode: .monitoring),
]

@Suite("Search")
struct SearchTests {
    let directory = TemporaryDirectory()
    let store: IndexStore

    init() throws {
        store = try makeStore(searchFixture, directory: directory)
    }

    func sequences(_ configure: (inout SearchQuery) -> Void) throws -> [UInt64] {
        var query = SearchQuery()
        configure(&query)
        return try store.search(query).map(\.sequence)
    }

    @Test("no filter: every event, newest first")
    func newestFirst() throws {
        #expect(try sequences { _ in } == [6, 5, 4, 3, 2, 1])
    }

    @Test("--limit keeps the newest N; 0/nil means all")
    func limit() throws {
        #expect(try sequences { $0.limit = 2 } == [6, 5])
        #expect(try sequences { $0.limit = nil }.count == 6)
        let error = try #require(throws: IndexError.self) { try sequences { $0.limit = -1 } }
        #expect(error.kind == .badFilter(flag: "--limit"))
    }

    @Test("--connection")
    func connection() throws {
        #expect(try sequences { $0.connections = ["globex"] } == [3])
        #expect(try sequences { $0.connections = ["globex", "acme"] }.count == 6)
        #expect(try sequences { $0.connections = ["initech"] }.isEmpty)
    }

    @Test("--actor by id, or by login case-insensitively; exact, not a prefix")
    func actor() throws {
        #expect(try sequences { $0.actor = "100" } == [3, 1])
        #expect(try sequences { $0.actor = "ALICE@acme.com" } == [3, 1])
        #expect(try sequences { $0.actor = "bob@acme.com" } == [5, 2])
        #expect(try sequences { $0.actor = "nobody@acme.com" }.isEmpty)
        #expect(try sequences { $0.actor = "alice" }.isEmpty)
        #expect(try sequences { $0.actor = "10" }.isEmpty)
    }

    @Test("--file-name matches words of the name only, by prefix, case-insensitively")
    func fileName() throws {
        #expect(try sequences { $0.fileName = "quarterly" } == [6, 1])
        #expect(try sequences { $0.fileName = "quart rep" } == [6, 1])
        #expect(try sequences { $0.fileName = "quarterly plan" }.isEmpty)
        #expect(try sequences { $0.fileName = "finance" }.isEmpty)  // in the path, not the name
        let error = try #require(throws: IndexError.self) { try sequences { $0.fileName = " -- " } }
        #expect(error.kind == .badFilter(flag: "--file-name"))
    }

    @Test("--text matches the name or the path")
    func text() throws {
        #expect(try sequences { $0.text = "finance" } == [1])
        #expect(try sequences { $0.text = "hr" } == [2])
        #expect(try sequences { $0.text = "\"final\"" } == [4])
    }

    @Test("an NFC query finds an NFD name, an NFD query an NFC name; accents fold")
    func unicodeNormalization() throws {
        #expect(try sequences { $0.fileName = "R\u{E9}sum\u{E9}" } == [2])  // NFC query, NFD name
        #expect(try sequences { $0.fileName = "Cafe\u{301}" } == [5])  // NFD query, NFC name
        #expect(try sequences { $0.fileName = "resume" } == [2])  // accent-insensitive
        #expect(try sequences { $0.fileName = "CAFÉ" } == [5])
        // The name is returned exactly as Box sent it.
        #expect(try store.search(SearchQuery()).first { $0.sequence == 2 }?.event.file.name == resumeNFD)
    }

    @Test("--file-id, --sha1 (case-insensitive) and --event-id (any coalesced id)")
    func identifiers() throws {
        #expect(try sequences { $0.fileID = "f1" } == [6, 1])
        #expect(try sequences { $0.sha1 = "aaa111bbb" } == [3])
        #expect(try sequences { $0.eventID = "ev-b" } == [4])
        #expect(try sequences { $0.eventID = "ev-acme-2" } == [2])
        #expect(try sequences { $0.eventID = "ev" }.isEmpty)
        #expect(try sequences { $0.fileID = "F1" }.isEmpty)  // ids are exact
        #expect(try sequences { $0.fileID = "f1"; $0.categories = [.created] } == [1])
    }

    @Test("--category, repeatable")
    func category() throws {
        #expect(try sequences { $0.categories = [.shieldBlocked] } == [6, 4])
        #expect(try sequences { $0.categories = [.created, .downloaded] } == [3, 1])
    }

    @Test("--exposure external / public-link, repeatable; bad values name the flag")
    func exposure() throws {
        #expect(try sequences { $0.exposures = ["external"] } == [5, 4])
        #expect(try sequences { $0.exposures = ["public-link"] } == [2])
        #expect(try sequences { $0.exposures = ["external", "public-link"] } == [5, 4, 2])
        let error = try #require(throws: IndexError.self) { try sequences { $0.exposures = ["outside"] } }
        #expect(error.kind == .badFilter(flag: "--exposure"))
        #expect(error.description.contains("public-link"))
    }

    @Test("--classification, case-insensitive")
    func classification() throws {
        #expect(try sequences { $0.classification = "CONFIDENTIAL" } == [5, 2])
        #expect(try sequences { $0.classification = "Restricted" } == [4])
    }

    @Test("--control-mode enforced / monitoring")
    func controlMode() throws {
        #expect(try sequences { $0.controlMode = "enforced" } == [4])
        #expect(try sequences { $0.controlMode = "monitoring" } == [6])
        let error = try #require(throws: IndexError.self) { try sequences { $0.controlMode = "audit" } }
        #expect(error.kind == .badFilter(flag: "--control-mode"))
    }

    @Test("time range: since inclusive, until exclusive, any offset compares in UTC")
    func timeRange() throws {
        // 12:00+02:00 is 10:00Z: the globex download.
        let tenUTC = try #require(UTCTime.parse("2026-11-21T12:00:00+02:00")).microseconds
        #expect(try sequences { $0.since = tenUTC; $0.before = tenUTC + 1 } == [3])
        let nineNewYork = try #require(UTCTime.parse("2026-11-21T06:00-05:00")).microseconds  // 11:00Z
        #expect(try sequences { $0.since = nineNewYork } == [6, 5, 4])
        #expect(try sequences { $0.before = micros("2026-11-21") } == [2, 1])
        let error = try #require(throws: IndexError.self) { try sequences { $0.since = tenUTC; $0.before = tenUTC } }
        #expect(error.kind == .badFilter(flag: "--since"))
    }

    @Test("filters combine with AND")
    func combined() throws {
        #expect(try sequences { $0.actor = "alice@acme.com"; $0.since = micros("2026-11-21") } == [3])
        #expect(try sequences { $0.connections = ["acme"]; $0.fileName = "quarterly"; $0.categories = [.created] } == [1])
        #expect(try sequences { $0.exposures = ["external"]; $0.controlMode = "enforced" } == [4])
    }

    @Test("query plans use the indexes, not a table scan or a sort")
    func queryPlans() throws {
        func plan(_ configure: (inout SearchQuery) -> Void) throws -> String {
            var query = SearchQuery()
            configure(&query)
            return try store.explain(query).joined(separator: " | ")
        }
        let actor = try plan { $0.actor = "100"; $0.since = 0; $0.before = 1 << 60 }
        #expect(actor.contains("file_events_keys VIRTUAL TABLE") && actor.contains("USING INTEGER PRIMARY KEY"), "\(actor)")
        #expect(!actor.contains("file_events_occurred"), "\(actor)")
        let newest = try plan { _ in }
        #expect(newest.contains("file_events_occurred") && !newest.contains("TEMP B-TREE"), "\(newest)")
        let text = try plan { $0.fileName = "report" }
        #expect(text.contains("VIRTUAL TABLE INDEX") && text.contains("COVERING INDEX file_events_id_time"), "\(text)")
        #expect(try sequences { $0.fileName = "quarterly"; $0.limit = 1 } == [6])
        #expect(try sequences { $0.fileName = "quarterly"; $0.before = micros("2026-11-21") } == [1])
        for (name, index) in [("file", "file_events_keys"), ("sha1", "file_events_keys"), ("category", "file_events_category"),
                              ("exposure", "file_events_exposure"), ("classification", "file_events_classification"),
                              ("control", "file_events_control_mode"), ("connection", "file_events_connection")] {
            let detail = try plan { query in
                switch name {
                case "file": query.fileID = "f1"
                case "sha1": query.sha1 = "aa"
                case "category": query.categories = [.created]
                case "exposure": query.exposures = ["external"]
                case "classification": query.classification = "x"
                case "control": query.controlMode = "enforced"
                default: query.connections = ["acme"]
                }
            }
            #expect(detail.contains(index), "\(name): \(detail)")
            #expect(!detail.contains("SCAN file_events\u{20}") && detail != "SCAN file_events", "\(name): \(detail)")
        }
    }
}

@Suite("Search output")
struct SearchOutputTests {
    @Test("CSV: a header, CRLF records, RFC 4180 quoting, UTC times")
    func csv() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        var envelope = fileEnvelope(
            sequence: 4, at: "2026-11-21T13:00:00.25+02:00", fileName: "secret, \"final\"\nv2.xlsx", size: 42)
        envelope.fileEvent.file.path = "/All Files/plain"
        let store = try makeStore([envelope], directory: directory)
        let hit = try #require(try store.search(SearchQuery()).first)
        #expect(IndexHit.csvHeader.hasPrefix("occurred_at,last_occurred_at,recorded_at,connection,category,"))
        #expect(IndexHit.csvHeader.hasSuffix(",topic,sequence\r\n"))
        let record = hit.csvRecord
        #expect(record.hasPrefix("2026-11-21T11:00:00.250000Z,,,acme,created,UPLOAD,ev-acme-4,1,100,alice@acme.com,"))
        #expect(record.contains(",\"secret, \"\"final\"\"\nv2.xlsx\",,/All Files/plain,"))
        #expect(record.hasSuffix(",box/acme/created,4\r\n"))
        // Same number of fields as the header once quoted fields are taken whole.
        #expect(csvFieldCount(record) == IndexHit.csvColumns.count)
    }

    @Test("JSON: the protocol's JSON mapping of the FileEvent, one line, parseable back")
    func json() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let store = try makeStore([fileEnvelope(sequence: 1, fileName: "a\nb.txt", size: 5_000_000_000)], directory: directory)
        let hit = try #require(try store.search(SearchQuery()).first)
        let line = try hit.jsonLine()
        #expect(!line.contains("\n"))
        #expect(line.contains("\"occurredAt\":\"2026-11-21T10:00:00Z\""))
        let parsed = try Boxbridge_V1_FileEvent(jsonString: line)
        #expect(parsed == hit.event)
        #expect(parsed.file.size == 5_000_000_000)
    }

    @Test("table cells: UTC time, actor login, path or name, dashes for empty")
    func tableCells() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let store = try makeStore(searchFixture, directory: directory)
        let hits = try store.search(SearchQuery())
        #expect(hits[0].tableCells == ["2026-11-21 13:00:00Z", "acme", "shield-blocked (monitoring)", "-", "Quarterly Report.pdf", "f1", "-", "-", "-"])
        #expect(hits[2].tableCells[2] == "shield-blocked (enforced) ×2")
        #expect(hits[5].tableCells[4] == "/All Files/Finance/Quarterly Report.pdf")
    }
}

/// Counts the fields of one RFC 4180 record.
func csvFieldCount(_ record: String) -> Int {
    var count = 1, quoted = false
    for character in record.dropLast() {  // the CRLF grapheme
        if character == "\"" { quoted.toggle() } else if character == ",", !quoted { count += 1 }
    }
    return count
}
