import BoxBridgeProtocol
import Foundation
import SwiftProtobuf
import Testing

@Suite("Schema compatibility")
struct CompatibilityTests {
    static func sampleEvent() -> Boxbridge_V1_FileEvent {
        var event = Boxbridge_V1_FileEvent()
        event.connection = "acme"
        event.eventIds = ["1a4ade16-b1ff-4cc3-89a8-955e1522557c"]
        event.boxEventType = "UPLOAD"
        event.category = .created
        event.file.id = "8903212345"
        event.file.name = "re\u{301}sume\u{301}.docx"  // NFD, kept as sent
        event.file.size = 6_000_000_000                  // above 2^32
        event.actor.id = "11446498"
        event.actor.login = "ceo@example.com"
        event.coalescedCount = 1
        return event
    }

    @Test("a message from a newer schema with unknown fields still decodes, and keeps them")
    func unknownFieldsDecode() throws {
        var envelope = Boxbridge_V1_Envelope()
        envelope.topic = "box/acme/created"
        envelope.sequence = 42
        envelope.schemaVersion = UInt32(Boxbridge_V1_SchemaVersion.current.rawValue)
        envelope.fileEvent = Self.sampleEvent()
        var bytes: [UInt8] = try envelope.serializedBytes()
        // What a newer writer would add: field 200 (length-delimited string) on the envelope, and
        // field 300 (varint) inside the file event. Wire format: tag = (number << 3) | wire type.
        let newer = Array("added in v2".utf8)
        bytes += varint(UInt64(200 << 3 | 2)) + varint(UInt64(newer.count)) + newer
        var eventBytes: [UInt8] = try Self.sampleEvent().serializedBytes()
        eventBytes += varint(UInt64(300 << 3 | 0)) + varint(7)
        bytes += varint(UInt64(10 << 3 | 2)) + varint(UInt64(eventBytes.count)) + eventBytes  // last one wins

        let decoded = try Boxbridge_V1_Envelope(serializedBytes: bytes)
        #expect(decoded.topic == "box/acme/created")
        #expect(decoded.sequence == 42)
        #expect(decoded.fileEvent.file.size == 6_000_000_000)
        #expect(decoded.fileEvent.file.name == "re\u{301}sume\u{301}.docx")
        #expect(!decoded.unknownFields.data.isEmpty)
        #expect(!decoded.fileEvent.unknownFields.data.isEmpty)
        // A relay (the broker) re-encodes without losing what it does not understand.
        let reencoded: [UInt8] = try decoded.serializedBytes()
        let again = try Boxbridge_V1_Envelope(serializedBytes: reencoded)
        #expect(again.unknownFields == decoded.unknownFields)
    }

    @Test("JSON from a newer schema decodes when unknown fields are ignored")
    func unknownJSONFields() throws {
        let json = #"{"connection":"acme","eventIds":["e1"],"category":"CATEGORY_DELETED","addedInV2":{"x":1}}"#
        var options = JSONDecodingOptions()
        options.ignoreUnknownFields = true
        let event = try Boxbridge_V1_FileEvent(jsonString: json, options: options)
        #expect(event.category == .deleted)
        #expect(event.eventIds == ["e1"])
    }

    @Test("64-bit sizes survive the JSON mapping exactly")
    func largeSizesInJSON() throws {
        var event = Self.sampleEvent()
        event.file.size = 9_007_199_254_740_993  // 2^53 + 1: a double would round it
        let json = try event.jsonString()
        #expect(json.contains("\"9007199254740993\""))
        #expect(try Boxbridge_V1_FileEvent(jsonString: json).file.size == 9_007_199_254_740_993)
    }

    @Test("an unset size is distinguishable from zero")
    func sizePresence() {
        var event = Boxbridge_V1_FileEvent()
        #expect(!event.file.hasSize)
        event.file.size = 0
        #expect(event.file.hasSize)
    }
}

func varint(_ value: UInt64) -> [UInt8] {
    var value = value
    var out: [UInt8] = []
    repeat {
        var byte = UInt8(value & 0x7F)
        value >>= 7
        if value != 0 { byte |= 0x80 }
        out.append(byte)
    } while value != 0
    return out
}
