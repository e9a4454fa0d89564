import Metrics

/// The broker's Prometheus metrics (`boxbridge_broker_<what>_total`), created once.
struct BrokerMetrics {
    let ingestedEvents = Counter(label: "boxbridge_broker_ingested_events_total")
    let ingestedBytes = Counter(label: "boxbridge_broker_ingested_bytes_total")
    let batchesDurable = Counter(label: "boxbridge_broker_batches_total", dimensions: [("status", "durable")])
    let batchesDuplicate = Counter(label: "boxbridge_broker_batches_total", dimensions: [("status", "duplicate")])
    let batchesRejected = Counter(label: "boxbridge_broker_batches_total", dimensions: [("status", "rejected")])
    let fsyncs = Counter(label: "boxbridge_broker_fsyncs_total")
    let published = Counter(label: "boxbridge_broker_published_total")
    let replayed = Counter(label: "boxbridge_broker_replayed_total")
    let replayGone = Counter(label: "boxbridge_broker_replay_gone_total")
    let requestErrors = Counter(label: "boxbridge_broker_request_errors_total")
    let leaseReassignments = Counter(label: "boxbridge_broker_lease_reassignments_total")
    let journalBytes = Gauge(label: "boxbridge_broker_journal_bytes")
    let journalSegments = Gauge(label: "boxbridge_broker_journal_segments")
    let liveSubscriptions = Gauge(label: "boxbridge_broker_live_subscriptions")
}
