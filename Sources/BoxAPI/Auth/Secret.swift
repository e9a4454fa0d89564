/// A secret value (client secret, passphrase, private key, token) that never prints itself.
///
/// `description`, `debugDescription` and string interpolation all give `<redacted>`, so a secret
/// that slips into a log line or an error message reveals nothing. Read it with `reveal()`.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    private let value: String

    public init(_ value: String) { self.value = value }

    /// The secret itself, for the one place that must send it.
    public func reveal() -> String { value }

    public var isEmpty: Bool { value.isEmpty }
    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
}

/// Who a token acts as (CCG's `box_subject_type` / JWT's `box_sub_type`).
public enum BoxSubject: Sendable, Hashable, CustomStringConvertible {
    /// The app's Service Account in this enterprise.
    case enterprise(String)
    /// A managed or app user.
    case user(String)

    public var type: String {
        switch self {
        case .enterprise: "enterprise"
        case .user: "user"
        }
    }

    public var id: String {
        switch self {
        case .enterprise(let id), .user(let id): id
        }
    }

    public var description: String { "\(type) \(id)" }
}
