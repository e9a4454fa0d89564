import Foundation
import Testing

@testable import Archive
import BoxBridgeProtocol

@Suite("ArchiveRecord")
struct ArchiveRecordTests {
    static func valid(_ text: String) -> Bool {
        Data(text.utf8).withUnsafeBytes { JSONValidator.isValid($0) }
    }

    @Test("the validator accepts RFC 8259 JSON", arguments: [
        #"{}"#, #"[]"#, #" {"a":[1,-2.5e+3,0,true,false,null,"\u00e9\n"]} "#, #"{"nested":{"x":[[{}]]}}"#,
        "{\"name\":\"Caf\u{E9} \u{1F600}\"}", "[\n  1,\n  2\n]",
    ])
    func acceptsValid(text: String) {
        #expect(Self.valid(text))
        #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) != nil)
    }

    @Test("the validator rejects what is not JSON", arguments: [
        "", "{", #"{"a":}"#, #"{"a" 1}"#, "[1,]", "[01]", "[1.]", #"["\x"]"#, "[\"a\u{1}\"]", "{} {}", "[tru]",
        #"{"a":1,}"#, "[\"\\u12\"]", "nul",
    ])
    func rejectsInvalid(text: String) {
        #expect(!Self.valid(text))
    }

    @Test("the validator rejects malformed UTF-8 inside strings")
    func rejectsBadUTF8() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xE2, 0x82, 0x22]] {
            #expect(!bytes.withUnsafeBytes { JSONValidator.isValid($0) })
        }
    }

    @Test("pretty-printed raw JSON is embedded on one line and still parses to the same value")
    func prettyRawStaysOneLine() throws {
        let pretty = Data("{\r\n  \"event_id\": \"e1\",\n  \"source\": {\"name\": \"a b\"}\n}".utf8)
        let line = try ArchiveRecord.line(for: Fixtures.envelope(sequence: 3, seconds: 86_400, raw: pretty))
        #expect(line.filter { $0 == 0x0A }.count == 1)
        #expect(line.last == 0x0A)
        let object = try #require(try JSONSerialization.jsonObject(with: line) as? [String: Any])
        let raw = try #require((object["raw"] as? [[String: Any]])?.first?["json"] as? [String: Any])
        #expect(raw["event_id"] as? String == "e1")
        #expect(object["time"] as? String == "1970-01-02T00:00:00.000000000Z")
    }

    @Test("health payloads with a map encode identically whatever the dictionary's order")
    func healthMapIsSorted() throws {
        func line(order: [Int], capacity: Int) throws -> Data {
            var health = Boxbridge_V1_CollectorHealth()
            health.connection = "acme"
            var details = [String: String](minimumCapacity: capacity)
            for index in order { details["key\(index)"] = "value\(index)" }
            health.details = details
            var envelope = Boxbridge_V1_Envelope()
            envelope.topic = "ops/acme/lag"
            envelope.health = health
            return try ArchiveRecord.line(for: envelope)
        }
        let forward = try line(order: Array(0..<40), capacity: 40)
        #expect(try line(order: Array((0..<40).reversed()), capacity: 4096) == forward)
        #expect(try line(order: Array(0..<40).shuffled(), capacity: 300) == forward)
    }
}
