/// The methods of the bus's services, as sent in the first frame of a request
/// (protocol/README.md "Requests").
public enum RPCMethod: String, Sendable, CaseIterable {
    case ingestPublish = "boxbridge.v1.Ingest/Publish"
    case replayOpen = "boxbridge.v1.Replay/Open"
    case replayCredit = "boxbridge.v1.Replay/Credit"
    case leasesHeartbeat = "boxbridge.v1.Leases/Heartbeat"
    case statsGet = "boxbridge.v1.Stats/Get"
    case statsReportSubscriber = "boxbridge.v1.Stats/ReportSubscriber"
}

/// The first frame of a reply.
public enum RPCStatus: String, Sendable {
    case ok
    case error
}
