/// Builds the event at any index of the seeded workload on demand, in constant memory.
///
/// Event `g` depends only on (seed, g) and its timestamp, so a 1,000,000-event backlog is never
/// held in memory and every run with the same seed serves the same bytes. Multi-event patterns
/// (the Shield double emission, bursts of edits seconds apart) are laid out in aligned blocks of
/// four indices so each event is still computable alone.
public struct EventGenerator: Sendable {
    public let enterprise: Enterprise
    public let seed: UInt64
    public let malformedShare: Double

    let fragments: Fragments

    public init(enterprise: Enterprise, seed: UInt64, malformedShare: Double) {
        self.enterprise = enterprise
        self.seed = seed
        self.malformedShare = malformedShare
        self.fragments = Fragments(enterprise)
    }

    /// Serialized JSON of the objects events repeat (users, folders, item sources), built once:
    /// most of an event's bytes are copies of these, which keeps a 500-event page fast to build.
    final class Fragments: Sendable {
        let userMini: [String: [UInt8]]
        let folderMini: [[UInt8]]
        let rootMini: [UInt8]
        let fileSource: [[UInt8]]
        let folderSource: [[UInt8]]

        init(_ e: Enterprise) {
            var users: [String: [UInt8]] = [:]
            for u in e.users + [e.serviceAccount, Enterprise.anonymous] {
                users[u.id] = JSONValue.object([("type", "user"), ("id", .string(u.id)), ("name", .string(u.name)),
                                                ("login", .string(u.login))]).serialized()
            }
            userMini = users
            rootMini = JSONValue.object([("type", "folder"), ("name", "All Files"), ("id", "0")]).serialized()
            let folderMini = e.folders.map {
                JSONValue.object([("type", "folder"), ("name", .string($0.name)), ("id", .string($0.id))]).serialized()
            }
            self.folderMini = folderMini
            let root = rootMini
            func parent(_ p: Int?) -> JSONValue { .raw(p.map { folderMini[$0] } ?? root) }
            fileSource = e.files.map { f in
                var pairs: [(String, JSONValue)] = [("item_type", "file"), ("item_id", .string(f.id)), ("item_name", .string(f.name)),
                                                    ("parent", parent(f.parent))]
                if let c = f.classification { pairs.append(("classification", .object([("name", .string(c))]))) }
                pairs.append(("owned_by", .raw(users[e.users[f.owner].id]!)))
                return JSONValue.object(pairs).serialized()
            }
            folderSource = e.folders.map { f in
                JSONValue.object([("item_type", "folder"), ("item_id", .string(f.id)), ("item_name", .string(f.name)),
                                  ("parent", parent(f.parent)), ("owned_by", .raw(users[e.users[f.owner].id]!))]).serialized()
            }
        }
    }

    enum Kind: Sendable {
        case item(String)
        case userStream(String)
        case collaboration(String)
        case user(String)
        case group(String)
        case application
        case shieldAlert
        case shieldDownload
        case shieldExternalCollab(String)
        case shieldJustified
        case shieldApproval
        case shieldItem(String)
        case shieldBarrier
        case shieldPolicy
        case serviceAccountDownload
    }

    static let table: [(Kind, Double)] = {
        var t: [(Kind, Double)] = [
            (.item("UPLOAD"), 10), (.item("EDIT"), 8), (.item("ITEM_MODIFY"), 2), (.item("FILE_VERSION_RESTORE"), 0.6),
            (.item("RENAME"), 3), (.item("MOVE"), 3), (.item("COPY"), 2), (.item("DELETE"), 3), (.item("UNDELETE"), 1),
            (.item("STORAGE_EXPIRATION"), 0.4), (.item("DOWNLOAD"), 10), (.item("FILE_WATERMARKED_DOWNLOAD"), 0.5),
            (.item("CONTENT_WORKFLOW_ABNORMAL_DOWNLOAD_ACTIVITY"), 0.3), (.item("SIGNER_DOWNLOADED"), 0.3),
            (.item("PREVIEW"), 10), (.item("ITEM_OPEN"), 1), (.item("CONTENT_ACCESS"), 1), (.item("SHARE"), 3),
            (.item("ITEM_SHARED_UPDATE"), 1), (.item("UNSHARE"), 1), (.item("SHARE_EXPIRATION"), 0.3),
            (.item("UPDATE_SHARE_EXPIRATION"), 0.3), (.item("SHARED_LINK_SEND"), 0.5),
            (.item("SHARED_LINK_REDIRECT_OUT_OF_SHARED_CONTEXT"), 0.2), (.item("CONTENT_WORKFLOW_SHARING_POLICY_VIOLATION"), 0.2),
            (.item("CONTENT_WORKFLOW_UPLOAD_POLICY_VIOLATION"), 0.2), (.item("FILE_MARKED_MALICIOUS"), 0.2),
            (.item("LOCK"), 0.5), (.item("UNLOCK"), 0.5), (.item("ITEM_SYNC"), 0.3), (.item("ITEM_UNSYNC"), 0.2),
            (.item("COMMENT_CREATE"), 0.5), (.item("METADATA_INSTANCE_CREATE"), 0.3), (.item("WATERMARK_LABEL_CREATE"), 0.2),
            (.collaboration("COLLABORATION_INVITE"), 4), (.collaboration("COLLABORATION_ACCEPT"), 2),
            (.collaboration("COLLABORATION_ROLE_CHANGE"), 1), (.collaboration("COLLABORATION_REMOVE"), 1.5),
            (.collaboration("COLLABORATION_EXPIRATION"), 0.4), (.collaboration("UPDATE_COLLABORATION_EXPIRATION"), 0.3),
            (.collaboration("CHANGE_FOLDER_PERMISSION"), 0.5), (.collaboration("ITEM_EMAIL_SEND"), 0.3),
            (.collaboration("GROUP_ADD_ITEM"), 0.7), (.collaboration("GROUP_REMOVE_ITEM"), 0.5),
            (.user("LOGIN"), 3), (.user("NEW_USER"), 0.3), (.user("DELETE_USER"), 0.2), (.user("ADD_LOGIN_ACTIVITY_DEVICE"), 0.5),
            (.group("GROUP_ADD_USER"), 0.6), (.group("GROUP_REMOVE_USER"), 0.4), (.application, 0.3),
            (.shieldAlert, 0.5), (.shieldDownload, 2),
            (.shieldExternalCollab("SHIELD_EXTERNAL_COLLAB_INVITE_BLOCKED"), 0.3),
            (.shieldExternalCollab("SHIELD_EXTERNAL_COLLAB_INVITE_BLOCKED_MISSING_JUSTIFICATION"), 0.3),
            (.shieldExternalCollab("SHIELD_EXTERNAL_COLLAB_ACCESS_BLOCKED"), 0.2),
            (.shieldExternalCollab("SHIELD_EXTERNAL_COLLAB_ACCESS_BLOCKED_MISSING_JUSTIFICATION"), 0.2),
            (.shieldJustified, 0.2), (.shieldApproval, 0.4), (.shieldItem("SHIELD_SHARED_LINK_ACCESS_BLOCKED"), 0.2),
            (.shieldItem("SHIELD_SHARED_LINK_STATUS_RESTRICTED_ON_CREATE"), 0.1), (.shieldBarrier, 0.1), (.shieldPolicy, 0.1),
            (.serviceAccountDownload, 1),
        ]
        for name in ["ITEM_CREATE", "ITEM_UPLOAD", "ITEM_MOVE", "ITEM_COPY", "ITEM_RENAME", "ITEM_TRASH",
                     "ITEM_UNDELETE_VIA_TRASH", "ITEM_MAKE_CURRENT_VERSION", "ITEM_DOWNLOAD", "ITEM_PREVIEW",
                     "ITEM_SHARED_CREATE", "ITEM_SHARED_UNSHARE", "COLLAB_ADD_COLLABORATOR", "COLLAB_INVITE_COLLABORATOR",
                     "COLLAB_ROLE_CHANGE", "COLLAB_REMOVE_COLLABORATOR", "LOCK_CREATE", "LOCK_DESTROY"] {
            t.append((.userStream(name), 0.33))
        }
        return t
    }()

    static let cumulative: [Double] = {
        var sum = 0.0
        return table.map { sum += $0.1; return sum }
    }()

    static func pickKind(_ rng: inout SeededRandom) -> Kind {
        let x = rng.unit() * cumulative[cumulative.count - 1]
        var lo = 0, hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] > x { hi = mid } else { lo = mid + 1 }
        }
        return table[lo].0
    }

    enum BlockPattern { case none, doubleEmission, editBurst }

    func blockPattern(_ blockStart: UInt64) -> BlockPattern {
        var r = SeededRandom(seed: seed, stream: 3, index: blockStart)
        let x = r.unit()
        if x < 0.012 { return .doubleEmission }
        if x < 0.04 { return .editBurst }
        return .none
    }

    /// The event at workload index `index`, created at `createdAt` (Unix seconds).
    public func event(at index: UInt64, createdAt: Int64) -> GeneratedEvent {
        let blockStart = index & ~3
        let slot = index - blockStart
        var rng = SeededRandom(seed: seed, stream: 2, index: index)
        var ctx = Context(enterprise: enterprise, fragments: fragments, rng: rng, createdAt: createdAt)
        let pattern = blockPattern(blockStart)
        var built: GeneratedEvent
        switch (pattern, slot) {
        case (.doubleEmission, 0), (.doubleEmission, 1):
            // Both events of the pair draw the same item and people from the block's stream.
            var shared = SeededRandom(seed: seed, stream: 4, index: blockStart)
            built = ctx.shieldExternalCollab(
                type: slot == 0 ? "SHIELD_EXTERNAL_COLLAB_INVITE_BLOCKED_MISSING_JUSTIFICATION" : "SHIELD_EXTERNAL_COLLAB_INVITE_JUSTIFIED",
                shared: &shared, justified: slot == 1)
        case (.editBurst, 0), (.editBurst, 1), (.editBurst, 2):
            var shared = SeededRandom(seed: seed, stream: 4, index: blockStart)
            built = ctx.item(type: "EDIT", shared: &shared)
        default:
            let kind = EventGenerator.pickKind(&rng)
            ctx.rng = rng
            built = ctx.build(kind)
        }
        rng = ctx.rng
        if malformedShare > 0, rng.chance(malformedShare) {
            built = Context.malform(built, variant: rng.below(5))
        }
        return built
    }

    /// Per-event building state.
    struct Context {
        let enterprise: Enterprise
        let fragments: Fragments
        var rng: SeededRandom
        let createdAt: Int64

        static let offsets = [-420, -480, 0, 60, 330, 540, -300]

        func userMini(_ u: Enterprise.User) -> JSONValue {
            if let cached = fragments.userMini[u.id] { return .raw(cached) }
            return .object([("type", "user"), ("id", .string(u.id)), ("name", .string(u.name)), ("login", .string(u.login))])
        }

        func userMiniNumeric(_ u: Enterprise.User) -> JSONValue {
            .object([("type", "user"), ("id", .int(Int64(u.id) ?? 0)), ("name", .string(u.name)), ("login", .string(u.login))])
        }

        func folderMini(_ folder: Int?) -> JSONValue {
            guard let folder else { return .raw(fragments.rootMini) }
            return .raw(fragments.folderMini[folder])
        }

        mutating func envelope(type: String, actor: Enterprise.User, source: JSONValue?, details: JSONValue?,
                               family: EventFamily, owner: Enterprise.User?, accessibleBy: JSONValue? = nil) -> GeneratedEvent {
            let eventID = rng.uuidString()
            let offset = Context.offsets[Int(UInt64(actor.id.utf8.count &+ Int(actor.id.utf8.last ?? 0)) % UInt64(Context.offsets.count))]
            let created = Timestamp.format(unixSeconds: createdAt, offsetMinutes: offset)
            let recorded = Timestamp.format(unixSeconds: createdAt + Int64(rng.below(3)), offsetMinutes: offset)
            let ip: String
            let r = rng.below(100)
            if r < 8 { ip = "Unknown IP" } else if r < 12 { ip = "2001:db8::\(rng.below(65535))" } else {
                ip = "10.\(rng.below(256)).\(rng.below(256)).\(1 + rng.below(254))"
            }
            var pairs: [(String, JSONValue)] = [
                ("type", "event"), ("event_id", .string(eventID)), ("event_type", .string(type)),
                ("created_at", .string(created)), ("recorded_at", .string(recorded)),
                ("session_id", rng.chance(0.2) ? .string(rng.hex(bytes: 11)) : .null),
                ("ip_address", .string(ip)),
                ("action_by", rng.chance(0.05) ? userMini(enterprise.users[0]) : .null),
                ("created_by", userMini(actor)),
                ("source", source ?? .null),
            ]
            if let accessibleBy { pairs.append(("accessible_by", accessibleBy)) }
            if let details { pairs.append(("additional_details", details)) }
            return GeneratedEvent(
                json: .object(pairs), eventID: eventID, eventType: type, createdAt: Double(createdAt), family: family,
                ownerID: owner?.id, actorID: actor.id, malformed: false,
                byServiceAccount: actor.id == enterprise.serviceAccount.id)
        }

        mutating func build(_ kind: Kind) -> GeneratedEvent {
            switch kind {
            case .item(let type):
                var shared = SeededRandom(seed: rng.next(), stream: 5, index: 0)
                return item(type: type, shared: &shared)
            case .userStream(let type): return userStream(type: type)
            case .collaboration(let type): return collaboration(type: type)
            case .user(let type): return userEvent(type: type)
            case .group(let type): return groupEvent(type: type)
            case .application: return application()
            case .shieldAlert: return shieldAlert()
            case .shieldDownload: return shieldDownload()
            case .shieldExternalCollab(let type):
                var shared = SeededRandom(seed: rng.next(), stream: 5, index: 0)
                return shieldExternalCollab(type: type, shared: &shared, justified: false)
            case .shieldJustified:
                var shared = SeededRandom(seed: rng.next(), stream: 5, index: 0)
                return shieldExternalCollab(type: "SHIELD_EXTERNAL_COLLAB_INVITE_JUSTIFIED", shared: &shared, justified: true)
            case .shieldApproval: return shieldApproval()
            case .shieldItem(let type):
                var shared = SeededRandom(seed: rng.next(), stream: 5, index: 0)
                return item(type: type, shared: &shared)
            case .shieldBarrier: return collaboration(type: "SHIELD_INFORMATION_BARRIER_COLLAB_BLOCKED")
            case .shieldPolicy: return shieldPolicy()
            case .serviceAccountDownload:
                var shared = SeededRandom(seed: rng.next(), stream: 5, index: 0)
                return item(type: "DOWNLOAD", shared: &shared, serviceAccount: true)
            }
        }

        static func managedUser(_ enterprise: Enterprise, _ r: inout SeededRandom) -> Enterprise.User {
            enterprise.users[r.below(enterprise.managedCount)]
        }

        mutating func managedUser() -> Enterprise.User {
            Context.managedUser(enterprise, &rng)
        }

        /// Picks a file (or sometimes a folder) and the actor acting on it.
        static func pickItem(_ enterprise: Enterprise, _ shared: inout SeededRandom, allowFolder: Bool) -> (isFolder: Bool, index: Int, owner: Enterprise.User, actor: Enterprise.User) {
            let isFolder = allowFolder && !enterprise.folders.isEmpty && shared.chance(0.15)
            let index = isFolder ? shared.below(enterprise.folders.count) : shared.below(enterprise.files.count)
            let owner = enterprise.users[isFolder ? enterprise.folders[index].owner : enterprise.files[index].owner]
            let r = shared.below(100)
            let actor: Enterprise.User
            if r < 70 { actor = owner } else if r < 85 { actor = managedUser(enterprise, &shared) } else if r < 93,
                enterprise.users.count > enterprise.managedCount {
                actor = enterprise.users[enterprise.managedCount + shared.below(enterprise.users.count - enterprise.managedCount)]
            } else {
                actor = Enterprise.anonymous
            }
            return (isFolder, index, owner, actor)
        }

        func eventSource(isFolder: Bool, index: Int, owner: Enterprise.User, parentNull: Bool = false) -> JSONValue {
            if !parentNull {
                return .raw(isFolder ? fragments.folderSource[index] : fragments.fileSource[index])
            }
            var pairs: [(String, JSONValue)]
            if isFolder {
                let f = enterprise.folders[index]
                pairs = [("item_type", "folder"), ("item_id", .string(f.id)), ("item_name", .string(f.name)),
                         ("parent", parentNull ? .null : folderMini(f.parent))]
            } else {
                let f = enterprise.files[index]
                pairs = [("item_type", "file"), ("item_id", .string(f.id)), ("item_name", .string(f.name)),
                         ("parent", parentNull ? .null : folderMini(f.parent))]
                if let c = f.classification { pairs.append(("classification", .object([("name", .string(c))]))) }
            }
            pairs.append(("owned_by", userMini(owner)))
            return .object(pairs)
        }

        mutating func item(type: String, shared: inout SeededRandom, serviceAccount: Bool = false) -> GeneratedEvent {
            let allowFolder = !["EDIT", "DOWNLOAD", "PREVIEW", "FILE_VERSION_RESTORE", "LOCK", "UNLOCK"].contains(type)
            let picked = Context.pickItem(enterprise, &shared, allowFolder: allowFolder)
            var actor = picked.actor
            if type == "EDIT" || type == "UPLOAD" || type == "RENAME" || type == "MOVE" || type == "DELETE" {
                // Anonymous users cannot change content: those events come from the owner or a collaborator.
                if actor.id == "2" { actor = picked.owner }
            }
            if serviceAccount { actor = enterprise.serviceAccount }
            let source = eventSource(isFolder: picked.isFolder, index: picked.index, owner: picked.owner,
                                     parentNull: type == "DELETE" && shared.chance(0.5))
            var details: JSONValue?
            if !picked.isFolder, ["UPLOAD", "EDIT", "ITEM_MODIFY", "FILE_VERSION_RESTORE"].contains(type) {
                let f = enterprise.files[picked.index]
                let services: [(String, String)] = [("5555", "Box Sync for Mac"), ("254429", "Box Drive"), ("0", "Box Web App"),
                                                    ("4715", "Box for Android")]
                let s = services[rng.below(services.count)]
                details = .object([("size", .int(f.size)), ("version_id", .string(f.versionID)),
                                   ("service_id", .string(s.0)), ("service_name", .string(s.1))])
            } else if type == "RENAME" {
                details = .object([("old_item_name", .string("Untitled \(rng.below(100)).docx"))])
            }
            return envelope(type: type, actor: actor, source: source, details: details, family: type.hasPrefix("SHIELD") ? .shield : .item,
                            owner: picked.owner)
        }

        mutating func userStream(type: String) -> GeneratedEvent {
            var r = SeededRandom(seed: rng.next(), stream: 5, index: 0)
            let picked = Context.pickItem(enterprise, &r, allowFolder: true)
            let actor = picked.actor.id == "2" ? picked.owner : picked.actor
            var pairs: [(String, JSONValue)]
            let chain: [Int]
            if picked.isFolder {
                let f = enterprise.folders[picked.index]
                chain = enterprise.folderChain(f.parent)
                pairs = [("type", "folder"), ("id", .string(f.id)), ("sequence_id", "3"), ("etag", "3"), ("name", .string(f.name))]
            } else {
                let f = enterprise.files[picked.index]
                chain = enterprise.folderChain(f.parent)
                pairs = [("type", "file"), ("id", .string(f.id)), ("sequence_id", "3"), ("etag", "3"),
                         ("sha1", .string(f.sha1)), ("name", .string(f.name)), ("size", .int(f.size)),
                         ("file_version", .object([("type", "file_version"), ("id", .string(f.versionID)), ("sha1", .string(f.sha1))]))]
            }
            let parent = chain.last
            pairs.append(("path_collection", pathCollection(chain)))
            pairs.append(("parent", folderMini(parent)))
            pairs.append(("owned_by", userMini(picked.owner)))
            pairs.append(("created_by", userMini(picked.owner)))
            pairs.append(("modified_by", userMini(actor)))
            pairs.append(("item_status", type == "ITEM_TRASH" ? "trashed" : "active"))
            return envelope(type: type, actor: actor, source: .object(pairs), details: nil, family: .userStream, owner: picked.owner)
        }

        func pathCollection(_ chain: [Int]) -> JSONValue {
            var entries: [JSONValue] = [.object([("type", "folder"), ("id", "0"), ("sequence_id", .null), ("etag", .null), ("name", "All Files")])]
            for c in chain {
                let f = enterprise.folders[c]
                entries.append(.object([("type", "folder"), ("id", .string(f.id)), ("sequence_id", "1"), ("etag", "1"), ("name", .string(f.name))]))
            }
            return .object([("total_count", .int(entries.count)), ("entries", .array(entries))])
        }

        func granteeMini(_ grantee: Enterprise.Grantee) -> JSONValue {
            switch grantee {
            case .user(let u):
                let user = enterprise.users[u]
                return .object([("type", "user"), ("id", .string(user.id)), ("name", .string(user.name)),
                                ("login", .string(user.login)), ("is_active", .bool(user.isActive))])
            case .group(let g):
                let group = enterprise.groups[g]
                return .object([("type", "group"), ("id", .string(group.id)), ("name", .string(group.name)), ("group_type", "managed_group")])
            }
        }

        mutating func collaboration(type: String) -> GeneratedEvent {
            // Prefer a real collaboration so enrichment lookups agree with the event.
            let grantee: Enterprise.Grantee
            let isFolder: Bool
            let itemIndex: Int
            let collabID: String
            if !enterprise.collaborations.isEmpty, rng.chance(0.8) {
                let c = enterprise.collaborations[rng.below(enterprise.collaborations.count)]
                grantee = c.grantee; isFolder = c.isFolder; itemIndex = c.itemIndex; collabID = c.id
            } else {
                isFolder = !enterprise.folders.isEmpty && rng.chance(0.6)
                itemIndex = isFolder ? rng.below(enterprise.folders.count) : rng.below(enterprise.files.count)
                if !enterprise.groups.isEmpty, rng.chance(0.3) {
                    grantee = .group(rng.below(enterprise.groups.count))
                } else {
                    grantee = .user(rng.below(enterprise.users.count))
                }
                collabID = String(500_000_000 + rng.below(100_000_000))
            }
            let ownerIndex = isFolder ? enterprise.folders[itemIndex].owner : enterprise.files[itemIndex].owner
            let owner = enterprise.users[ownerIndex]
            var pairs: [(String, JSONValue)] = []
            if isFolder {
                let f = enterprise.folders[itemIndex]
                pairs += [("folder_id", .string(f.id)), ("folder_name", .string(f.name))]
            } else {
                let f = enterprise.files[itemIndex]
                pairs += [("file_id", .string(f.id)), ("file_name", .string(f.name))]
            }
            switch grantee {
            case .user(let u):
                pairs += [("user_id", .string(enterprise.users[u].id)), ("user_name", .string(enterprise.users[u].name))]
            case .group(let g):
                pairs += [("group_id", .string(enterprise.groups[g].id)), ("group_name", .string(enterprise.groups[g].name))]
            }
            pairs.append(("parent", folderMini(isFolder ? enterprise.folders[itemIndex].parent : enterprise.files[itemIndex].parent)))
            if isFolder { pairs.append(("owned_by", userMini(owner))) }
            let byAdmin = rng.chance(0.1)
            var actor = byAdmin ? enterprise.users[0] : owner
            if type == "COLLABORATION_ACCEPT", case .user(let u) = grantee { actor = enterprise.users[u] }
            let details: JSONValue = .object([("type", "box://event/additional_details/collaboration"), ("collab_id", .string(collabID)),
                                              ("is_performed_by_admin", .bool(byAdmin))])
            let accessible: JSONValue? = type == "COLLABORATION_INVITE" ? granteeMini(grantee) : nil
            return envelope(type: type, actor: actor, source: .object(pairs), details: details,
                            family: type.hasPrefix("SHIELD") ? .shield : .collaboration, owner: owner, accessibleBy: accessible)
        }

        mutating func userEvent(type: String) -> GeneratedEvent {
            let subject = managedUser()
            let actor = (type == "LOGIN" || type == "ADD_LOGIN_ACTIVITY_DEVICE") ? subject : enterprise.users[0]
            var source: [(String, JSONValue)] = [("type", "user"), ("id", .string(subject.id)), ("name", .string(subject.name)),
                                                 ("login", .string(subject.login))]
            if type != "DELETE_USER" { source.append(("status", .string(subject.status))) }
            return envelope(type: type, actor: actor, source: .object(source), details: nil, family: .user, owner: nil)
        }

        mutating func groupEvent(type: String) -> GeneratedEvent {
            guard !enterprise.groups.isEmpty else { return userEvent(type: "LOGIN") }
            let g = enterprise.groups[rng.below(enterprise.groups.count)]
            return envelope(type: type, actor: enterprise.users[0],
                            source: .object([("group_id", .string(g.id)), ("group_name", .string(g.name))]),
                            details: nil, family: .group, owner: nil)
        }

        mutating func application() -> GeneratedEvent {
            envelope(type: "APPLICATION_CREATED", actor: enterprise.users[0],
                     source: .object([("type", "application"), ("name", "Contoso Sync"), ("api_key", .string(rng.hex(bytes: 16)))]),
                     details: nil, family: .application, owner: nil)
        }

        mutating func shieldAlert() -> GeneratedEvent {
            let subject = managedUser()
            let alertID = Int64(rng.below(900_000) + 100_000)
            let categories = [("Suspicious Locations", "Suspicious Locations Rule"), ("Suspicious Sessions", "Suspicious Session Rule"),
                              ("Anomalous Download", "Large Download Rule"), ("Malicious Content", "Malware Rule")]
            let c = categories[rng.below(categories.count)]
            let when = Timestamp.format(unixSeconds: createdAt, offsetMinutes: -480)
            let summary: JSONValue = .object([
                ("description", .string("Anomalous activity by \(subject.name)")),
                ("download_delta_size", .int(Int64(rng.below(900_000_000)))),
                ("download_ips", .array([.object([("ip", .string("203.0.113.\(rng.below(250))"))])])),
            ])
            let alert: JSONValue = .object([
                ("rule_category", .string(c.0)), ("rule_id", .int(Int64(rng.below(9000) + 1000))), ("rule_name", .string(c.1)),
                ("risk_score", .int(Int64(rng.below(100)))), ("alert_summary", summary), ("alert_id", .int(alertID)),
                ("priority", .string(rng.pick(["low", "medium", "high"]))),
                ("user", .object([("id", .int(Int64(subject.id) ?? 0)), ("name", .string(subject.name)), ("email", .string(subject.login))])),
                ("link", .string("https://app.box.com/master/shield/alert/\(alertID)")), ("created_at", .string(when)),
            ])
            var event = envelope(type: "SHIELD_ALERT", actor: Enterprise.anonymous, source: nil,
                                 details: .object([("shield_alert", alert)]), family: .shield, owner: nil)
            event.actorID = "2"
            return event
        }

        func shieldItem(_ file: Enterprise.File, versionOverride: Int64? = nil) -> JSONValue {
            .object([("type", "file"), ("id", .int(Int64(file.id) ?? 0)), ("name", .string(file.name)),
                     ("file_version_id", .int(versionOverride ?? Int64(file.versionID) ?? 0)), ("size", .int(file.size)),
                     ("sha1", .string(file.sha1))])
        }

        mutating func shieldDownload() -> GeneratedEvent {
            let fileIndex = rng.below(enterprise.files.count)
            let file = enterprise.files[fileIndex]
            let owner = enterprise.users[file.owner]
            // Sometimes Shield blocks the bridge's own service account: health, not user activity.
            let accessUser = rng.chance(0.05) ? enterprise.serviceAccount : managedUser()
            let variant = rng.below(6)
            let service: JSONValue
            var extra: [(String, JSONValue)] = []
            var mode = "enforced"
            var classification: JSONValue = .string(file.classification ?? "Confidential")
            switch variant {
            case 0: service = .null  // Box Web App
            case 1:
                service = .object([("service", .int(254_429)), ("name", "Box Drive")])
                extra = [("service_id", "254429"), ("service_name", "Box Drive")]
            case 2:
                service = .object([("service", .int(4715)), ("name", "Box for Android")])
                extra = [("service_id", "4715"), ("service_name", "Box for Android")]
                mode = "monitoring"
            case 3: service = "docusign"  // third-party app: a bare string
            case 4:
                service = .object([("service", .int(123_456)), ("name", "CustomApp")])
                extra = [("service_id", "123456"), ("service_name", "CustomApp")]
            default:
                service = .object([("service", .int(4082)), ("name", "Box FTP Server")])
                extra = [("service_id", "4082"), ("service_name", "Box FTP Server")]
                classification = .null
            }
            let enforcement: JSONValue = .object([
                ("item", shieldItem(file)), ("access_user", userMiniNumeric(accessUser)), ("service", service),
                ("additional_info", ""), ("created_at", .string(Timestamp.format(unixSeconds: createdAt, offsetMinutes: -480))),
                ("classification", classification), ("controlMode", .string(mode)),
            ])
            return envelope(type: "SHIELD_DOWNLOAD_BLOCKED", actor: accessUser,
                            source: eventSource(isFolder: false, index: fileIndex, owner: owner),
                            details: .object([("shield_download_enforcement", enforcement)] + extra), family: .shield, owner: owner)
        }

        func justification(id: Int64, at: Int64, requester: Enterprise.User, file: Enterprise.File, approver: Enterprise.User,
                           title: String) -> JSONValue {
            .object([
                ("justification_id", .string(String(id))), ("request_at", .int(at)), ("requested_by", userMiniNumeric(requester)),
                ("request_type", "EXTERNAL_COLLAB"), ("item", shieldItem(file)), ("user", userMiniNumeric(requester)),
                ("title", .string(title)), ("description", ""), ("additional_info", .null), ("approved_by", userMiniNumeric(approver)),
                ("action", "APPROVED"), ("action_at", .int(at)), ("details", .null),
            ])
        }

        mutating func shieldExternalCollab(type: String, shared: inout SeededRandom, justified: Bool) -> GeneratedEvent {
            let fileIndex = shared.below(enterprise.files.count)
            let file = enterprise.files[fileIndex]
            let inviter = enterprise.users[file.owner]
            let externals = enterprise.externalIndices
            let invitee = externals.isEmpty ? Context.managedUser(enterprise, &shared) : enterprise.users[externals.lowerBound + shared.below(externals.count)]
            let mode = shared.chance(0.25) ? "monitoring" : "enforced"
            let justificationID = Int64(17_000_000 + shared.below(1_000_000))
            let justificationValue: JSONValue = justified
                ? justification(id: justificationID, at: createdAt, requester: inviter, file: file, approver: inviter, title: "Approved")
                : .null
            let enforcement: JSONValue = .object([
                ("item", shieldItem(file)), ("inviter", userMiniNumeric(inviter)), ("invitee", userMiniNumeric(invitee)),
                ("accessUser", .null), ("service", .null), ("additionalInfo", ""), ("createdAt", .null),
                ("justification", justificationValue), ("classification", .string(file.classification ?? "Confidential")),
                ("controlMode", .string(mode)),
            ])
            return envelope(type: type, actor: inviter, source: eventSource(isFolder: false, index: fileIndex, owner: inviter),
                            details: .object([("shield_external_collab_enforcement", enforcement)]), family: .shield, owner: inviter)
        }

        mutating func shieldApproval() -> GeneratedEvent {
            let fileIndex = rng.below(enterprise.files.count)
            let file = enterprise.files[fileIndex]
            let requester = enterprise.users[file.owner]
            let approver = enterprise.users[rng.below(2)]
            let j = justification(id: Int64(18_000_000 + rng.below(1_000_000)), at: createdAt, requester: requester, file: file,
                                  approver: approver, title: "Partner Project")
            return envelope(type: "SHIELD_JUSTIFICATION_APPROVAL", actor: approver,
                            source: eventSource(isFolder: false, index: fileIndex, owner: requester),
                            details: .object([("shield_justification", j)]), family: .shield, owner: requester)
        }

        mutating func shieldPolicy() -> GeneratedEvent {
            envelope(type: "SHIELD_ACCESS_POLICY_CREATED", actor: enterprise.users[0],
                     source: .object([("policy_id", .int(Int64(rng.below(90_000) + 10_000))), ("policy_name", "Confidential: block external")]),
                     details: nil, family: .shield, owner: nil)
        }

        /// Damages an event the way a collector must survive: still JSON, no longer a usable Box event.
        static func malform(_ event: GeneratedEvent, variant: Int) -> GeneratedEvent {
            guard case .object(var pairs) = event.json else { return event }
            var e = event
            switch variant {
            case 0:
                pairs.removeAll { $0.0 == "event_id" }
                e.eventID = nil
            case 1:
                if let i = pairs.firstIndex(where: { $0.0 == "created_at" }) { pairs[i].1 = "not-a-timestamp" }
            case 2:
                if let i = pairs.firstIndex(where: { $0.0 == "source" }) {
                    pairs[i].1 = .object([("item_type", "file"), ("item_name", 42)])
                }
            case 3:
                if let i = pairs.firstIndex(where: { $0.0 == "created_by" }) { pairs[i].1 = .string(event.actorID ?? "0") }
            default:
                pairs.removeAll { $0.0 == "event_type" }
            }
            e.json = .object(pairs)
            e.malformed = true
            return e
        }
    }
}
