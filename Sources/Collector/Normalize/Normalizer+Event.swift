import BoxBridgeProtocol
import SwiftProtobuf

extension Normalizer {
    /// Builds the file event from a parsed Box event object (node 0), or names the field that stops it.
    func makeEvent(_ view: JSONView, eventID: String, raw: UnsafeRawBufferPointer) throws(JSONView.FieldError) -> Boxbridge_V1_FileEvent {
        let root = 0
        var event = Boxbridge_V1_FileEvent()
        event.connection = connection
        event.eventIds = [eventID]
        event.streamType = streamType
        event.coalescedCount = 1

        // The envelope: the fields every consumer relies on.
        guard let typeRef = view.member(root, "event_type") else {
            throw JSONView.FieldError(path: "event_type", problem: "is missing or null")
        }
        guard view.kind(typeRef) == .string else {
            throw JSONView.FieldError(path: "event_type", problem: "is \(view.kindName(typeRef)), expected a string")
        }
        let eventType = view.text(typeRef)
        guard !eventType.isEmpty else { throw JSONView.FieldError(path: "event_type", problem: "is empty") }
        event.boxEventType = eventType
        let category = BoxEventTypes.category(of: eventType)
        event.category = category

        guard let createdRef = view.member(root, "created_at") else {
            throw JSONView.FieldError(path: "created_at", problem: "is missing or null")
        }
        guard view.kind(createdRef) == .string else {
            throw JSONView.FieldError(path: "created_at", problem: "is \(view.kindName(createdRef)), expected an RFC 3339 string")
        }
        guard let created = RFC3339.parse(view.rawBytes(createdRef)) else {
            throw JSONView.FieldError(path: "created_at", problem: "is \"\(view.text(createdRef))\", not an RFC 3339 timestamp")
        }
        let occurred = Google_Protobuf_Timestamp(seconds: created.seconds, nanos: created.nanos)
        event.occurredAt = occurred
        event.lastOccurredAt = occurred
        // recorded_at is informational: a bad one is dropped rather than quarantining the event.
        if let recordedRef = view.member(root, "recorded_at"), view.kind(recordedRef) == .string,
           let recorded = RFC3339.parse(view.rawBytes(recordedRef))
        {
            event.recordedAt = Google_Protobuf_Timestamp(seconds: recorded.seconds, nanos: recorded.nanos)
        }
        if let session = try view.string(root, "session_id", path: "session_id") { event.sessionID = session }
        if let ip = try view.string(root, "ip_address", path: "ip_address") { event.ipAddress = Self.ipAddress(ip) }

        // The actor: never the anonymous user.
        let createdBy = try view.object(root, "created_by", path: "created_by")
        if let actor = try user(view, createdBy, path: "created_by"), actor.id != Self.anonymousUserID {
            event.byServiceAccount = isServiceAccount(actor)
            event.actor = actor
        }

        // additional_details is free-form; only Shield events cannot do without it.
        var details: JSONView.Ref?
        if let ref = view.member(root, "additional_details") {
            if view.kind(ref) == .object {
                details = ref
            } else if category == .shieldBlocked || category == .shieldJustified || category == .shieldAlert {
                throw JSONView.FieldError(path: "additional_details", problem: "is \(view.kindName(ref)), expected an object")
            }
        }

        // The source, in whichever of Box's shapes it came.
        var facts = SourceFacts()
        if let sourceRef = view.member(root, "source") {
            guard view.kind(sourceRef) == .object else {
                throw JSONView.FieldError(path: "source", problem: "is \(view.kindName(sourceRef)), expected an object or null")
            }
            try readSource(view, sourceRef, into: &facts)
        }
        if let details {
            try readItemDetails(view, details, into: &facts)
            try readCollaborationDetails(view, details, into: &facts)
        }
        if let accessible = try view.object(root, "accessible_by", path: "accessible_by") {
            // The top-level accessible_by carries the invitee's login, which flat sources lack.
            var top = SourceFacts()
            try readAccessibleBy(view, accessible, path: "accessible_by", into: &top)
            if let user = top.invitee, facts.inviteeGroup == nil {
                if let current = facts.invitee, !current.login.isEmpty || (!current.id.isEmpty && current.id != user.id) {
                    // The source already names a different or fully known invitee.
                } else {
                    facts.invitee = user
                }
            } else if let group = top.inviteeGroup, facts.invitee == nil, facts.inviteeGroup == nil {
                facts.inviteeGroup = group
            }
        }

        // Shield payloads (any additional_details member named shield_*).
        if let details, let shield = try shieldDetails(view, details, file: &facts.file) {
            var shield = shield
            if let actor = event.hasActor ? event.actor : nil, isServiceAccount(actor) { shield.targetsServiceAccount = true }
            event.shield = shield
            if category == .shieldJustified, shield.hasInvitee, !internalDomains.isEmpty {
                event.exposure = shield.invitee.external ? .external : .internal
            }
        }

        if let file = facts.file { event.file = file }

        if category == .sharedLink || category == .sharedDirect || category == .unshared || facts.hasShareFacts {
            var share = Boxbridge_V1_ShareDetails()
            share.linkAccess = facts.linkAccess
            if let invitee = facts.invitee { share.invitee = invitee }
            if let group = facts.inviteeGroup { share.inviteeGroup = group }
            share.inviteEmail = facts.inviteEmail
            share.role = facts.role
            share.collaborationID = facts.collaborationID
            share.performedByAdmin = facts.performedByAdmin
            share.external = facts.linkAccess == .open || (facts.invitee?.external ?? false)
                || (!facts.inviteEmail.isEmpty && internalDomains.isExternal(login: facts.inviteEmail))
            event.share = share
            if category == .sharedLink || category == .sharedDirect {
                event.exposure = exposure(of: facts)
            }
        }
        event.raw = [Self.rawEvent(eventID: eventID, raw)]
        return event
    }

    static func rawEvent(eventID: String, _ raw: UnsafeRawBufferPointer) -> Boxbridge_V1_RawBoxEvent {
        var rawEvent = Boxbridge_V1_RawBoxEvent()
        rawEvent.eventID = eventID
        rawEvent.json = data(raw)
        return rawEvent
    }

    /// Who the file is exposed to after a sharing event, as far as the event itself tells.
    func exposure(of facts: SourceFacts) -> Boxbridge_V1_Exposure {
        switch facts.linkAccess {
        case .open: return .public
        case .company, .collaborators: return .internal
        default: break
        }
        if facts.inviteeGroup != nil { return .internal }  // Box groups belong to the enterprise.
        let login = facts.invitee.map(\.login).flatMap { $0.isEmpty ? nil : $0 } ?? (facts.inviteEmail.isEmpty ? nil : facts.inviteEmail)
        if let login, let isInternal = internalDomains.isInternal(login: login) {
            return isInternal ? .internal : .external
        }
        return .unspecified
    }
}
