/// The emulated enterprise: users, groups, folders, files and collaborations, generated from a seed.
///
/// It is static for a run: events describe activity on it, but do not change it (see docs/emulator.md).
public struct Enterprise: Sendable {
    public struct User: Sendable {
        public var id: String
        public var name: String
        public var login: String
        public var status: String
        public var role: String
        public var isExternal: Bool
        public var createdAt: Int64
        public var spaceUsed: Int64
        /// Only `inactive` users are unmonitored (spec 000: "If a user's status is set to inactive");
        /// `cannot_delete_edit` and `cannot_delete_edit_upload` are restrictions on active accounts.
        public var isActive: Bool { status != "inactive" }
    }

    public struct Group: Sendable {
        public var id: String
        public var name: String
        public var memberIndices: [Int]
        /// Members who are admins of the group (a subset of `memberIndices`).
        public var adminIndices: Set<Int>
        public var createdAt: Int64
    }

    public struct Folder: Sendable {
        public var id: String
        public var name: String
        /// Index of the parent folder, nil for a folder at the owner's root ("All Files", id "0").
        public var parent: Int?
        public var owner: Int
        public var createdAt: Int64
        public var sharedLink: SharedLink?
    }

    public struct File: Sendable {
        public var id: String
        public var name: String
        public var parent: Int?
        public var owner: Int
        public var size: Int64
        public var sha1: String
        public var versionID: String
        public var createdAt: Int64
        public var sharedLink: SharedLink?
        public var classification: String?
    }

    public struct SharedLink: Sendable {
        public var access: String
        public var effectiveAccess: String
        public var token: String
    }

    /// Who a collaboration grants access to.
    public enum Grantee: Sendable {
        case user(Int)
        case group(Int)
    }

    public struct Collaboration: Sendable {
        public var id: String
        public var isFolder: Bool
        public var itemIndex: Int
        public var grantee: Grantee
        public var role: String
        public var status: String
        public var createdBy: Int
        public var createdAt: Int64
    }

    public var enterpriseID: String
    public var enterpriseName: String
    public var internalDomains: [String]
    /// Managed users first, then external collaborators (`isExternal`).
    public var users: [User]
    public var managedCount: Int
    public var serviceAccount: User
    public var groups: [Group]
    public var folders: [Folder]
    public var files: [File]
    public var collaborations: [Collaboration]
    public var filesByID: [String: Int]
    public var foldersByID: [String: Int]
    public var usersByID: [String: Int]
    public var collaborationsByFolder: [Int: [Int]]
    public var collaborationsByFile: [Int: [Int]]

    /// The anonymous user Box attributes unauthenticated activity to.
    public static let anonymous = User(
        id: "2", name: "Unknown User", login: "", status: "active", role: "user", isExternal: true,
        createdAt: 0, spaceUsed: 0)

    public var externalIndices: Range<Int> { managedCount..<users.count }

    // swiftlint:disable:next function_body_length
    public init(seed: UInt64, userCount: Int, inactiveShare: Double, groupCount: Int, foldersPerUser: Int,
                filesPerUser: Int, enterpriseID: String, epoch: Int64) {
        var rng = SeededRandom(seed: seed, stream: 1, index: 0)
        self.enterpriseID = enterpriseID
        self.enterpriseName = "Emulated Enterprise \(enterpriseID)"
        self.internalDomains = ["example.com", "example.co.uk", "eu.example.net"]
        let firstNames = ["Aaron", "Beatriz", "Chen", "Dagny", "Émile", "Fatima", "Gunnar", "Hana", "Igor", "Joaquín",
                          "Kwame", "Léa", "Mateus", "Noor", "Øyvind", "Priya", "Quinn", "Renée", "Søren", "Tomasz",
                          "Umar", "Valérie", "Wen", "Ximena", "Yuki", "Zoë"]
        let lastNames = ["Levie", "Núñez", "Zhang", "Olsen", "Durand", "Haddad", "Berg", "Sato", "Petrov", "García",
                         "Mensah", "Moreau", "Silva", "Khan", "Håland", "Iyer", "Walsh", "Lefèvre", "Nørgaard",
                         "Kowalski", "Farouk", "Côté", "Liu", "Ortega", "Tanaka", "Müller"]
        let n = max(2, userCount)
        var users: [User] = []
        users.reserveCapacity(n + n / 10 + 5)
        for k in 0..<n {
            let first = firstNames[(k + rng.below(3)) % firstNames.count]
            let last = lastNames[(k * 7 + rng.below(5)) % lastNames.count]
            let domain = internalDomains[k % internalDomains.count]
            let local = Enterprise.asciiFold(first) + "." + Enterprise.asciiFold(last) + String(k)
            var status = "active"
            if k >= 2, rng.chance(inactiveShare) { status = "inactive" }
            if k >= 2, status == "active", k % 37 == 11 { status = "cannot_delete_edit" }
            let role = k == 0 ? "admin" : (k == 1 ? "coadmin" : "user")
            users.append(User(
                id: String(11_446_498 + k * 17), name: first + " " + last, login: local.lowercased() + "@" + domain,
                status: status, role: role, isExternal: false, createdAt: epoch - 400 * 86_400 + Int64(k) * 3_600,
                spaceUsed: Int64(rng.below(5_000_000_000))))
        }
        self.managedCount = n
        let externalDomains = ["gmail.com", "partner.org", "contractor.io", "partner-gmbh.de"]
        let externalCount = max(3, n / 10)
        for k in 0..<externalCount {
            let first = firstNames[(k * 5 + 3) % firstNames.count]
            let last = lastNames[(k * 3 + 1) % lastNames.count]
            let domain = externalDomains[k % externalDomains.count]
            users.append(User(
                id: String(31_000_000 + k * 23), name: first + " " + last + " (ext)",
                login: Enterprise.asciiFold(first).lowercased() + ".ext" + String(k) + "@" + domain,
                status: "active", role: "user", isExternal: true, createdAt: epoch - 200 * 86_400, spaceUsed: 0))
        }
        self.users = users
        self.serviceAccount = User(
            id: "20000001", name: "boxbridge service account",
            login: "AutomationUser_\(enterpriseID)_Em7x2QaL9c@boxdevedition.com", status: "active", role: "admin",
            isExternal: false, createdAt: epoch - 30 * 86_400, spaceUsed: 0)

        // Groups: some are supersets of others ("nested" in the scope-CSV sense: a user is reached
        // through more than one listed group), and users belong to several groups.
        let groupNames = ["Engineering", "Engineering – Backend", "Sales", "Finance", "Legal & Compliance", "Équipe Paris",
                          "All Staff", "Contractors Liaison", "営業部", "Support"]
        var groups: [Group] = []
        let gCount = max(0, groupCount)
        for g in 0..<gCount {
            let name = g < groupNames.count ? groupNames[g] : "Group \(g)"
            groups.append(Group(id: String(950_000 + g * 3), name: name, memberIndices: [], adminIndices: [],
                                createdAt: epoch - 300 * 86_400 + Int64(g) * 86_400))
        }
        if gCount > 0 {
            for k in 0..<n {
                let primary = rng.below(gCount)
                groups[primary].memberIndices.append(k)
                if rng.chance(0.3) {
                    let second = rng.below(gCount)
                    if second != primary { groups[second].memberIndices.append(k) }
                }
            }
            // "Engineering" contains every member of "Engineering – Backend".
            if gCount > 1 {
                for m in groups[1].memberIndices where !groups[0].memberIndices.contains(m) {
                    groups[0].memberIndices.append(m)
                }
            }
            // "All Staff" (when present) contains everyone.
            if gCount > 6 { groups[6].memberIndices = Array(0..<n) }
            for g in 0..<gCount {
                groups[g].memberIndices.sort()
                if let first = groups[g].memberIndices.first { groups[g].adminIndices.insert(first) }
            }
        }
        self.groups = groups

        let folderWords = ["Contracts", "Q3 Planning", "Résumés", "Marketing Assets", "報告書", "Board Decks",
                           "Customer Data", "Design – Drafts", "Archive 2019", "Über Projekt"]
        var folders: [Folder] = []
        var files: [File] = []
        let accessLevels = ["open", "company", "collaborators"]
        for k in 0..<n {
            let base = folders.count
            for f in 0..<max(0, foldersPerUser) {
                // Every third folder nests inside the previous one.
                let parent: Int? = (f > 0 && f % 3 == 2) ? base + f - 1 : nil
                var link: SharedLink?
                if rng.chance(0.15) {
                    let access = rng.pick(accessLevels)
                    link = SharedLink(access: access, effectiveAccess: access, token: rng.hex(bytes: 12))
                }
                folders.append(Folder(
                    id: String(100_000_000_000 + Int64(folders.count) * 7), name: folderWords[(k + f) % folderWords.count],
                    parent: parent, owner: k, createdAt: epoch - 200 * 86_400 + Int64(k * 60 + f), sharedLink: link))
            }
            let fileStems = ["Budget", "Résumé", "Roadmap", "報告書", "Customer List", "Design Spec", "Notes", "Invoice",
                             "Q4 Forecast", "Offer Letter"]
            let extensions = ["docx", "xlsx", "pdf", "pptx", "txt", "zip", "mov"]
            for f in 0..<max(1, filesPerUser) {
                var name = fileStems[(k * 3 + f) % fileStems.count] + " \(f)." + extensions[(k + f) % extensions.count]
                if f % 5 == 3 {
                    // NFD: "e" followed by a combining acute accent, as macOS clients upload it.
                    name = "Re\u{0301}sume\u{0301} \(k)-\(f).docx"
                }
                let folderCount = max(0, foldersPerUser)
                let parent: Int? = (folderCount == 0 || f % 3 == 0) ? nil : base + (f % folderCount)
                var size = Int64(1_024 + rng.below(50_000_000))
                if f % 7 == 4 { size = 4_294_967_296 + Int64(rng.below(8_000_000_000)) }
                var link: SharedLink?
                if rng.chance(0.3) {
                    let access = rng.pick(accessLevels)
                    // A policy may narrow what a link really gives: effective_access differs then.
                    let effective = (access == "open" && rng.chance(0.2)) ? "company" : access
                    link = SharedLink(access: access, effectiveAccess: effective, token: rng.hex(bytes: 12))
                }
                let classification: String? = rng.chance(0.3) ? rng.pick(["Confidential", "Internal", "Public"]) : nil
                files.append(File(
                    id: String(800_000_000_000 + Int64(files.count) * 11), name: name, parent: parent, owner: k, size: size,
                    sha1: rng.hex(bytes: 20), versionID: String(900_000_000_000 + Int64(files.count) * 13),
                    createdAt: epoch - 100 * 86_400 + Int64(k * 100 + f), sharedLink: link, classification: classification))
            }
        }
        self.folders = folders
        self.files = files

        var collaborations: [Collaboration] = []
        var byFolder: [Int: [Int]] = [:]
        var byFile: [Int: [Int]] = [:]
        let roles = ["editor", "viewer", "previewer", "uploader", "previewer uploader", "viewer uploader", "co-owner"]
        func addCollab(isFolder: Bool, item: Int, owner: Int, rng: inout SeededRandom) {
            let grantee: Grantee
            let r = rng.below(10)
            if r < 4, users.count > n {
                grantee = .user(n + rng.below(users.count - n))
            } else if r < 6, gCount > 0 {
                grantee = .group(rng.below(gCount))
            } else {
                grantee = .user((owner + 1 + rng.below(n - 1)) % n)
            }
            let idx = collaborations.count
            collaborations.append(Collaboration(
                id: String(400_000_000 + idx * 3), isFolder: isFolder, itemIndex: item, grantee: grantee,
                role: rng.pick(roles), status: rng.chance(0.15) ? "pending" : "accepted", createdBy: owner,
                createdAt: epoch - 50 * 86_400 + Int64(idx)))
            if isFolder { byFolder[item, default: []].append(idx) } else { byFile[item, default: []].append(idx) }
        }
        for (i, folder) in folders.enumerated() where rng.chance(0.6) {
            for _ in 0..<(1 + rng.below(2)) { addCollab(isFolder: true, item: i, owner: folder.owner, rng: &rng) }
        }
        for (i, file) in files.enumerated() where rng.chance(0.15) {
            addCollab(isFolder: false, item: i, owner: file.owner, rng: &rng)
        }
        self.collaborations = collaborations
        self.collaborationsByFolder = byFolder
        self.collaborationsByFile = byFile
        var filesByID: [String: Int] = [:]
        for (i, f) in files.enumerated() { filesByID[f.id] = i }
        var foldersByID: [String: Int] = [:]
        for (i, f) in folders.enumerated() { foldersByID[f.id] = i }
        var usersByID: [String: Int] = [:]
        for (i, u) in users.enumerated() { usersByID[u.id] = i }
        self.filesByID = filesByID
        self.foldersByID = foldersByID
        self.usersByID = usersByID
    }

    /// The chain of folders from the root to `folder` (inclusive), outermost first.
    public func folderChain(_ folder: Int?) -> [Int] {
        var chain: [Int] = []
        var current = folder
        while let c = current, chain.count < 64 {
            chain.append(c)
            current = folders[c].parent
        }
        return chain.reversed()
    }

    /// Indices of the users in the named group, or nil when no group has that name.
    public func members(ofGroupNamed name: String) -> [Int]? {
        groups.first(where: { $0.name == name })?.memberIndices
    }

    static func asciiFold(_ s: String) -> String {
        let map: [Character: String] = ["É": "E", "é": "e", "è": "e", "ë": "e", "ú": "u", "ñ": "n", "í": "i", "ø": "o", "Ø": "O",
                                        "å": "a", "ç": "c", "ô": "o", "ü": "u", "Ü": "U", "ö": "o", "ï": "i", "Ł": "L", "á": "a"]
        var out = ""
        for c in s {
            if let m = map[c] { out += m } else if c.isASCII, c.isLetter || c.isNumber { out.append(c) }
        }
        return out.isEmpty ? "user" : out
    }
}
