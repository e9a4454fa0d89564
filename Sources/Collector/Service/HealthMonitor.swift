public import BoxBridgeProtocol
import SwiftProtobuf

/// Turns what a collector observes about a connection into health messages for
/// `ops/<connection>/<kind>`: pure state, injected time, no I/O (tested in HealthMonitorTests).
///
/// The conditions the service times (the pipeline publishes quarantined events, the service
/// account's activity, Shield blocking it and scope changes itself, as they happen). Health is
/// rate-limited so a bad hour is a handful of messages, not one per poll: auth failure, 429 pause,
/// lag beyond `lag_warning` and silence beyond `silence_after` are announced once when they
/// begin, again every `repeatAfter` while they last, and with an `ok` message when they clear;
/// a connection deauthorized (or failed) is announced once.
public struct HealthMonitor: Sendable {
    public struct Thresholds: Sendable, Equatable {
        /// Lag behind Box above this is a warning.
        public var lagWarning: Duration
        /// No event for this long is reported; zero = never.
        public var silenceAfter: Duration
        /// A condition that lasts is announced again this often; zero = never.
        public var repeatAfter: Duration

        public init(lagWarning: Duration = .seconds(300), silenceAfter: Duration = .seconds(3600), repeatAfter: Duration = .seconds(3600)) {
            self.lagWarning = lagWarning
            self.silenceAfter = silenceAfter
            self.repeatAfter = repeatAfter
        }
    }

    /// What was seen of one connection at one moment.
    public struct Observation: Sendable, Equatable {
        public var nowMillis: Int64
        /// Seconds behind Box (newest event time seen vs. now), when known.
        public var lagSeconds: Int64?
        /// When the pipeline started, and when it last saw a Box event (nil: none yet).
        public var startedAtMillis: Int64
        public var lastEventAtMillis: Int64?
        /// The credential's scheduler: 429s so far and seconds left in the current pause.
        public var rateLimitedTotal: Int
        public var pausedSeconds: Double
        /// Set while Box refuses the credentials after a token refresh (401).
        public var authFailure: String?
        /// Set while the connection is deauthorized (not polled, so not silent either).
        public var deauthorized: Bool

        public init(nowMillis: Int64, startedAtMillis: Int64) {
            self.nowMillis = nowMillis
            self.startedAtMillis = startedAtMillis
            rateLimitedTotal = 0
            pausedSeconds = 0
            deauthorized = false
        }
    }

    private struct Condition: Sendable {
        var since: Int64
        var announcedAt: Int64
    }

    public let connection: String
    public let collectorID: String
    public var thresholds: Thresholds
    /// When this collector started watching the connection (silence counts from here at the latest).
    public var watchingSinceMillis: Int64?
    private var conditions: [Boxbridge_V1_HealthKind: Condition] = [:]
    private var lastRateLimitedTotal: Int?
    private var announcedDeauthorized = false

    public init(connection: String, collectorID: String, thresholds: Thresholds) {
        self.connection = connection
        self.collectorID = collectorID
        self.thresholds = thresholds
    }

    /// The health messages `observation` calls for now (usually none).
    public mutating func observe(_ o: Observation) -> [Boxbridge_V1_CollectorHealth] {
        var out: [Boxbridge_V1_CollectorHealth] = []
        let now = o.nowMillis
        let (connection, collectorID) = (self.connection, self.collectorID)
        func message(
            _ kind: Boxbridge_V1_HealthKind, _ severity: Boxbridge_V1_Severity, _ text: String, _ nowMillis: Int64
        ) -> Boxbridge_V1_CollectorHealth {
            Self.message(connection: connection, collectorID: collectorID, kind, severity, text, nowMillis)
        }

        // Conditions.
        let newRateLimits = lastRateLimitedTotal.map { o.rateLimitedTotal > $0 } ?? (o.rateLimitedTotal > 0)
        lastRateLimitedTotal = o.rateLimitedTotal
        let rateLimited = o.pausedSeconds > 0 || newRateLimits
        level(.rateLimited, active: rateLimited, now: now, into: &out) {
            var h = message(.rateLimited, .medium, "Box answered 429: the credential is paused", now)
            h.retryAfterSeconds = Int64(o.pausedSeconds.rounded(.up))
            h.count = UInt64(o.rateLimitedTotal)
            return h
        }
        level(.authFailure, active: o.authFailure != nil, now: now, into: &out) {
            message(.authFailure, .high, "Box refused the credentials (a 401 after a token refresh, a 403, or the token endpoint): \(o.authFailure ?? "")", now)
        }
        let lagLimit = Int64(thresholds.lagWarning.components.seconds)
        level(.lag, active: (o.lagSeconds ?? 0) > lagLimit, now: now, into: &out) {
            var h = message(.lag, .medium, "\(o.lagSeconds ?? 0) s behind Box (warning above \(lagLimit) s)", now)
            h.lagSeconds = o.lagSeconds ?? 0
            return h
        }
        let silenceMillis = thresholds.silenceAfter.components.seconds * 1000
        let quietSince = o.lastEventAtMillis ?? o.startedAtMillis
        let silent = silenceMillis > 0 && now - quietSince >= silenceMillis && !o.deauthorized
        level(.silent, active: silent, now: now, into: &out) {
            var h = message(
                .silent, .medium, "no Box event for \((now - quietSince) / 1000) s (reported after \(silenceMillis / 1000) s)", now)
            h.details["quiet_since_ms"] = String(quietSince)
            return h
        }

        // One-off.
        if o.deauthorized, !announcedDeauthorized {
            out.append(message(.deauthorized, .high, "connection deauthorized: not polled until `boxbridge connection resume \(connection)`", now))
        }
        announcedDeauthorized = o.deauthorized
        return out
    }

    private mutating func level(
        _ kind: Boxbridge_V1_HealthKind, active: Bool, now: Int64, into out: inout [Boxbridge_V1_CollectorHealth],
        _ make: () -> Boxbridge_V1_CollectorHealth
    ) {
        let repeatMillis = thresholds.repeatAfter.components.seconds * 1000
        if active {
            if var condition = conditions[kind] {
                guard repeatMillis > 0, now - condition.announcedAt >= repeatMillis else { return }
                condition.announcedAt = now
                conditions[kind] = condition
            } else {
                conditions[kind] = Condition(since: now, announcedAt: now)
            }
            out.append(make())
        } else if let condition = conditions.removeValue(forKey: kind) {
            var ok = Self.message(connection: connection, collectorID: collectorID, .ok, .info, "\(kind.topicName) cleared after \((now - condition.since) / 1000) s", now)
            ok.details["cleared"] = kind.topicName
            out.append(ok)
        }
    }

    static func message(
        connection: String, collectorID: String, _ kind: Boxbridge_V1_HealthKind, _ severity: Boxbridge_V1_Severity, _ text: String, _ nowMillis: Int64
    ) -> Boxbridge_V1_CollectorHealth {
        var h = Boxbridge_V1_CollectorHealth()
        h.connection = connection
        h.collectorID = collectorID
        h.kind = kind
        h.severity = severity
        h.message = text
        h.at = Google_Protobuf_Timestamp(seconds: nowMillis / 1000, nanos: Int32((nowMillis % 1000) * 1_000_000))
        return h
    }
}

extension Boxbridge_V1_CollectorHealth {
    /// This health message in an envelope for `ops/<connection>/<kind>`.
    public var envelope: Boxbridge_V1_Envelope {
        var envelope = Boxbridge_V1_Envelope()
        envelope.topic = Topic.ops(connection, kind)
        envelope.health = self
        return envelope
    }
}
