import Testing

@testable import BoxAPI

@Suite("Events page decoding")
struct EventsPageTests {
    @Test("a position sent as a JSON number above 2^53 is kept digit for digit")
    func numericPositionAbove2e53() throws {
        let body = #"{"chunk_size":1,"next_stream_position":1152922976252290887,"entries":[{"type":"event","event_id":"a","event_type":"UPLOAD"}]}"#
        let page = try EventsPage.decode(Array(body.utf8), previous: "0")
        #expect(page.nextStreamPosition == "1152922976252290887")
        // Through a Double it would have become …290888: the point of keeping it opaque.
        #expect(String(UInt64(Double(1_152_922_976_252_290_887 as UInt64))) != "1152922976252290887")
    }

    @Test("a position sent as a JSON string is kept verbatim")
    func stringPosition() throws {
        let body = #"{"next_stream_position":"9007199254740993","entries":[{"event_id":"1","event_type":"EDIT"}]}"#
        let page = try EventsPage.decode(Array(body.utf8), previous: "5")
        #expect(page.nextStreamPosition == "9007199254740993")
        #expect(page.reportedStreamPosition == "9007199254740993")
    }

    @Test("an empty page keeps the previous position, whatever Box reports")
    func emptyPageKeepsPosition() throws {
        for reported in [#""0""#, "0", "null", #""1152922976252290999""#] {
            let body = #"{"chunk_size":0,"next_stream_position":"# + reported + #","entries":[]}"#
            let page = try EventsPage.decode(Array(body.utf8), previous: "1152922976252290886")
            #expect(page.nextStreamPosition == "1152922976252290886", "reported \(reported)")
            #expect(page.entries.isEmpty)
        }
    }

    @Test("the empty page of a `now` start carries where the stream is")
    func nowStartTakesReportedPosition() throws {
        let body = #"{"chunk_size":0,"next_stream_position":"1152922976252290886","entries":[]}"#
        #expect(try EventsPage.decode(Array(body.utf8), previous: .now).nextStreamPosition == "1152922976252290886")
        let zero = #"{"chunk_size":0,"next_stream_position":0,"entries":[]}"#
        #expect(try EventsPage.decode(Array(zero.utf8), previous: .now).nextStreamPosition == .now)
    }

    @Test("a page of events without a usable position is refused rather than losing them")
    func nonEmptyPageNeedsPosition() {
        for position in ["", #","next_stream_position":null"#, #","next_stream_position":"0""#] {
            let body = #"{"entries":[{"event_id":"1","event_type":"EDIT"}]"# + position + "}"
            #expect(throws: BoxAPIError.self) { try EventsPage.decode(Array(body.utf8), previous: "77") }
        }
    }

    @Test("entries keep Box's exact bytes: spacing, escapes, number spellings, key order")
    func rawBytesExact() throws {
        let first = #"{ "event_id" : "e1", "event_type":"UPLOAD", "source":{"item_name":"caf\u00e9 – ñ.docx","size":1.0e3}, "zz":[ ] }"#
        let second = #"{"event_type":"COLLABORATION_INVITE","event_id":7,"source":null,"created_by":{"id":2,"login":""}}"#
        let body = #"{"next_stream_position":"42","entries":[ "# + first + " ,\n\t" + second + "]}"
        let page = try EventsPage.decode(Array(body.utf8), previous: "0")
        #expect(page.entries.map(\.text) == [first, second])
    }

    @Test("a body that is not a page is a decoding error that names the problem")
    func malformedBody() {
        #expect {
            try EventsPage.decode(Array(#"{"entries":[{"event_id":"1",}]"#.utf8), previous: "0")
        } throws: { error in
            let error = error as? BoxAPIError
            return error?.kind == .decoding && error?.isRetryable == false
        }
    }

    @Test("the envelope accepts numeric ids, null sources, unknown types and odd actors")
    func tolerantEnvelope() throws {
        let event = RawBoxEvent(bytes: Array(
            #"{"type":"event","event_id":12345678901234567,"event_type":"SOMETHING_NEW_FROM_BOX","source":null,"created_by":{"id":2,"name":"Unknown User","login":""},"created_at":"2024-05-01T09:41:31-07:00","extra":{"x":[1,2]}}"#.utf8))
        let envelope = try event.envelope()
        #expect(envelope.eventID == "12345678901234567")
        #expect(envelope.eventType == "SOMETHING_NEW_FROM_BOX")
        #expect(envelope.createdBy?.id == "2")
        let odd = RawBoxEvent(bytes: Array(#"{"event_id":"x","event_type":"EDIT","created_by":"not an object"}"#.utf8))
        #expect(try odd.envelope().createdBy == nil)
    }

    @Test("an event without an id or a type is refused, naming the field")
    func strictEnvelope() {
        #expect {
            try RawBoxEvent(bytes: Array(#"{"event_type":"EDIT"}"#.utf8)).envelope()
        } throws: { error in
            (error as? BoxAPIError)?.message?.contains("event_id") == true
        }
        #expect(throws: BoxAPIError.self) { try RawBoxEvent(bytes: Array(#"{"event_id":"1","event_type":null}"#.utf8)).envelope() }
    }
}
