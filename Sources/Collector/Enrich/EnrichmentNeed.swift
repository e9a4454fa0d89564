public import BoxBridgeProtocol

/// What one file event lacks that Box can tell, decided from the event alone (no I/O).
///
/// - The path: wanted when the event has a file id and no path. It is the parent folder's path
///   plus the item's name; the parent's path comes from the cache, from `GET /folders/{parent}`,
///   or (when the event names no parent) from the item itself.
/// - The link's effective access: wanted for shared-link events whose payload did not say it;
///   `GET /files/{id}?fields=shared_link` gives it (open = public, hence external).
public struct EnrichmentNeed: Sendable, Hashable {
    /// The folder whose path, plus the item's name, is the event's path.
    public var parentFolderID: String?
    /// The path must come from the item lookup (the event names no parent or no name).
    public var pathFromItem = false
    /// The shared link's access must be looked up.
    public var link = false
    /// The item to look up, when `link` or `pathFromItem`.
    public var item: EnrichmentLookup?

    public init() {}

    /// Whether anything is wanted at all (NOT_NEEDED otherwise).
    public var isNeeded: Bool { parentFolderID != nil || pathFromItem || link }

    /// The Box id of the root folder, "All Files", whose path needs no call.
    public static let rootFolderID = "0"
    /// The root folder's path, as Box names it in `path_collection`.
    public static let rootPath = "/All Files"

    /// What `event` needs.
    public static func of(_ event: Boxbridge_V1_FileEvent) -> EnrichmentNeed {
        var need = EnrichmentNeed()
        guard event.hasFile, !event.file.id.isEmpty else { return need }
        let file = event.file
        let isFolder = file.itemType == "folder"
        // Web links have no /files or /folders view; their path can still come from the parent.
        let canLookUpItem = file.itemType.isEmpty || file.itemType == "file" || isFolder
        let item = EnrichmentLookup.item(id: file.id, isFolder: isFolder)
        if canLookUpItem, event.category == .sharedLink, !event.hasShare || event.share.linkAccess == .unspecified {
            need.link = true
            need.item = item
        }
        if file.path.isEmpty {
            if !file.parentID.isEmpty, !file.name.isEmpty {
                need.parentFolderID = file.parentID
            } else if canLookUpItem {
                need.pathFromItem = true
                need.item = item
            }
        }
        return need
    }
}
