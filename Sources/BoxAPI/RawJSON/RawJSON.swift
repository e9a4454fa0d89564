/// A byte-exact JSON splitter: finds where each event sits in a Box response without decoding it.
///
/// Box events must reach the archive exactly as Box sent them, and stream positions exceed 2^53, so
/// a page is never decoded into `Any`/`Double`. The splitter walks the bytes once, checks the
/// structure (strings, escapes, nesting, literals, commas and colons) and reports byte ranges.
/// Every range and offset counts bytes from the start of the input (0-based), whatever the
/// input's own indices are.
public enum RawJSON {
    /// Nesting deeper than this is rejected rather than risking the stack on hostile input.
    public static let maximumDepth = 512

    /// Malformed JSON: where it went wrong and why. Retrying the same bytes never helps.
    public struct SyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
        /// Byte offset (0-based) of the offending byte, or the input's length at an unexpected end.
        public let offset: Int
        /// 1-based line of `offset` (lines end at `\n`).
        public let line: Int
        /// 1-based column of `offset`, in bytes.
        public let column: Int
        /// What was wrong, e.g. "unterminated string".
        public let reason: String

        public init(offset: Int, line: Int, column: Int, reason: String) {
            self.offset = offset
            self.line = line
            self.column = column
            self.reason = reason
        }

        /// Malformed input stays malformed.
        public var isRetriable: Bool { false }

        public var description: String {
            "\(reason) at byte \(offset) (line \(line), column \(column))"
        }
    }

    /// A Box events page (`GET /events`), split: each entry's byte range, the position verbatim.
    public struct EventsPage: Sendable, Equatable {
        /// Byte ranges of the `entries` elements, in order.
        public var entries: [Range<Int>]
        /// `next_stream_position` exactly as sent: the string's content, or a number's digits.
        /// Never passed through a floating-point type. Nil when absent or null.
        public var nextStreamPosition: String?
        /// `chunk_size` when present as an integer (or a string of digits).
        public var chunkSize: Int?

        public init(entries: [Range<Int>], nextStreamPosition: String?, chunkSize: Int?) {
            self.entries = entries
            self.nextStreamPosition = nextStreamPosition
            self.chunkSize = chunkSize
        }
    }

    /// How an input holding Box events was laid out, as told apart by `split(_:)`.
    public enum Layout: String, Sendable, Equatable {
        /// A single JSON object: one event.
        case single
        /// A top-level array of events.
        case array
        /// An object with an `entries` array: a Box events page.
        case page
        /// Several top-level values, one after another (JSON lines, or concatenated JSON).
        case lines
        /// Nothing but whitespace.
        case empty
    }

    /// Events found in an input of any supported layout.
    public struct Split: Sendable, Equatable {
        public var layout: Layout
        /// Byte ranges of the individual events, in order.
        public var elements: [Range<Int>]
        /// Only for `.page`.
        public var nextStreamPosition: String?
        /// Only for `.page`.
        public var chunkSize: Int?

        public init(layout: Layout, elements: [Range<Int>], nextStreamPosition: String? = nil, chunkSize: Int? = nil) {
            self.layout = layout
            self.elements = elements
            self.nextStreamPosition = nextStreamPosition
            self.chunkSize = chunkSize
        }
    }

    // MARK: - Entry points

    /// Byte ranges of the elements of a top-level array.
    public static func arrayElements(in bytes: [UInt8]) throws(SyntaxError) -> [Range<Int>] {
        try withBuffer(bytes) { (buffer) throws(SyntaxError) in try arrayElements(in: buffer) }
    }

    /// Byte ranges of the elements of a top-level array.
    public static func arrayElements(in buffer: UnsafeRawBufferPointer) throws(SyntaxError) -> [Range<Int>] {
        var scanner = Scanner(buffer)
        scanner.skipWhitespace()
        guard scanner.peek() == UInt8(ascii: "[") else {
            throw scanner.error(scanner.atEnd ? "empty input, expected an array" : "expected an array")
        }
        let elements = try scanner.scanArrayElements(depth: 1)
        try scanner.expectEnd()
        return elements
    }

    /// The entries and position of a Box events page (a top-level object with `entries`).
    public static func eventsPage(in bytes: [UInt8]) throws(SyntaxError) -> EventsPage {
        try withBuffer(bytes) { (buffer) throws(SyntaxError) in try eventsPage(in: buffer) }
    }

    /// The entries and position of a Box events page (a top-level object with `entries`).
    public static func eventsPage(in buffer: UnsafeRawBufferPointer) throws(SyntaxError) -> EventsPage {
        var scanner = Scanner(buffer)
        scanner.skipWhitespace()
        guard scanner.peek() == UInt8(ascii: "{") else {
            throw scanner.error(scanner.atEnd ? "empty input, expected an events page object" : "expected an events page object")
        }
        let page = try scanner.scanPageObject()
        try scanner.expectEnd()
        guard let entries = page.entries else {
            throw SyntaxError.at(0, in: buffer, "events page has no \"entries\" array")
        }
        return EventsPage(entries: entries, nextStreamPosition: page.position, chunkSize: page.chunkSize)
    }

    /// Byte ranges of the values of JSON-lines input (blank lines allowed).
    ///
    /// Each value must end its line; the error of a malformed line names that line.
    public static func lines(in bytes: [UInt8]) throws(SyntaxError) -> [Range<Int>] {
        try withBuffer(bytes) { (buffer) throws(SyntaxError) in try lines(in: buffer) }
    }

    /// Byte ranges of the values of JSON-lines input (blank lines allowed).
    public static func lines(in buffer: UnsafeRawBufferPointer) throws(SyntaxError) -> [Range<Int>] {
        var scanner = Scanner(buffer)
        var ranges: [Range<Int>] = []
        while true {
            scanner.skipWhitespace()
            if scanner.atEnd { return ranges }
            let start = scanner.index
            try scanner.skipValue(depth: 1)
            ranges.append(start..<scanner.index)
            scanner.skipBlanks()
            if scanner.atEnd { return ranges }
            guard scanner.peek() == UInt8(ascii: "\n") || scanner.peek() == UInt8(ascii: "\r") else {
                throw scanner.error("expected the end of the line after a JSON value")
            }
        }
    }

    /// Byte ranges of exactly one JSON value (surrounding whitespace excluded), checking it is well formed.
    public static func singleValue(in buffer: UnsafeRawBufferPointer) throws(SyntaxError) -> Range<Int> {
        var scanner = Scanner(buffer)
        scanner.skipWhitespace()
        if scanner.atEnd { throw scanner.error("empty input, expected a JSON value") }
        let start = scanner.index
        try scanner.skipValue(depth: 1)
        let range = start..<scanner.index
        try scanner.expectEnd()
        return range
    }

    /// Splits an input of any supported layout into events: one object, an array, an events page,
    /// or a sequence of values (JSON lines).
    public static func split(_ bytes: [UInt8]) throws(SyntaxError) -> Split {
        try withBuffer(bytes) { (buffer) throws(SyntaxError) in try split(buffer) }
    }

    /// Splits an input of any supported layout into events: one object, an array, an events page,
    /// or a sequence of values (JSON lines).
    public static func split(_ buffer: UnsafeRawBufferPointer) throws(SyntaxError) -> Split {
        var scanner = Scanner(buffer)
        scanner.skipWhitespace()
        if scanner.atEnd { return Split(layout: .empty, elements: []) }
        let start = scanner.index
        switch scanner.peek() {
        case UInt8(ascii: "["):
            let elements = try scanner.scanArrayElements(depth: 1)
            scanner.skipWhitespace()
            if scanner.atEnd { return Split(layout: .array, elements: elements) }
        case UInt8(ascii: "{"):
            let page = try scanner.scanPageObject()
            scanner.skipWhitespace()
            if scanner.atEnd {
                if let entries = page.entries {
                    return Split(layout: .page, elements: entries, nextStreamPosition: page.position, chunkSize: page.chunkSize)
                }
                return Split(layout: .single, elements: [start..<page.end])
            }
        default:
            try scanner.skipValue(depth: 1)
            scanner.skipWhitespace()
            if scanner.atEnd { return Split(layout: .single, elements: [start..<scanner.index]) }
        }
        // More than one top-level value: read the whole input as JSON lines.
        return Split(layout: .lines, elements: try lines(in: buffer))
    }

    // MARK: - Helpers

    @inline(__always)
    static func withBuffer<R>(
        _ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(SyntaxError) -> R
    ) throws(SyntaxError) -> R {
        // Array's withUnsafeBytes is rethrows-untyped; carry the typed error through a Result.
        let result: Result<R, SyntaxError> = bytes.withUnsafeBytes { buffer in
            do throws(SyntaxError) { return .success(try body(buffer)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// The text of a string or number token as sent (a string's escapes decoded).
    static func tokenText(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>, isString: Bool, hasEscapes: Bool) -> String {
        let slice = UnsafeRawBufferPointer(rebasing: buffer[range])
        if isString && hasEscapes { return unescape(slice) }
        return String(decoding: slice, as: UTF8.self)
    }

    /// Decodes the content of a JSON string (between the quotes) that contains escapes.
    public static func unescape(_ content: UnsafeRawBufferPointer) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(content.count)
        var i = 0
        let n = content.count
        while i < n {
            let byte = content[i]
            if byte != UInt8(ascii: "\\") {
                out.append(byte)
                i += 1
                continue
            }
            guard i + 1 < n else { break }
            let escaped = content[i + 1]
            i += 2
            switch escaped {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"):
                guard let high = hex4(content, i) else { out.append(contentsOf: [0xEF, 0xBF, 0xBD]); continue }
                i += 4
                var scalar = UInt32(high)
                if (0xD800..<0xDC00).contains(high) {
                    // A surrogate pair arrives as two escapes.
                    if i + 1 < n, content[i] == UInt8(ascii: "\\"), content[i + 1] == UInt8(ascii: "u"),
                       let low = hex4(content, i + 2), (0xDC00..<0xE000).contains(low) {
                        scalar = 0x10000 + ((UInt32(high) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                        i += 6
                    } else {
                        scalar = 0xFFFD
                    }
                } else if (0xDC00..<0xE000).contains(high) {
                    scalar = 0xFFFD
                }
                appendUTF8(Unicode.Scalar(scalar) ?? "\u{FFFD}", to: &out)
            default: out.append(escaped)  // \" \\ \/
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    @inline(__always)
    static func hex4(_ buffer: UnsafeRawBufferPointer, _ at: Int) -> UInt16? {
        guard at + 4 <= buffer.count else { return nil }
        var value: UInt16 = 0
        for k in 0..<4 {
            let c = buffer[at + k]
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c &- UInt8(ascii: "a") &+ 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c &- UInt8(ascii: "A") &+ 10
            default: return nil
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    static func appendUTF8(_ scalar: Unicode.Scalar, to out: inout [UInt8]) {
        if let encoded = UTF8.encode(scalar) {
            out.append(contentsOf: encoded)
        }
    }
}

extension RawJSON.SyntaxError {
    /// An error at `offset`, with its line and column counted in `buffer`.
    static func at(_ offset: Int, in buffer: UnsafeRawBufferPointer, _ reason: String) -> RawJSON.SyntaxError {
        var line = 1
        var lineStart = 0
        let end = min(offset, buffer.count)
        var i = 0
        while i < end {
            if buffer[i] == 0x0A {
                line += 1
                lineStart = i + 1
            }
            i += 1
        }
        return RawJSON.SyntaxError(offset: offset, line: line, column: offset - lineStart + 1, reason: reason)
    }
}

extension RawJSON {
    /// The index of the first byte in `start..<end` that is `"`, `\` or a control character
    /// (below 0x20), or `end` — eight bytes at a time, as string contents dominate Box events.
    @inlinable
    public static func stringSpecialIndex(_ buffer: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Int {
        guard let base = buffer.baseAddress else { return end }
        var i = start
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        while i + 8 <= end {
            let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            let quote = word ^ (ones &* 0x22)
            let backslash = word ^ (ones &* 0x5C)
            // A byte is zero in x exactly when (x - 1) & ~x has its high bit set (per byte, exact
            // for the lowest such byte; any hit stops the fast path, so later false hits don't matter).
            let hits = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((word &- (ones &* 0x20)) & ~word)
            if hits & highs != 0 { break }
            i += 8
        }
        while i < end {
            let byte = base.load(fromByteOffset: i, as: UInt8.self)
            if byte == 0x22 || byte == 0x5C || byte < 0x20 { return i }
            i += 1
        }
        return end
    }
}
