import BoxBridgeProtocol
import Foundation
import SwiftProtobuf
import Testing

@testable import Archive

@Suite("FileEventJSON")
struct FileEventJSONTests {
    static func user(_ tag: String) -> Boxbridge_V1_User {
        var user = Boxbridge_V1_User()
        user.id = "id-\(tag)"
        user.name = "Name \"\(tag)\" \\ é 日本"
        user.login = "\(tag)@example.com"
        user.external = true
        return user
    }

    /// Every field of every message set to a non-default value.
    static func fullEvent() -> Boxbridge_V1_FileEvent {
        var event = Boxbridge_V1_FileEvent()
        event.connection = "acme"
        event.eventIds = ["e1", "e2\n"]
        event.boxEventType = "SHIELD_DOWNLOAD_BLOCKED"
        event.category = .shieldBlocked
        event.occurredAt = Google_Protobuf_Timestamp(seconds: 1_763_683_200, nanos: 0)
        event.lastOccurredAt = Google_Protobuf_Timestamp(seconds: 1_763_683_201, nanos: 120_000_000)
        event.recordedAt = Google_Protobuf_Timestamp(seconds: -5, nanos: 123_456_789)
        event.actor = user("actor")
        event.ipAddress = "10.0.0.1"
        event.file.id = "f1"
        event.file.name = "Cafe\u{301}\u{1}.pdf"
        event.file.itemType = "file"
        event.file.parentID = "p1"
        event.file.parentName = "Parent"
        event.file.path = "/All Files/Parent/x.pdf"
        event.file.owner = user("owner")
        event.file.size = 9_007_199_254_740_993  // beyond 2^53
        event.file.sha1 = "abc"
        event.file.versionID = "v1"
        event.file.classification = "Confidential"
        event.share.linkAccess = .open
        event.share.invitee = user("invitee")
        event.share.inviteeGroup.id = "g1"
        event.share.inviteeGroup.name = "Group"
        event.share.inviteEmail = "x@y.z"
        event.share.role = "editor"
        event.share.external = true
        event.share.collaborationID = "c1"
        event.share.performedByAdmin = true
        event.shield.kind = "download_enforcement"
        event.shield.controlMode = .monitoring
        event.shield.serviceID = "s1"
        event.shield.serviceName = "Sync"
        event.shield.classification = "Secret"
        event.shield.accessUser = user("access")
        event.shield.inviter = user("inviter")
        event.shield.invitee = user("sinvitee")
        event.shield.justification.id = "j1"
        event.shield.justification.requestType = "EXTERNAL_COLLAB"
        event.shield.justification.title = "t"
        event.shield.justification.description_p = "d"
        event.shield.justification.action = "APPROVED"
        event.shield.justification.requestedBy = user("req")
        event.shield.justification.approvedBy = user("appr")
        event.shield.justification.requestedAt = Google_Protobuf_Timestamp(seconds: 1_700_000_000, nanos: 5_000)
        event.shield.justification.actionAt = Google_Protobuf_Timestamp(seconds: 1_700_000_100, nanos: 0)
        event.shield.additionalInfo = "info"
        event.shield.ruleCategory = "rc"
        event.shield.ruleID = "r1"
        event.shield.ruleName = "Rule"
        event.shield.riskScore = -7
        event.shield.alertSummary = "sum"
        event.shield.alertID = "a1"
        event.shield.priority = "high"
        event.shield.targetsServiceAccount = true
        event.exposure = .public
        event.coalescedCount = 3
        event.enrichment = .skippedBudget
        event.sessionID = "sess"
        event.streamType = "admin_logs"
        event.byServiceAccount = true
        return event
    }

    static func encoded(_ event: Boxbridge_V1_FileEvent) -> [UInt8] {
        var out: [UInt8] = []
        FileEventJSON.append(event, to: &out)
        return out
    }

    @Test("the hand-written JSON parses back to the same message and equals SwiftProtobuf's mapping", arguments: [0, 1, 2])
    func sameAsProtobufMapping(variant: Int) throws {
        var event = variant == 1 ? Boxbridge_V1_FileEvent() : Self.fullEvent()
        if variant == 2 {
            event.file.size = 0  // present though zero: optional keeps it
            event.category = Boxbridge_V1_Category(rawValue: 99)!  // unknown to this build
        }
        let bytes = Self.encoded(event)
        let decoded = try Boxbridge_V1_FileEvent(jsonUTF8Bytes: bytes)
        #expect(decoded == event)
        var options = JSONEncodingOptions()
        options.preserveProtoFieldNames = true
        let reference = try event.jsonUTF8Data(options: options)
        let mine = try JSONSerialization.jsonObject(with: Data(bytes)) as? NSDictionary
        let theirs = try JSONSerialization.jsonObject(with: reference) as? NSDictionary
        #expect(mine == theirs)
    }

    @Test("every field the .proto declares is written (a new field fails here until it is)")
    func coversEveryProtoField() throws {
        let proto = try String(
            contentsOf: URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appending(path: "protocol/events.proto"), encoding: .utf8)
        for (message, covered) in FileEventJSON.coveredFieldCounts {
            let start = try #require(proto.range(of: "message \(message) {"), "message \(message) not in events.proto")
            let body = proto[start.upperBound...].prefix { $0 != "}" }
            let fields = body.split(separator: "\n").filter { $0.range(of: #"^\s*(optional |repeated )?[\w.]+ \w+ = \d+;"#, options: .regularExpression) != nil }
            #expect(fields.count == covered, "\(message): events.proto declares \(fields.count) fields, FileEventJSON writes \(covered)")
        }
    }

    @Test("archive lines keep their shape: fixed-width time first, the event, then the raw JSON")
    func lineShape() throws {
        var envelope = Boxbridge_V1_Envelope()
        envelope.topic = "box/acme/shield-blocked"
        envelope.sequence = 42
        envelope.schemaVersion = 1
        var event = Self.fullEvent()
        var raw = Boxbridge_V1_RawBoxEvent()
        raw.eventID = "e1"
        raw.json = Data(#"{"a":[1,2]}"#.utf8)
        event.raw = [raw]
        envelope.fileEvent = event
        let line = try ArchiveRecord.line(for: envelope)
        let text = String(decoding: line, as: UTF8.self)
        #expect(text.hasPrefix(#"{"time":"2025-11-21T00:00:00.000000000Z","topic":"box/acme/shield-blocked","sequence":42,"schema_version":1,"kind":"file_event","event":{"#))
        #expect(text.hasSuffix(#","raw":[{"event_id":"e1","json":{"a":[1,2]}}]}"# + "\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: line) as? [String: Any])
        let eventJSON = try JSONSerialization.data(withJSONObject: try #require(object["event"]))
        event.raw = []
        #expect(try Boxbridge_V1_FileEvent(jsonUTF8Data: eventJSON) == event)
    }
}

@Suite("Gzip members")
struct GzipMemberTests {
    @Test("large input becomes parallel members that decompress to the input, deterministically")
    func multiMember() throws {
        let input = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 / 7) })
        let first = try Gzip.compress(input, level: 1, memberBytes: 64 << 10)
        let second = try Gzip.compress(input, level: 1, memberBytes: 64 << 10)
        #expect(first == second)
        #expect(first != (try Gzip.compress(input, level: 1, memberBytes: 1 << 20)))  // really several members
        #expect(try Gzip.decompress(first, path: "t") == input)
        var truncated = first
        truncated.removeLast(3)
        #expect(throws: ArchiveError.self) { try Gzip.decompress(truncated, path: "t") }
        var garbage = first
        garbage.append(contentsOf: [0x1F, 0x8B, 0x00])
        #expect(throws: ArchiveError.self) { try Gzip.decompress(garbage, path: "t") }
    }
}
