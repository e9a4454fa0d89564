import Metrics
public import Prometheus

/// Installs the Prometheus backend for swift-metrics, once per process (the CLI calls it; libraries
/// only emit through swift-metrics and never bootstrap).
public enum MetricsBootstrap {
    private static let shared = PrometheusCollectorRegistry()

    /// Bootstraps swift-metrics with a Prometheus registry and returns that registry. Calling it
    /// again returns the same registry without bootstrapping twice.
    public static func prometheus() -> PrometheusCollectorRegistry {
        once.run { MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: shared)) }
        return shared
    }

    private static let once = Once()
}

/// Runs a closure at most once, thread-safely.
final class Once: Sendable {
    private let done = Mutex(false)

    func run(_ body: () -> Void) {
        done.withLock { done in
            guard !done else { return }
            done = true
            body()
        }
    }
}

import Synchronization
