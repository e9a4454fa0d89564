import BoxBridgeConfig
import BoxBridgeProtocol
import Foundation

/// An `AlertRule` with its lists turned into sets and its glob normalized, ready to match.
struct CompiledRule: Sendable {
    let rule: AlertRule
    let categories: Set<Boxbridge_V1_Category>
    let exposures: Set<Boxbridge_V1_Exposure>
    let classifications: Set<String>
    let controlModes: Set<Boxbridge_V1_ControlMode>
    let actors: Set<String>
    let actorDomains: Set<String>
    let inviteeDomains: Set<String>
    let pattern: String?
    /// The built-in health rule (`service-account-blocked`).
    let isServiceAccountRule: Bool
    let windowMillis: Int64
    let suppressMillis: Int64

    init(_ rule: AlertRule) {
        self.rule = rule
        categories = Set(rule.categories.compactMap(Boxbridge_V1_Category.init(topicName:)))
        exposures = Set(rule.exposure.map {
            switch $0 {
            case .internal: .internal
            case .external: .external
            case .public: .public
            }
        })
        classifications = Set(rule.classifications.map { $0.lowercased() })
        controlModes = Set(rule.controlModes.map { $0 == .enforced ? .enforced : .monitoring })
        actors = Set(rule.actors.map { $0.lowercased() })
        actorDomains = Set(rule.actorDomains)
        inviteeDomains = Set(rule.inviteeDomains)
        pattern = rule.fileNamePattern.map(Glob.fold)
        isServiceAccountRule = rule.name == AlertRuleSet.serviceAccountBlocked
        windowMillis = rule.threshold.map { $0.window.milliseconds } ?? 0
        suppressMillis = rule.suppress.milliseconds
    }

    /// Whether a (user-activity) file event satisfies every list this rule sets.
    func matches(_ event: Boxbridge_V1_FileEvent) -> Bool {
        if !categories.isEmpty, !categories.contains(event.category) { return false }
        if !exposures.isEmpty, !exposures.contains(event.exposure) { return false }
        let classification = event.effectiveClassification
        if rule.classified, classification.isEmpty { return false }
        if !classifications.isEmpty, !classifications.contains(classification.lowercased()) { return false }
        if !controlModes.isEmpty {
            guard event.hasShield, controlModes.contains(event.shield.controlMode) else { return false }
        }
        if !actors.isEmpty {
            guard event.hasActor,
                actors.contains(event.actor.login.lowercased()) || (!event.actor.id.isEmpty && actors.contains(event.actor.id.lowercased()))
            else { return false }
        }
        if !actorDomains.isEmpty {
            guard let domain = Self.domain(of: event.actor.login), actorDomains.contains(domain) else { return false }
        }
        if !inviteeDomains.isEmpty {
            guard event.inviteeDomains.contains(where: inviteeDomains.contains) else { return false }
        }
        if let pattern {
            guard Glob.matches(pattern: pattern, name: Glob.fold(event.file.name)) else { return false }
        }
        return true
    }

    /// What thresholds and suppression group this event by.
    func key(for event: Boxbridge_V1_FileEvent, connection: String) -> String {
        switch rule.groupBy {
        case .actor:
            if event.hasActor, !event.actor.login.isEmpty { return event.actor.login.lowercased() }
            if event.hasActor, !event.actor.id.isEmpty { return event.actor.id }
            return "unknown-actor"
        case .file:
            return event.file.id.isEmpty ? "unknown-file" : event.file.id
        case .connection:
            return connection
        }
    }

    /// The lower-cased domain of an email address, or nil.
    static func domain(of login: String) -> String? {
        guard let at = login.lastIndex(of: "@") else { return nil }
        let domain = login[login.index(after: at)...].lowercased()
        return domain.isEmpty ? nil : domain
    }
}

extension Boxbridge_V1_FileEvent {
    /// The file's classification, or Shield's when the file carries none.
    var effectiveClassification: String {
        if !file.classification.isEmpty { return file.classification }
        return hasShield ? shield.classification : ""
    }

    /// Domains of everyone this event shares with: collaborator, invite email, Shield invitee.
    var inviteeDomains: [String] {
        var logins: [String] = []
        if hasShare {
            if share.hasInvitee { logins.append(share.invitee.login) }
            logins.append(share.inviteEmail)
        }
        if hasShield, shield.hasInvitee { logins.append(shield.invitee.login) }
        return logins.compactMap(CompiledRule.domain(of:))
    }

    /// The bridge's own account did this or was its target: health, not user activity.
    var concernsServiceAccount: Bool {
        byServiceAccount || (hasShield && shield.targetsServiceAccount)
    }
}

extension Duration {
    /// Whole milliseconds, for event-time arithmetic.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
