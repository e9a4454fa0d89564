/// What to ask `GET /events` for.
public struct EventsQuery: Sendable, Hashable {
    public var streamType: EnterpriseStreamType
    public var position: StreamPosition
    /// Events per page: Box's default 100, its maximum 500.
    public var limit: Int
    /// Only these event types (both enterprise streams honour it).
    public var eventTypes: [String]
    /// RFC 3339 bounds, `admin_logs` only (Box ignores them elsewhere).
    public var createdAfter: String?
    public var createdBefore: String?

    public init(
        streamType: EnterpriseStreamType = .adminLogsStreaming, position: StreamPosition, limit: Int = 500,
        eventTypes: [String] = [], createdAfter: String? = nil, createdBefore: String? = nil
    ) {
        self.streamType = streamType
        self.position = position
        self.limit = limit
        self.eventTypes = eventTypes
        self.createdAfter = createdAfter
        self.createdBefore = createdBefore
    }

    var queryItems: [(String, String)] {
        var items: [(String, String)] = [
            ("stream_type", streamType.rawValue), ("stream_position", position.rawValue), ("limit", String(limit)),
        ]
        if !eventTypes.isEmpty { items.append(("event_type", eventTypes.joined(separator: ","))) }
        if streamType == .adminLogs {
            if let createdAfter { items.append(("created_after", createdAfter)) }
            if let createdBefore { items.append(("created_before", createdBefore)) }
        }
        return items
    }
}

extension BoxClient {
    /// One page of enterprise events, entries as Box's exact bytes, at events priority.
    ///
    /// The page's `nextStreamPosition` is where to continue; an empty page keeps `query.position`.
    public func events(_ query: EventsQuery, priority: PriorityClass = .events) async throws -> EventsPage {
        let name = "GET /2.0/events"
        let response = try await get("/events", query: query.queryItems, priority: priority, endpointName: name)
        return try EventsPage.decode(response.body, previous: query.position, endpoint: name)
    }
}
