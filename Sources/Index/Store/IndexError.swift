/// What went wrong with the index, with the path or flag it concerns and whether retrying helps.
public struct IndexError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// No database at the path (search never creates one).
        case missing
        /// The file exists but is not a boxbridge index (or is from a newer boxbridge).
        case notAnIndex
        /// SQLite failed (disk full, I/O error, busy beyond the timeout, ...).
        case database
        /// A search filter's value is unusable; `flag` names it.
        case badFilter(flag: String)
    }

    public var kind: Kind
    public var path: String
    public var message: String

    public init(_ kind: Kind, path: String = "", message: String) {
        self.kind = kind
        self.path = path
        self.message = message
    }

    /// Whether the same call may succeed later (a busy or full disk may clear; a bad flag will not).
    public var isRetriable: Bool { kind == .database }

    public var description: String {
        switch kind {
        case .missing: "no index at \(path): \(message)"
        case .notAnIndex: "\(path) is not a boxbridge index: \(message)"
        case .database: "index \(path): \(message)"
        case .badFilter(let flag): "\(flag): \(message)"
        }
    }
}
