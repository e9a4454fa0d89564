/// `[emulator]`: the Box emulator `boxbridge up` starts when no real connection is configured.
public struct EmulatorSection: Sendable, Equatable {
    public var host = "127.0.0.1"
    /// 0 = an ephemeral port.
    public var port = 7380
    /// Same seed, same enterprise and same event stream.
    public var seed: Int64 = 42
    /// Users in the generated enterprise.
    public var users = 200
    /// Events already waiting when the emulator starts.
    public var backlog = 5000
    /// Live events generated per second afterwards; 0 = none.
    public var eventsPerSecond = 20.0
    /// Box's per-token limit the emulator enforces.
    public var rateLimitPerMinute = 1000
    /// The connection name the demo uses (topics `box/<name>/…`).
    public var connectionName = "demo"

    public init() {}

    /// The emulator's fixed demo credentials (not secret: they only open the local emulator).
    public static let clientID = "emulator-client-id"
    public static let clientSecret = "emulator-client-secret"
    public static let enterpriseID = "1234567"
    /// The generated enterprise's own domains: shares to anything else are external.
    public static let internalDomains = ["example.com", "example.co.uk", "eu.example.net"]
}
