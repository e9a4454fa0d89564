import BoxBridgeConfig
import BoxBridgeProtocol

/// The one-line, human-readable text of an alert.
enum AlertSummary {
    static func text(
        rule: AlertRule, event: Boxbridge_V1_FileEvent?, count: Int, healthMessage: String?, connection: String
    ) -> String {
        if let healthMessage { return "[\(connection)] \(healthMessage)" }
        guard let event else { return "[\(connection)] rule \(rule.name) matched" }
        if rule.name == AlertRuleSet.serviceAccountBlocked {
            return "[\(connection)] Box Shield blocked the bridge's own account (\(event.boxEventType)) on \(file(event))"
        }
        let who = actor(event)
        if let threshold = rule.threshold {
            return "\(who): \(count) \(event.category.topicName) events within \(describe(threshold.window))"
                + " (threshold \(threshold.count)), the last on \(file(event))"
        }
        var text: String
        switch event.category {
        case .sharedLink:
            text = "\(who) created a shared link with \(access(event.share.linkAccess)) access to \(file(event))"
        case .sharedDirect:
            text = "\(who) shared \(file(event)) with \(invitee(event))"
            if !event.share.role.isEmpty { text += " as \(event.share.role)" }
        case .shieldBlocked:
            let verb = event.shield.controlMode == .monitoring ? "would have blocked" : "blocked"
            text = "Box Shield \(verb) \(who) \(shieldAction(event)) \(file(event))"
            if event.shield.controlMode == .monitoring { text += " (monitoring mode)" }
        case .downloaded: text = "\(who) downloaded \(file(event))"
        case .deleted: text = "\(who) deleted \(file(event))"
        default: text = "\(who): \(event.category.topicName) \(file(event))"
        }
        if event.exposure == .external, event.category != .shieldBlocked { text += " (external)" }
        return text
    }

    static func actor(_ event: Boxbridge_V1_FileEvent) -> String {
        guard event.hasActor else { return "an unknown user" }
        if !event.actor.login.isEmpty { return event.actor.login }
        if !event.actor.name.isEmpty { return event.actor.name }
        return "user \(event.actor.id)"
    }

    static func file(_ event: Boxbridge_V1_FileEvent) -> String {
        let name = event.file.path.isEmpty ? event.file.name : event.file.path
        var text = name.isEmpty ? "item \(event.file.id)" : "\"\(name)\""
        let classification = event.effectiveClassification
        if !classification.isEmpty { text += " (classified \(classification))" }
        return text
    }

    static func invitee(_ event: Boxbridge_V1_FileEvent) -> String {
        if event.share.hasInvitee, !event.share.invitee.login.isEmpty { return event.share.invitee.login }
        if !event.share.inviteEmail.isEmpty { return event.share.inviteEmail }
        if event.share.hasInviteeGroup { return "group \(event.share.inviteeGroup.name)" }
        if event.hasShield, event.shield.hasInvitee, !event.shield.invitee.login.isEmpty { return event.shield.invitee.login }
        return "a collaborator"
    }

    static func access(_ access: Boxbridge_V1_LinkAccess) -> String {
        switch access {
        case .open: "open (anyone with the link)"
        case .company: "company"
        case .collaborators: "collaborators"
        default: "unknown"
        }
    }

    static func shieldAction(_ event: Boxbridge_V1_FileEvent) -> String {
        let type = event.boxEventType.uppercased()
        if type.contains("DOWNLOAD") {
            let service = event.shield.serviceName.isEmpty ? "" : " through \(event.shield.serviceName)"
            return "from downloading\(service)"
        }
        if type.contains("INVITE") {
            let who = event.shield.hasInvitee && !event.shield.invitee.login.isEmpty ? event.shield.invitee.login : "an external collaborator"
            return "from inviting \(who) to"
        }
        if type.contains("ACCESS") { return "from accessing" }
        return "on"
    }

    static func describe(_ duration: Duration) -> String {
        let seconds = duration.components.seconds
        if seconds % 3600 == 0 { return "\(seconds / 3600)h" }
        if seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }
}
