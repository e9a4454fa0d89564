/// `[metrics]`: a Prometheus text endpoint per process.
public struct MetricsSection: Sendable, Equatable {
    public var enabled = true
    /// Interface the endpoints bind to.
    public var host = "127.0.0.1"
    /// One port per process kind; 0 = an ephemeral port (use it when several run on one host).
    public var brokerPort = 9301
    public var collectorPort = 9302
    public var indexPort = 9303
    public var alertPort = 9304
    public var archivePort = 9305
    public var emulatorPort = 9306

    public init() {}
}
