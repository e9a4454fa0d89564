import Foundation

/// One event exactly as Box sent it, with a few fields read on demand.
public struct RawBoxEvent: Sendable, Hashable {
    /// The event's JSON bytes, byte for byte as in the response (the archive keeps these).
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// The bytes as text.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Reads the envelope fields; fails on an event the product cannot place (no id or type).
    public func envelope() throws(BoxAPIError) -> BoxEventEnvelope {
        do {
            return try JSONDecoder().decode(BoxEventEnvelope.self, from: Data(bytes))
        } catch {
            throw BoxAPIError.decoding(endpoint: "event", field: BoxAPIError.describe(error))
        }
    }
}

/// The fields of an event every consumer relies on; everything else stays in the raw bytes.
public struct BoxEventEnvelope: Sendable, Hashable, Decodable {
    public var eventID: BoxID
    public var eventType: String
    public var createdAt: String?
    public var recordedAt: String?
    public var createdBy: BoxUserMini?

    enum CodingKeys: String, CodingKey {
        case eventID = "event_id"
        case eventType = "event_type"
        case createdAt = "created_at"
        case recordedAt = "recorded_at"
        case createdBy = "created_by"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        eventID = try container.decode(BoxID.self, forKey: .eventID)
        eventType = try container.decode(String.self, forKey: .eventType)
        createdAt = try? container.decodeIfPresent(String.self, forKey: .createdAt)
        recordedAt = try? container.decodeIfPresent(String.self, forKey: .recordedAt)
        // created_by varies (null, partial, odd ids); a bad one must not make the event unreadable.
        createdBy = try? container.decodeIfPresent(BoxUserMini.self, forKey: .createdBy)
    }
}

/// A page of `GET /events`, split without decoding so every entry keeps Box's exact bytes.
public struct EventsPage: Sendable, Hashable {
    /// The entries, in the order Box sent them.
    public var entries: [RawBoxEvent]
    /// Where to continue: Box's `next_stream_position` after a non-empty page; after an empty page
    /// the previous position, unless that was `now` or `0` (then Box's, when usable).
    public var nextStreamPosition: StreamPosition
    /// `next_stream_position` exactly as Box sent it (nil when absent or null).
    public var reportedStreamPosition: String?
    /// Box's `chunk_size`.
    public var chunkSize: Int?

    public init(entries: [RawBoxEvent], nextStreamPosition: StreamPosition, reportedStreamPosition: String?, chunkSize: Int?) {
        self.entries = entries
        self.nextStreamPosition = nextStreamPosition
        self.reportedStreamPosition = reportedStreamPosition
        self.chunkSize = chunkSize
    }

    /// Splits a response body into raw events and the position to continue from.
    ///
    /// - Parameter previous: the position the page was asked with. An empty page keeps it (Box's
    ///   `admin_logs` answers `0` there; NODE's SDK only advances on non-empty pages), except when it
    ///   was a starting point (`now`, `0`), whose empty page reports where the stream is.
    /// - Throws: `BoxAPIError` (decoding) when the body is not a page, or when a non-empty page
    ///   carries no usable position, since advancing past its events would lose them.
    public static func decode(_ body: [UInt8], previous: StreamPosition, endpoint: String = "GET /2.0/events")
        throws(BoxAPIError) -> EventsPage
    {
        let split: RawJSON.EventsPage
        do {
            split = try RawJSON.eventsPage(in: body)
        } catch {
            throw BoxAPIError.decoding(endpoint: endpoint, field: "body: \(error)")
        }
        let entries = split.entries.map { RawBoxEvent(bytes: Array(body[$0])) }
        let reported = split.nextStreamPosition.map { StreamPosition($0) }
        let next: StreamPosition
        if entries.isEmpty {
            let starting = previous == .now || previous.isUnusable
            next = starting ? (reported.flatMap { $0.isUnusable ? nil : $0 } ?? previous) : previous
        } else if let reported, !reported.isUnusable {
            next = reported
        } else {
            throw BoxAPIError.decoding(
                endpoint: endpoint,
                field: "next_stream_position: \(split.nextStreamPosition.map { "\"\($0)\"" } ?? "missing") on a page of \(entries.count) events")
        }
        return EventsPage(entries: entries, nextStreamPosition: next, reportedStreamPosition: split.nextStreamPosition, chunkSize: split.chunkSize)
    }
}
