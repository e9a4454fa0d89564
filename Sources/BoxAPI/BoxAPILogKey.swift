/// Logger metadata keys of the Box client, named like BoxBridgeRuntime's `LogKey` (dotted, stable).
///
/// Kept here because BoxAPI does not depend on BoxBridgeRuntime (which brings the HTTP server);
/// the shared keys (`box.request_id`, `box.status`) have the same spelling in both.
enum BoxAPILogKey {
    static let boxRequestID = "box.request_id"
    static let boxStatus = "box.status"
    static let boxEndpoint = "box.endpoint"
    static let boxClientID = "box.client_id"
    static let boxSubject = "box.subject"
    static let boxExpiresIn = "box.expires_in"
    static let credential = "scheduler.credential"
    static let priorityClass = "scheduler.class"
    static let delay = "scheduler.delay"
    static let retryAfter = "scheduler.retry_after"
    static let callsPerMinute = "scheduler.calls_per_minute"
}
