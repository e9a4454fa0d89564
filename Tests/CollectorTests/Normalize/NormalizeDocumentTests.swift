import BoxAPI
import BoxBridgeProtocol
import Collector
import Foundation
import Testing

/// The path `boxbridge normalize` takes: every input layout, with where each event was found.
@Suite("Normalizer: documents (one event, array, events page, JSON lines)")
struct NormalizeDocumentTests {
    let upload = Fixtures.event(id: "u1", type: "UPLOAD", source: Fixtures.itemSource())
    let download = Fixtures.event(id: "d1", type: "DOWNLOAD", source: Fixtures.itemSource())

    @Test("a single event")
    func single() throws {
        let document = try standardNormalizer.normalizeDocument(Array(upload.utf8))
        #expect(document.layout == .single)
        #expect(document.items.map { $0.result.event?.eventIds.first } == ["u1"])
    }

    @Test("an array of events, pretty-printed, with byte offsets and lines")
    func array() throws {
        let text = "[\n  \(upload),\n  \(download)\n]\n"
        let document = try standardNormalizer.normalizeDocument(Array(text.utf8))
        #expect(document.layout == .array)
        #expect(document.items.map { $0.result.event?.eventIds.first } == ["u1", "d1"])
        #expect(document.items.map(\.line) == [2, 3])
        #expect(document.items[0].byteOffset == 4)
    }

    @Test("an events page keeps its position exactly, even above 2^53")
    func page() throws {
        let text = #"{"chunk_size":2,"next_stream_position":1152922976252290886,"entries":[\#(upload),\#(download)]}"#
        let document = try standardNormalizer.normalizeDocument(Array(text.utf8))
        #expect(document.layout == .page)
        #expect(document.nextStreamPosition == "1152922976252290886")
        #expect(document.items.count == 2)
        // The raw bytes kept for each entry are exactly that entry's bytes in the page.
        #expect(document.items[1].result.event?.raw.first?.json == Data(download.utf8))
    }

    @Test("an empty page gives no events")
    func emptyPage() throws {
        let document = try standardNormalizer.normalizeDocument(Array(#"{"chunk_size":0,"next_stream_position":"0","entries":[]}"#.utf8))
        #expect(document.items.isEmpty)
        #expect(document.nextStreamPosition == "0")
    }

    @Test("JSON lines, with a malformed event quarantined in place")
    func jsonLines() throws {
        let bad = #"{"event_id":"x1","event_type":"UPLOAD","created_at":"nope"}"#
        let text = "\(upload)\n\n\(bad)\n\(download)\n"
        let document = try standardNormalizer.normalizeDocument(Array(text.utf8))
        #expect(document.layout == .lines)
        #expect(document.items.map(\.line) == [1, 3, 4])
        #expect(document.items[1].result.quarantined?.reason == #"created_at is "nope", not an RFC 3339 timestamp"#)
        #expect(document.items[2].result.event?.eventIds == ["d1"])
    }

    @Test("JSON lines with one line of broken JSON: the other lines still normalize")
    func brokenLine() throws {
        let text = "\(upload)\n{\"event_id\":\"t1\",\"event_type\n\(download)\n"
        let document = try standardNormalizer.normalizeDocument(Array(text.utf8))
        #expect(document.items.count == 3)
        #expect(document.items[0].result.event != nil)
        #expect(document.items[1].result.quarantined?.reason.hasPrefix("invalid JSON: unterminated string") == true)
        #expect(document.items[1].line == 2)
        #expect(document.items[2].result.event?.eventIds == ["d1"])
    }

    @Test("unreadable structure is an error naming line, column and byte")
    func unreadable() throws {
        let text = "[\n  \(upload),\n  {\"event_id\": }\n"
        let error = try #require(throws: RawJSON.SyntaxError.self) { try standardNormalizer.normalizeDocument(Array(text.utf8)) }
        #expect(error.line == 3)
        #expect(error.column == 16)
    }

    @Test("empty input gives no events")
    func empty() throws {
        let document = try standardNormalizer.normalizeDocument(Array(" \n".utf8))
        #expect(document.layout == .empty)
        #expect(document.items.isEmpty)
    }
}

@Suite("Internal domains and RFC 3339")
struct NormalizeHelpersTests {
    @Test(
        "domain matching: exact or subdomain, case-insensitive, cleaned configuration",
        arguments: [
            ("a@example.com", true), ("a@Sub.EXAMPLE.com", true), ("a@example.org", true), ("a@x.acme.co.uk", true),
            ("a@xexample.com", false), ("a@example.com.au", false), ("a@gmail.com", false), ("first.last+tag@EXAMPLE.COM", true),
        ])
    func domains(login: String, isInternal: Bool) {
        let domains = InternalDomains(["example.com", " @Example.ORG ", ".acme.co.uk", "example.com", ""])
        #expect(domains.domains == ["example.com", "example.org", "acme.co.uk"])
        #expect(domains.isInternal(login: login) == isInternal)
        #expect(domains.isExternal(login: login) == !isInternal)
    }

    @Test("logins that are not addresses, or no domains configured, are unknown rather than external")
    func unknowns() {
        #expect(InternalDomains(["example.com"]).isInternal(login: "") == nil)
        #expect(InternalDomains(["example.com"]).isInternal(login: "no-at-sign") == nil)
        #expect(InternalDomains([]).isInternal(login: "a@gmail.com") == nil)
        #expect(InternalDomains([]).isExternal(login: "a@gmail.com") == false)
    }

    @Test(
        "RFC 3339 parsing rejects what is not a timestamp",
        arguments: ["", "2024-05-01", "2024-05-01T09:41:31", "2024-13-01T00:00:00Z", "2024-05-01T24:00:00Z",
                    "2024-05-01T09:41:31+0700", "2024-05-01T09:41:31.Z", "2024-05-01T09:41:31Zjunk", "２０２４-05-01T09:41:31Z"])
    func rejects(text: String) {
        #expect(RFC3339.parse(text) == nil)
    }

    @Test("RFC 3339 accepts lower-case t/z and a space separator")
    func accepts() throws {
        #expect(try #require(RFC3339.parse("2024-05-01t16:41:31z")).seconds == 1_714_581_691)
        #expect(try #require(RFC3339.parse("2024-05-01 16:41:31Z")).seconds == 1_714_581_691)
    }
}
