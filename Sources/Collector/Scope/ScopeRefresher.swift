public import BoxAPI
public import Foundation
public import Logging
import BoxBridgeRuntime

/// Fetches the directory a scope needs through the Box client (priority class `scope`) and feeds
/// it to a `ScopeResolver`. Thin on purpose: every decision is the resolver's.
public struct ScopeRefresher: Sendable {
    public let client: BoxClient
    public let logger: Logger
    /// Users per page (Box's maximum is 1,000).
    public var pageSize = 1_000

    public init(client: BoxClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Every managed user with status (marker paging), and the listed groups with their members.
    public func snapshot(groupNames: [String]) async throws -> DirectorySnapshot {
        let users = try await client.allUsers(
            paging: .marker, pageSize: pageSize, userType: "managed", fields: ["id", "name", "login", "status"],
            priority: .scope)
        guard !groupNames.isEmpty else { return DirectorySnapshot(users: users) }
        let wanted = Set(groupNames)
        let groups = try await client.allGroups(pageSize: pageSize, priority: .scope).filter { wanted.contains($0.name ?? "") }
        var members: [BoxID: [BoxID]] = [:]
        for group in groups {
            let memberships = try await client.allGroupMemberships(groupID: group.id, pageSize: pageSize, priority: .scope)
            members[group.id] = memberships.compactMap { $0.user?.id }
        }
        return DirectorySnapshot(users: users, groups: groups, members: members)
    }

    /// Fetches and applies a snapshot; the caller checks `resolver.nextAction(now:)` first.
    @discardableResult
    public func refresh(_ resolver: inout ScopeResolver, now: Date) async throws -> ScopeChange {
        let snapshot = try await snapshot(groupNames: resolver.groupNamesToFetch)
        let change = resolver.apply(snapshot, now: now)
        var metadata: Logger.Metadata = [
            LogKey.connection: "\(client.flow)",
            LogKey.scopeDrives: "\(change.drives)",
            LogKey.scopeAdded: "\(change.added.count)",
            LogKey.scopeRemoved: "\(change.removed.count)",
        ]
        if !change.unknownGroups.isEmpty { metadata[LogKey.scopeUnknownGroups] = "\(change.unknownGroups.joined(separator: ", "))" }
        // Counted, not listed: logins are personal data and the list may hold a thousand of them.
        if !change.unknownUsers.isEmpty { metadata[LogKey.scopeUnknownUsers] = "\(change.unknownUsers.count)" }
        if let failure = change.failure {
            logger.error("\(failure.message)", metadata: metadata)
        } else {
            logger.info("scope resolved", metadata: metadata)
        }
        return change
    }
}
