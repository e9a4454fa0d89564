/// A secret read from the environment or a file: it prints as `<redacted>` everywhere.
///
/// String interpolation, `print`, `dump`, logging metadata and debug descriptions all see
/// `<redacted>`; only `reveal()` gives the value, at the one place that sends it to Box.
public struct ConfigSecret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let storage: String

    public init(_ value: String) {
        storage = value
    }

    /// The secret itself. Call it only where the value leaves for its one legitimate use.
    public func reveal() -> String { storage }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "ConfigSecret(<redacted>)" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

/// Where a secret comes from: named in messages instead of the secret.
public enum SecretSource: Sendable, Hashable, CustomStringConvertible {
    /// An environment variable, by name.
    case environment(String)
    /// A file, by absolute path.
    case file(String)

    public var description: String {
        switch self {
        case .environment(let name): return "environment variable \(name)"
        case .file(let path): return "file \(path)"
        }
    }
}
