/// One thing wrong with a bridge.conf, located by file, line and dotted key.
///
/// Messages never contain secret values: a problem about a secret names the environment variable
/// or file it should come from, never what it holds.
public struct ConfigProblem: Sendable, Equatable, Codable, CustomStringConvertible {
    /// Whether the problem stops the configuration from loading.
    public enum Severity: String, Sendable, Codable {
        /// The configuration is not usable; `BridgeConfig.load` throws.
        case error
        /// Worth fixing (e.g. a secret file readable by others), but the configuration loads.
        case warning
    }

    /// The file as the user named it (e.g. `bridge.conf`).
    public var file: String
    /// 1-based line, or nil when the problem has no place in the file.
    public var line: Int?
    /// 1-based column, when known (TOML syntax errors).
    public var column: Int?
    /// Dotted key path such as `connections[0].client_secret_env`; empty for the whole file.
    public var key: String
    public var message: String
    public var severity: Severity

    public init(file: String, line: Int?, column: Int? = nil, key: String, message: String, severity: Severity = .error) {
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.message = message
        self.severity = severity
    }

    /// `bridge.conf:42: connections[0].client_secret_env: environment variable BOX_ACME_SECRET is not set`.
    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        if severity == .warning { text += "warning: " }
        if !key.isEmpty { text += key + ": " }
        return text + message
    }
}

/// Why `BridgeConfig.load` failed.
public enum ConfigLoadError: Error, Sendable, CustomStringConvertible {
    /// The file could not be read at all (missing, a directory, no permission). `config check` exits 2.
    case unreadable(file: String, reason: String)
    /// The file was read and has problems; every one is listed (warnings included), in line order.
    case invalid(file: String, problems: [ConfigProblem])

    /// Retrying without editing the file or the environment does not help.
    public var isRetriable: Bool { false }

    /// The file does not exist (e.g. `boxbridge up` may then run the demo on defaults).
    public var isMissingFile: Bool {
        if case .unreadable(_, let reason) = self { return reason == ConfigLoadError.noSuchFile }
        return false
    }

    static let noSuchFile = "no such file"

    public var description: String {
        switch self {
        case .unreadable(let file, let reason):
            return "\(file): cannot read the configuration: \(reason)"
        case .invalid(let file, let problems):
            let errors = problems.filter { $0.severity == .error }
            let head = "\(file): \(errors.count) problem\(errors.count == 1 ? "" : "s") in the configuration"
            return ([head] + problems.map(\.description)).joined(separator: "\n")
        }
    }
}
