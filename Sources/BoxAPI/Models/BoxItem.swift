/// A folder as embedded in `parent` and `path_collection` (`Folder--Mini`).
public struct BoxFolderMini: Sendable, Hashable, Codable {
    public var id: BoxID
    public var type: String?
    public var name: String?
}

/// `path_collection`: the folders from the root down to the item's parent.
public struct BoxPathCollection: Sendable, Hashable, Codable {
    public var totalCount: Int?
    public var entries: [BoxFolderMini]

    enum CodingKeys: String, CodingKey {
        case entries
        case totalCount = "total_count"
    }

    /// The path as `/A/B` (the root "All Files" left out), for display and for the file event.
    public var path: String {
        let names = entries.filter { $0.id.rawValue != "0" }.map { $0.name ?? $0.id.rawValue }
        return "/" + names.joined(separator: "/")
    }
}

/// A shared link on a file or folder.
public struct BoxSharedLink: Sendable, Hashable, Codable {
    public var url: String?
    /// `open`, `company` or `collaborators`, as set.
    public var access: String?
    /// What applies after enterprise policy: the one to judge exposure by (open = external).
    public var effectiveAccess: String?
    public var effectivePermission: String?
    public var isPasswordEnabled: Bool?
    public var unsharedAt: String?

    enum CodingKeys: String, CodingKey {
        case url, access
        case effectiveAccess = "effective_access"
        case effectivePermission = "effective_permission"
        case isPasswordEnabled = "is_password_enabled"
        case unsharedAt = "unshared_at"
    }
}

/// A file's current version.
public struct BoxFileVersion: Sendable, Hashable, Codable {
    public var id: BoxID
    public var type: String?
    public var sha1: String?
}

/// A file from `GET /files/{id}` (the standard view's fields the product uses).
public struct BoxFile: Sendable, Hashable, Codable {
    public var id: BoxID
    public var type: String?
    public var name: String?
    public var size: BoxInt64?
    public var sha1: String?
    public var etag: String?
    public var parent: BoxFolderMini?
    public var pathCollection: BoxPathCollection?
    public var ownedBy: BoxUserMini?
    public var sharedLink: BoxSharedLink?
    /// `active`, `trashed` or `deleted`.
    public var itemStatus: String?
    public var modifiedAt: String?
    public var fileVersion: BoxFileVersion?

    enum CodingKeys: String, CodingKey {
        case id, type, name, size, sha1, etag, parent
        case pathCollection = "path_collection"
        case ownedBy = "owned_by"
        case sharedLink = "shared_link"
        case itemStatus = "item_status"
        case modifiedAt = "modified_at"
        case fileVersion = "file_version"
    }
}

/// A folder from `GET /folders/{id}`.
public struct BoxFolder: Sendable, Hashable, Codable {
    public var id: BoxID
    public var type: String?
    public var name: String?
    public var size: BoxInt64?
    public var etag: String?
    public var parent: BoxFolderMini?
    public var pathCollection: BoxPathCollection?
    public var ownedBy: BoxUserMini?
    public var sharedLink: BoxSharedLink?
    public var itemStatus: String?
    public var modifiedAt: String?

    enum CodingKeys: String, CodingKey {
        case id, type, name, size, etag, parent
        case pathCollection = "path_collection"
        case ownedBy = "owned_by"
        case sharedLink = "shared_link"
        case itemStatus = "item_status"
        case modifiedAt = "modified_at"
    }
}

/// Who a collaboration grants access to: a user or a group (`type` tells which).
public struct BoxCollaborator: Sendable, Hashable, Codable {
    public var id: BoxID?
    public var type: String?
    public var name: String?
    public var login: String?
    public var isActive: Bool?

    enum CodingKeys: String, CodingKey {
        case id, type, name, login
        case isActive = "is_active"
    }
}

/// The item a collaboration is on.
public struct BoxItemMini: Sendable, Hashable, Codable {
    public var id: BoxID
    public var type: String?
    public var name: String?
}

/// A collaboration from `GET /{files|folders}/{id}/collaborations`.
public struct BoxCollaboration: Sendable, Hashable, Codable {
    public var id: BoxID
    public var type: String?
    public var item: BoxItemMini?
    /// Null for a pending invitation to an address without a Box account, hence optional.
    public var accessibleBy: BoxCollaborator?
    public var inviteEmail: String?
    /// `editor`, `viewer`, `previewer`, `uploader`, `previewer uploader`, `viewer uploader`, `co-owner`, `owner`.
    public var role: String?
    /// `accepted`, `pending` or `rejected`.
    public var status: String?
    public var createdBy: BoxUserMini?
    public var expiresAt: String?
    public var isAccessOnly: Bool?

    enum CodingKeys: String, CodingKey {
        case id, type, item, role, status
        case accessibleBy = "accessible_by"
        case inviteEmail = "invite_email"
        case createdBy = "created_by"
        case expiresAt = "expires_at"
        case isAccessOnly = "is_access_only"
    }
}

/// A page of collaborations (marker paging).
public struct BoxCollaborationsPage: Sendable, Hashable, Codable {
    public var entries: [BoxCollaboration]
    public var limit: Int?
    public var nextMarker: String?
    public var totalCount: Int?

    enum CodingKeys: String, CodingKey {
        case entries, limit
        case nextMarker = "next_marker"
        case totalCount = "total_count"
    }
}
