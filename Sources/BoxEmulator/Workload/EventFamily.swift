/// The families of Box events the workload mixes (API-NOTES §3), as written to the ground truth.
public enum EventFamily: String, Sendable, CaseIterable {
    /// Enterprise item events whose `source` is an `EventSource` (item_type/item_id/item_name).
    case item
    /// User-stream names (`ITEM_UPLOAD`, `COLLAB_ADD_COLLABORATOR`, …) whose `source` is a full file or folder.
    case userStream = "user_stream"
    /// Collaboration events with the flat folder_id/file_id + user_id/group_id source.
    case collaboration
    case user
    case group
    case application
    case shield
}

/// One event of the workload: its bytes plus what the ground truth needs to know about it.
public struct GeneratedEvent: Sendable {
    public var json: JSONValue
    public var eventID: String?
    public var eventType: String
    public var createdAt: Double
    public var family: EventFamily
    /// The owner of the file or folder the event is about (the drive it happens on), when there is one.
    public var ownerID: String?
    public var actorID: String?
    public var malformed: Bool
    /// Done by the bridge's own service account (health information, not user activity).
    public var byServiceAccount: Bool
}
