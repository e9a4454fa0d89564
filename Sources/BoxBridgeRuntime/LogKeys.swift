/// Logger metadata keys, defined in one place (STYLE.md practice 9): dotted, stable, greppable.
public enum LogKey {
    public static let connection = "connection"
    public static let collectorID = "collector.id"
    public static let subscriberID = "subscriber.id"
    public static let topic = "topic"
    public static let sequence = "sequence"
    public static let zmqEndpoint = "zmq.endpoint"
    public static let boxEventID = "box.event_id"
    public static let boxRequestID = "box.request_id"
    public static let boxStatus = "box.status"
    public static let path = "path"
    public static let error = "error"
    public static let metricsAddress = "metrics.address"
}
