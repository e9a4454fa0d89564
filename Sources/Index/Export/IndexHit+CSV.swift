import BoxBridgeProtocol
import SwiftProtobuf
import Foundation

/// The forensic CSV export: RFC 4180 (CRLF line ends; a field with a comma, quote, CR or LF is
/// quoted, quotes doubled), a header row, times in UTC ISO 8601 with microseconds, every value
/// exactly as indexed (no spreadsheet-formula escaping: evidence is not rewritten).
extension IndexHit {
    /// The header row's column names, in record order.
    public static let csvColumns = [
        "occurred_at", "last_occurred_at", "recorded_at", "connection", "category", "box_event_type", "event_ids",
        "coalesced_count", "actor_id", "actor_login", "actor_name", "actor_external", "ip_address",
        "file_id", "file_name", "item_type", "file_path", "parent_id", "parent_name", "owner_id", "owner_login",
        "size", "sha1", "version_id", "classification", "exposure", "link_access", "invitee_login", "invite_email",
        "invitee_group", "share_role", "share_external", "shield_kind", "control_mode", "service_name",
        "shield_rule_name", "enrichment", "session_id", "stream_type", "by_service_account", "topic", "sequence",
    ]

    /// The header line, CRLF-terminated.
    public static var csvHeader: String { csvLine(csvColumns) }

    /// This hit as one CSV record, CRLF-terminated.
    public var csvRecord: String {
        let e = event, f = e.file, s = e.share, shield = e.shield
        func time(_ t: Google_Protobuf_Timestamp, _ present: Bool) -> String {
            present ? UTCTime.format(t.microsecondsSince1970) : ""
        }
        let fields: [String] = [
            UTCTime.format(occurredAt), time(e.lastOccurredAt, e.hasLastOccurredAt), time(e.recordedAt, e.hasRecordedAt),
            e.connection, e.category.topicName, e.boxEventType, e.eventIds.joined(separator: " "),
            String(max(e.coalescedCount, 1)), e.actor.id, e.actor.login, e.actor.name, flag(e.actor.external), e.ipAddress,
            f.id, f.name, f.itemType, f.path, f.parentID, f.parentName, f.owner.id, f.owner.login,
            f.hasSize ? String(f.size) : "", f.sha1, f.versionID, f.classification.isEmpty ? shield.classification : f.classification,
            IndexNames.exposure(e.exposure) ?? "", IndexNames.linkAccess(s.linkAccess) ?? "", s.invitee.login, s.inviteEmail,
            s.inviteeGroup.name, s.role, flag(s.external), shield.kind, IndexNames.controlMode(shield.controlMode) ?? "",
            shield.serviceName, shield.ruleName, IndexNames.enrichment(e.enrichment) ?? "", e.sessionID, e.streamType,
            flag(e.byServiceAccount), topic, String(sequence),
        ]
        return Self.csvLine(fields)
    }

    /// The protocol's JSON mapping of the FileEvent, on one line.
    public func jsonLine() throws -> String {
        try event.jsonString()
    }

    /// The table columns of `boxbridge search`'s default output.
    public static let tableColumns = ["TIME (UTC)", "CONNECTION", "CATEGORY", "ACTOR", "FILE", "FILE ID", "EXPOSURE", "CLASSIFICATION", "IP"]

    /// This hit's cells for the readable table.
    public var tableCells: [String] {
        let e = event
        let actor = e.hasActor ? (e.actor.login.isEmpty ? e.actor.id : e.actor.login) : "-"
        var file = e.file.path.isEmpty ? e.file.name : e.file.path
        if file.count > 60 { file = "…" + String(file.suffix(59)) }
        let classification = e.file.classification.isEmpty ? e.shield.classification : e.file.classification
        var category = e.category.topicName
        if let mode = IndexNames.controlMode(e.shield.controlMode) { category += " (\(mode))" }
        if e.coalescedCount > 1 { category += " ×\(e.coalescedCount)" }
        return [
            UTCTime.formatShort(occurredAt), e.connection, category, actor, file.isEmpty ? "-" : file,
            e.file.id.isEmpty ? "-" : e.file.id, IndexNames.exposure(e.exposure) ?? "-",
            classification.isEmpty ? "-" : classification, e.ipAddress.isEmpty ? "-" : e.ipAddress,
        ]
    }

    static func csvLine(_ fields: [String]) -> String {
        fields.map(csvField).joined(separator: ",") + "\r\n"
    }

    static func csvField(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else {
            return value
        }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

private func flag(_ value: Bool) -> String { value ? "true" : "false" }
