import BoxAPI
import BoxBridgeProtocol

/// Finds the drive (owner) of files that an event does not name, so scope can be decided.
///
/// File-level collaboration events carry `{file_id, file_name, user_id, ...}` without `owned_by`
/// (API-NOTES §3), yet scope is by owner. The owner is asked once per file at scope priority and
/// remembered in a bounded cache (owners rarely change; a wrong guess would only mis-scope).
struct OwnerLookup: Sendable {
    private var cache: [String: Boxbridge_V1_User?] = [:]
    private var order: [String] = []
    private var head = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Whether `event` needs its owner looked up: it names a file or folder but not its owner.
    static func needsOwner(_ event: Boxbridge_V1_FileEvent) -> Bool {
        guard event.hasFile, !event.file.id.isEmpty else { return false }
        return !event.file.hasOwner || event.file.owner.id.isEmpty
    }

    /// The cached owner: `.some(nil)` when Box said the item is gone, nil when not asked yet.
    func cached(_ itemID: String) -> Boxbridge_V1_User?? {
        cache[itemID]
    }

    mutating func remember(_ itemID: String, owner: Boxbridge_V1_User?) {
        if cache.updateValue(owner, forKey: itemID) == nil {
            order.append(itemID)
            if order.count - head > capacity {
                cache[order[head]] = nil
                head += 1
                if head > 4_096 && head * 2 > order.count {
                    order.removeFirst(head)
                    head = 0
                }
            }
        }
    }

    /// Asks Box for the owner of `file` (a file or folder); nil when Box says it no longer exists.
    static func fetch(_ file: Boxbridge_V1_FileRef, client: BoxClient) async throws -> Boxbridge_V1_User? {
        let owner: BoxUserMini?
        do {
            if file.itemType == "folder" {
                owner = try await client.folder(BoxID(file.id), fields: ["owned_by"], priority: .scope).ownedBy
            } else {
                owner = try await client.file(BoxID(file.id), fields: ["owned_by"], priority: .scope).ownedBy
            }
        } catch let error as BoxAPIError where error.status == 404 || error.status == 405 {
            // Trashed, deleted or malformed id: no drive to attribute it to.
            return nil
        }
        guard let owner else { return nil }
        var user = Boxbridge_V1_User()
        user.id = owner.id.rawValue
        user.name = owner.name ?? ""
        user.login = owner.login ?? ""
        return user
    }
}
