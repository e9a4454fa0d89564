/// A dotted path to a value in bridge.conf, such as `connections[0].client_secret_env`.
///
/// Paths name keys the way a user reads the file, so every problem can say which key it is about.
public struct ConfigKeyPath: Hashable, Sendable, CustomStringConvertible {
    /// One step of a path: a table key or an index into an array (of tables or of values).
    public enum Component: Hashable, Sendable {
        case key(String)
        case index(Int)
    }

    public var components: [Component]

    public init(_ components: [Component] = []) {
        self.components = components
    }

    /// The empty path: the document itself.
    public static let root = ConfigKeyPath()

    /// This path extended by a key.
    public func appending(_ key: String) -> ConfigKeyPath {
        ConfigKeyPath(components + [.key(key)])
    }

    /// This path extended by an array index.
    public func appending(index: Int) -> ConfigKeyPath {
        ConfigKeyPath(components + [.index(index)])
    }

    /// This path without its last component (the root stays the root).
    public var parent: ConfigKeyPath {
        ConfigKeyPath(Array(components.dropLast()))
    }

    /// How bridge.conf spells the table this path is in: `[broker]`, `[[connections]]`, `[alert.outputs]`.
    var sectionName: String {
        var keys: [String] = []
        var isArray = false
        for component in components {
            switch component {
            case .key(let key): keys.append(key); isArray = false
            case .index: isArray = true
            }
        }
        let name = keys.joined(separator: ".")
        return isArray ? "[[\(name)]]" : "[\(name)]"
    }

    /// `connections[0].client_secret_env`; keys that are not bare TOML keys are quoted.
    public var description: String {
        var text = ""
        for component in components {
            switch component {
            case .key(let key):
                if !text.isEmpty { text += "." }
                text += Self.isBareKey(key) ? key : "\"" + key.replacingQuotes() + "\""
            case .index(let index):
                text += "[\(index)]"
            }
        }
        return text
    }

    static func isBareKey(_ key: String) -> Bool {
        !key.isEmpty && key.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x5F || byte == 0x2D
        }
    }
}

extension String {
    fileprivate func replacingQuotes() -> String {
        var out = ""
        for character in self {
            switch character {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default: out.append(character)
            }
        }
        return out
    }
}
