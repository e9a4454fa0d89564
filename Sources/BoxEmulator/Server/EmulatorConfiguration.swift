/// Everything an emulator run is built from. Defaults give a small demo enterprise on a random port.
public struct EmulatorConfiguration: Sendable {
    /// Interface to listen on.
    public var host = "127.0.0.1"
    /// TCP port; 0 picks a free one (read it from `EmulatorServer.boundPort()`).
    public var port = 0
    /// Workload seed: the same seed (and `startTime`) gives a byte-identical event stream.
    public var seed: UInt64 = 1
    /// Managed users in the enterprise (plus about a tenth as many external collaborators).
    public var users = 50
    /// Share of managed users whose status is `inactive`.
    public var inactiveShare = 0.12
    public var groups = 8
    public var foldersPerUser = 3
    public var filesPerUser = 8
    /// Events already recorded when the emulator starts.
    public var backlogSize = 1_000
    /// Seconds between backlog events; nil spreads the backlog over at most 13 days, one to two seconds apart.
    public var backlogSpacing: Double?
    /// Live events recorded per second after start (0: none).
    public var eventsPerSecond = 0.0
    /// Emulated time at start (Unix seconds); nil = the wall clock at start. Fix it for byte-identical runs.
    public var startTime: Double?
    /// Calls allowed per user per sliding minute before 429.
    public var rateLimitPerMinute = 1_000
    /// Access token lifetime in seconds (`expires_in`).
    public var tokenLifetime: Double = 3_600
    /// Share of events `admin_logs_streaming` re-delivers.
    public var streamingDuplicateShare = 0.02
    /// How many places `admin_logs_streaming` may move an event later within a page.
    public var reorderWindow = 4
    /// Share of generated events that are malformed.
    public var malformedShare = 0.002
    public var clientID = "emulator-client-id"
    /// Secret: never logged.
    public var clientSecret = "emulator-client-secret"
    /// PEM of the RSA public key JWT assertions must be signed with; nil disables JWT auth.
    public var jwtPublicKeyPEM: String?
    /// The `kid` JWT assertions must carry (`publicKeyID` in Box's app config).
    public var jwtKeyID: String?
    public var enterpriseID = "1234567"
    /// Where to write the ground truth (JSON lines), if anywhere.
    public var groundTruthPath: String?
    /// Scope CSV deciding `in_scope` in the ground truth; nil = every active managed user.
    public var scope: ScopeCSV?
    /// Faults active from the start.
    public var faults: [FaultRule] = []
    /// Calls remembered for `GET /_emulator/calls`.
    public var callLogCapacity = 10_000
    public var clock: EmulatorClock = .system

    public init() {}

    /// The spacing actually used between backlog events.
    public var effectiveBacklogSpacing: Double {
        if let backlogSpacing { return backlogSpacing }
        guard backlogSize > 0 else { return 1 }
        return min(2.0, 13 * 86_400 / Double(backlogSize))
    }

    public func validate() throws(EmulatorStartError) {
        func fail(_ s: String) throws(EmulatorStartError) { throw EmulatorStartError(reason: s) }
        if !(0...65_535).contains(port) { try fail("port must be 0...65535, got \(port)") }
        if users < 2 { try fail("users must be at least 2 (an admin and a co-admin), got \(users)") }
        if !(0...1).contains(inactiveShare) { try fail("inactive share must be in 0...1, got \(inactiveShare)") }
        if backlogSize < 0 { try fail("backlog size must not be negative") }
        if eventsPerSecond < 0 { try fail("events per second must not be negative") }
        if rateLimitPerMinute < 1 { try fail("rate limit must be at least 1 call a minute") }
        if tokenLifetime <= 0 { try fail("token lifetime must be positive") }
        if !(0...1).contains(streamingDuplicateShare) { try fail("streaming duplicate share must be in 0...1") }
        if reorderWindow < 1 { try fail("reorder window must be at least 1") }
        if !(0...1).contains(malformedShare) { try fail("malformed share must be in 0...1") }
        if filesPerUser < 1 { try fail("files per user must be at least 1") }
    }
}
