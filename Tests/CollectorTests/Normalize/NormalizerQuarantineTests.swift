import BoxBridgeProtocol
import Collector
import Foundation
import SwiftProtobuf
import Testing

/// A malformed Box event and the quarantine reason it must get.
struct MalformedCase: Sendable, CustomTestStringConvertible {
    let name: String
    let json: String
    let reason: String
    var eventID = ""
    var testDescription: String { name }
}

@Suite("Normalizer: malformed events are quarantined, never a crash")
struct NormalizerQuarantineTests {
    static let cases: [MalformedCase] = [
        .init(name: "empty input", json: "", reason: "invalid JSON: unexpected end of input, expected a value at byte 0 (line 1, column 1)"),
        .init(name: "truncated", json: #"{"event_id":"a","event_type":"UPLOAD""#,
              reason: "invalid JSON: unexpected end of input in an object at byte 37 (line 1, column 38)"),
        .init(name: "garbage", json: "<html>502 Bad Gateway</html>",
              reason: "invalid JSON: unexpected character, expected a value at byte 0 (line 1, column 1)"),
        .init(name: "two values", json: #"{"event_id":"a"} {}"#,
              reason: "invalid JSON: unexpected data after the JSON value at byte 17 (line 1, column 18)"),
        .init(name: "an array", json: "[1,2]", reason: "not a JSON object (the event is an array)"),
        .init(name: "a string", json: #""UPLOAD""#, reason: "not a JSON object (the event is a string)"),
        .init(name: "missing event_id", json: Fixtures.event(type: "UPLOAD").replacingOccurrences(of: #""event_id":"1a4ade16-b1ff-4cc3-89a8-955e1522557c","#, with: ""),
              reason: "event_id is missing or null"),
        .init(name: "null event_id", json: Fixtures.event(type: "UPLOAD").replacingOccurrences(of: #""1a4ade16-b1ff-4cc3-89a8-955e1522557c""#, with: "null"),
              reason: "event_id is missing or null"),
        .init(name: "empty event_id", json: Fixtures.event(id: "", type: "UPLOAD"), reason: "event_id is empty"),
        .init(name: "object event_id", json: Fixtures.event(type: "UPLOAD").replacingOccurrences(of: #""1a4ade16-b1ff-4cc3-89a8-955e1522557c""#, with: "{}"),
              reason: "event_id is an object, expected an id (string or integer)"),
        .init(name: "fractional event_id", json: Fixtures.event(type: "UPLOAD").replacingOccurrences(of: #""1a4ade16-b1ff-4cc3-89a8-955e1522557c""#, with: "1.5"),
              reason: "event_id is a non-integer number, expected an id"),
        .init(name: "missing event_type", json: #"{"event_id":"e1","created_at":"2024-05-01T09:41:31-07:00"}"#,
              reason: "event_type is missing or null", eventID: "e1"),
        .init(name: "numeric event_type", json: #"{"event_id":"e1","event_type":7,"created_at":"2024-05-01T09:41:31-07:00"}"#,
              reason: "event_type is a number, expected a string", eventID: "e1"),
        .init(name: "missing created_at", json: #"{"event_id":"e1","event_type":"UPLOAD"}"#,
              reason: "created_at is missing or null", eventID: "e1"),
        .init(name: "unparseable created_at", json: Fixtures.event(id: "e1", type: "UPLOAD", createdAt: "yesterday"),
              reason: "created_at is \"yesterday\", not an RFC 3339 timestamp", eventID: "e1"),
        .init(name: "impossible date", json: Fixtures.event(id: "e1", type: "UPLOAD", createdAt: "2023-02-29T10:00:00Z"),
              reason: "created_at is \"2023-02-29T10:00:00Z\", not an RFC 3339 timestamp", eventID: "e1"),
        .init(name: "numeric created_at", json: #"{"event_id":"e1","event_type":"UPLOAD","created_at":1714581691}"#,
              reason: "created_at is a number, expected an RFC 3339 string", eventID: "e1"),
        .init(name: "source is a string", json: Fixtures.event(id: "e1", type: "UPLOAD", source: #""file""#),
              reason: "source is a string, expected an object or null", eventID: "e1"),
        .init(name: "created_by is an array", json: Fixtures.event(id: "e1", type: "UPLOAD", createdBy: "[]"),
              reason: "created_by is an array, expected an object", eventID: "e1"),
        .init(name: "item_id is an object", json: Fixtures.event(id: "e1", type: "UPLOAD", source: Fixtures.itemSource(id: "{}")),
              reason: "source.item_id is an object, expected an id (string or integer)", eventID: "e1"),
        .init(name: "item source without item_id", json: Fixtures.event(id: "e1", type: "UPLOAD", source: #"{"item_type":"file","item_name":"a.txt"}"#),
              reason: "source.item_id is missing or empty in an item source", eventID: "e1"),
        .init(name: "item_name is a number", json: Fixtures.event(id: "e1", type: "UPLOAD", source: #"{"item_type":"file","item_id":"1","item_name":42}"#),
              reason: "source.item_name is a number, expected a string", eventID: "e1"),
        .init(name: "collaboration source without an item id", json: Fixtures.event(id: "e1", type: "COLLABORATION_INVITE", source: #"{"folder_id":null,"user_id":"5"}"#),
              reason: "source.folder_id is missing or empty in a collaboration source", eventID: "e1"),
        .init(name: "created_by is a string", json: Fixtures.event(id: "e1", type: "UPLOAD", createdBy: #""11446498""#),
              reason: "created_by is a string, expected an object", eventID: "e1"),
        .init(name: "size is text", json: Fixtures.event(id: "e1", type: "UPLOAD", source: Fixtures.itemSource(), details: #"{"size":"big"}"#),
              reason: "additional_details.size is \"big\", expected an integer", eventID: "e1"),
        .init(name: "size overflows 64 bits", json: Fixtures.event(id: "e1", type: "UPLOAD", source: Fixtures.itemSource(), details: #"{"size":99999999999999999999}"#),
              reason: "additional_details.size is 99999999999999999999, expected an integer", eventID: "e1"),
        .init(name: "owner is a number", json: Fixtures.event(id: "e1", type: "UPLOAD", source: Fixtures.itemSource(owner: "5")),
              reason: "source.owned_by is a number, expected a user object", eventID: "e1"),
        .init(name: "numeric event_id is kept as a string when the rest fails",
              json: #"{"event_id":12345678901234567890,"event_type":"UPLOAD"}"#,
              reason: "created_at is missing or null", eventID: "12345678901234567890"),
    ]

    @Test("malformed events are quarantined with a precise reason and their exact bytes", arguments: cases)
    func quarantined(_ c: MalformedCase) throws {
        let bytes = Array(c.json.utf8)
        let at = Google_Protobuf_Timestamp(seconds: 1_700_000_000, nanos: 0)
        let result = standardNormalizer.normalize(raw: bytes, quarantinedAt: at)
        let quarantined = try #require(result.quarantined)
        #expect(quarantined.reason == c.reason)
        #expect(quarantined.raw == Data(bytes))
        #expect(quarantined.eventID == c.eventID)
        #expect(quarantined.connection == "acme")
        #expect(quarantined.at == at)
    }

    @Test("a numeric event_id on a good event becomes a string id")
    func numericEventID() throws {
        let json = Fixtures.event(type: "UPLOAD").replacingOccurrences(of: #""1a4ade16-b1ff-4cc3-89a8-955e1522557c""#, with: "403702014")
        let event = try normalized(json)
        #expect(event.eventIds == ["403702014"])
        #expect(event.raw[0].eventID == "403702014")
    }

    @Test("a bad recorded_at is dropped, not quarantined")
    func badRecordedAt() throws {
        let json = Fixtures.event(type: "UPLOAD").replacingOccurrences(of: #""recorded_at":"2024-05-01T09:41:32-07:00""#, with: #""recorded_at":"soon""#)
        let event = try normalized(json)
        #expect(event.hasRecordedAt == false)
    }

    @Test("bytes that are not UTF-8 or that nest absurdly deep never crash")
    func hostileInput() throws {
        var bytes = Array(#"{"event_id":"x","event_type":"UPLOAD","created_at":"2024-05-01T09:41:31Z","source":{"item_id":"1","item_name":""#.utf8)
        bytes += [0xFF, 0xFE, 0xC3]
        bytes += Array(#""}}"#.utf8)
        let event = try #require(standardNormalizer.normalize(raw: bytes).event)
        #expect(event.file.name.unicodeScalars.contains("\u{FFFD}"))
        #expect(event.raw[0].json == Data(bytes))

        let deep = Array((String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)).utf8)
        let quarantined = try #require(standardNormalizer.normalize(raw: deep).quarantined)
        #expect(quarantined.reason.contains("nesting too deep"))
    }

    @Test("normalize works from any byte collection, e.g. a slice of a page")
    func slices() throws {
        let page = Array(("[" + Fixtures.uploadExample + "]").utf8)
        let slice = page[1..<(page.count - 1)]
        let event = try #require(standardNormalizer.normalize(raw: slice).event)
        #expect(event.raw[0].json == Data(Fixtures.uploadExample.utf8))
    }
}

@Suite("Normalizer: damaged input never crashes")
struct NormalizerFuzzTests {
    /// A small deterministic generator, so a failure reproduces.
    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test("truncations and byte flips of every fixture give an event or a quarantine with the exact bytes")
    func damaged() throws {
        let seeds = [Fixtures.uploadExample, Fixtures.collaborationInviteExample, Fixtures.shieldAlert,
                     Fixtures.shieldEvent(type: "SHIELD_EXTERNAL_COLLAB_INVITE_JUSTIFIED", payload: ShieldSpecPayloads.externalCollabInviteJustified)]
        let interesting: [UInt8] = Array("{}[]\":,\\0123456789-.eEtfn \u{7F}".utf8) + [0x00, 0x0A, 0xC3, 0xFF]
        var rng = SplitMix(state: 6)
        var events = 0
        var quarantined = 0
        for seed in seeds {
            let original = Array(seed.utf8)
            for cut in stride(from: 0, to: original.count, by: 7) {
                let bytes = Array(original[..<cut])
                if case .quarantined(let q) = standardNormalizer.normalize(raw: bytes) {
                    #expect(q.raw == Data(bytes))
                    quarantined += 1
                } else {
                    events += 1
                }
            }
            for _ in 0..<400 {
                var bytes = original
                for _ in 0..<(1 + Int(rng.next() % 3)) {
                    let position = Int(rng.next() % UInt64(bytes.count))
                    bytes[position] = interesting[Int(rng.next() % UInt64(interesting.count))]
                }
                switch standardNormalizer.normalize(raw: bytes) {
                case .event(let event):
                    #expect(event.raw.first?.json == Data(bytes))
                    #expect(!event.eventIds[0].isEmpty)
                    events += 1
                case .quarantined(let q):
                    #expect(q.raw == Data(bytes))
                    #expect(!q.reason.isEmpty)
                    quarantined += 1
                }
            }
        }
        // Both outcomes occur: damage is neither always fatal nor always ignored.
        #expect(events > 100)
        #expect(quarantined > 100)
    }
}
