public import BoxBridgeProtocol
public import ZeroMQ

/// Typed calls to the broker: what collectors, subscribers and the CLI use.
///
/// Holds a DEALER on the ingest endpoint (publish) and one on the control endpoint (replay,
/// leases, stats), created on first use. Errors are `BusError`s saying whether to retry.
public actor BusClient {
    public let endpoints: BusEndpoints
    public let context: ZMQContext
    private let executor: ZMQThreadExecutor
    private var ingestConnection: RPCConnection?
    private var controlConnection: RPCConnection?
    /// Deadline of every unary call.
    public var timeout: Duration

    public init(endpoints: BusEndpoints, context: ZMQContext? = nil, timeout: Duration = .seconds(10)) throws {
        self.endpoints = endpoints
        self.context = try context ?? ZMQContext()
        self.executor = ZMQThreadExecutor(name: "boxbridge-bus-client")
        self.timeout = timeout
    }

    func ingest() async throws -> RPCConnection {
        if let ingestConnection { return ingestConnection }
        let connection = try await RPCConnection(context: context, endpoint: endpoints.ingest, curve: endpoints.curve, executor: executor)
        ingestConnection = connection
        return connection
    }

    func control() async throws -> RPCConnection {
        if let controlConnection { return controlConnection }
        let connection = try await RPCConnection(context: context, endpoint: endpoints.control, curve: endpoints.curve, executor: executor)
        controlConnection = connection
        return connection
    }

    /// Journals a batch; returns once the broker has fsynced it (or says why not).
    public func publish(_ batch: Boxbridge_V1_IngestBatch) async throws -> Boxbridge_V1_IngestAck {
        try await ingest().call(.ingestPublish, batch, as: Boxbridge_V1_IngestAck.self, timeout: timeout)
    }

    /// Registers or renews this collector; the grant lists every connection it holds now.
    public func heartbeat(_ beat: Boxbridge_V1_CollectorHeartbeat) async throws -> Boxbridge_V1_LeaseGrant {
        try await control().call(.leasesHeartbeat, beat, as: Boxbridge_V1_LeaseGrant.self, timeout: timeout)
    }

    /// Topic, collector, connection and subscriber statistics.
    public func stats(prefix: String = "") async throws -> Boxbridge_V1_StatsResponse {
        var request = Boxbridge_V1_StatsRequest()
        request.topicPrefix = prefix
        return try await control().call(.statsGet, request, as: Boxbridge_V1_StatsResponse.self, timeout: timeout)
    }

    /// Tells the broker where a subscriber stands (for `status` and lag metrics).
    public func reportSubscriber(_ progress: Boxbridge_V1_SubscriberProgress) async throws {
        _ = try await control().call(.statsReportSubscriber, progress, as: Boxbridge_V1_StatsRequest.self, timeout: timeout)
    }

    /// Streams the journal from the request's sequences; ends after the `caught_up` batch.
    ///
    /// Credit is granted as batches are consumed, so at most `request.credit` envelopes are ever
    /// buffered here, however slow the consumer.
    public func replay(_ request: Boxbridge_V1_ReplayRequest) async throws -> ReplayStream {
        var request = request
        if request.credit == 0 { request.credit = 2_048 }
        let connection = try await control()
        let (id, stream) = try await connection.openStream(.replayOpen, request, idleTimeout: timeout)
        return ReplayStream(connection: connection, streamID: id, stream: stream, credit: request.credit, timeout: timeout)
    }

    /// Closes both connections.
    public func close() async {
        await ingestConnection?.close()
        await controlConnection?.close()
        ingestConnection = nil
        controlConnection = nil
    }
}

/// The batches of one replay, in journal order; ends after the batch with `caught_up`.
public struct ReplayStream: AsyncSequence, Sendable {
    public typealias Element = Boxbridge_V1_ReplayBatch
    let connection: RPCConnection
    let streamID: UInt64
    let stream: AsyncThrowingStream<(RPCStatus, [UInt8]), any Error>
    let credit: UInt32
    let timeout: Duration

    public func makeAsyncIterator() -> Iterator {
        Iterator(parent: self, inner: stream.makeAsyncIterator())
    }

    public struct Iterator: AsyncIteratorProtocol {
        let parent: ReplayStream
        var inner: AsyncThrowingStream<(RPCStatus, [UInt8]), any Error>.AsyncIterator
        var consumedSinceGrant: UInt32 = 0
        var finished = false

        public mutating func next() async throws -> Boxbridge_V1_ReplayBatch? {
            guard !finished else { return nil }
            guard let (status, body) = try await inner.next() else { return nil }
            let batch = try RPCConnection.decode(status: status, body: body, as: Boxbridge_V1_ReplayBatch.self, method: .replayOpen)
            if batch.caughtUp {
                finished = true
                await parent.connection.closeStream(parent.streamID)
                return batch
            }
            consumedSinceGrant += UInt32(batch.envelopes.count)
            if consumedSinceGrant >= Swift.max(1, parent.credit / 2) {
                var grant = Boxbridge_V1_ReplayCredit()
                grant.replayID = batch.replayID
                grant.credit = consumedSinceGrant
                consumedSinceGrant = 0
                do {
                    _ = try await parent.connection.call(.replayCredit, grant, as: Boxbridge_V1_ReplayBatch.self, timeout: parent.timeout)
                } catch let error as BusError where error.code == "unknown_replay" {
                    // The broker finished this replay (its caught_up batch is already on the way)
                    // before our grant arrived: nothing more to grant, and nothing is lost.
                }
            }
            return batch
        }
    }
}
