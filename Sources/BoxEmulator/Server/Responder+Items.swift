import Hummingbird

extension EmulatorResponder {
    func sharedLinkJSON(_ link: Enterprise.SharedLink?, downloadable: Bool) -> JSONValue {
        guard let link else { return .null }
        return .object([
            ("url", .string("https://app.box.com/s/\(link.token)")),
            ("download_url", downloadable ? .string("https://app.box.com/shared/static/\(link.token)") : .null),
            ("vanity_url", .null), ("vanity_name", .null), ("access", .string(link.access)),
            ("effective_access", .string(link.effectiveAccess)), ("effective_permission", "can_download"),
            ("unshared_at", .null), ("is_password_enabled", false),
            ("permissions", .object([("can_download", true), ("can_preview", true), ("can_edit", false)])),
            ("download_count", .int(3)), ("preview_count", .int(11)),
        ])
    }

    func pathCollection(_ chain: [Int]) -> JSONValue {
        let e = core.enterprise
        var entries: [JSONValue] = [.object([("type", "folder"), ("id", "0"), ("sequence_id", .null), ("etag", .null), ("name", "All Files")])]
        for c in chain {
            entries.append(.object([("type", "folder"), ("id", .string(e.folders[c].id)), ("sequence_id", "1"), ("etag", "1"),
                                    ("name", .string(e.folders[c].name))]))
        }
        return .object([("total_count", .int(entries.count)), ("entries", .array(entries))])
    }

    func folderMini(_ index: Int?) -> JSONValue {
        guard let index else { return .object([("type", "folder"), ("id", "0"), ("sequence_id", .null), ("etag", .null), ("name", "All Files")]) }
        let f = core.enterprise.folders[index]
        return .object([("type", "folder"), ("id", .string(f.id)), ("sequence_id", "1"), ("etag", "1"), ("name", .string(f.name))])
    }

    /// `GET /2.0/files/{id}` (`File--Full`; `fields=` trims it).
    func file(id: String, query: QueryItems, requestID: String) -> Response {
        let e = core.enterprise
        guard let i = e.filesByID[id] else { return BoxResponses.notFound(requestID: requestID) }
        let f = e.files[i]
        let owner = e.users[f.owner]
        let ext = f.name.split(separator: ".").last.map(String.init) ?? ""
        let created = Timestamp.format(unixSeconds: f.createdAt, offsetMinutes: -480)
        let value: JSONValue = .object([
            ("type", "file"), ("id", .string(f.id)), ("etag", "1"), ("sequence_id", "1"), ("name", .string(f.name)),
            ("sha1", .string(f.sha1)),
            ("file_version", .object([("type", "file_version"), ("id", .string(f.versionID)), ("sha1", .string(f.sha1))])),
            ("description", ""), ("size", .int(f.size)), ("path_collection", pathCollection(e.folderChain(f.parent))),
            ("created_at", .string(created)), ("modified_at", .string(created)), ("trashed_at", .null), ("purged_at", .null),
            ("content_created_at", .string(created)), ("content_modified_at", .string(created)),
            ("created_by", userMini(owner)), ("modified_by", userMini(owner)), ("owned_by", userMini(owner)),
            ("shared_link", sharedLinkJSON(f.sharedLink, downloadable: true)), ("parent", folderMini(f.parent)),
            ("item_status", "active"), ("version_number", "1"), ("comment_count", .int(0)), ("extension", .string(ext)),
            ("is_package", false), ("has_collaborations", .bool(e.collaborationsByFile[i] != nil)), ("is_externally_owned", false),
            ("classification", f.classification.map { .object([("name", .string($0)), ("definition", .string("\($0) content")), ("color", "#FF0000")]) } ?? .null),
        ])
        return BoxResponses.json(trim(value, query), requestID: requestID)
    }

    /// `GET /2.0/folders/{id}` (`Folder--Full`; id `0` is the acting user's root, "All Files").
    func folder(id: String, query: QueryItems, requestID: String) -> Response {
        let e = core.enterprise
        let value: JSONValue
        if id == "0" {
            value = .object([
                ("type", "folder"), ("id", "0"), ("etag", .null), ("sequence_id", .null), ("name", "All Files"),
                ("created_at", .null), ("modified_at", .null), ("description", ""), ("size", .int(0)),
                ("path_collection", .object([("total_count", .int(0)), ("entries", .array([]))])),
                ("trashed_at", .null), ("purged_at", .null), ("shared_link", .null), ("parent", .null), ("item_status", "active"),
            ])
        } else {
            guard let i = e.foldersByID[id] else { return BoxResponses.notFound(requestID: requestID) }
            let f = e.folders[i]
            let owner = e.users[f.owner]
            let created = Timestamp.format(unixSeconds: f.createdAt, offsetMinutes: -480)
            let size = e.files.lazy.filter { $0.parent == i }.reduce(Int64(0)) { $0 + $1.size }
            value = .object([
                ("type", "folder"), ("id", .string(f.id)), ("etag", "1"), ("sequence_id", "1"), ("name", .string(f.name)),
                ("created_at", .string(created)), ("modified_at", .string(created)), ("description", ""), ("size", .int(size)),
                ("path_collection", pathCollection(e.folderChain(f.parent))), ("created_by", userMini(owner)),
                ("modified_by", userMini(owner)), ("trashed_at", .null), ("purged_at", .null),
                ("content_created_at", .string(created)), ("content_modified_at", .string(created)), ("owned_by", userMini(owner)),
                ("shared_link", sharedLinkJSON(f.sharedLink, downloadable: false)), ("folder_upload_email", .null),
                ("parent", folderMini(f.parent)), ("item_status", "active"),
                ("has_collaborations", .bool(e.collaborationsByFolder[i] != nil)), ("is_externally_owned", false),
            ])
        }
        return BoxResponses.json(trim(value, query), requestID: requestID)
    }

    /// `GET /2.0/{files|folders}/{id}/collaborations` (marker paging; pending ones included).
    func collaborations(isFolder: Bool, id: String, query: QueryItems, requestID: String) -> Response {
        let e = core.enterprise
        let list: [Int]
        let itemJSON: JSONValue
        if isFolder {
            guard let i = e.foldersByID[id] else { return BoxResponses.notFound(requestID: requestID) }
            list = e.collaborationsByFolder[i] ?? []
            itemJSON = .object([("type", "folder"), ("id", .string(e.folders[i].id)), ("etag", "1"), ("sequence_id", "1"),
                                ("name", .string(e.folders[i].name))])
        } else {
            guard let i = e.filesByID[id] else { return BoxResponses.notFound(requestID: requestID) }
            list = e.collaborationsByFile[i] ?? []
            itemJSON = .object([("type", "file"), ("id", .string(e.files[i].id)), ("etag", "1"), ("sequence_id", "1"),
                                ("name", .string(e.files[i].name)), ("sha1", .string(e.files[i].sha1))])
        }
        var limit = 100
        if let t = query["limit"] {
            guard let l = Int(t), l >= 1 else { return BoxResponses.badParameter("limit", "Invalid value '\(t)'.", requestID: requestID) }
            limit = min(l, 1_000)
        }
        var start = 0
        if let m = query["marker"], !m.isEmpty {
            guard m.hasPrefix("c"), let s = Int(m.dropFirst(), radix: 16) else {
                return BoxResponses.badParameter("marker", "Invalid value '\(m)'.", requestID: requestID)
            }
            start = s
        }
        let end = min(list.count, start + limit)
        let slice = start < end ? Array(list[start..<end]) : []
        let entries: [JSONValue] = slice.map { c in
            let collab = e.collaborations[c]
            let accessible: JSONValue
            var inviteEmail: JSONValue = .null
            switch collab.grantee {
            case .user(let u):
                let user = e.users[u]
                accessible = .object([("type", "user"), ("id", .string(user.id)), ("name", .string(user.name)),
                                      ("login", .string(user.login)), ("is_active", .bool(user.isActive))])
                if collab.status == "pending" { inviteEmail = .string(user.login) }
            case .group(let g):
                accessible = .object([("type", "group"), ("id", .string(e.groups[g].id)), ("name", .string(e.groups[g].name)),
                                      ("group_type", "managed_group")])
            }
            let creator = e.users[collab.createdBy]
            let at = Timestamp.format(unixSeconds: collab.createdAt, offsetMinutes: -480)
            return trim(.object([
                ("type", "collaboration"), ("id", .string(collab.id)), ("item", itemJSON), ("accessible_by", accessible),
                ("invite_email", inviteEmail), ("role", .string(collab.role)), ("expires_at", .null), ("is_access_only", false),
                ("status", .string(collab.status)), ("acknowledged_at", .string(at)),
                ("created_by", .object([("type", "user"), ("id", .string(creator.id)), ("name", .string(creator.name)),
                                        ("login", .string(creator.login))])),
                ("created_at", .string(at)), ("modified_at", .string(at)),
            ]), query)
        }
        let next: JSONValue = end < list.count ? .string("c" + String(end, radix: 16)) : .null
        return BoxResponses.json(JSONValue.object([("limit", .int(limit)), ("next_marker", next), ("prev_marker", .null),
                                                   ("entries", .array(entries))]), requestID: requestID)
    }
}
