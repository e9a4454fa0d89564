import Metrics

/// The scheduler's swift-metrics, with stable names and the labels credential, class and status.
///
/// - `boxbridge_scheduler_calls_total{credential,class,status}`: calls made.
/// - `boxbridge_scheduler_rate_limited_total{credential}`: 429 responses.
/// - `boxbridge_scheduler_shed_total{credential,class}`: requests shed.
/// - `boxbridge_scheduler_wait_seconds_total{credential,class}`: time requests spent waiting.
/// - `boxbridge_scheduler_calls_per_minute{credential}`: the current paced rate (gauge).
/// - `boxbridge_scheduler_queue_depth{credential,class}`: requests queued (gauge).
struct SchedulerMetrics: Sendable {
    let credential: String
    let factory: any MetricsFactory

    func call(_ priority: PriorityClass, status: CallStatus) {
        Counter(
            label: "boxbridge_scheduler_calls_total",
            dimensions: [("credential", credential), ("class", priority.description), ("status", status.label)],
            factory: factory
        ).increment()
        if case .rateLimited = status {
            Counter(label: "boxbridge_scheduler_rate_limited_total", dimensions: [("credential", credential)], factory: factory)
                .increment()
        }
    }

    func shed(_ priority: PriorityClass) {
        Counter(
            label: "boxbridge_scheduler_shed_total",
            dimensions: [("credential", credential), ("class", priority.description)], factory: factory
        ).increment()
    }

    func waited(_ priority: PriorityClass, _ duration: Duration) {
        guard duration > .zero else { return }
        FloatingPointCounter(
            label: "boxbridge_scheduler_wait_seconds_total",
            dimensions: [("credential", credential), ("class", priority.description)], factory: factory
        ).increment(by: duration.secondsDouble)
    }

    func gauges(callsPerMinute: Double, depth: [PriorityClass: Int]) {
        Gauge(label: "boxbridge_scheduler_calls_per_minute", dimensions: [("credential", credential)], factory: factory)
            .record(callsPerMinute)
        for (priority, count) in depth {
            Gauge(
                label: "boxbridge_scheduler_queue_depth",
                dimensions: [("credential", credential), ("class", priority.description)], factory: factory
            ).record(count)
        }
    }
}
