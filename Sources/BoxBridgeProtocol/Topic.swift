import Foundation

/// Topic names of the bus: `box/<connection>/<category>`, `alerts/<connection>/<rule>`,
/// `ops/<connection>/<kind>`. A subscriber takes a whole connection with the prefix `box/<connection>/`.
public enum Topic {
    /// The file-event topic for a connection and category.
    public static func box(_ connection: String, _ category: Boxbridge_V1_Category) -> String {
        "box/\(connection)/\(category.topicName)"
    }

    /// The alert topic for a connection and rule.
    public static func alerts(_ connection: String, rule: String) -> String {
        "alerts/\(connection)/\(rule)"
    }

    /// The health topic for a connection and health kind.
    public static func ops(_ connection: String, _ kind: Boxbridge_V1_HealthKind) -> String {
        "ops/\(connection)/\(kind.topicName)"
    }

    /// The prefix that takes every file-event topic of one connection.
    public static func boxPrefix(_ connection: String) -> String { "box/\(connection)/" }

    /// The connection a topic belongs to (its second segment), or nil for a malformed topic.
    public static func connection(of topic: String) -> String? {
        let parts = topic.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, ["box", "alerts", "ops"].contains(parts[0]), !parts[1].isEmpty, !parts[2].isEmpty
        else { return nil }
        return String(parts[1])
    }

    /// Whether `name` is usable as a connection or rule name inside a topic: lower-case letters,
    /// digits, `-` and `_`, starting with a letter or digit, at most 64 characters.
    public static func isValidSegment(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 64 else { return false }
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyz0123456789-_")
        let leading = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyz0123456789")
        return leading.contains(first) && name.unicodeScalars.allSatisfy { allowed.contains($0) }
    }
}

extension Boxbridge_V1_Category {
    /// The kebab-case name used as the last topic segment and in the CLI (`shared-link`, ...).
    public var topicName: String {
        switch self {
        case .unspecified, .UNRECOGNIZED: "other"
        case .created: "created"
        case .modified: "modified"
        case .renamed: "renamed"
        case .moved: "moved"
        case .deleted: "deleted"
        case .restored: "restored"
        case .sharedLink: "shared-link"
        case .sharedDirect: "shared-direct"
        case .unshared: "unshared"
        case .downloaded: "downloaded"
        case .previewed: "previewed"
        case .shieldBlocked: "shield-blocked"
        case .shieldJustified: "shield-justified"
        case .shieldAlert: "shield-alert"
        case .other: "other"
        }
    }

    /// Every category a file event can have, in protocol order.
    public static let all: [Boxbridge_V1_Category] = [
        .created, .modified, .renamed, .moved, .deleted, .restored, .sharedLink, .sharedDirect,
        .unshared, .downloaded, .previewed, .shieldBlocked, .shieldJustified, .shieldAlert, .other,
    ]

    /// The category with this kebab-case name, or nil.
    public init?(topicName: String) {
        guard let match = Self.all.first(where: { $0.topicName == topicName }) else { return nil }
        self = match
    }
}

extension Boxbridge_V1_HealthKind {
    /// The kebab-case name used as the last segment of `ops/<connection>/<kind>`.
    public var topicName: String {
        switch self {
        case .unspecified, .UNRECOGNIZED: "unknown"
        case .ok: "ok"
        case .authFailure: "auth-failure"
        case .rateLimited: "rate-limited"
        case .shieldBlockedServiceAccount: "shield-blocked-service-account"
        case .lag: "lag"
        case .silent: "silent"
        case .quarantined: "quarantined"
        case .scopeLimitExceeded: "scope-limit-exceeded"
        case .scopeRefreshed: "scope-refreshed"
        case .deauthorized: "deauthorized"
        case .serviceAccountActivity: "service-account-activity"
        }
    }
}
