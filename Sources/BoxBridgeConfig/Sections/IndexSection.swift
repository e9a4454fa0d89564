/// `[index]`: the SQLite forensic search index.
public struct IndexSection: Sendable, Equatable {
    /// The SQLite database (absolute once loaded).
    public var path = "var/index.sqlite"
    /// Events per write transaction.
    public var batchSize = 1000

    public init() {}
}
