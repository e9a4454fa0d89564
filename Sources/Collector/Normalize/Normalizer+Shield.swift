import BoxBridgeProtocol
import SwiftProtobuf

extension Normalizer {
    /// Shield details from any `shield_*` member of additional_details (spec 004 and API-NOTES §3.5).
    ///
    /// Shield payloads send ids as numbers, mix snake_case and camelCase (`access_user` and
    /// `accessUser`), and send `service` as null (web app), an object `{service, name}` (desktop,
    /// mobile, custom app, FTP) or a string (3rd-party app), with `service_id`/`service_name`
    /// beside the payload. The payload's item fills in the event's file where the source did not.
    func shieldDetails(_ view: JSONView, _ details: JSONView.Ref, file: inout Boxbridge_V1_FileRef?) throws(JSONView.FieldError) -> Boxbridge_V1_ShieldDetails? {
        guard let (keyRef, payload) = view.firstMember(of: details, withKeyPrefix: "shield_", kind: .object) else { return nil }
        let key = view.text(keyRef)
        let path = "additional_details." + key
        var shield = Boxbridge_V1_ShieldDetails()
        let kind = String(key.dropFirst("shield_".count))
        shield.kind = kind

        if let item = try view.object(payload, "item", path: path + ".item") {
            merge(try shieldItem(view, item, path: path + ".item"), into: &file)
        }
        if let mode = try view.string(payload, "controlMode", or: "control_mode", in: path) {
            shield.controlMode = Self.controlMode(mode)
        }
        if let classification = try classification(view, payload, path: path + ".classification") {
            shield.classification = classification
        }
        if let user = try user(view, view.member(payload, "access_user") ?? view.member(payload, "accessUser"), path: path + ".access_user") {
            shield.accessUser = user
        }
        if let inviter = try user(view, view.member(payload, "inviter"), path: path + ".inviter") { shield.inviter = inviter }
        if let invitee = try user(view, view.member(payload, "invitee"), path: path + ".invitee") { shield.invitee = invitee }
        if let info = view.member(payload, "additional_info") ?? view.member(payload, "additionalInfo") {
            shield.additionalInfo = view.kind(info) == .object || view.kind(info) == .array
                ? String(decoding: view.rawBytes(info), as: UTF8.self) : view.text(info)
        }
        try readService(view, payload, details, path: path, into: &shield)

        if kind == "justification" {
            shield.justification = try justification(view, payload, path: path, file: &file, shield: &shield)
        } else if let ref = try view.object(payload, "justification", path: path + ".justification") {
            shield.justification = try justification(view, ref, path: path + ".justification", file: &file, shield: &shield)
        }
        if kind == "alert" {
            try readAlert(view, payload, path: path, into: &shield)
        }

        shield.targetsServiceAccount = [shield.accessUser, shield.inviter, shield.invitee].contains { isServiceAccount($0) }
            || (shield.hasJustification && isServiceAccount(shield.justification.requestedBy))
        return shield
    }

    static func controlMode(_ text: String) -> Boxbridge_V1_ControlMode {
        switch text.asciiLowercased() {
        case "enforced", "enforce": .enforced
        case "monitoring", "monitor": .monitoring
        default: .unspecified
        }
    }

    /// `service`: null, `{service, name}`, or a string; then top-level `service_id`/`service_name`.
    private func readService(
        _ view: JSONView, _ payload: JSONView.Ref, _ details: JSONView.Ref, path: String, into shield: inout Boxbridge_V1_ShieldDetails
    ) throws(JSONView.FieldError) {
        if let service = view.member(payload, "service") {
            switch view.kind(service) {
            case .object:
                shield.serviceID = try view.id(service, "service", or: "id", in: path + ".service") ?? ""
                shield.serviceName = try view.string(service, "name", path: path + ".service.name") ?? ""
            case .string, .number:
                shield.serviceName = view.text(service)
            default:
                throw JSONView.FieldError(path: path + ".service", problem: "is \(view.kindName(service)), expected null, an object or a string")
            }
        }
        if shield.serviceID.isEmpty, let id = try view.id(details, "service_id", path: "additional_details.service_id") {
            shield.serviceID = id
        }
        if shield.serviceName.isEmpty, let name = try view.string(details, "service_name", path: "additional_details.service_name") {
            shield.serviceName = name
        }
    }

    /// A Shield payload's `item` (`{type, id, name, file_version_id, size, sha1}`, ids as numbers).
    private func shieldItem(_ view: JSONView, _ item: JSONView.Ref, path: String) throws(JSONView.FieldError) -> Boxbridge_V1_FileRef {
        var file = Boxbridge_V1_FileRef()
        file.id = try view.id(item, "id", path: path + ".id") ?? ""
        file.name = try view.string(item, "name", path: path + ".name") ?? ""
        file.itemType = try view.string(item, "type", path: path + ".type") ?? ""
        file.versionID = try view.id(item, "file_version_id", path: path + ".file_version_id") ?? ""
        if let size = try view.int64(item, "size", path: path + ".size") { file.size = size }
        file.sha1 = try view.string(item, "sha1", path: path + ".sha1") ?? ""
        return file
    }

    /// Fills what the event's file lacks from another description of the same item.
    private func merge(_ other: Boxbridge_V1_FileRef, into file: inout Boxbridge_V1_FileRef?) {
        guard var current = file else {
            file = other
            return
        }
        guard current.id.isEmpty || other.id.isEmpty || current.id == other.id else { return }
        if current.id.isEmpty { current.id = other.id }
        if current.name.isEmpty { current.name = other.name }
        if current.itemType.isEmpty { current.itemType = other.itemType }
        if current.versionID.isEmpty { current.versionID = other.versionID }
        if !current.hasSize && other.hasSize { current.size = other.size }
        if current.sha1.isEmpty { current.sha1 = other.sha1 }
        file = current
    }

    /// A justification (`shield_justification`, or inside an external-collab payload).
    private func justification(
        _ view: JSONView, _ ref: JSONView.Ref, path: String,
        file: inout Boxbridge_V1_FileRef?, shield: inout Boxbridge_V1_ShieldDetails
    ) throws(JSONView.FieldError) -> Boxbridge_V1_Justification {
        var justification = Boxbridge_V1_Justification()
        justification.id = try view.id(ref, "justification_id", path: path + ".justification_id") ?? ""
        justification.requestType = try view.string(ref, "request_type", path: path + ".request_type") ?? ""
        justification.title = try view.string(ref, "title", path: path + ".title") ?? ""
        justification.description_p = try view.string(ref, "description", path: path + ".description") ?? ""
        justification.action = try view.string(ref, "action", path: path + ".action") ?? ""
        if let user = try user(view, view.member(ref, "requested_by"), path: path + ".requested_by") { justification.requestedBy = user }
        if let user = try user(view, view.member(ref, "approved_by"), path: path + ".approved_by") { justification.approvedBy = user }
        if let at = try unixTime(view, ref, "request_at", path: path + ".request_at") { justification.requestedAt = at }
        if let at = try unixTime(view, ref, "action_at", path: path + ".action_at") { justification.actionAt = at }
        if let item = try view.object(ref, "item", path: path + ".item") {
            merge(try shieldItem(view, item, path: path + ".item"), into: &file)
        }
        // The user the justification is about: the external invitee for EXTERNAL_COLLAB requests.
        if let user = try user(view, view.member(ref, "user"), path: path + ".user") {
            if justification.requestType == "EXTERNAL_COLLAB" {
                if !shield.hasInvitee { shield.invitee = user }
            } else if !shield.hasAccessUser {
                shield.accessUser = user
            }
        }
        return justification
    }

    /// Unix seconds (a number or a string of digits), or an RFC 3339 string.
    private func unixTime(_ view: JSONView, _ parent: JSONView.Ref, _ key: StaticString, path: String) throws(JSONView.FieldError) -> Google_Protobuf_Timestamp? {
        guard let ref = view.member(parent, key) else { return nil }
        if view.kind(ref) == .string, let parsed = RFC3339.parse(view.rawBytes(ref)) {
            return Google_Protobuf_Timestamp(seconds: parsed.seconds, nanos: parsed.nanos)
        }
        guard let seconds = try view.int64(parent, key, path: path) else { return nil }
        return Google_Protobuf_Timestamp(seconds: seconds, nanos: 0)
    }

    /// `shield_alert{rule_category, rule_id, rule_name, risk_score, alert_summary, alert_id, priority, user, ...}`.
    private func readAlert(_ view: JSONView, _ alert: JSONView.Ref, path: String, into shield: inout Boxbridge_V1_ShieldDetails) throws(JSONView.FieldError) {
        shield.ruleCategory = try view.string(alert, "rule_category", path: path + ".rule_category") ?? ""
        shield.ruleID = try view.id(alert, "rule_id", path: path + ".rule_id") ?? ""
        shield.ruleName = try view.string(alert, "rule_name", path: path + ".rule_name") ?? ""
        if let score = try view.double(alert, "risk_score", path: path + ".risk_score") {
            shield.riskScore = Int32(clamping: Int64(score.rounded()))
        }
        if let summary = view.member(alert, "alert_summary") {
            if view.kind(summary) == .object || view.kind(summary) == .array {
                // A structured summary: its description when it has one, else the JSON as sent.
                if let description = try view.string(summary, "description", path: path + ".alert_summary.description") {
                    shield.alertSummary = description
                } else {
                    shield.alertSummary = String(decoding: view.rawBytes(summary), as: UTF8.self)
                }
            } else {
                shield.alertSummary = view.text(summary)
            }
        }
        shield.alertID = try view.id(alert, "alert_id", path: path + ".alert_id") ?? ""
        shield.priority = try view.string(alert, "priority", path: path + ".priority") ?? ""
        if let user = try user(view, view.member(alert, "user"), path: path + ".user"), !shield.hasAccessUser {
            shield.accessUser = user
        }
    }
}
