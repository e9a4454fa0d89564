/// The broker refused a batch because the connection is leased to another collector now (or at a newer epoch).
///
/// Stop collecting the connection: another collector resumes it from the broker's checkpoint.
/// Retrying with this lease cannot help.
public struct LeaseLost: Error, Sendable, Equatable, CustomStringConvertible {
    public var connection: String
    /// The epoch this pipeline published with.
    public var epoch: UInt64
    /// The broker's explanation (who holds the lease now, when it says).
    public var message: String
    public var isRetryable: Bool { false }

    public init(connection: String, epoch: UInt64, message: String) {
        self.connection = connection
        self.epoch = epoch
        self.message = message
    }

    public var description: String { "lease on \(connection) lost (epoch \(epoch)): \(message)" }
}

/// The broker's checkpoint for the connection is not where this pipeline believed it was.
///
/// Happens when something else moved the checkpoint (a takeover that raced this pipeline). Re-run
/// the heartbeat and start a new pipeline from the lease's checkpoint; retrying this batch cannot help.
public struct CheckpointMismatch: Error, Sendable, Equatable, CustomStringConvertible {
    public var connection: String
    /// The `from_position` this pipeline sent.
    public var sent: String
    /// The broker's checkpoint, from the ack.
    public var brokerCheckpoint: String
    public var isRetryable: Bool { false }

    public init(connection: String, sent: String, brokerCheckpoint: String) {
        self.connection = connection
        self.sent = sent
        self.brokerCheckpoint = brokerCheckpoint
    }

    public var description: String {
        "checkpoint mismatch on \(connection): sent from_position \"\(sent)\", the broker holds \"\(brokerCheckpoint)\""
    }
}

/// The broker refused a batch as malformed (`INGEST_STATUS_INVALID`): a bug, not a condition to wait out.
public struct BatchRefused: Error, Sendable, Equatable, CustomStringConvertible {
    public var connection: String
    public var batchID: String
    public var message: String
    public var isRetryable: Bool { false }

    public init(connection: String, batchID: String, message: String) {
        self.connection = connection
        self.batchID = batchID
        self.message = message
    }

    public var description: String { "broker refused batch \(batchID) of \(connection): \(message)" }
}
