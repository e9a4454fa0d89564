/// `[alert]`: rules, outputs and state of the alert subscriber.
public struct AlertSection: Sendable, Equatable {
    /// Where thresholds, suppressions and the cursor persist (absolute once loaded).
    public var statePath = "var/alert"
    /// Whether the built-in DLP rule set runs besides `rules`.
    public var defaultRules = true
    /// Mail domains of personal (non-corporate) accounts, for the `personal-email-share` default
    /// rule; `personal_domains` in bridge.conf replaces this list.
    public var personalDomains = AlertSection.defaultPersonalDomains
    public var outputs = AlertOutputs()
    /// `[[alert.rules]]`, in file order.
    public var rules: [AlertRule] = []

    public init() {}

    /// Free mail providers DLP teams treat as personal accounts.
    public static let defaultPersonalDomains = [
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "yahoo.com",
        "ymail.com", "aol.com", "icloud.com", "me.com", "mac.com", "proton.me", "protonmail.com", "gmx.com",
        "gmx.de", "web.de", "mail.com", "yandex.com", "zoho.com", "fastmail.com", "tutanota.com", "qq.com",
        "163.com",
    ]
}

/// `[alert.outputs]`: where fired alerts go (any combination).
public struct AlertOutputs: Sendable, Equatable {
    /// JSON lines on standard output.
    public var stdout = true
    /// JSON lines appended to this file (absolute once loaded), created 0600.
    public var file: String?
    /// POST of each alert as JSON, with retries and backoff that never hold the stream.
    public var webhookURL: String?
    /// HMAC-SHA256 key for the webhook signature header, when configured.
    public var webhookSecret: ConfigSecret?
    public var webhookSecretSource: SecretSource?
    public var webhookMaxAttempts = 5
    /// Alerts waiting for the webhook (persisted); when full the oldest is dropped and counted.
    public var webhookQueueLimit = 10_000
    /// Per-request timeout of the webhook.
    public var webhookTimeout: Duration = .seconds(10)
    /// Publish on the bus as `alerts/<connection>/<rule>`.
    public var bus = true

    public init() {}
}

/// `[[alert.rules]]`: a match over file events, optionally a threshold, and a suppression window.
///
/// Every non-empty list must match (AND across fields, OR within a list).
public struct AlertRule: Sendable, Equatable {
    public enum Severity: String, Sendable, CaseIterable {
        case info, low, medium, high, critical
    }

    public enum Exposure: String, Sendable, CaseIterable {
        case `internal`, external, `public`
    }

    public enum ControlMode: String, Sendable, CaseIterable {
        case enforced, monitoring
    }

    public enum GroupBy: String, Sendable, CaseIterable {
        case actor, file, connection
    }

    /// The protocol's file event categories, as bridge.conf spells them.
    public static let categories = [
        "created", "modified", "renamed", "moved", "deleted", "restored", "shared-link", "shared-direct",
        "unshared", "downloaded", "previewed", "shield-blocked", "shield-justified", "shield-alert", "other",
    ]

    /// Topic-safe, unique: `alerts/<connection>/<name>`.
    public var name: String
    public var enabled = true
    public var severity: Severity = .medium
    /// Values of `AlertRule.categories`.
    public var categories: [String] = []
    public var exposure: [Exposure] = []
    /// Box classification labels, matched exactly.
    public var classifications: [String] = []
    public var controlModes: [ControlMode] = []
    /// Actor logins (lower-case emails) or Box user ids.
    public var actors: [String] = []
    /// Lower-case domains of the actor's login.
    public var actorDomains: [String] = []
    /// Lower-case domains of the invitee (collaborator login, invite email or Shield invitee).
    public var inviteeDomains: [String] = []
    /// When true, only files carrying a classification label (any label) match.
    public var classified = false
    /// A shell glob on the file name (`*.xlsx`, `payroll-*`), case-insensitive.
    public var fileNamePattern: String?
    /// Fire only when `count` matching events arrive within `window` per `groupBy` key.
    public var threshold: Threshold?
    public var groupBy: GroupBy = .actor
    /// After firing, the same rule and key stays quiet this long; zero = never suppressed.
    public var suppress: Duration = .zero

    public init(name: String) {
        self.name = name
    }

    /// `{ count = 100, window = "10m" }`.
    public struct Threshold: Sendable, Equatable {
        public var count: Int
        public var window: Duration

        public init(count: Int, window: Duration) {
            self.count = count
            self.window = window
        }
    }
}
