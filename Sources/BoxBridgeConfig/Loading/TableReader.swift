import Foundation
import TOMLKit

/// Everything one load shares: where problems go, how lines are found, what the environment is.
final class DecodingContext {
    let file: String
    let baseDirectory: String
    let environment: [String: String]
    let locator: TOMLLineLocator
    private(set) var problems: [ConfigProblem] = []

    init(file: String, baseDirectory: String, environment: [String: String], locator: TOMLLineLocator) {
        self.file = file
        self.baseDirectory = baseDirectory
        self.environment = environment
        self.locator = locator
    }

    func report(_ path: ConfigKeyPath, _ message: String, severity: ConfigProblem.Severity = .error) {
        problems.append(
            ConfigProblem(file: file, line: locator.line(for: path), key: path.description, message: message, severity: severity)
        )
    }

    /// A path from the file, made absolute against the config file's folder.
    func resolve(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var relative = Substring(path)
        while relative.hasPrefix("./") { relative = relative.dropFirst(2) }
        return baseDirectory.hasSuffix("/") ? baseDirectory + relative : baseDirectory + "/" + relative
    }
}

/// Reads typed values out of one TOML table, reporting every problem with its key path.
///
/// Each accessor returns nil when the key is absent *or* invalid (after reporting), so sections
/// keep their default and decoding carries on to find the next problem.
struct TableReader {
    let table: TOMLTable
    let path: ConfigKeyPath
    let context: DecodingContext

    func has(_ key: String) -> Bool { table[key] != nil }

    func report(_ key: String, _ message: String, severity: ConfigProblem.Severity = .error) {
        context.report(path.appending(key), message, severity: severity)
    }

    /// Reports the keys of this table that are not in `known`, with the closest known key.
    func rejectUnknownKeys(_ known: [String], hints: [String: String] = [:]) {
        for key in table.keys where !known.contains(key) {
            if let hint = hints[key] {
                report(key, hint)
            } else if let suggestion = DidYouMean.suggestion(for: key, among: known) {
                report(key, "unknown key; did you mean \"\(suggestion)\"?")
            } else if let homes = BridgeConfig.sectionsByKey[key]?.filter({ $0 != path.sectionName }), !homes.isEmpty {
                report(key, "unknown key here; \(key) belongs in \(homes.joined(separator: " or "))")
            } else {
                report(key, "unknown key; valid keys here are: \(known.joined(separator: ", "))")
            }
        }
    }

    private func value(_ key: String) -> TOMLValue? { table[key]?.tomlValue }

    private func wrongType(_ key: String, expected: String, found: TOMLType) {
        report(key, "expected \(expected), found \(Self.describe(found))")
    }

    static func describe(_ type: TOMLType) -> String {
        switch type {
        case .table: return "a table"
        case .array: return "an array"
        case .string: return "a string"
        case .int: return "an integer"
        case .double: return "a floating-point number"
        case .bool: return "a boolean"
        case .date: return "a date"
        case .time: return "a time"
        case .dateTime: return "a date-time"
        }
    }

    // MARK: Scalars

    func string(_ key: String, allowEmpty: Bool = false) -> String? {
        guard let value = value(key) else { return nil }
        guard let text = value.string else {
            wrongType(key, expected: "a string", found: value.type)
            return nil
        }
        if !allowEmpty, text.isEmpty {
            report(key, "must not be empty")
            return nil
        }
        return text
    }

    func bool(_ key: String) -> Bool? {
        guard let value = value(key) else { return nil }
        guard let flag = value.bool else {
            wrongType(key, expected: "true or false", found: value.type)
            return nil
        }
        return flag
    }

    func int(_ key: String, in range: ClosedRange<Int>) -> Int? {
        guard let value = value(key) else { return nil }
        guard let number = value.int else {
            wrongType(key, expected: "an integer", found: value.type)
            return nil
        }
        guard range.contains(number) else {
            report(key, "\(number) is out of range: must be from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return number
    }

    func double(_ key: String, in range: ClosedRange<Double>, upperExclusive: Bool = false) -> Double? {
        guard let value = value(key) else { return nil }
        let number: Double
        if let double = value.double {
            number = double
        } else if let int = value.int {
            number = Double(int)
        } else {
            wrongType(key, expected: "a number", found: value.type)
            return nil
        }
        let inRange = range.contains(number) && !(upperExclusive && number == range.upperBound)
        guard inRange, number.isFinite else {
            let upper = upperExclusive ? "below \(range.upperBound)" : "at most \(range.upperBound)"
            report(key, "\(number) is out of range: must be at least \(range.lowerBound) and \(upper)")
            return nil
        }
        return number
    }

    /// A duration string such as `"10s"`, within `minimum ... maximum`.
    func duration(_ key: String, minimum: Duration = .zero, maximum: Duration? = nil) -> Duration? {
        guard let value = value(key) else { return nil }
        guard let text = value.string else {
            wrongType(key, expected: "a duration string such as \"10s\"", found: value.type)
            return nil
        }
        guard let duration = parseConfigDuration(text) else {
            report(key, "\"\(text)\" is not a duration: use a whole number followed by ms, s, m, h or d, e.g. \"250ms\", \"10s\", \"5m\", \"24h\", \"14d\"")
            return nil
        }
        if duration < minimum {
            report(key, "\"\(text)\" is too short: must be at least \(formatConfigDuration(minimum))")
            return nil
        }
        if let maximum, duration > maximum {
            report(key, "\"\(text)\" is too long: must be at most \(formatConfigDuration(maximum))")
            return nil
        }
        return duration
    }

    /// A byte count: an integer or a string such as `"64MiB"`.
    func byteSize(_ key: String, minimum: Int64) -> Int64? {
        guard let value = value(key) else { return nil }
        let bytes: Int64
        if let int = value.int {
            bytes = Int64(int)
        } else if let text = value.string {
            guard let parsed = parseConfigByteSize(text) else {
                report(key, "\"\(text)\" is not a size: use a number of bytes or e.g. \"64MiB\", \"10GiB\", \"500MB\"")
                return nil
            }
            bytes = parsed
        } else {
            wrongType(key, expected: "a size (bytes, or a string such as \"64MiB\")", found: value.type)
            return nil
        }
        guard bytes >= minimum else {
            report(key, "\(bytes) is out of range: must be at least \(minimum) bytes")
            return nil
        }
        return bytes
    }

    /// One of an enum's raw values, with a did-you-mean when it is close to one.
    func choice<Choice: RawRepresentable & CaseIterable>(_ key: String, as _: Choice.Type = Choice.self) -> Choice?
    where Choice.RawValue == String {
        guard let text = string(key) else { return nil }
        return Self.parseChoice(text, as: Choice.self) { message in report(key, message) }
    }

    static func parseChoice<Choice: RawRepresentable & CaseIterable>(
        _ text: String, as _: Choice.Type, report: (String) -> Void
    ) -> Choice? where Choice.RawValue == String {
        if let choice = Choice(rawValue: text) { return choice }
        let allowed = Choice.allCases.map(\.rawValue)
        var message = "\"\(text)\" is not one of " + allowed.map { "\"\($0)\"" }.joined(separator: ", ")
        if let suggestion = DidYouMean.suggestion(for: text, among: allowed) { message += "; did you mean \"\(suggestion)\"?" }
        report(message)
        return nil
    }

    /// A file or folder path, made absolute against the config file's folder.
    func path(_ key: String) -> String? {
        string(key).map(context.resolve)
    }

    /// A bus endpoint; relative ipc paths are resolved against the config file's folder.
    func endpoint(_ key: String) -> BusEndpoint? {
        guard let text = string(key) else { return nil }
        switch BusEndpoint.parse(text) {
        case .failure(let error):
            report(key, error.description)
            return nil
        case .success(var endpoint):
            if endpoint.transport == .ipc {
                endpoint.address = context.resolve(endpoint.address)
                if endpoint.address.utf8.count > BusEndpoint.maximumIPCPathBytes {
                    report(key, "the ipc socket path \(endpoint.address) is longer than \(BusEndpoint.maximumIPCPathBytes) bytes, the limit of Unix sockets; use a shorter path")
                    return nil
                }
            }
            return endpoint
        }
    }

    // MARK: Arrays and tables

    /// An array of strings, each with its own key path for element problems.
    func stringArray(_ key: String) -> [(value: String, path: ConfigKeyPath)]? {
        guard let value = value(key) else { return nil }
        guard let array = value.array else {
            wrongType(key, expected: "an array of strings", found: value.type)
            return nil
        }
        var result: [(String, ConfigKeyPath)] = []
        var valid = true
        for (index, element) in array.enumerated() {
            let elementPath = path.appending(key).appending(index: index)
            if let text = element.string {
                result.append((text, elementPath))
            } else {
                context.report(elementPath, "expected a string, found \(Self.describe(element.type))")
                valid = false
            }
        }
        return valid ? result : nil
    }

    /// A list of enum values (`["enforced", "monitoring"]`), each checked.
    func choices<Choice: RawRepresentable & CaseIterable>(_ key: String, as _: Choice.Type = Choice.self) -> [Choice]?
    where Choice.RawValue == String {
        guard let elements = stringArray(key) else { return nil }
        var result: [Choice] = []
        var valid = true
        for element in elements {
            if let choice = Self.parseChoice(element.value, as: Choice.self, report: { context.report(element.path, $0) }) {
                result.append(choice)
            } else {
                valid = false
            }
        }
        return valid ? result : nil
    }

    /// A sub-table (`[broker]` in the root, or an inline table).
    func table(_ key: String) -> TableReader? {
        guard let value = value(key) else { return nil }
        guard let table = value.table else {
            wrongType(key, expected: "a table ([\(path.appending(key))])", found: value.type)
            return nil
        }
        return TableReader(table: table, path: path.appending(key), context: context)
    }

    /// An array of tables (`[[connections]]`).
    func tableArray(_ key: String) -> [TableReader]? {
        guard let value = value(key) else { return nil }
        guard let array = value.array else {
            wrongType(key, expected: "an array of tables ([[\(path.appending(key))]])", found: value.type)
            return nil
        }
        var readers: [TableReader] = []
        for (index, element) in array.enumerated() {
            let elementPath = path.appending(key).appending(index: index)
            if let table = element.table {
                readers.append(TableReader(table: table, path: elementPath, context: context))
            } else {
                context.report(elementPath, "expected a table ([[\(path.appending(key))]]), found \(Self.describe(element.type))")
            }
        }
        return readers
    }

    // MARK: Secrets and files

    /// Reads a secret given as `<name>_env` (an environment variable) or `<name>_file` (a file),
    /// exactly one of them. Values never appear in problems.
    func secret(_ name: String, required: Bool, purpose: String) -> (ConfigSecret, SecretSource)? {
        let envKey = name + "_env", fileKey = name + "_file"
        let hasEnv = has(envKey), hasFile = has(fileKey)
        if hasEnv, hasFile {
            report(envKey, "conflicting options: set either \(envKey) or \(fileKey), not both")
            return nil
        }
        if !hasEnv, !hasFile {
            if required {
                report(envKey, "missing \(purpose): set \(envKey) (an environment variable holding it) or \(fileKey) (a file holding it)")
            }
            return nil
        }
        if hasEnv {
            guard let variable = string(envKey) else { return nil }
            guard Validators.isEnvironmentVariableName(variable) else {
                // The value may be the secret itself, pasted in the wrong key: never echo it.
                report(envKey, "must be the name of an environment variable (letters, digits and _), not the secret itself")
                return nil
            }
            guard let secret = context.environment[variable] else {
                report(envKey, "environment variable \(variable) is not set")
                return nil
            }
            guard !secret.isEmpty else {
                report(envKey, "environment variable \(variable) is empty")
                return nil
            }
            return (ConfigSecret(secret), .environment(variable))
        }
        guard let file = path(fileKey) else { return nil }
        guard let contents = readSecretFile(fileKey, file) else { return nil }
        var secret = Substring(contents)
        while let last = secret.last, last == "\n" || last == "\r" { secret = secret.dropLast() }
        guard !secret.isEmpty else {
            report(fileKey, "secret file \(file) is empty")
            return nil
        }
        return (ConfigSecret(String(secret)), .file(file))
    }

    /// Reads a file that holds a secret or a key, reporting why it cannot be read, and warning when
    /// others may read it too.
    func readSecretFile(_ key: String, _ file: String) -> String? {
        guard let contents = readFile(key, file, what: "secret file") else { return nil }
        if let attributes = try? FileManager.default.attributesOfItem(atPath: file),
            let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0
        {
            report(key, "secret file \(file) is readable by other users (mode \(String(mode & 0o777, radix: 8))); run chmod 600 on it", severity: .warning)
        }
        return contents
    }

    /// Reads a text file, reporting a missing, unreadable or non-text file.
    func readFile(_ key: String, _ file: String, what: String) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else {
            report(key, "\(what) \(file) does not exist")
            return nil
        }
        guard !isDirectory.boolValue else {
            report(key, "\(what) \(file) is a directory")
            return nil
        }
        guard FileManager.default.isReadableFile(atPath: file), let data = FileManager.default.contents(atPath: file) else {
            report(key, "\(what) \(file) is not readable by this user")
            return nil
        }
        guard let text = String(data: data, encoding: .utf8) else {
            report(key, "\(what) \(file) is not UTF-8 text")
            return nil
        }
        return text
    }
}
