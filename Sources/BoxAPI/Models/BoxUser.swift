/// A user as embedded in other objects (`User--Mini`): `created_by`, `owned_by`, memberships.
public struct BoxUserMini: Sendable, Hashable, Codable {
    public var id: BoxID
    public var type: String?
    public var name: String?
    public var login: String?

    public init(id: BoxID, type: String? = "user", name: String? = nil, login: String? = nil) {
        self.id = id
        self.type = type
        self.name = name
        self.login = login
    }
}

/// A user from `GET /users` or `GET /users/me` (`User--Full`, the fields the product uses).
public struct BoxUser: Sendable, Hashable, Codable {
    public var id: BoxID
    public var type: String?
    public var name: String?
    public var login: String?
    /// `active`, `inactive`, `cannot_delete_edit`, `cannot_delete_edit_upload`; kept as sent.
    public var status: String?
    /// `admin`, `coadmin` or `user` (full view only).
    public var role: String?
    public var enterprise: BoxEnterprise?
    public var createdAt: String?
    public var modifiedAt: String?
    public var isPlatformAccessOnly: Bool?

    enum CodingKeys: String, CodingKey {
        case id, type, name, login, status, role, enterprise
        case createdAt = "created_at"
        case modifiedAt = "modified_at"
        case isPlatformAccessOnly = "is_platform_access_only"
    }

    public init(id: BoxID, name: String? = nil, login: String? = nil, status: String? = nil, role: String? = nil) {
        self.id = id
        self.type = "user"
        self.name = name
        self.login = login
        self.status = status
        self.role = role
    }

    /// Whether Box counts the user as active; inactive users are not monitored.
    public var isActive: Bool { status != "inactive" }
}

/// The enterprise a user belongs to.
public struct BoxEnterprise: Sendable, Hashable, Codable {
    public var id: BoxID
    public var type: String?
    public var name: String?
}

/// A page of `GET /users`: offset fields or marker fields, depending on how it was asked.
public struct BoxUsersPage: Sendable, Hashable, Codable {
    public var entries: [BoxUser]
    public var totalCount: Int?
    public var limit: Int?
    public var offset: Int?
    public var nextMarker: String?

    enum CodingKeys: String, CodingKey {
        case entries, limit, offset
        case totalCount = "total_count"
        case nextMarker = "next_marker"
    }
}
