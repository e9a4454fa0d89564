import BoxAPI
import Testing

/// The byte-exact splitter: ranges must cover exactly the bytes Box sent, positions stay text.
@Suite("RawJSON splitter")
struct RawJSONTests {
    private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    private func texts(_ input: [UInt8], _ ranges: [Range<Int>]) -> [String] {
        ranges.map { String(decoding: input[$0], as: UTF8.self) }
    }

    @Test("array elements are exact byte ranges, whitespace excluded")
    func arrayElements() throws {
        let input = bytes(" [ {\"a\":1} ,\n\t[1,[2]] , \"x\" ,-1.5e+3,true,false,null ] ")
        let ranges = try RawJSON.arrayElements(in: input)
        #expect(texts(input, ranges) == ["{\"a\":1}", "[1,[2]]", "\"x\"", "-1.5e+3", "true", "false", "null"])
    }

    @Test("empty array and empty entries give no elements")
    func empties() throws {
        #expect(try RawJSON.arrayElements(in: bytes("[]")) == [])
        #expect(try RawJSON.arrayElements(in: bytes(" [ \n ] ")) == [])
        let page = try RawJSON.eventsPage(in: bytes(#"{"chunk_size":0,"next_stream_position":"0","entries":[]}"#))
        #expect(page.entries.isEmpty)
        #expect(page.nextStreamPosition == "0")
        #expect(page.chunkSize == 0)
    }

    @Test(
        "next_stream_position above 2^53 stays exact, as a number or a string",
        arguments: [
            (#"{"next_stream_position":1152922976252290886,"chunk_size":2,"entries":[{"a":1},{"b":2}]}"#, "1152922976252290886"),
            (#"{"entries":[{"a":1},{"b":2}],"next_stream_position":"1152922976252290886","chunk_size":2}"#, "1152922976252290886"),
            (#"{"entries":[{"a":1},{"b":2}],"chunk_size":2,"next_stream_position":9007199254740993}"#, "9007199254740993"),
            (#"{"entries":[{"a":1},{"b":2}],"chunk_size":2,"next_stream_position":"abc\"def"}"#, "abc\"def"),
        ])
    func bigPositions(json: String, expected: String) throws {
        let input = bytes(json)
        let page = try RawJSON.eventsPage(in: input)
        #expect(page.nextStreamPosition == expected)
        #expect(page.chunkSize == 2)
        #expect(texts(input, page.entries) == [#"{"a":1}"#, #"{"b":2}"#])
    }

    @Test("a null or missing position is nil")
    func missingPosition() throws {
        #expect(try RawJSON.eventsPage(in: bytes(#"{"entries":[],"next_stream_position":null}"#)).nextStreamPosition == nil)
        #expect(try RawJSON.eventsPage(in: bytes(#"{"entries":[]}"#)).nextStreamPosition == nil)
    }

    @Test("quotes, brackets and braces inside strings do not split")
    func trickyStrings() throws {
        let first = #"{"item_name":"a \"quoted\" ] } [ { , name\\","x":"\\\""}"#
        let second = #"{"item_name":"\u005d\ud83d\ude00 \/ \b\f\n\r\t"}"#
        let input = bytes("[\(first),\(second)]")
        #expect(texts(input, try RawJSON.arrayElements(in: input)) == [first, second])
    }

    @Test("non-ASCII bytes (NFC and NFD) are kept byte for byte")
    func nonASCII() throws {
        let nfc = "{\"n\":\"R\u{E9}sum\u{E9} \u{65E5}\u{672C} \u{1F600}\"}"
        let nfd = "{\"n\":\"Re\u{301}sume\u{301}\"}"
        let input = bytes("{\"entries\":[\(nfc),\(nfd)],\"next_stream_position\":\"7\"}")
        let page = try RawJSON.eventsPage(in: input)
        #expect(page.entries.map { Array(input[$0]) } == [bytes(nfc), bytes(nfd)])
        // The NFD element keeps its combining accents rather than being composed.
        #expect(Array(input[page.entries[1]]).contains(0xCC))
    }

    @Test("page members in any order, other members skipped")
    func pageOrder() throws {
        let input = bytes(#"{"type":"events","x":{"entries":[9]},"entries":[ {"e":[1,{"entries":[]}]} ],"chunk_size":"1"}"#)
        let page = try RawJSON.eventsPage(in: input)
        #expect(texts(input, page.entries) == [#"{"e":[1,{"entries":[]}]}"#])
        #expect(page.chunkSize == 1)
    }

    @Test("JSON lines: one value per line, blank lines allowed, CRLF allowed")
    func jsonLines() throws {
        let input = bytes("{\"a\":1}\r\n\n  {\"b\":\"x\\ny\"}  \n[1]\n")
        #expect(texts(input, try RawJSON.lines(in: input)) == ["{\"a\":1}", "{\"b\":\"x\\ny\"}", "[1]"])
    }

    @Test("split tells the layouts apart")
    func splitLayouts() throws {
        #expect(try RawJSON.split(bytes(#" {"event_id":"1"} "#)).layout == .single)
        #expect(try RawJSON.split(bytes(#" {"event_id":"1"} "#)).elements == [1..<17])
        #expect(try RawJSON.split(bytes(#"[{"a":1},{"a":2}]"#)).elements.count == 2)
        let page = try RawJSON.split(bytes(#"{"entries":[{"a":1}],"next_stream_position":12345678901234567890}"#))
        #expect(page.layout == .page)
        #expect(page.nextStreamPosition == "12345678901234567890")
        let lines = try RawJSON.split(bytes("{\"a\":1}\n{\"a\":2}\n{\"a\":3}"))
        #expect(lines.layout == .lines)
        #expect(lines.elements.count == 3)
        #expect(try RawJSON.split(bytes(" \n ")).layout == .empty)
    }

    @Test(
        "malformed input reports the byte offset and line",
        arguments: [
            ("[{\"a\":1}", 8, "unexpected end of input in an array"),
            ("[{\"a\":\"open}]", 6, "unterminated string"),
            ("[{\"a\" 1}]", 6, "expected ':' after an object key"),
            ("[{\"a\":1,}]", 8, "expected a string key in an object"),
            ("[1 2]", 3, "expected ',' or ']' in an array"),
            ("[tru]", 1, "invalid literal"),
            ("[01]", 2, "expected ',' or ']' in an array"),
            ("[-]", 1, "invalid number"),
            ("[\"\\x\"]", 2, "invalid escape in string"),
            ("[\"\\u12G4\"]", 2, "invalid \\u escape in string"),
            ("[\"a\tb\"]", 3, "control character in string"),
            ("[1]]", 3, "unexpected data after the JSON value"),
            ("[\n\n  @]", 5, "unexpected character, expected a value"),
        ])
    func malformedArray(input: String, offset: Int, reason: String) {
        #expect {
            _ = try RawJSON.arrayElements(in: bytes(input))
        } throws: { error in
            guard let error = error as? RawJSON.SyntaxError else { return false }
            return error.offset == offset && error.reason == reason
        }
    }

    @Test("line and column point at the bad line of JSON lines input")
    func lineNumbers() throws {
        let input = bytes("{\"a\":1}\n{\"a\":2}\n{\"a\":}\n")
        let error = try #require(throws: RawJSON.SyntaxError.self) { try RawJSON.lines(in: input) }
        #expect(error.line == 3)
        #expect(error.column == 6)
        #expect(error.offset == 21)
        #expect(error.description.contains("line 3"))
    }

    @Test("two values on one JSON line are an error, not silently merged")
    func twoValuesOneLine() throws {
        let error = try #require(throws: RawJSON.SyntaxError.self) { try RawJSON.lines(in: bytes("{\"a\":1} {\"a\":2}\n")) }
        #expect(error.offset == 8)
    }

    @Test("a page without entries, a wrong position type and deep nesting are errors")
    func pageErrors() throws {
        #expect(throws: RawJSON.SyntaxError.self) { try RawJSON.eventsPage(in: bytes(#"{"next_stream_position":"1"}"#)) }
        #expect(throws: RawJSON.SyntaxError.self) { try RawJSON.eventsPage(in: bytes(#"{"entries":[],"next_stream_position":{}}"#)) }
        #expect(throws: RawJSON.SyntaxError.self) { try RawJSON.eventsPage(in: bytes("[]")) }
        #expect(throws: RawJSON.SyntaxError.self) { try RawJSON.eventsPage(in: []) }
        let deep = bytes(String(repeating: "[", count: 600) + String(repeating: "]", count: 600))
        let error = try #require(throws: RawJSON.SyntaxError.self) { try RawJSON.arrayElements(in: deep) }
        #expect(error.reason.contains("nesting"))
    }

    @Test("a large page splits correctly")
    func largePage() throws {
        let event = #"{"type":"event","event_id":"ID","source":{"item_name":"x]}\"{["},"additional_details":{"size":5000000000}}"#
        let entries = (0..<500).map { event.replacingOccurrences(of: "ID", with: "e\($0)") }
        let input = bytes("{\"chunk_size\":500,\"next_stream_position\":\"1152922976252290886\",\"entries\":[\(entries.joined(separator: ","))]}")
        let page = try RawJSON.eventsPage(in: input)
        #expect(texts(input, page.entries) == entries)
    }
}

private extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
