import BoxBridgeProtocol

/// What the source and details of one event say about its file and sharing.
struct SourceFacts {
    var file: Boxbridge_V1_FileRef?
    var invitee: Boxbridge_V1_User?
    var inviteeGroup: Boxbridge_V1_Group?
    var role = ""
    var inviteEmail = ""
    var collaborationID = ""
    var performedByAdmin = false
    var linkAccess: Boxbridge_V1_LinkAccess = .unspecified

    var hasShareFacts: Bool {
        invitee != nil || inviteeGroup != nil || !collaborationID.isEmpty || linkAccess != .unspecified
    }
}

extension Normalizer {
    /// Reads `source` in each of Box's shapes (API-NOTES §3 "Shape of source per family").
    func readSource(_ view: JSONView, _ source: JSONView.Ref, into facts: inout SourceFacts) throws(JSONView.FieldError) {
        if view.hasKey(source, "item_id") || view.hasKey(source, "item_type") {
            // 1. Enterprise item events: EventSource.
            var file = Boxbridge_V1_FileRef()
            // An item event that names no item cannot be scoped, deduplicated by file or searched.
            guard let id = try view.id(source, "item_id", path: "source.item_id"), !id.isEmpty else {
                throw JSONView.FieldError(path: "source.item_id", problem: "is missing or empty in an item source")
            }
            file.id = id
            file.name = try view.string(source, "item_name", path: "source.item_name") ?? ""
            file.itemType = try view.string(source, "item_type", path: "source.item_type") ?? ""
            try readParentOwnerClassification(view, source, into: &file)
            facts.file = file
        } else if view.hasKey(source, "file_id") || view.hasKey(source, "folder_id") {
            // 2. Collaboration events: flat keys, file or folder level, user or group invitee.
            var file = Boxbridge_V1_FileRef()
            if let id = try view.id(source, "file_id", path: "source.file_id") {
                file.id = id
                file.name = try view.string(source, "file_name", path: "source.file_name") ?? ""
                file.itemType = "file"
            } else {
                guard let id = try view.id(source, "folder_id", path: "source.folder_id"), !id.isEmpty else {
                    throw JSONView.FieldError(path: "source.folder_id", problem: "is missing or empty in a collaboration source")
                }
                file.id = id
                file.name = try view.string(source, "folder_name", path: "source.folder_name") ?? ""
                file.itemType = "folder"
            }
            try readParentOwnerClassification(view, source, into: &file)
            facts.file = file
            try readFlatInvitee(view, source, path: "source", into: &facts)
        } else if let typeRef = view.member(source, "type"), view.kind(typeRef) == .string {
            if view.stringEquals(typeRef, "file") || view.stringEquals(typeRef, "folder") || view.stringEquals(typeRef, "web_link") {
                // User-stream events carry the full File/Folder object.
                facts.file = try fullItem(view, source, path: "source")
                if let link = try view.object(source, "shared_link", path: "source.shared_link") {
                    facts.linkAccess = try linkAccess(view, link, path: "source.shared_link")
                }
            } else if view.stringEquals(typeRef, "collaboration") {
                // User-stream collaboration events carry the Collaboration object.
                facts.collaborationID = try view.id(source, "id", path: "source.id") ?? ""
                if let item = try view.object(source, "item", path: "source.item") {
                    facts.file = try fullItem(view, item, path: "source.item")
                }
                if let accessible = try view.object(source, "accessible_by", path: "source.accessible_by") {
                    try readAccessibleBy(view, accessible, path: "source.accessible_by", into: &facts)
                }
                facts.role = try view.string(source, "role", path: "source.role") ?? ""
                facts.inviteEmail = try view.string(source, "invite_email", path: "source.invite_email") ?? ""
            }
            // Users, applications, app items and groups are not about a file: the event is `other`.
        }
    }

    /// A full File/Folder object (user streams, collaboration items).
    func fullItem(_ view: JSONView, _ ref: JSONView.Ref, path: String) throws(JSONView.FieldError) -> Boxbridge_V1_FileRef {
        var file = Boxbridge_V1_FileRef()
        file.id = try view.id(ref, "id", path: path + ".id") ?? ""
        file.name = try view.string(ref, "name", path: path + ".name") ?? ""
        file.itemType = try view.string(ref, "type", path: path + ".type") ?? ""
        if let size = try view.int64(ref, "size", path: path + ".size") { file.size = size }
        file.sha1 = try view.string(ref, "sha1", path: path + ".sha1") ?? ""
        if let version = try view.object(ref, "file_version", path: path + ".file_version") {
            file.versionID = try view.id(version, "id", path: path + ".file_version.id") ?? ""
            if file.sha1.isEmpty { file.sha1 = try view.string(version, "sha1", path: path + ".file_version.sha1") ?? "" }
        }
        try readParentOwnerClassification(view, ref, into: &file)
        if let paths = try view.object(ref, "path_collection", path: path + ".path_collection"),
           let entries = view.member(paths, "entries"), view.kind(entries) == .array
        {
            var text = ""
            for entry in view.elements(entries) {
                text += "/"
                text += try view.string(entry, "name", path: path + ".path_collection.entries[].name") ?? ""
            }
            file.path = text + "/" + file.name
        }
        return file
    }

    func readParentOwnerClassification(_ view: JSONView, _ ref: JSONView.Ref, into file: inout Boxbridge_V1_FileRef) throws(JSONView.FieldError) {
        if let parent = try view.object(ref, "parent", path: "source.parent") {
            file.parentID = try view.id(parent, "id", path: "source.parent.id") ?? ""
            file.parentName = try view.string(parent, "name", path: "source.parent.name") ?? ""
        }
        if let owner = try user(view, view.member(ref, "owned_by"), path: "source.owned_by") {
            file.owner = owner
        }
        if let classification = try classification(view, ref, path: "source.classification") {
            file.classification = classification
        }
    }

    /// `classification` as `{name}` (item sources) or a plain string (Shield payloads).
    func classification(_ view: JSONView, _ parent: JSONView.Ref, path: @autoclosure () -> String) throws(JSONView.FieldError) -> String? {
        guard let ref = view.member(parent, "classification") else { return nil }
        switch view.kind(ref) {
        case .string: return view.text(ref)
        case .object: return try view.string(ref, "name", path: path() + ".name")
        default: throw JSONView.FieldError(path: path(), problem: "is \(view.kindName(ref)), expected a string or an object")
        }
    }

    /// Collaboration invitees from flat keys: `user_id`/`user_name` or `group_id`/`group_name`.
    func readFlatInvitee(_ view: JSONView, _ ref: JSONView.Ref, path: String, into facts: inout SourceFacts) throws(JSONView.FieldError) {
        if let userID = try view.id(ref, "user_id", path: path + ".user_id") {
            let name = try view.string(ref, "user_name", path: path + ".user_name") ?? ""
            let login = try view.string(ref, "user_login", or: "user_email", in: path)
            facts.invitee = flatUser(id: userID, name: name, login: login)
        } else if let groupID = try view.id(ref, "group_id", path: path + ".group_id") {
            var group = Boxbridge_V1_Group()
            group.id = groupID
            group.name = try view.string(ref, "group_name", path: path + ".group_name") ?? ""
            facts.inviteeGroup = group
        }
    }

    /// `accessible_by`: a user or a group.
    func readAccessibleBy(_ view: JSONView, _ ref: JSONView.Ref, path: String, into facts: inout SourceFacts) throws(JSONView.FieldError) {
        if let type = view.member(ref, "type"), view.stringEquals(type, "group") {
            var group = Boxbridge_V1_Group()
            group.id = try view.id(ref, "id", path: path + ".id") ?? ""
            group.name = try view.string(ref, "name", path: path + ".name") ?? ""
            facts.inviteeGroup = group
        } else if let invitee = try user(view, ref, path: path) {
            facts.invitee = invitee
        }
    }

    /// Item facts Box puts in additional_details of item events (size, version, shared link).
    func readItemDetails(_ view: JSONView, _ details: JSONView.Ref, into facts: inout SourceFacts) throws(JSONView.FieldError) {
        if facts.file != nil {
            if let size = try view.int64(details, "size", path: "additional_details.size") { facts.file!.size = size }
            if let version = try view.id(details, "version_id", path: "additional_details.version_id") { facts.file!.versionID = version }
            if let sha1 = try view.string(details, "sha1", path: "additional_details.sha1"), facts.file!.sha1.isEmpty { facts.file!.sha1 = sha1 }
        }
        if let link = try view.object(details, "shared_link", path: "additional_details.shared_link") {
            let access = try linkAccess(view, link, path: "additional_details.shared_link")
            if access != .unspecified { facts.linkAccess = access }
        } else if let access = try view.string(details, "shared_link_access", path: "additional_details.shared_link_access") {
            let value = Self.linkAccess(access)
            if value != .unspecified { facts.linkAccess = value }
        }
    }

    /// additional_details of collaboration events: `collab_id`, `is_performed_by_admin`, `role`.
    func readCollaborationDetails(_ view: JSONView, _ details: JSONView.Ref, into facts: inout SourceFacts) throws(JSONView.FieldError) {
        if let collab = try view.id(details, "collab_id", path: "additional_details.collab_id") { facts.collaborationID = collab }
        if let admin = try view.bool(details, "is_performed_by_admin", path: "additional_details.is_performed_by_admin") {
            facts.performedByAdmin = admin
        }
        if let role = try view.string(details, "role", path: "additional_details.role"), !role.isEmpty { facts.role = role }
        if let email = try view.string(details, "invite_email", path: "additional_details.invite_email"), !email.isEmpty {
            facts.inviteEmail = email
        }
    }

    /// A shared link's effective access (its `access` when the effective one is not given).
    func linkAccess(_ view: JSONView, _ link: JSONView.Ref, path: String) throws(JSONView.FieldError) -> Boxbridge_V1_LinkAccess {
        let effective = try view.string(link, "effective_access", path: path + ".effective_access")
        let access = try view.string(link, "access", path: path + ".access")
        let value = Self.linkAccess(effective ?? "")
        return value != .unspecified ? value : Self.linkAccess(access ?? "")
    }

    static func linkAccess(_ text: String) -> Boxbridge_V1_LinkAccess {
        switch text.asciiLowercased() {
        case "open": .open
        case "company": .company
        case "collaborators": .collaborators
        default: .unspecified
        }
    }
}
