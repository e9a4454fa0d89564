public import Foundation
public import Logging
public import Subscriber
import BoxBridgeProtocol
import BoxBridgeRuntime

/// Where and how the archive subscriber writes (from bridge.conf's [archive]).
public struct ArchiveSinkOptions: Sendable {
    /// The archive root; each connection gets `<root>/<connection>/`.
    public var root: String
    /// gzip level of sealed segments (part of the byte-for-byte contract).
    public var compressionLevel: Int32
    /// A segment is sealed once its uncompressed lines reach this size.
    public var maxSegmentBytes: Int
    /// Sealed segments of UTC days older than this are removed; 0 keeps everything.
    public var retentionDays: Int

    public init(root: String, compressionLevel: Int32 = 1, maxSegmentBytes: Int = 64 << 20, retentionDays: Int = 0) {
        self.root = root
        self.compressionLevel = compressionLevel
        self.maxSegmentBytes = maxSegmentBytes
        self.retentionDays = retentionDays
    }
}

/// The archive as a ``SubscriberSink``: every envelope into its connection's ``ArchiveWriter``,
/// committed (open segment fsynced + its state replaced atomically) before `apply` returns.
///
/// The cursors are never stored apart from the data: ``loadCursors()`` reads them back from each
/// connection's manifest and committed open segment, so output and cursor cannot disagree.
public actor ArchiveSink: SubscriberSink {
    public let options: ArchiveSinkOptions
    private let logger: Logger
    private var writers: [String: ArchiveWriter] = [:]

    public init(options: ArchiveSinkOptions, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// Opens every connection already archived under the root and returns their committed cursors.
    public func loadCursors() throws -> [String: UInt64] {
        try FileSystem.makeDirectory(options.root)
        for name in FileSystem.list(options.root) where Topic.isValidSegment(name) {
            let folder = (options.root as NSString).appendingPathComponent(name)
            guard FileSystem.exists((folder as NSString).appendingPathComponent(Manifest.fileName))
                || FileSystem.exists((folder as NSString).appendingPathComponent(OpenSegmentState.fileName))
            else { continue }
            _ = try writer(for: name)
        }
        return cursors
    }

    /// Every connection's committed cursors, merged (topics belong to one connection each).
    public var cursors: [String: UInt64] {
        writers.values.reduce(into: [:]) { cursors, writer in cursors.merge(writer.committedCursor) { Swift.max($0, $1) } }
    }

    public func apply(_ batch: SubscriberBatch) throws {
        var order: [String] = []
        var groups: [String: [Boxbridge_V1_Envelope]] = [:]
        for envelope in batch.envelopes {
            guard let connection = Topic.connection(of: envelope.topic) else {
                throw ArchiveError(.invalidEnvelope, "envelope \(envelope.topic)#\(envelope.sequence) has no connection in its topic")
            }
            if groups[connection] == nil { order.append(connection) }
            groups[connection, default: []].append(envelope)
        }
        for connection in order {
            let writer = try writer(for: connection)
            try writer.append(contentsOf: groups[connection] ?? [])
            try writer.commit()
        }
    }

    /// Removes sealed segments older than `retentionDays` in every connection (recorded in each manifest).
    @discardableResult
    public func applyRetention(now: Date) throws -> [String] {
        guard options.retentionDays > 0 else { return [] }
        var removed: [String] = []
        for (connection, writer) in writers.sorted(by: { $0.key < $1.key }) {
            removed += try writer.applyRetention(keepDays: options.retentionDays, now: now).map { connection + "/" + $0 }
        }
        return removed
    }

    private func writer(for connection: String) throws -> ArchiveWriter {
        if let writer = writers[connection] { return writer }
        let writer = try ArchiveWriter(
            configuration: .init(
                root: options.root, connection: connection, maxSegmentBytes: options.maxSegmentBytes,
                compressionLevel: options.compressionLevel),
            logger: logger)
        writers[connection] = writer
        return writer
    }
}
