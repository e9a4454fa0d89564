import Hummingbird

extension EmulatorResponder {
    /// `GET /2.0/events` for the enterprise streams (API-NOTES §2).
    func events(query: QueryItems, userID: String, requestID: String) -> Response {
        let e = core.enterprise
        let isAdmin = userID == e.serviceAccount.id
            || e.usersByID[userID].map { e.users[$0].role == "admin" || e.users[$0].role == "coadmin" } ?? false
        guard isAdmin else {
            return BoxResponses.error(status: 403, code: "access_denied_insufficient_permissions",
                                      message: "Access denied - insufficient permission", requestID: requestID)
        }
        let streamText = query["stream_type"] ?? "all"
        guard let stream = EventPager.StreamType(rawValue: streamText) else {
            return BoxResponses.badParameter(
                "stream_type", "The emulator serves only admin_logs and admin_logs_streaming, got '\(streamText)'", requestID: requestID)
        }
        var limit = 100
        if let text = query["limit"] {
            guard let l = Int(text), l >= 1, l <= 500 else {
                return BoxResponses.badParameter("limit", "Invalid value '\(text)'. Must be between 1 and 500", requestID: requestID)
            }
            limit = l
        }
        guard let start = EventPager.parseStart(query["stream_position"]) else {
            return BoxResponses.badParameter(
                "stream_position", "Invalid value '\(query["stream_position"] ?? "")'. Not a stream position", requestID: requestID)
        }
        var types: Set<String>?
        if let t = query["event_type"], !t.isEmpty {
            types = Set(t.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        }
        var after: Double?
        var before: Double?
        // created_after/created_before are honoured by admin_logs only and ignored elsewhere, as Box does.
        if stream == .adminLogs {
            if let a = query["created_after"] {
                guard let v = Timestamp.parse(a) else {
                    return BoxResponses.badParameter("created_after", "Invalid value '\(a)'. Must be RFC 3339", requestID: requestID)
                }
                after = v
            }
            if let b = query["created_before"] {
                guard let v = Timestamp.parse(b) else {
                    return BoxResponses.badParameter("created_before", "Invalid value '\(b)'. Must be RFC 3339", requestID: requestID)
                }
                before = v
            }
        }
        let page = core.pager.page(
            EventPager.Query(stream: stream, start: start, limit: limit, eventTypes: types, createdAfter: after, createdBefore: before),
            log: core.log)
        return BoxResponses.json(EmulatorResponder.eventsBody(page: page, log: core.log), requestID: requestID)
    }

    /// The `Events` body, assembled from each event's bytes.
    static func eventsBody(page: EventPager.Page, log: EventLog) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(page.indices.count * 1_200 + 96)
        out.append(contentsOf: Array("{\"chunk_size\":".utf8))
        JSONValue.writeInt(Int64(page.indices.count), to: &out)
        out.append(contentsOf: Array(",\"next_stream_position\":".utf8))
        if page.nextIsZero {
            out.append(UInt8(ascii: "0"))
        } else {
            JSONValue.writeString(page.nextPosition, to: &out)
        }
        out.append(contentsOf: Array(",\"entries\":[".utf8))
        for (i, index) in page.indices.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            log.write(index, to: &out)
        }
        out.append(contentsOf: Array("]}".utf8))
        return out
    }
}
