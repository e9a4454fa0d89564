extension BoxClient {
    /// The fields enrichment asks for (API-NOTES §5).
    public static let enrichmentFields = [
        "name", "size", "sha1", "path_collection", "owned_by", "parent", "shared_link", "modified_at", "item_status",
    ]

    /// `GET /files/{id}`, with `fields=` when given; enrichment priority by default.
    public func file(_ id: BoxID, fields: [String] = [], priority: PriorityClass = .enrichment) async throws -> BoxFile {
        try await getJSON(
            BoxFile.self, "/files/\(Self.segment(id))", query: Self.fieldsQuery(fields), priority: priority,
            endpointName: "GET /2.0/files/{id}")
    }

    /// `GET /folders/{id}`, with `fields=` when given.
    public func folder(_ id: BoxID, fields: [String] = [], priority: PriorityClass = .enrichment) async throws -> BoxFolder {
        try await getJSON(
            BoxFolder.self, "/folders/\(Self.segment(id))", query: Self.fieldsQuery(fields), priority: priority,
            endpointName: "GET /2.0/folders/{id}")
    }

    /// What a collaboration list is for.
    public enum CollaborationTarget: Sendable, Hashable {
        case file(BoxID)
        case folder(BoxID)
    }

    /// One page of `GET /{files|folders}/{id}/collaborations` (marker paging).
    public func collaborations(
        on target: CollaborationTarget, marker: String? = nil, limit: Int = 1_000, fields: [String] = [],
        priority: PriorityClass = .enrichment
    ) async throws -> BoxCollaborationsPage {
        let (path, name) =
            switch target {
            case .file(let id): ("/files/\(Self.segment(id))/collaborations", "GET /2.0/files/{id}/collaborations")
            case .folder(let id): ("/folders/\(Self.segment(id))/collaborations", "GET /2.0/folders/{id}/collaborations")
            }
        var query: [(String, String)] = [("limit", String(limit))]
        if let marker, !marker.isEmpty { query.append(("marker", marker)) }
        query += Self.fieldsQuery(fields)
        return try await getJSON(BoxCollaborationsPage.self, path, query: query, priority: priority, endpointName: name)
    }

    /// Every collaboration on an item.
    public func allCollaborations(on target: CollaborationTarget, pageSize: Int = 1_000, priority: PriorityClass = .enrichment)
        async throws -> [BoxCollaboration]
    {
        var all: [BoxCollaboration] = []
        var marker: String?
        repeat {
            let page = try await collaborations(on: target, marker: marker, limit: pageSize, priority: priority)
            all += page.entries
            marker = page.nextMarker
        } while !(marker ?? "").isEmpty
        return all
    }

    static func fieldsQuery(_ fields: [String]) -> [(String, String)] {
        fields.isEmpty ? [] : [("fields", fields.joined(separator: ","))]
    }
}
