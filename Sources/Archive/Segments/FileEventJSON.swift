import BoxBridgeProtocol
import Foundation
import SwiftProtobuf

/// The protobuf JSON mapping of a `FileEvent` (proto field names, defaults omitted, enums by name,
/// 64-bit integers as strings, RFC 3339 timestamps), written straight into bytes.
///
/// Why by hand: the generic `jsonUTF8Bytes()` cost ~13 µs per event, most of the archive's
/// budget. The output parses back with `Boxbridge_V1_FileEvent(jsonUTF8Data:)` to the same
/// message (minus `raw`, which the record carries separately); `FileEventJSONTests` checks that
/// for every field, and that every field of the generated messages is covered here.
enum FileEventJSON {
    /// Field counts of the messages this encoder writes: a field added to the .proto changes the
    /// generated message and fails the test until it is written here too.
    static let coveredFieldCounts: [String: Int] = [
        "FileEvent": 19, "User": 4, "Group": 2, "FileRef": 11, "ShareDetails": 8, "Justification": 9, "ShieldDetails": 18,
    ]

    /// Appends the event, without its `raw` list, as one JSON object.
    static func append(_ event: Boxbridge_V1_FileEvent, to out: inout [UInt8]) {
        var w = ObjectWriter(taking: &out)
        w.string("connection", event.connection)
        if !event.eventIds.isEmpty {
            w.key("event_ids")
            w.out.append(UInt8(ascii: "["))
            for (index, id) in event.eventIds.enumerated() {
                if index > 0 { w.out.append(UInt8(ascii: ",")) }
                JSONBytes.appendString(id, to: &w.out)
            }
            w.out.append(UInt8(ascii: "]"))
        }
        w.string("box_event_type", event.boxEventType)
        w.enumValue("category", event.category.rawValue, names: EnumNames.category)
        if event.hasOccurredAt { w.timestamp("occurred_at", event.occurredAt) }
        if event.hasLastOccurredAt { w.timestamp("last_occurred_at", event.lastOccurredAt) }
        if event.hasRecordedAt { w.timestamp("recorded_at", event.recordedAt) }
        if event.hasActor { w.object("actor") { user(event.actor, &$0) } }
        w.string("ip_address", event.ipAddress)
        if event.hasFile { w.object("file") { file(event.file, &$0) } }
        if event.hasShare { w.object("share") { share(event.share, &$0) } }
        if event.hasShield { w.object("shield") { shield(event.shield, &$0) } }
        w.enumValue("exposure", event.exposure.rawValue, names: EnumNames.exposure)
        if event.coalescedCount != 0 { w.number("coalesced_count", String(event.coalescedCount)) }
        w.enumValue("enrichment", event.enrichment.rawValue, names: EnumNames.enrichment)
        w.string("session_id", event.sessionID)
        w.string("stream_type", event.streamType)
        w.bool("by_service_account", event.byServiceAccount)
        out = w.finish()
    }

    private static func user(_ user: Boxbridge_V1_User, _ w: inout ObjectWriter) {
        w.string("id", user.id)
        w.string("name", user.name)
        w.string("login", user.login)
        w.bool("external", user.external)
    }

    private static func file(_ file: Boxbridge_V1_FileRef, _ w: inout ObjectWriter) {
        w.string("id", file.id)
        w.string("name", file.name)
        w.string("item_type", file.itemType)
        w.string("parent_id", file.parentID)
        w.string("parent_name", file.parentName)
        w.string("path", file.path)
        if file.hasOwner { w.object("owner") { user(file.owner, &$0) } }
        if file.hasSize { w.quotedNumber("size", String(file.size)) }
        w.string("sha1", file.sha1)
        w.string("version_id", file.versionID)
        w.string("classification", file.classification)
    }

    private static func share(_ share: Boxbridge_V1_ShareDetails, _ w: inout ObjectWriter) {
        w.enumValue("link_access", share.linkAccess.rawValue, names: EnumNames.linkAccess)
        if share.hasInvitee { w.object("invitee") { user(share.invitee, &$0) } }
        if share.hasInviteeGroup {
            w.object("invitee_group") {
                $0.string("id", share.inviteeGroup.id)
                $0.string("name", share.inviteeGroup.name)
            }
        }
        w.string("invite_email", share.inviteEmail)
        w.string("role", share.role)
        w.bool("external", share.external)
        w.string("collaboration_id", share.collaborationID)
        w.bool("performed_by_admin", share.performedByAdmin)
    }

    private static func shield(_ shield: Boxbridge_V1_ShieldDetails, _ w: inout ObjectWriter) {
        w.string("kind", shield.kind)
        w.enumValue("control_mode", shield.controlMode.rawValue, names: EnumNames.controlMode)
        w.string("service_id", shield.serviceID)
        w.string("service_name", shield.serviceName)
        w.string("classification", shield.classification)
        if shield.hasAccessUser { w.object("access_user") { user(shield.accessUser, &$0) } }
        if shield.hasInviter { w.object("inviter") { user(shield.inviter, &$0) } }
        if shield.hasInvitee { w.object("invitee") { user(shield.invitee, &$0) } }
        if shield.hasJustification {
            let j = shield.justification
            w.object("justification") {
                $0.string("id", j.id)
                $0.string("request_type", j.requestType)
                $0.string("title", j.title)
                $0.string("description", j.description_p)
                $0.string("action", j.action)
                if j.hasRequestedBy { $0.object("requested_by") { user(j.requestedBy, &$0) } }
                if j.hasApprovedBy { $0.object("approved_by") { user(j.approvedBy, &$0) } }
                if j.hasRequestedAt { $0.timestamp("requested_at", j.requestedAt) }
                if j.hasActionAt { $0.timestamp("action_at", j.actionAt) }
            }
        }
        w.string("additional_info", shield.additionalInfo)
        w.string("rule_category", shield.ruleCategory)
        w.string("rule_id", shield.ruleID)
        w.string("rule_name", shield.ruleName)
        if shield.riskScore != 0 { w.number("risk_score", String(shield.riskScore)) }
        w.string("alert_summary", shield.alertSummary)
        w.string("alert_id", shield.alertID)
        w.string("priority", shield.priority)
        w.bool("targets_service_account", shield.targetsServiceAccount)
    }
}

/// Writes one JSON object's members, skipping proto3 defaults.
struct ObjectWriter {
    var out: [UInt8]
    private var first = true

    /// Continues `out` (left empty meanwhile, so appends never copy the buffer); ``finish()`` hands it back.
    init(taking out: inout [UInt8]) {
        self.out = []
        swap(&self.out, &out)
        self.out.append(UInt8(ascii: "{"))
    }

    mutating func finish() -> [UInt8] {
        out.append(UInt8(ascii: "}"))
        return out
    }

    mutating func key(_ name: StaticString) {
        if !first { out.append(UInt8(ascii: ",")) }
        first = false
        out.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { out.append(contentsOf: $0) }
        out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    mutating func string(_ name: StaticString, _ value: String) {
        guard !value.isEmpty else { return }
        key(name)
        JSONBytes.appendString(value, to: &out)
    }

    mutating func bool(_ name: StaticString, _ value: Bool) {
        guard value else { return }
        key(name)
        out.append(contentsOf: "true".utf8)
    }

    mutating func number(_ name: StaticString, _ digits: String) {
        key(name)
        out.append(contentsOf: digits.utf8)
    }

    mutating func quotedNumber(_ name: StaticString, _ digits: String) {
        key(name)
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: digits.utf8)
        out.append(UInt8(ascii: "\""))
    }

    mutating func enumValue(_ name: StaticString, _ raw: Int, names: [[UInt8]]) {
        guard raw != 0 else { return }
        key(name)
        if raw > 0, raw < names.count, !names[raw].isEmpty {
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: names[raw])
            out.append(UInt8(ascii: "\""))
        } else {
            out.append(contentsOf: String(raw).utf8)  // an unknown value: the mapping writes its number
        }
    }

    mutating func timestamp(_ name: StaticString, _ value: Google_Protobuf_Timestamp) {
        key(name)
        out.append(UInt8(ascii: "\""))
        JSONBytes.appendTimestamp(seconds: value.seconds, nanos: value.nanos, to: &out)
        out.append(UInt8(ascii: "\""))
    }

    mutating func object(_ name: StaticString, _ body: (inout ObjectWriter) -> Void) {
        key(name)
        var inner = ObjectWriter(taking: &out)
        body(&inner)
        out = inner.finish()
    }
}

/// Byte-level JSON pieces shared by the archive's encoders.
enum JSONBytes {
    private static let hex = Array("0123456789abcdef".utf8)

    /// A JSON string literal: quotes, backslashes and control characters escaped, the rest as UTF-8.
    static func appendString(_ value: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { bytes in
            var start = 0
            var index = 0
            while true {
                index = firstToEscape(bytes, from: index)
                guard index < bytes.count else { break }
                let byte = bytes[index]
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                start = index + 1
                switch byte {
                case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
                case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
                case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
                default: out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
                }
                index += 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<bytes.count]))
        }
        out.append(UInt8(ascii: "\""))
    }

    /// The first byte at or after `from` that a JSON string must escape (`"`, `\\`, below 0x20), or
    /// `bytes.count`; eight bytes at a time, as in ``JSONValidator``.
    static func firstToEscape(_ bytes: UnsafeBufferPointer<UInt8>, from: Int) -> Int {
        var index = from
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
            while index + 8 <= bytes.count {
                let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                let quote = word ^ (ones &* 0x22), backslash = word ^ (ones &* 0x5C)
                let flags = (((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((word &- ones &* 0x20) & ~word)) & highs
                if flags != 0 { return index + flags.trailingZeroBitCount / 8 }
                index += 8
            }
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { return index }
            index += 1
        }
        return index
    }

    /// RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits, as the protobuf JSON mapping writes it.
    static func appendTimestamp(seconds: Int64, nanos: Int32, to out: inout [UInt8]) {
        let days = UTCTime.floorDiv(seconds, 86_400)
        let secondOfDay = Int(seconds - days * 86_400)
        let (year, month, day) = UTCTime.civil(daysSinceEpoch: days)
        digits(year, 4, &out)
        out.append(UInt8(ascii: "-"))
        digits(month, 2, &out)
        out.append(UInt8(ascii: "-"))
        digits(day, 2, &out)
        out.append(UInt8(ascii: "T"))
        digits(secondOfDay / 3600, 2, &out)
        out.append(UInt8(ascii: ":"))
        digits(secondOfDay % 3600 / 60, 2, &out)
        out.append(UInt8(ascii: ":"))
        digits(secondOfDay % 60, 2, &out)
        let nanos = Int(max(0, min(nanos, 999_999_999)))
        if nanos != 0 {
            out.append(UInt8(ascii: "."))
            if nanos % 1_000_000 == 0 {
                digits(nanos / 1_000_000, 3, &out)
            } else if nanos % 1_000 == 0 {
                digits(nanos / 1_000, 6, &out)
            } else {
                digits(nanos, 9, &out)
            }
        }
        out.append(UInt8(ascii: "Z"))
    }

    /// The archive line's fixed-width time: always nine fractional digits, so text order is time order.
    static func appendFixedTimestamp(seconds: Int64, nanos: Int32, to out: inout [UInt8]) {
        let days = UTCTime.floorDiv(seconds, 86_400)
        let secondOfDay = Int(seconds - days * 86_400)
        let (year, month, day) = UTCTime.civil(daysSinceEpoch: days)
        digits(year, 4, &out)
        out.append(UInt8(ascii: "-"))
        digits(month, 2, &out)
        out.append(UInt8(ascii: "-"))
        digits(day, 2, &out)
        out.append(UInt8(ascii: "T"))
        digits(secondOfDay / 3600, 2, &out)
        out.append(UInt8(ascii: ":"))
        digits(secondOfDay % 3600 / 60, 2, &out)
        out.append(UInt8(ascii: ":"))
        digits(secondOfDay % 60, 2, &out)
        out.append(UInt8(ascii: "."))
        digits(Int(max(0, min(nanos, 999_999_999))), 9, &out)
        out.append(UInt8(ascii: "Z"))
    }

    /// `value` in decimal, without building a `String`.
    static func digits(_ value: UInt64, _ out: inout [UInt8]) {
        var buffer: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &buffer) { raw in
            var v = value, count = 0
            repeat {
                raw[23 - count] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
                count += 1
            } while v > 0
            out.append(contentsOf: raw[(24 - count)...])
        }
    }

    /// `value` in decimal, left-padded with zeros to `width`.
    static func digits(_ value: Int, _ width: Int, _ out: inout [UInt8]) {
        var buffer: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &buffer) { raw in
            var v = abs(value), count = 0
            repeat {
                raw[19 - count] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
                count += 1
            } while v > 0 && count < 20
            while count < width && count < 20 {
                raw[19 - count] = UInt8(ascii: "0")
                count += 1
            }
            if value < 0 { out.append(UInt8(ascii: "-")) }
            out.append(contentsOf: raw[(20 - count)...])
        }
    }
}

/// Enum value names as the protobuf JSON mapping writes them, read once from SwiftProtobuf itself.
enum EnumNames {
    static let category = names { var e = Boxbridge_V1_FileEvent(); e.category = .init(rawValue: $0) ?? .unspecified; return e }
    static let exposure = names { var e = Boxbridge_V1_FileEvent(); e.exposure = .init(rawValue: $0) ?? .unspecified; return e }
    static let enrichment = names { var e = Boxbridge_V1_FileEvent(); e.enrichment = .init(rawValue: $0) ?? .unspecified; return e }
    static let linkAccess = names { var e = Boxbridge_V1_ShareDetails(); e.linkAccess = .init(rawValue: $0) ?? .unspecified; return e }
    static let controlMode = names { var e = Boxbridge_V1_ShieldDetails(); e.controlMode = .init(rawValue: $0) ?? .unspecified; return e }

    /// For raw values 0..<64: the name the generated code writes, or empty when the value is unknown.
    private static func names(_ make: (Int) -> some SwiftProtobuf.Message) -> [[UInt8]] {
        (0..<64).map { raw in
            guard raw > 0, let json = try? make(raw).jsonString(),
                  let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
                  let name = object.values.first as? String else { return [] }
            return Array(name.utf8)
        }
    }
}
