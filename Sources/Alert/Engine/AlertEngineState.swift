/// What the rule engine remembers between events: threshold windows and suppressions, all in
/// event time. Persisted with the subscriber's cursor so a restart continues exactly where the
/// last committed batch left it.
public struct AlertEngineState: Codable, Sendable, Equatable {
    /// One matching event inside a threshold window.
    public struct WindowEntry: Codable, Sendable, Equatable {
        /// Event time (Box created_at) in Unix milliseconds.
        public var at: Int64
        /// Box events it stands for (coalesced repeats count each).
        public var weight: UInt32
        public var eventIDs: [String]
    }

    /// Per `rule \u{1F} key`: matching events not yet old enough to leave the window.
    public var windows: [String: [WindowEntry]] = [:]
    /// Per `rule \u{1F} key`: event time of the last alert, for suppression.
    public var lastFired: [String: Int64] = [:]
    /// The latest event time seen: what pruning measures age against.
    public var watermark: Int64 = .min
    /// Envelopes processed since the start of the state (drives periodic pruning deterministically).
    public var processed: UInt64 = 0

    public init() {}
}
