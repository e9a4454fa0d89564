import BoxBridgeConfig
import BoxBridgeRuntime
import Logging
import ServiceLifecycle

/// What every long-running role does the same way: logging and the metrics endpoint from
/// bridge.conf's [logging] and [metrics] sections.
enum ProcessPlumbing {
    /// Bootstraps swift-log from [logging], with `--log-level` taking precedence when given.
    static func bootstrapLogging(_ config: BridgeConfig?, levelOverride: String?) {
        let section = config?.logging ?? LoggingSection()
        let level = levelOverride.flatMap(Logger.Level.init(rawValue:))
            ?? Logger.Level(rawValue: section.level.rawValue) ?? .info
        LoggingBootstrap.bootstrap(level: level, format: section.format == .json ? .json : .text)
    }

    /// The role's Prometheus `/metrics` + `/healthz` service on its [metrics] port, or nil when
    /// metrics are disabled. Also bootstraps swift-metrics so the role's counters land there.
    static func metricsEndpoint(
        _ config: BridgeConfig?,
        port: KeyPath<MetricsSection, Int>,
        portOverride: Int? = nil,
        logger: Logger
    ) -> MetricsEndpoint? {
        let section = config?.metrics ?? MetricsSection()
        guard section.enabled else { return nil }
        let registry = MetricsBootstrap.prometheus()
        return MetricsEndpoint(
            host: section.host, port: portOverride ?? section[keyPath: port], registry: registry, logger: logger)
    }
}
