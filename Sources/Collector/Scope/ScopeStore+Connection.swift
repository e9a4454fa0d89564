public import BoxBridgeConfig

/// Why a connection's scope cannot be decided.
public struct ScopeConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var connection: String
    public var reason: String
    /// Retrying does not help; an import or a bridge.conf change does.
    public var isRetryable: Bool { false }
    public var description: String { "connection \(connection): \(reason)" }
}

extension ScopeStore {
    /// The scope a collector applies to `connection`.
    ///
    /// `scope = "all"` monitors every active user. For `users` and `groups` the list last imported
    /// with `boxbridge scope import` wins (an import replaces the old list); without one, the
    /// connection's `scope_file` is read. A list of the other kind is refused rather than guessed.
    public func mode(for connection: ConnectionSection) throws -> ScopeMode {
        let wanted: ScopeList.Kind
        switch connection.scope {
        case .all: return .all
        case .users: wanted = .users
        case .groups: wanted = .groups
        }
        let list: ScopeList
        if let stored = try load(connection: connection.name) {
            list = stored.list
        } else if let file = connection.scopeFile {
            list = try ScopeList.read(contentsOf: file)
        } else {
            throw ScopeConfigurationError(
                connection: connection.name,
                reason: "scope = \"\(wanted.rawValue)\" but no list was imported (boxbridge scope import) and no scope_file is set")
        }
        guard list.kind == wanted else {
            throw ScopeConfigurationError(
                connection: connection.name,
                reason: "scope = \"\(wanted.rawValue)\" but the list holds \(list.kind.rawValue)")
        }
        return ScopeMode(list)
    }
}
