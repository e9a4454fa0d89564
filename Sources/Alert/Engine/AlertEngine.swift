import BoxBridgeConfig
public import BoxBridgeProtocol
import Foundation
import SwiftProtobuf

/// An alert the engine fired, with its stable id (not part of the protocol's `Alert` message).
public struct FiredAlert: Sendable, Equatable {
    public var id: String
    public var alert: Boxbridge_V1_Alert

    public init(id: String, alert: Boxbridge_V1_Alert) {
        self.id = id
        self.alert = alert
    }

    /// The topic it is published on: `alerts/<connection>/<rule>`.
    public var topic: String { Topic.alerts(alert.connection, rule: alert.rule) }
}

/// The rule engine: envelopes in, alerts out. A pure value type with no I/O and no wall clock;
/// thresholds and suppression run in event time (Box created_at), so the same stream of envelopes
/// always gives the same alerts, which is what makes a kill -9 and restart give the same output.
public struct AlertEngine: Sendable {
    public private(set) var state: AlertEngineState
    public let ruleSet: AlertRuleSet
    private let rules: [CompiledRule]
    private let rulesByName: [String: CompiledRule]

    /// Most event ids one alert lists (a mass download of 10,000 files names the first ones).
    public static let maxEventIDs = 1_000
    /// Pruning of expired windows and suppressions runs every this many envelopes.
    static let pruneEvery: UInt64 = 1_024

    public init(ruleSet: AlertRuleSet, state: AlertEngineState = .init()) {
        self.ruleSet = ruleSet
        self.state = state
        rules = ruleSet.rules.map(CompiledRule.init)
        rulesByName = Dictionary(rules.map { ($0.rule.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Evaluates one envelope from the bus (file events and collector health; the rest is ignored).
    public mutating func process(_ envelope: Boxbridge_V1_Envelope) -> [FiredAlert] {
        state.processed &+= 1
        defer { if state.processed % Self.pruneEvery == 0 { prune() } }
        switch envelope.payload {
        case .fileEvent(let event):
            let connection = event.connection.isEmpty ? (Topic.connection(of: envelope.topic) ?? "") : event.connection
            return evaluate(event, connection: connection)
        case .health(let health):
            let connection = health.connection.isEmpty ? (Topic.connection(of: envelope.topic) ?? "") : health.connection
            return evaluate(health, connection: connection, origin: "\(envelope.topic)#\(envelope.sequence)")
        default:
            return []
        }
    }

    /// Evaluates one file event (what `process` does for a file-event envelope).
    public mutating func process(event: Boxbridge_V1_FileEvent) -> [FiredAlert] {
        var envelope = Boxbridge_V1_Envelope()
        envelope.topic = Topic.box(event.connection, event.category)
        envelope.fileEvent = event
        return process(envelope)
    }

    // MARK: File events

    private mutating func evaluate(_ event: Boxbridge_V1_FileEvent, connection: String) -> [FiredAlert] {
        let at = event.occurredAt.unixMillis
        state.watermark = max(state.watermark, at)
        var fired: [FiredAlert] = []
        for rule in rules {
            if rule.isServiceAccountRule {
                // Shield acting on the bridge's own account is health; its activity matches nothing else.
                guard event.category == .shieldBlocked, event.concernsServiceAccount else { continue }
                if let alert = fire(rule, key: connection, at: at, eventIDs: event.eventIds, event: event, connection: connection) {
                    fired.append(alert)
                }
                continue
            }
            guard !event.concernsServiceAccount, rule.matches(event) else { continue }
            let key = rule.key(for: event, connection: connection)
            if let threshold = rule.rule.threshold {
                if let alert = accumulate(rule, threshold: threshold, key: key, at: at, event: event, connection: connection) {
                    fired.append(alert)
                }
            } else if let alert = fire(rule, key: key, at: at, eventIDs: event.eventIds, event: event, connection: connection) {
                fired.append(alert)
            }
        }
        return fired
    }

    /// Adds an event to its threshold window; fires once `count` events fall within `window`.
    private mutating func accumulate(
        _ rule: CompiledRule, threshold: AlertRule.Threshold, key: String, at: Int64, event: Boxbridge_V1_FileEvent,
        connection: String
    ) -> FiredAlert? {
        let slot = Self.slot(rule.rule.name, key)
        var entries = state.windows[slot] ?? []
        entries.append(.init(at: at, weight: max(1, event.coalescedCount), eventIDs: Array(event.eventIds.prefix(Self.maxEventIDs))))
        // Events arrive in per-topic order but not sorted by time across topics: the window ends at
        // the newest event time seen for this key.
        let newest = entries.map(\.at).max() ?? at
        entries.removeAll { $0.at <= newest - rule.windowMillis }
        let count = entries.reduce(0) { $0 + Int($1.weight) }
        guard count >= threshold.count else {
            state.windows[slot] = entries
            return nil
        }
        // The window is spent whether or not suppression lets the alert out: the next alert needs
        // a fresh `count` events.
        state.windows[slot] = nil
        let ids = Array(entries.flatMap(\.eventIDs).prefix(Self.maxEventIDs))
        let start = entries.map(\.at).min() ?? at
        return fire(rule, key: key, at: at, eventIDs: ids, event: event, connection: connection,
                    count: count, windowStart: start)
    }

    /// Builds the alert unless the rule and key are suppressed at this event time.
    private mutating func fire(
        _ rule: CompiledRule, key: String, at: Int64, eventIDs: [String], event: Boxbridge_V1_FileEvent?,
        connection: String, count: Int = 1, windowStart: Int64? = nil, healthMessage: String? = nil
    ) -> FiredAlert? {
        // Health messages (ops/) arrive on another subscription than file events (box/), so their
        // interleaving can differ between runs: each keeps its own suppression to stay deterministic.
        let slot = Self.slot(rule.rule.name, key) + (healthMessage == nil ? "" : "\u{1F}ops")
        if rule.suppressMillis > 0, let last = state.lastFired[slot], at - last < rule.suppressMillis, at >= last - rule.suppressMillis {
            return nil
        }
        if rule.suppressMillis > 0 { state.lastFired[slot] = at }

        var alert = Boxbridge_V1_Alert()
        alert.connection = connection
        alert.rule = rule.rule.name
        alert.severity = rule.rule.severity.protocolValue
        alert.key = key
        alert.firedAt = .init(unixMillis: at)
        alert.eventIds = eventIDs
        alert.eventCount = UInt32(clamping: count)
        alert.health = rule.isServiceAccountRule
        if let windowStart { alert.windowStart = .init(unixMillis: windowStart) }
        if let event {
            var trimmed = event
            trimmed.raw = []  // the archive keeps raw Box JSON; an alert stays small
            alert.event = trimmed
            alert.wouldHaveBlocked = event.hasShield && event.shield.controlMode == .monitoring
                && event.category == .shieldBlocked
        }
        alert.summary = AlertSummary.text(
            rule: rule.rule, event: event, count: count, healthMessage: healthMessage, connection: connection)
        let id = AlertID.make(connection: connection, rule: rule.rule.name, key: key, eventIDs: eventIDs)
        return FiredAlert(id: id, alert: alert)
    }

    // MARK: Health

    private mutating func evaluate(_ health: Boxbridge_V1_CollectorHealth, connection: String, origin: String) -> [FiredAlert] {
        guard health.kind == .shieldBlockedServiceAccount,
            let rule = rules.first(where: \.isServiceAccountRule)
        else { return [] }
        let at = health.at.unixMillis
        state.watermark = max(state.watermark, at)
        let ids = health.details["event_id"].map { [$0] } ?? [origin]
        let message = health.message.isEmpty ? "Box Shield blocked the bridge's own account" : health.message
        return fire(rule, key: connection, at: at, eventIDs: ids, event: nil, connection: connection,
                    count: Int(max(1, health.count)), healthMessage: message).map { [$0] } ?? []
    }

    // MARK: State upkeep

    private static func slot(_ rule: String, _ key: String) -> String { rule + "\u{1F}" + key }

    /// Drops windows and suppressions that can no longer matter at the watermark (bounded state).
    private mutating func prune() {
        let watermark = state.watermark
        func rule(of slot: String) -> CompiledRule? {
            rulesByName[String(slot.prefix { $0 != "\u{1F}" })]
        }
        state.windows = state.windows.filter { slot, entries in
            guard let rule = rule(of: slot), let newest = entries.map(\.at).max() else { return false }
            return newest > watermark - rule.windowMillis
        }
        state.lastFired = state.lastFired.filter { slot, last in
            guard let rule = rule(of: slot) else { return false }
            return last + rule.suppressMillis > watermark
        }
    }
}

extension AlertRule.Severity {
    var protocolValue: Boxbridge_V1_Severity {
        switch self {
        case .info: .info
        case .low: .low
        case .medium: .medium
        case .high: .high
        case .critical: .critical
        }
    }
}

extension Google_Protobuf_Timestamp {
    /// Unix milliseconds (event-time arithmetic of thresholds and suppression).
    var unixMillis: Int64 { seconds * 1000 + Int64(nanos / 1_000_000) }

    init(unixMillis: Int64) {
        self.init()
        seconds = unixMillis >= 0 ? unixMillis / 1000 : (unixMillis - 999) / 1000
        nanos = Int32((unixMillis - seconds * 1000) * 1_000_000)
    }
}
