public import Foundation

/// The users or groups a connection monitors, as read from a scope CSV.
///
/// A users file has an `Email` or `Email Address` column, a groups file a `Group Name` or `Groups`
/// column (headers matched case-insensitively, spaces trimmed); the header decides the kind. Emails
/// are kept lower-cased (Box logins are case-insensitive); group names exactly as written, since
/// they must match the Box Admin Console. Duplicates are collapsed, first occurrence first.
public struct ScopeList: Sendable, Hashable, Codable {
    /// What the entries name.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case users, groups
    }

    /// The most entries one file may list (Box connector rule).
    public static let maximumEntries = 1_000

    public var kind: Kind
    /// Lower-cased emails, or group names; unique, in file order.
    public var entries: [String]

    public init(kind: Kind, entries: [String]) {
        self.kind = kind
        self.entries = entries
    }

    static let userHeaders: Set<String> = ["email", "email address"]
    static let groupHeaders: Set<String> = ["group name", "groups"]

    /// Reads and validates a scope CSV file.
    ///
    /// Throws `ScopeListError` naming the file and every bad row; `isUnreadable` tells a file that
    /// could not be read from one whose contents are wrong.
    public static func read(contentsOf path: String) throws(ScopeListError) -> ScopeList {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ScopeListError(file: path, unreadable: "no such file")
        }
        guard !isDirectory.boolValue else { throw ScopeListError(file: path, unreadable: "it is a directory") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ScopeListError(file: path, unreadable: "permission denied")
        }
        return try parse(data, file: path)
    }

    /// Validates CSV bytes; `file` names them in errors.
    public static func parse(_ data: Data, file: String) throws(ScopeListError) -> ScopeList {
        guard let text = String(data: data, encoding: .utf8) else {
            throw ScopeListError(file: file, problems: [.init(row: nil, reason: "not UTF-8 text (save the CSV as UTF-8)")])
        }
        return try parse(text, file: file)
    }

    /// Validates CSV text; `file` names it in errors. Reports every bad row, not just the first.
    public static func parse(_ text: String, file: String) throws(ScopeListError) -> ScopeList {
        let records: [ScopeCSVReader.Record]
        do {
            records = try ScopeCSVReader.records(text)
        } catch {
            throw ScopeListError(
                file: file, problems: [.init(row: error.line, reason: "a quoted field opened here is never closed")])
        }
        let nonBlank = records.filter { !$0.isBlank }
        guard let header = nonBlank.first else {
            throw ScopeListError(
                file: file,
                problems: [.init(row: nil, reason: "the file is empty: it needs an Email, Email Address, Group Name or Groups column")])
        }

        let names = header.fields.map(normalizedHeader)
        let userColumns = names.indices.filter { userHeaders.contains(names[$0]) }
        let groupColumns = names.indices.filter { groupHeaders.contains(names[$0]) }
        let kind: Kind
        let columns: [Int]
        switch (userColumns.isEmpty, groupColumns.isEmpty) {
        case (false, true):
            kind = .users
            columns = userColumns
        case (true, false):
            kind = .groups
            columns = groupColumns
        case (false, false):
            throw ScopeListError(file: file, problems: [.init(
                row: header.line,
                reason: "the header has both user (Email / Email Address) and group (Group Name / Groups) columns; a file lists users or groups, not both")])
        case (true, true):
            let found = header.fields.map { "\"\($0.trimmedScopeField)\"" }.joined(separator: ", ")
            throw ScopeListError(file: file, problems: [.init(
                row: header.line,
                reason: "no Email, Email Address, Group Name or Groups column in the header (found \(found))")])
        }
        let columnName = header.fields[columns[0]].trimmedScopeField

        var problems: [ScopeListError.Problem] = []
        var entries: [String] = []
        var seen: Set<String> = []
        for record in nonBlank.dropFirst() {
            let values = columns.compactMap { $0 < record.fields.count ? record.fields[$0].trimmedScopeField : nil }
                .filter { !$0.isEmpty }
            if values.isEmpty {
                problems.append(.init(row: record.line, reason: "the \(columnName) column is empty"))
                continue
            }
            for value in values {
                let entry: String
                switch kind {
                case .users:
                    guard EmailAddress.isValid(value) else {
                        problems.append(.init(row: record.line, reason: "\"\(value)\" is not an email address"))
                        continue
                    }
                    entry = value.lowercased()
                case .groups:
                    entry = value
                }
                if seen.insert(entry).inserted { entries.append(entry) }
            }
        }
        if entries.count > maximumEntries {
            problems.append(.init(
                row: nil,
                reason: "the file lists \(entries.count) \(kind.rawValue); at most \(maximumEntries) entries are allowed"))
        }
        guard problems.isEmpty else { throw ScopeListError(file: file, problems: problems) }
        return ScopeList(kind: kind, entries: entries)
    }

    /// Header cells compared lower-cased, trimmed, with runs of spaces as one (`Email  Address`).
    static func normalizedHeader(_ cell: String) -> String {
        cell.trimmedScopeField.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }
}

/// What is wrong with a scope CSV: the file and every bad row. Retrying does not help; fixing the file does.
public struct ScopeListError: Error, Sendable, Hashable, CustomStringConvertible {
    /// One problem, on a row (1-based line of the file) or of the file as a whole.
    public struct Problem: Sendable, Hashable, Codable, CustomStringConvertible {
        public var row: Int?
        public var reason: String

        public init(row: Int?, reason: String) {
            self.row = row
            self.reason = reason
        }

        public var description: String { row.map { "row \($0): \(reason)" } ?? reason }
    }

    public var file: String
    public var problems: [Problem]
    /// The file could not be read at all (missing, a directory, no permission), as opposed to invalid.
    public var isUnreadable: Bool
    /// Never: the file has to change first.
    public var isRetryable: Bool { false }

    public init(file: String, problems: [Problem]) {
        self.file = file
        self.problems = problems
        self.isUnreadable = false
    }

    init(file: String, unreadable reason: String) {
        self.file = file
        self.problems = [Problem(row: nil, reason: "cannot read: \(reason)")]
        self.isUnreadable = true
    }

    /// One line per problem, `FILE:ROW: reason` (or `FILE: reason`), as compilers print them.
    public var description: String {
        problems.map { problem in
            problem.row.map { "\(file):\($0): \(problem.reason)" } ?? "\(file): \(problem.reason)"
        }.joined(separator: "\n")
    }
}

/// The email check of scope files: `local@domain.tld`, no spaces, a dotted domain of sensible labels.
enum EmailAddress {
    static let forbiddenInLocal: Set<Character> = ["(", ")", ",", ":", ";", "<", ">", "[", "]", "\\", "\"", "@"]

    static func isValid(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let local = parts.first, let domain = parts.last else { return false }
        guard !local.isEmpty, local.count <= 64, !local.hasPrefix("."), !local.hasSuffix("."), !local.contains("..") else {
            return false
        }
        guard local.allSatisfy({ !$0.isWhitespace && !forbiddenInLocal.contains($0) && !($0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } ?? false) })
        else { return false }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, domain.count <= 253 else { return false }
        for label in labels {
            guard !label.isEmpty, label.count <= 63, !label.hasPrefix("-"), !label.hasSuffix("-"),
                label.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" })
            else { return false }
        }
        guard let tld = labels.last, tld.count >= 2, tld.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }),
            !tld.allSatisfy(\.isNumber)
        else { return false }
        return true
    }
}
