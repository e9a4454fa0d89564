public import BoxBridgeProtocol

/// Which product category each Box event type belongs to (enterprise and user-stream names).
///
/// Sources: API-NOTES §3 and the comments of protocol/events.proto. Every type not listed is
/// `other`, with the raw event kept, so a type Box adds tomorrow is never lost.
public enum BoxEventTypes {
    /// The category of a Box `event_type`; `.other` for every type not known here.
    public static func category(of eventType: String) -> Boxbridge_V1_Category {
        table[eventType] ?? .other
    }

    /// Every type with a category other than `other`, for tests and documentation.
    public static var known: [String: Boxbridge_V1_Category] { table }

    private static let table: [String: Boxbridge_V1_Category] = {
        var table: [String: Boxbridge_V1_Category] = [:]
        func add(_ category: Boxbridge_V1_Category, _ types: [String]) {
            for type in types { table[type] = category }
        }
        add(.created, ["UPLOAD", "COPY", "ITEM_CREATE", "ITEM_UPLOAD", "ITEM_COPY"])
        add(.modified, ["EDIT", "ITEM_MODIFY", "FILE_VERSION_RESTORE", "ITEM_MAKE_CURRENT_VERSION"])
        add(.renamed, ["RENAME", "ITEM_RENAME"])
        add(.moved, ["MOVE", "ITEM_MOVE"])
        add(.deleted, ["DELETE", "ITEM_TRASH", "STORAGE_EXPIRATION"])
        add(.restored, ["UNDELETE", "ITEM_UNDELETE_VIA_TRASH"])
        add(.sharedLink, [
            "SHARE", "ITEM_SHARED_UPDATE", "ITEM_SHARED_CREATE", "ITEM_SHARED", "SHARED_LINK_SEND",
            "UPDATE_SHARE_EXPIRATION",
        ])
        add(.sharedDirect, [
            "COLLABORATION_INVITE", "COLLABORATION_ACCEPT", "COLLABORATION_ROLE_CHANGE",
            "UPDATE_COLLABORATION_EXPIRATION", "COLLAB_ADD_COLLABORATOR", "COLLAB_INVITE_COLLABORATOR",
            "COLLAB_ROLE_CHANGE", "GROUP_ADD_ITEM",
        ])
        add(.unshared, [
            "UNSHARE", "ITEM_SHARED_UNSHARE", "SHARE_EXPIRATION", "COLLABORATION_REMOVE",
            "COLLABORATION_EXPIRATION", "COLLAB_REMOVE_COLLABORATOR", "GROUP_REMOVE_ITEM",
        ])
        add(.downloaded, ["DOWNLOAD", "ITEM_DOWNLOAD", "FILE_WATERMARKED_DOWNLOAD"])
        add(.previewed, ["PREVIEW", "ITEM_PREVIEW", "ITEM_OPEN", "CONTENT_ACCESS"])
        add(.shieldBlocked, [
            "SHIELD_DOWNLOAD_BLOCKED",
            "SHIELD_EXTERNAL_COLLAB_ACCESS_BLOCKED", "SHIELD_EXTERNAL_COLLAB_ACCESS_BLOCKED_MISSING_JUSTIFICATION",
            "SHIELD_EXTERNAL_COLLAB_INVITE_BLOCKED", "SHIELD_EXTERNAL_COLLAB_INVITE_BLOCKED_MISSING_JUSTIFICATION",
            "SHIELD_SHARED_LINK_ACCESS_BLOCKED",
            "SHIELD_SHARED_LINK_STATUS_RESTRICTED_ON_CREATE", "SHIELD_SHARED_LINK_STATUS_RESTRICTED_ON_UPDATE",
            "SHIELD_INFORMATION_BARRIER_ITEM_MOVE_BLOCKED", "SHIELD_INFORMATION_BARRIER_ITEM_COPY_BLOCKED",
            "SHIELD_INFORMATION_BARRIER_ITEM_OWNER_TRANSFER_BLOCKED", "SHIELD_INFORMATION_BARRIER_COLLAB_BLOCKED",
            "SHIELD_INFORMATION_BARRIER_SHARED_ITEM_ACCESS_BLOCKED",
            "SHIELD_INFORMATION_BARRIER_GROUP_ADD_USER_BLOCKED",
        ])
        add(.shieldJustified, ["SHIELD_EXTERNAL_COLLAB_INVITE_JUSTIFIED", "SHIELD_JUSTIFICATION_APPROVAL"])
        add(.shieldAlert, ["SHIELD_ALERT"])
        return table
    }()
}
