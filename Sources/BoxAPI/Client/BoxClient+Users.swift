/// How to page through a list: by offset (Box caps it at 10,000) or by marker.
public enum BoxPaging: Sendable, Hashable {
    case offset
    case marker
}

extension BoxClient {
    /// One page of `GET /users` by offset.
    public func users(
        offset: Int = 0, limit: Int = 1_000, filterTerm: String? = nil, userType: String? = nil, fields: [String] = [],
        priority: PriorityClass = .scope
    ) async throws -> BoxUsersPage {
        var query: [(String, String)] = [("offset", String(offset)), ("limit", String(limit))]
        Self.addUserFilters(&query, filterTerm: filterTerm, userType: userType, fields: fields)
        return try await getJSON(BoxUsersPage.self, "/users", query: query, priority: priority, endpointName: "GET /2.0/users")
    }

    /// One page of `GET /users` by marker (`usemarker=true`); nil marker for the first page.
    public func users(
        marker: String?, limit: Int = 1_000, filterTerm: String? = nil, userType: String? = nil, fields: [String] = [],
        priority: PriorityClass = .scope
    ) async throws -> BoxUsersPage {
        var query: [(String, String)] = [("usemarker", "true"), ("limit", String(limit))]
        if let marker, !marker.isEmpty { query.append(("marker", marker)) }
        Self.addUserFilters(&query, filterTerm: filterTerm, userType: userType, fields: fields)
        return try await getJSON(BoxUsersPage.self, "/users", query: query, priority: priority, endpointName: "GET /2.0/users")
    }

    /// Every user, page by page (marker paging by default: offset stops at 10,000).
    public func allUsers(
        paging: BoxPaging = .marker, pageSize: Int = 1_000, userType: String? = nil, fields: [String] = [],
        priority: PriorityClass = .scope
    ) async throws -> [BoxUser] {
        var all: [BoxUser] = []
        switch paging {
        case .marker:
            var marker: String?
            repeat {
                let page = try await users(marker: marker, limit: pageSize, userType: userType, fields: fields, priority: priority)
                all += page.entries
                marker = page.nextMarker
            } while !(marker ?? "").isEmpty
        case .offset:
            var offset = 0
            while true {
                let page = try await users(offset: offset, limit: pageSize, userType: userType, fields: fields, priority: priority)
                all += page.entries
                offset += page.entries.count
                if page.entries.isEmpty || offset >= (page.totalCount ?? 0) { break }
            }
        }
        return all
    }

    /// The user the token acts as (`GET /users/me`).
    public func me(fields: [String] = [], priority: PriorityClass = .scope) async throws -> BoxUser {
        let query: [(String, String)] = fields.isEmpty ? [] : [("fields", fields.joined(separator: ","))]
        return try await getJSON(BoxUser.self, "/users/me", query: query, priority: priority, endpointName: "GET /2.0/users/me")
    }

    /// One page of `GET /groups`.
    public func groups(
        offset: Int = 0, limit: Int = 1_000, filterTerm: String? = nil, priority: PriorityClass = .scope
    ) async throws -> BoxGroupsPage {
        var query: [(String, String)] = [("offset", String(offset)), ("limit", String(limit))]
        if let filterTerm { query.append(("filter_term", filterTerm)) }
        return try await getJSON(BoxGroupsPage.self, "/groups", query: query, priority: priority, endpointName: "GET /2.0/groups")
    }

    /// Every group.
    public func allGroups(pageSize: Int = 1_000, priority: PriorityClass = .scope) async throws -> [BoxGroup] {
        try await collectOffsetPages { offset in
            let page = try await groups(offset: offset, limit: pageSize, priority: priority)
            return (page.entries, page.totalCount)
        }
    }

    /// One page of `GET /groups/{id}/memberships`.
    public func groupMemberships(
        groupID: BoxID, offset: Int = 0, limit: Int = 1_000, priority: PriorityClass = .scope
    ) async throws -> BoxGroupMembershipsPage {
        try await getJSON(
            BoxGroupMembershipsPage.self, "/groups/\(Self.segment(groupID))/memberships",
            query: [("offset", String(offset)), ("limit", String(limit))], priority: priority,
            endpointName: "GET /2.0/groups/{id}/memberships")
    }

    /// Every membership of a group.
    public func allGroupMemberships(groupID: BoxID, pageSize: Int = 1_000, priority: PriorityClass = .scope) async throws
        -> [BoxGroupMembership]
    {
        try await collectOffsetPages { offset in
            let page = try await groupMemberships(groupID: groupID, offset: offset, limit: pageSize, priority: priority)
            return (page.entries, page.totalCount)
        }
    }

    /// One page of `GET /users/{id}/memberships`.
    public func userMemberships(
        userID: BoxID, offset: Int = 0, limit: Int = 1_000, priority: PriorityClass = .scope
    ) async throws -> BoxGroupMembershipsPage {
        try await getJSON(
            BoxGroupMembershipsPage.self, "/users/\(Self.segment(userID))/memberships",
            query: [("offset", String(offset)), ("limit", String(limit))], priority: priority,
            endpointName: "GET /2.0/users/{id}/memberships")
    }

    /// Every group a user belongs to.
    public func allUserMemberships(userID: BoxID, pageSize: Int = 1_000, priority: PriorityClass = .scope) async throws
        -> [BoxGroupMembership]
    {
        try await collectOffsetPages { offset in
            let page = try await userMemberships(userID: userID, offset: offset, limit: pageSize, priority: priority)
            return (page.entries, page.totalCount)
        }
    }

    private static func addUserFilters(_ query: inout [(String, String)], filterTerm: String?, userType: String?, fields: [String]) {
        if let filterTerm { query.append(("filter_term", filterTerm)) }
        if let userType { query.append(("user_type", userType)) }
        if !fields.isEmpty { query.append(("fields", fields.joined(separator: ","))) }
    }

    /// Offset paging: advance by what came back until `total_count` (or an empty page).
    func collectOffsetPages<T>(_ fetch: (Int) async throws -> ([T], Int?)) async throws -> [T] {
        var all: [T] = []
        var offset = 0
        while true {
            let (entries, total) = try await fetch(offset)
            all += entries
            offset += entries.count
            if entries.isEmpty || offset >= (total ?? 0) { return all }
        }
    }
}
