/// How the journal stores, indexes and retains records.
public struct JournalOptions: Sendable {
    /// Folder of the segment files (created 0700).
    public var directory: String
    /// A segment is closed and a new one started once it reaches this size. Default 64 MiB.
    public var segmentBytes: Int64 = 64 << 20
    /// Oldest segments are dropped while the journal is larger than this. Default 10 GiB.
    public var retentionBytes: Int64 = 10 << 30
    /// Segments whose last record is older than this are dropped. Default 7 days.
    public var retentionAge: Duration = .seconds(7 * 86_400)
    /// One sequence→offset mark every this many envelopes of a topic in a segment. Default 256.
    public var indexStride: Int = 256
    /// Box event ids remembered per connection (the dedupe window handed over with a lease).
    public var recentEventIDs: Int = 10_000
    /// Batch ids remembered per connection, to recognise a resent batch. Default 4,096.
    public var recentBatchIDs: Int = 4_096

    public init(directory: String) {
        self.directory = directory
    }
}
