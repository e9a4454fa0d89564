import Metrics

/// The collector's Prometheus metrics, with stable names (for docs/operations and dashboards):
///
/// | name | type | labels | meaning |
/// |---|---|---|---|
/// | `boxbridge_collector_events_published_total` | counter | connection | file events journaled on `box/<connection>/…` (a coalesced event counts once) |
/// | `boxbridge_collector_box_events_read_total` | counter | connection | Box events read from pages (duplicates and malformed included) |
/// | `boxbridge_collector_quarantined_total` | counter | connection | malformed Box events set aside on `ops/<connection>/quarantined` |
/// | `boxbridge_collector_deduped_total` | counter | connection | Box events dropped as already published (re-deliveries, re-reads) |
/// | `boxbridge_collector_coalesced_total` | counter | connection | Box events folded into an earlier event by the coalescer |
/// | `boxbridge_collector_out_of_scope_total` | counter | connection | Box events on drives outside the scope |
/// | `boxbridge_collector_batches_total` | counter | connection | ingest batches the broker acknowledged |
/// | `boxbridge_collector_poll_failures_total` | counter | connection | event polls that failed after the scheduler's retries |
/// | `boxbridge_collector_lag_seconds` | gauge | connection | how far behind Box the connection is (0 once caught up) |
/// | `boxbridge_collector_leases_held` | gauge | — | connections this collector holds |
/// | `boxbridge_collector_pipelines_running` | gauge | — | connections being polled now |
/// | `boxbridge_collector_pipeline_restarts_total` | counter | connection, reason | pipelines stopped: `lease_lost`, `epoch_changed`, `failed`, `blocked` |
/// | `boxbridge_collector_health_published_total` | counter | kind | health messages the service published on `ops/<connection>/<kind>` |
/// | `boxbridge_collector_heartbeat_failures_total` | counter | — | heartbeats the broker did not answer |
///
/// The scheduler's own metrics (`boxbridge_scheduler_*`) and the enricher's come from BoxAPI and
/// the enricher.
struct CollectorMetrics: Sendable {
    let leasesHeld = Gauge(label: "boxbridge_collector_leases_held")
    let pipelinesRunning = Gauge(label: "boxbridge_collector_pipelines_running")
    let heartbeatFailures = Counter(label: "boxbridge_collector_heartbeat_failures_total")

    func restart(connection: String, reason: String) {
        Counter(label: "boxbridge_collector_pipeline_restarts_total", dimensions: [("connection", connection), ("reason", reason)])
            .increment()
    }

    func healthPublished(kind: String) {
        Counter(label: "boxbridge_collector_health_published_total", dimensions: [("kind", kind)]).increment()
    }

    func lag(connection: String, seconds: Int64) {
        Gauge(label: "boxbridge_collector_lag_seconds", dimensions: [("connection", connection)]).record(Double(seconds))
    }

    /// Adds what a pipeline counted since `old` (counters restart at zero with each pipeline).
    func add(connection: String, from old: PipelineCounters, to new: PipelineCounters) {
        func bump(_ name: String, _ keyPath: KeyPath<PipelineCounters, Int>) {
            let delta = new[keyPath: keyPath] - old[keyPath: keyPath]
            guard delta > 0 else { return }
            Counter(label: "boxbridge_collector_\(name)", dimensions: [("connection", connection)]).increment(by: delta)
        }
        bump("events_published_total", \.publishedEvents)
        bump("box_events_read_total", \.boxEvents)
        bump("quarantined_total", \.quarantined)
        bump("deduped_total", \.duplicates)
        bump("coalesced_total", \.coalesced)
        bump("out_of_scope_total", \.outOfScope)
        bump("batches_total", \.batches)
        bump("poll_failures_total", \.pollFailures)
    }
}
