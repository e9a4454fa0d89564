import Hummingbird

extension EmulatorResponder {
    func userFull(_ u: Enterprise.User) -> JSONValue {
        let e = core.enterprise
        var pairs: [(String, JSONValue)] = [
            ("type", "user"), ("id", .string(u.id)), ("name", .string(u.name)), ("login", .string(u.login)),
            ("created_at", .string(Timestamp.format(unixSeconds: u.createdAt, offsetMinutes: -480))),
            ("modified_at", .string(Timestamp.format(unixSeconds: u.createdAt + 86_400, offsetMinutes: -480))),
            ("language", "en"), ("timezone", "America/Los_Angeles"), ("space_amount", .int(Int64(999_999_999_999_999))),
            ("space_used", .int(u.spaceUsed)), ("max_upload_size", .int(Int64(53_687_091_200))), ("status", .string(u.status)),
            ("job_title", ""), ("phone", ""), ("address", ""),
            ("avatar_url", .string("https://app.box.com/api/avatar/large/\(u.id)")),
            ("notification_email", .null), ("role", .string(u.role)),
            ("is_platform_access_only", .bool(u.id == e.serviceAccount.id)),
        ]
        if u.isExternal {
            pairs.append(("enterprise", .null))
        } else {
            pairs.append(("enterprise", .object([("id", .string(e.enterpriseID)), ("type", "enterprise"), ("name", .string(e.enterpriseName))])))
        }
        return .object(pairs)
    }

    func trim(_ v: JSONValue, _ query: QueryItems) -> JSONValue {
        guard let fields = query.fields else { return v }
        return v.keeping(fields: fields)
    }

    /// Reads `limit` (1...max, default `fallback`) and `offset` (0...10000).
    func paging(_ query: QueryItems, max: Int, fallback: Int, requestID: String) -> Result<(limit: Int, offset: Int), BoxAnswer> {
        var limit = fallback
        if let t = query["limit"] {
            guard let l = Int(t), l >= 1 else {
                return .failure(BoxAnswer(BoxResponses.badParameter("limit", "Invalid value '\(t)'.", requestID: requestID)))
            }
            limit = min(l, max)
        }
        var offset = 0
        if let t = query["offset"] {
            guard let o = Int(t), o >= 0, o <= 10_000 else {
                return .failure(BoxAnswer(BoxResponses.badParameter(
                    "offset", "Invalid value '\(t)'. Offset must be between 0 and 10000", requestID: requestID)))
            }
            offset = o
        }
        return .success((limit, offset))
    }

    func offsetPage(_ entries: [JSONValue], limit: Int, offset: Int, total: Int, by: String = "id") -> JSONValue {
        .object([("total_count", .int(total)), ("limit", .int(limit)), ("offset", .int(offset)),
                 ("order", .array([.object([("by", .string(by)), ("direction", "ASC")])])), ("entries", .array(entries))])
    }

    /// `GET /2.0/users`: managed users with offset or marker paging; external users only by exact login.
    func users(query: QueryItems, requestID: String) -> Response {
        let e = core.enterprise
        let paging: (limit: Int, offset: Int)
        switch self.paging(query, max: 1_000, fallback: 100, requestID: requestID) {
        case .failure(let a): return a.response
        case .success(let p): paging = p
        }
        var candidates: [Int] = []
        let term = query["filter_term"]?.lowercased()
        let userType = query["user_type"] ?? "all"
        if userType != "external" {
            for i in 0..<e.managedCount {
                let u = e.users[i]
                if let term, !(u.name.lowercased().hasPrefix(term) || u.login.lowercased().hasPrefix(term)) { continue }
                candidates.append(i)
            }
        }
        if userType != "managed", let term {
            for i in e.externalIndices where e.users[i].login.lowercased() == term { candidates.append(i) }
        }
        if query["usemarker"] == "true" {
            var start = 0
            if let m = query["marker"], !m.isEmpty {
                guard m.hasPrefix("m"), let s = Int(m.dropFirst(), radix: 16), s >= 0 else {
                    return BoxResponses.badParameter("marker", "Invalid value '\(m)'.", requestID: requestID)
                }
                start = s
            }
            let end = min(candidates.count, start + paging.limit)
            let slice = start < end ? Array(candidates[start..<end]) : []
            let next: JSONValue = end < candidates.count ? .string("m" + String(end, radix: 16)) : .null
            let prev: JSONValue = start > 0 ? .string("m" + String(max(0, start - paging.limit), radix: 16)) : .null
            return BoxResponses.json(JSONValue.object([
                ("limit", .int(paging.limit)), ("next_marker", next), ("prev_marker", prev),
                ("entries", .array(slice.map { trim(userFull(e.users[$0]), query) })),
            ]), requestID: requestID)
        }
        let end = min(candidates.count, paging.offset + paging.limit)
        let slice = paging.offset < end ? Array(candidates[paging.offset..<end]) : []
        return BoxResponses.json(offsetPage(slice.map { trim(userFull(e.users[$0]), query) }, limit: paging.limit,
                                            offset: paging.offset, total: candidates.count), requestID: requestID)
    }

    /// `GET /2.0/users/{id}` and `/2.0/users/me`.
    func user(id: String, query: QueryItems, requestID: String) -> Response {
        let e = core.enterprise
        if id == e.serviceAccount.id { return BoxResponses.json(trim(userFull(e.serviceAccount), query), requestID: requestID) }
        guard let i = e.usersByID[id] else { return BoxResponses.notFound(requestID: requestID) }
        return BoxResponses.json(trim(userFull(e.users[i]), query), requestID: requestID)
    }

    func groupFull(_ g: Enterprise.Group) -> JSONValue {
        .object([
            ("type", "group"), ("id", .string(g.id)), ("name", .string(g.name)), ("group_type", "managed_group"),
            ("created_at", .string(Timestamp.format(unixSeconds: g.createdAt, offsetMinutes: -480))),
            ("modified_at", .string(Timestamp.format(unixSeconds: g.createdAt + 3_600, offsetMinutes: -480))),
            ("provenance", ""), ("external_sync_identifier", ""), ("description", .string("\(g.name) team")),
            ("invitability_level", "admins_only"), ("member_viewability_level", "admins_and_members"),
        ])
    }

    func groupMini(_ g: Enterprise.Group) -> JSONValue {
        .object([("type", "group"), ("id", .string(g.id)), ("name", .string(g.name)), ("group_type", "managed_group")])
    }

    func userMini(_ u: Enterprise.User) -> JSONValue {
        .object([("type", "user"), ("id", .string(u.id)), ("name", .string(u.name)), ("login", .string(u.login))])
    }

    /// `GET /2.0/groups`.
    func groups(query: QueryItems, requestID: String) -> Response {
        let paging: (limit: Int, offset: Int)
        switch self.paging(query, max: 1_000, fallback: 100, requestID: requestID) {
        case .failure(let a): return a.response
        case .success(let p): paging = p
        }
        var groups = core.enterprise.groups
        if let term = query["filter_term"]?.lowercased() { groups = groups.filter { $0.name.lowercased().hasPrefix(term) } }
        let end = min(groups.count, paging.offset + paging.limit)
        let slice = paging.offset < end ? Array(groups[paging.offset..<end]) : []
        return BoxResponses.json(offsetPage(slice.map { trim(groupFull($0), query) }, limit: paging.limit, offset: paging.offset,
                                            total: groups.count), requestID: requestID)
    }

    func group(id: String, query: QueryItems, requestID: String) -> Response {
        guard let g = core.enterprise.groups.first(where: { $0.id == id }) else { return BoxResponses.notFound(requestID: requestID) }
        return BoxResponses.json(trim(groupFull(g), query), requestID: requestID)
    }

    /// `GET /2.0/groups/{id}/memberships` and `/2.0/users/{id}/memberships`.
    func memberships(groupID: String?, userID: String?, query: QueryItems, requestID: String) -> Response {
        let e = core.enterprise
        let paging: (limit: Int, offset: Int)
        switch self.paging(query, max: 1_000, fallback: 100, requestID: requestID) {
        case .failure(let a): return a.response
        case .success(let p): paging = p
        }
        var pairs: [(Int, Int)] = []  // (group index, user index)
        if let groupID {
            guard let g = e.groups.firstIndex(where: { $0.id == groupID }) else { return BoxResponses.notFound(requestID: requestID) }
            pairs = e.groups[g].memberIndices.map { (g, $0) }
        } else if let userID {
            guard let u = e.usersByID[userID] else {
                if userID == e.serviceAccount.id { return BoxResponses.json(offsetPage([], limit: paging.limit, offset: paging.offset, total: 0), requestID: requestID) }
                return BoxResponses.notFound(requestID: requestID)
            }
            for (g, group) in e.groups.enumerated() where group.memberIndices.contains(u) { pairs.append((g, u)) }
        }
        let end = min(pairs.count, paging.offset + paging.limit)
        let slice = paging.offset < end ? Array(pairs[paging.offset..<end]) : []
        let entries: [JSONValue] = slice.map { g, u in
            let group = e.groups[g]
            return trim(.object([
                ("type", "group_membership"), ("id", .string(String(70_000_000 + g * 100_003 + u))),
                ("user", userMini(e.users[u])), ("group", groupMini(group)),
                ("role", group.adminIndices.contains(u) ? "admin" : "member"),
                ("created_at", .string(Timestamp.format(unixSeconds: group.createdAt + Int64(u), offsetMinutes: -480))),
                ("modified_at", .string(Timestamp.format(unixSeconds: group.createdAt + Int64(u), offsetMinutes: -480))),
            ]), query)
        }
        return BoxResponses.json(offsetPage(entries, limit: paging.limit, offset: paging.offset, total: pairs.count), requestID: requestID)
    }
}

/// A response carried through `Result` (Response itself is not an Error).
struct BoxAnswer: Error {
    var response: Response
    init(_ response: Response) { self.response = response }
}
