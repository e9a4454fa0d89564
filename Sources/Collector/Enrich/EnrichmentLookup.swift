public import BoxBridgeProtocol

/// One Box call enrichment may make. Equal lookups in a batch are made once.
public enum EnrichmentLookup: Hashable, Sendable, CustomStringConvertible {
    /// `GET /folders/{id}?fields=name,path_collection`: a parent folder's own path (cached).
    case folderPath(folderID: String)
    /// `GET /files/{id}` (or `/folders/{id}`) `?fields=name,parent,path_collection,shared_link`:
    /// the item's shared link now, and its path when the event did not name the parent.
    case item(id: String, isFolder: Bool)

    public var description: String {
        switch self {
        case .folderPath(let id): "folder \(id)"
        case .item(let id, let isFolder): "\(isFolder ? "folder" : "file") \(id)"
        }
    }
}

/// What Box said about an item, as far as enrichment uses it.
public struct EnrichedItemFacts: Sendable, Hashable {
    /// The item's name now (used only when the event carried none).
    public var name: String
    /// The parent folder's id, and its path from `path_collection` ("/All Files/A"); nil at no parent.
    public var parentID: String?
    public var parentPath: String?
    /// The shared link's effective access (its `access` when no effective one is given);
    /// `.unspecified` when the item has no shared link now.
    public var linkAccess: Boxbridge_V1_LinkAccess

    public init(name: String, parentID: String?, parentPath: String?, linkAccess: Boxbridge_V1_LinkAccess) {
        self.name = name
        self.parentID = parentID
        self.parentPath = parentPath
        self.linkAccess = linkAccess
    }
}

/// Why a lookup gave nothing usable.
public enum EnrichmentSkipReason: String, Sendable, Hashable {
    /// The batch's deadline came first.
    case deadline
    /// The scheduler shed the request (budget short, waited too long, queue full).
    case shed
    /// Box kept answering 429 until the scheduler gave up.
    case rateLimited = "rate_limited"
    /// More lookups were wanted than one batch may start.
    case tooMany = "too_many"
}

/// How one lookup ended.
public enum EnrichmentOutcome: Sendable, Hashable {
    /// A folder's full path, "/All Files/A/B".
    case folderPath(String)
    case item(EnrichedItemFacts)
    /// The budget was short: the event goes out unenriched with status SKIPPED_BUDGET.
    case skipped(EnrichmentSkipReason)
    /// Box refused (404 gone, 403, a malformed answer, a 5xx after retries): status FAILED.
    /// `reason` is short and free of secrets and personal data (status and Box code).
    case failed(reason: String)
}
