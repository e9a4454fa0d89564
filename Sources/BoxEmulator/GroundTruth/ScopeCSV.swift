import Foundation

/// A scope CSV as the product reads it (users by `Email`/`Email Address`, or groups by `Group Name`/`Groups`).
public struct ScopeCSV: Sendable, Equatable {
    public enum Kind: String, Sendable { case users, groups }
    public var kind: Kind
    public var entries: [String]

    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public var path: String
        public var line: Int
        public var reason: String
        public var description: String { "\(path):\(line): \(reason)" }
    }

    public init(kind: Kind, entries: [String]) {
        self.kind = kind
        self.entries = entries
    }

    public init(contentsOf path: String) throws {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ParseError(path: path, line: 0, reason: "cannot read: \(error)")
        }
        try self.init(text: text, path: path)
    }

    public init(text: String, path: String = "<scope csv>") throws {
        let rows = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            .map { ScopeCSV.fields(String($0)) }
        guard let header = rows.first else { throw ParseError(path: path, line: 1, reason: "empty file") }
        let names = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let column: Int
        if let c = names.firstIndex(where: { $0 == "email" || $0 == "email address" }) {
            kind = .users; column = c
        } else if let c = names.firstIndex(where: { $0 == "group name" || $0 == "groups" }) {
            kind = .groups; column = c
        } else {
            throw ParseError(path: path, line: 1, reason: "no Email, Email Address, Group Name or Groups column")
        }
        entries = rows.dropFirst().compactMap { row in
            guard column < row.count else { return nil }
            let v = row[column].trimmingCharacters(in: .whitespaces)
            return v.isEmpty ? nil : v
        }
    }

    static func fields(_ line: String) -> [String] {
        var out: [String] = []
        var current = ""
        var quoted = false
        var chars = Array(line).makeIterator()
        var pending: Character? = nil
        while let c = pending ?? chars.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let n = chars.next() {
                        if n == "\"" { current.append("\"") } else { quoted = false; pending = n }
                    } else { quoted = false }
                } else { current.append(c) }
            } else if c == "\"" { quoted = true } else if c == "," { out.append(current); current = "" } else { current.append(c) }
        }
        out.append(current)
        return out
    }

    /// The ids of the users whose drives are monitored: listed (directly or through a group) and active.
    public func monitoredUserIDs(in enterprise: Enterprise) -> Set<String> {
        var indices = Set<Int>()
        switch kind {
        case .users:
            let logins = Set(entries.map { $0.lowercased() })
            for i in 0..<enterprise.managedCount where logins.contains(enterprise.users[i].login.lowercased()) { indices.insert(i) }
        case .groups:
            for name in entries { indices.formUnion(enterprise.members(ofGroupNamed: name) ?? []) }
        }
        return Set(indices.filter { $0 < enterprise.managedCount && enterprise.users[$0].isActive }.map { enterprise.users[$0].id })
    }
}
