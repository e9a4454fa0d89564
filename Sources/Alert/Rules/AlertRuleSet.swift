public import BoxBridgeConfig

/// The rules one alert process runs: the default DLP set (when enabled) merged with bridge.conf's
/// `[[alert.rules]]`, where a user rule with a default's name replaces that default.
public struct AlertRuleSet: Sendable, Equatable {
    /// Enabled rules in evaluation order: defaults first (in `defaultNames` order), then user rules.
    public var rules: [AlertRule]
    /// Lower-case personal mail domains (`personal-email-share`).
    public var personalDomains: [String]

    public init(rules: [AlertRule], personalDomains: [String] = AlertSection.defaultPersonalDomains) {
        self.rules = rules.filter(\.enabled)
        self.personalDomains = personalDomains
    }

    /// The rule set `[alert]` describes.
    public init(section: AlertSection) {
        let user = Dictionary(section.rules.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var merged: [AlertRule] = []
        if section.defaultRules {
            for rule in Self.defaults(personalDomains: section.personalDomains) {
                merged.append(user[rule.name] ?? rule)
            }
        }
        let defaultNames = Set(Self.defaultNames)
        merged += section.rules.filter { !section.defaultRules || !defaultNames.contains($0.name) }
        self.init(rules: merged, personalDomains: section.personalDomains)
    }

    /// Names of the default rules, as they appear in `alerts/<connection>/<rule>`.
    public static let defaultNames = [
        "external-share-classified", "public-link-created", "shield-block", "mass-download", "mass-delete",
        "personal-email-share", "service-account-blocked",
    ]

    /// The rule name whose matching is built in: Shield acting on the bridge's own account, from a
    /// `shield-blocked` file event about it or an `ops/<connection>/shield-blocked-service-account`
    /// health message. Its alerts are health alerts. An override may change severity, suppression
    /// or disable it, not what it matches.
    public static let serviceAccountBlocked = "service-account-blocked"

    /// The default rule set DLP teams watch, documented in docs/config-reference.md.
    public static func defaults(personalDomains: [String] = AlertSection.defaultPersonalDomains) -> [AlertRule] {
        var externalShare = AlertRule(name: "external-share-classified")
        externalShare.severity = .high
        externalShare.categories = ["shared-link", "shared-direct"]
        externalShare.exposure = [.external, .public]
        externalShare.classified = true

        var publicLink = AlertRule(name: "public-link-created")
        publicLink.severity = .high
        publicLink.categories = ["shared-link"]
        publicLink.exposure = [.public]

        var shieldBlock = AlertRule(name: "shield-block")
        shieldBlock.severity = .high
        shieldBlock.categories = ["shield-blocked"]
        shieldBlock.controlModes = [.enforced, .monitoring]

        var massDownload = AlertRule(name: "mass-download")
        massDownload.severity = .high
        massDownload.categories = ["downloaded"]
        massDownload.threshold = .init(count: 100, window: .seconds(600))
        massDownload.suppress = .seconds(3600)

        var massDelete = AlertRule(name: "mass-delete")
        massDelete.severity = .high
        massDelete.categories = ["deleted"]
        massDelete.threshold = .init(count: 50, window: .seconds(600))
        massDelete.suppress = .seconds(3600)

        var personal = AlertRule(name: "personal-email-share")
        personal.severity = .high
        personal.categories = ["shared-direct"]
        personal.inviteeDomains = personalDomains

        var serviceAccount = AlertRule(name: serviceAccountBlocked)
        serviceAccount.severity = .critical
        serviceAccount.groupBy = .connection
        serviceAccount.suppress = .seconds(3600)

        return [externalShare, publicLink, shieldBlock, massDownload, massDelete, personal, serviceAccount]
    }
}
