/// A group as embedded in memberships and collaborations (`Group--Mini`).
public struct BoxGroupMini: Sendable, Hashable, Codable {
    public var id: BoxID
    public var type: String?
    public var name: String?
    public var groupType: String?

    enum CodingKeys: String, CodingKey {
        case id, type, name
        case groupType = "group_type"
    }
}

/// A group from `GET /groups` (`Group--Full`, the fields the product uses).
public struct BoxGroup: Sendable, Hashable, Codable {
    public var id: BoxID
    public var type: String?
    public var name: String?
    /// `managed_group` or `all_users_group`.
    public var groupType: String?
    public var description: String?
    public var provenance: String?
    public var externalSyncIdentifier: String?

    enum CodingKeys: String, CodingKey {
        case id, type, name, description, provenance
        case groupType = "group_type"
        case externalSyncIdentifier = "external_sync_identifier"
    }
}

/// A page of `GET /groups` (offset paging).
public struct BoxGroupsPage: Sendable, Hashable, Codable {
    public var entries: [BoxGroup]
    public var totalCount: Int?
    public var limit: Int?
    public var offset: Int?

    enum CodingKeys: String, CodingKey {
        case entries, limit, offset
        case totalCount = "total_count"
    }
}

/// A user's membership of a group.
public struct BoxGroupMembership: Sendable, Hashable, Codable {
    public var id: BoxID
    public var type: String?
    public var user: BoxUserMini?
    public var group: BoxGroupMini?
    /// `member` or `admin`.
    public var role: String?
}

/// A page of `GET /groups/{id}/memberships` or `GET /users/{id}/memberships` (offset paging).
public struct BoxGroupMembershipsPage: Sendable, Hashable, Codable {
    public var entries: [BoxGroupMembership]
    public var totalCount: Int?
    public var limit: Int?
    public var offset: Int?

    enum CodingKeys: String, CodingKey {
        case entries, limit, offset
        case totalCount = "total_count"
    }
}
