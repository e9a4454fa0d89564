public import BoxAPI
public import Foundation

/// Which users a connection monitors: everyone, listed users, or the members of listed groups.
public enum ScopeMode: Sendable, Hashable {
    case all
    /// Lower-cased logins.
    case users([String])
    /// Group names exactly as in the Box Admin Console.
    case groups([String])

    /// The mode of an imported list.
    public init(_ list: ScopeList) {
        switch list.kind {
        case .users: self = .users(list.entries.map { $0.lowercased() })
        case .groups: self = .groups(list.entries)
        }
    }
}

/// What the directory looked like when fetched: the facts the resolver decides from.
public struct DirectorySnapshot: Sendable, Hashable {
    /// Every managed user, with `status`.
    public var users: [BoxUser]
    /// The groups whose names the scope lists (all groups is fine too).
    public var groups: [BoxGroup]
    /// Member user ids of each fetched group.
    public var members: [BoxID: [BoxID]]

    public init(users: [BoxUser], groups: [BoxGroup] = [], members: [BoxID: [BoxID]] = [:]) {
        self.users = users
        self.groups = groups
        self.members = members
    }
}

/// More drives in scope than a connector supports: the connection fails until it is resumed.
public struct DriveLimitExceeded: Error, Sendable, Hashable, CustomStringConvertible {
    /// The configured maximum (500,000 by default).
    public var limit: Int
    /// Drives the scope resolved to.
    public var drives: Int

    public init(limit: Int, drives: Int) {
        self.limit = limit
        self.drives = drives
    }

    /// The exact text the specification gives, shown to operators and published on `ops/…`.
    public var message: String {
        "The number of supported user drives (\(limit)) for this connector has been exceeded. "
            + "Deauthorize the connector and reauthorize with fewer than \(limit) drives."
    }

    public var description: String { message }
    /// Retrying does not help: the scope has to shrink, then the connection be resumed.
    public var isRetryable: Bool { false }
}

/// A listed group that was not found; it is skipped and looked up again at `nextLookup`.
public struct UnknownGroup: Sendable, Hashable {
    public var name: String
    public var nextLookup: Date
}

/// How the monitored set changed with one resolution (for logs and `ops/…`).
public struct ScopeChange: Sendable, Hashable {
    /// Users now monitored who were not before.
    public var added: Set<BoxID> = []
    /// Users no longer monitored; their past events stay searchable, new ones are not collected.
    public var removed: Set<BoxID> = []
    /// Listed groups found this time that were unknown before.
    public var foundGroups: [String] = []
    /// Listed groups still not found.
    public var unknownGroups: [String] = []
    /// Listed logins with no Box user (typos, people who left); they are simply not monitored.
    public var unknownUsers: [String] = []
    /// Set when this resolution exceeded the drive limit.
    public var failure: DriveLimitExceeded?
    /// Drives monitored after this resolution.
    public var drives = 0
}

/// Decides which drives (file owners) are in scope, and when to look at the directory again.
///
/// A value type with no I/O: the refresher fetches a `DirectorySnapshot` when `nextAction(now:)`
/// says `.refresh`, and hands it to `apply(_:now:)`. An event is in scope when its file's owner is
/// a monitored, active user; inactive users are never monitored. Group membership and unknown
/// groups are re-resolved every `relookupInterval` (24 h by default). More than `maxDrives` drives
/// fail the connection with the specification's exact message until `resume()`.
public struct ScopeResolver: Sendable {
    /// What the caller should do next.
    public enum Action: Sendable, Hashable {
        /// Fetch a directory snapshot now and `apply` it.
        case refresh
        /// Nothing to do before this time.
        case wait(until: Date)
        /// The connection has failed; nothing is collected until `resume()`.
        case failed(DriveLimitExceeded)
    }

    public private(set) var mode: ScopeMode
    public let relookupInterval: Duration
    public let maxDrives: Int
    /// Drive owners whose events are collected.
    public private(set) var monitored: Set<BoxID> = []
    /// Listed groups not found at the last resolution.
    public private(set) var unknownGroups: [UnknownGroup] = []
    /// When the directory was last applied; nil before the first resolution.
    public private(set) var resolvedAt: Date?
    public private(set) var failure: DriveLimitExceeded?
    private var refreshRequested = true
    /// Set after a failed fetch: the earlier monitored set stays in force until this retry.
    private var retryAt: Date?

    public init(mode: ScopeMode, relookupInterval: Duration = .seconds(86_400), maxDrives: Int = 500_000) {
        self.mode = mode
        self.relookupInterval = relookupInterval
        self.maxDrives = maxDrives
    }

    /// Whether events on `ownerID`'s drive are collected.
    public func isInScope(ownerID: BoxID) -> Bool {
        failure == nil && monitored.contains(ownerID)
    }

    /// Whether the scope has been resolved at least once (collection should wait for it).
    public var isResolved: Bool { resolvedAt != nil }

    /// When the directory is looked at again (unknown groups, memberships, user status).
    public var nextRefresh: Date? {
        resolvedAt.map { $0.addingTimeInterval(relookupInterval.scopeSeconds) }
    }

    public func nextAction(now: Date) -> Action {
        if let failure { return .failed(failure) }
        if let retryAt { return now >= retryAt ? .refresh : .wait(until: retryAt) }
        guard !refreshRequested, let next = nextRefresh else { return .refresh }
        return now >= next ? .refresh : .wait(until: next)
    }

    /// What a refresh has to fetch: group names for a groups scope (users are always needed for status).
    public var groupNamesToFetch: [String] {
        if case .groups(let names) = mode { return names }
        return []
    }

    /// A new list was imported: it replaces the old one and is resolved at the next action.
    public mutating func replace(mode: ScopeMode) {
        self.mode = mode
        refreshRequested = true
        retryAt = nil
    }

    /// A refresh could not fetch the directory (Box unavailable): keep monitoring the last
    /// resolved set, rather than dropping events, and try again after `retryAfter`.
    public mutating func refreshFailed(now: Date, retryAfter: Duration = .seconds(300)) {
        retryAt = now.addingTimeInterval(retryAfter.scopeSeconds)
    }

    /// The operator resumed the connection: forget the failure and resolve again.
    public mutating func resume() {
        failure = nil
        refreshRequested = true
        retryAt = nil
    }

    /// Resolves the scope against a directory fetched at `now`.
    @discardableResult
    public mutating func apply(_ snapshot: DirectorySnapshot, now: Date) -> ScopeChange {
        var resolved: Set<BoxID> = []
        var stillUnknown: [String] = []
        var unknownUsers: [String] = []
        switch mode {
        case .all:
            resolved.reserveCapacity(snapshot.users.count)
            for user in snapshot.users where user.isActive { resolved.insert(user.id) }
        case .users(let logins):
            let wanted = Set(logins.map { $0.lowercased() })
            var known: Set<String> = []
            for user in snapshot.users {
                let login = (user.login ?? "").lowercased()
                guard wanted.contains(login) else { continue }
                known.insert(login)
                if user.isActive { resolved.insert(user.id) }
            }
            unknownUsers = logins.filter { !known.contains($0.lowercased()) }
        case .groups(let names):
            var active: Set<BoxID> = []
            active.reserveCapacity(snapshot.users.count)
            for user in snapshot.users where user.isActive { active.insert(user.id) }
            var groupsByName: [String: [BoxGroup]] = [:]
            for group in snapshot.groups { groupsByName[group.name ?? "", default: []].append(group) }
            for name in names {
                guard let groups = groupsByName[name], !groups.isEmpty else {
                    stillUnknown.append(name)
                    continue
                }
                for group in groups {
                    for member in snapshot.members[group.id] ?? [] where active.contains(member) { resolved.insert(member) }
                }
            }
        }

        var change = ScopeChange()
        let previouslyUnknown = Set(unknownGroups.map(\.name))
        change.foundGroups = groupNamesToFetch.filter { previouslyUnknown.contains($0) && !stillUnknown.contains($0) }
        change.unknownGroups = stillUnknown
        change.unknownUsers = unknownUsers
        let nextLookup = now.addingTimeInterval(relookupInterval.scopeSeconds)
        unknownGroups = stillUnknown.map { UnknownGroup(name: $0, nextLookup: nextLookup) }
        resolvedAt = now
        refreshRequested = false
        retryAt = nil

        if resolved.count > maxDrives {
            let failure = DriveLimitExceeded(limit: maxDrives, drives: resolved.count)
            self.failure = failure
            change.failure = failure
            change.removed = monitored
            monitored = []
            return change
        }
        change.added = resolved.subtracting(monitored)
        change.removed = monitored.subtracting(resolved)
        change.drives = resolved.count
        monitored = resolved
        return change
    }
}

extension Duration {
    var scopeSeconds: TimeInterval {
        let parts = components
        return TimeInterval(parts.seconds) + TimeInterval(parts.attoseconds) / 1e18
    }
}
