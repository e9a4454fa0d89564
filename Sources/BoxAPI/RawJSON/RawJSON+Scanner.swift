extension RawJSON {
    /// One forward pass over the bytes; every method leaves `index` just past what it read.
    struct Scanner {
        let buffer: UnsafeRawBufferPointer
        let count: Int
        var index = 0

        init(_ buffer: UnsafeRawBufferPointer) {
            self.buffer = buffer
            self.count = buffer.count
        }

        var atEnd: Bool { index >= count }

        @inline(__always)
        func peek() -> UInt8? { index < count ? buffer[index] : nil }

        func error(_ reason: String, at offset: Int? = nil) -> SyntaxError {
            SyntaxError.at(offset ?? index, in: buffer, reason)
        }

        @inline(__always)
        mutating func skipWhitespace() {
            while index < count {
                switch buffer[index] {
                case 0x20, 0x0A, 0x0D, 0x09: index += 1
                default: return
                }
            }
        }

        /// Skips spaces and tabs only (used to find the end of a JSON line).
        mutating func skipBlanks() {
            while index < count, buffer[index] == 0x20 || buffer[index] == 0x09 { index += 1 }
        }

        mutating func expectEnd() throws(SyntaxError) {
            skipWhitespace()
            if !atEnd { throw error("unexpected data after the JSON value") }
        }

        /// Skips one value of any kind, checking its structure.
        mutating func skipValue(depth: Int) throws(SyntaxError) {
            guard index < count else { throw error("unexpected end of input, expected a value") }
            switch buffer[index] {
            case UInt8(ascii: "\""): _ = try skipString()
            case UInt8(ascii: "{"): try skipObject(depth: depth)
            case UInt8(ascii: "["): try skipArray(depth: depth)
            case UInt8(ascii: "t"): try skipLiteral("true")
            case UInt8(ascii: "f"): try skipLiteral("false")
            case UInt8(ascii: "n"): try skipLiteral("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try skipNumber()
            default: throw error("unexpected character, expected a value")
            }
        }

        /// Skips a string starting at its opening quote; returns whether it holds escapes.
        @inline(__always)
        mutating func skipString() throws(SyntaxError) -> Bool {
            let open = index
            index += 1
            var escapes = false
            while index < count {
                index = RawJSON.stringSpecialIndex(buffer, from: index, to: count)
                guard index < count else { break }
                let byte = buffer[index]
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    return escapes
                }
                if byte == UInt8(ascii: "\\") {
                    escapes = true
                    guard index + 1 < count else { break }
                    switch buffer[index + 1] {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                         UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        index += 2
                    case UInt8(ascii: "u"):
                        guard RawJSON.hex4(buffer, index + 2) != nil else {
                            throw error("invalid \\u escape in string")
                        }
                        index += 6
                    default:
                        throw error("invalid escape in string")
                    }
                    continue
                }
                if byte < 0x20 { throw error("control character in string") }
                index += 1
            }
            throw error("unterminated string", at: open)
        }

        mutating func skipLiteral(_ literal: StaticString) throws(SyntaxError) {
            let length = literal.utf8CodeUnitCount
            guard index + length <= count else { throw error("unexpected end of input in a literal") }
            let expected = UnsafeRawBufferPointer(start: literal.utf8Start, count: length)
            for k in 0..<length where buffer[index + k] != expected[k] {
                throw error("invalid literal")
            }
            index += length
        }

        mutating func skipNumber() throws(SyntaxError) {
            let start = index
            if buffer[index] == UInt8(ascii: "-") { index += 1 }
            guard index < count, isDigit(buffer[index]) else { throw error("invalid number", at: start) }
            if buffer[index] == UInt8(ascii: "0") {
                index += 1
            } else {
                while index < count, isDigit(buffer[index]) { index += 1 }
            }
            if index < count, buffer[index] == UInt8(ascii: ".") {
                index += 1
                guard index < count, isDigit(buffer[index]) else { throw error("invalid number", at: start) }
                while index < count, isDigit(buffer[index]) { index += 1 }
            }
            if index < count, buffer[index] == UInt8(ascii: "e") || buffer[index] == UInt8(ascii: "E") {
                index += 1
                if index < count, buffer[index] == UInt8(ascii: "+") || buffer[index] == UInt8(ascii: "-") { index += 1 }
                guard index < count, isDigit(buffer[index]) else { throw error("invalid number", at: start) }
                while index < count, isDigit(buffer[index]) { index += 1 }
            }
        }

        @inline(__always)
        func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

        mutating func skipObject(depth: Int) throws(SyntaxError) {
            guard depth <= RawJSON.maximumDepth else { throw error("nesting deeper than \(RawJSON.maximumDepth)") }
            index += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "}") {
                index += 1
                return
            }
            while true {
                try skipKeyAndColon()
                skipWhitespace()
                try skipValue(depth: depth + 1)
                if try afterMember(close: UInt8(ascii: "}"), what: "object") { return }
            }
        }

        mutating func skipArray(depth: Int) throws(SyntaxError) {
            guard depth <= RawJSON.maximumDepth else { throw error("nesting deeper than \(RawJSON.maximumDepth)") }
            index += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "]") {
                index += 1
                return
            }
            while true {
                skipWhitespace()
                try skipValue(depth: depth + 1)
                if try afterMember(close: UInt8(ascii: "]"), what: "array") { return }
            }
        }

        /// Reads a key string and its colon; returns the key's content range and whether it has escapes.
        @discardableResult
        mutating func skipKeyAndColon() throws(SyntaxError) -> (Range<Int>, Bool) {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else {
                throw error(atEnd ? "unexpected end of input in an object" : "expected a string key in an object")
            }
            let start = index
            let escapes = try skipString()
            let key = (start + 1)..<(index - 1)
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else {
                throw error(atEnd ? "unexpected end of input in an object" : "expected ':' after an object key")
            }
            index += 1
            return (key, escapes)
        }

        /// After a member: consumes `,` (returns false) or the closing bracket (returns true).
        @inline(__always)
        mutating func afterMember(close: UInt8, what: String) throws(SyntaxError) -> Bool {
            skipWhitespace()
            guard index < count else { throw error("unexpected end of input in an \(what)") }
            let byte = buffer[index]
            if byte == UInt8(ascii: ",") {
                index += 1
                return false
            }
            if byte == close {
                index += 1
                return true
            }
            throw error("expected ',' or '\(Character(Unicode.Scalar(close)))' in an \(what)")
        }

        /// Reads an array starting at `[`, returning each element's byte range.
        mutating func scanArrayElements(depth: Int) throws(SyntaxError) -> [Range<Int>] {
            var ranges: [Range<Int>] = []
            index += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "]") {
                index += 1
                return ranges
            }
            while true {
                skipWhitespace()
                let start = index
                try skipValue(depth: depth + 1)
                ranges.append(start..<index)
                if try afterMember(close: UInt8(ascii: "]"), what: "array") { return ranges }
            }
        }

        struct PageFields {
            var entries: [Range<Int>]?
            var position: String?
            var chunkSize: Int?
            var end = 0
        }

        /// Reads an object starting at `{`, picking out the events-page members.
        mutating func scanPageObject() throws(SyntaxError) -> PageFields {
            var fields = PageFields()
            index += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "}") {
                index += 1
                fields.end = index
                return fields
            }
            while true {
                let (key, _) = try skipKeyAndColon()
                skipWhitespace()
                if keyEquals(key, "entries"), peek() == UInt8(ascii: "[") {
                    fields.entries = try scanArrayElements(depth: 2)
                } else if keyEquals(key, "next_stream_position") {
                    fields.position = try scanScalarText(name: "next_stream_position")
                } else if keyEquals(key, "chunk_size") {
                    fields.chunkSize = try scanScalarText(name: "chunk_size").flatMap { Int($0) }
                } else {
                    try skipValue(depth: 2)
                }
                if try afterMember(close: UInt8(ascii: "}"), what: "object") {
                    fields.end = index
                    return fields
                }
            }
        }

        /// A string's content or a number's exact text; nil for null; an error for anything else.
        mutating func scanScalarText(name: String) throws(SyntaxError) -> String? {
            let start = index
            guard let first = peek() else { throw error("unexpected end of input, expected \(name)") }
            switch first {
            case UInt8(ascii: "\""):
                let escapes = try skipString()
                return RawJSON.tokenText(buffer, (start + 1)..<(index - 1), isString: true, hasEscapes: escapes)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                try skipNumber()
                return RawJSON.tokenText(buffer, start..<index, isString: false, hasEscapes: false)
            case UInt8(ascii: "n"):
                try skipLiteral("null")
                return nil
            default:
                throw error("\(name) must be a string or a number")
            }
        }

        func keyEquals(_ key: Range<Int>, _ expected: StaticString) -> Bool {
            let length = expected.utf8CodeUnitCount
            guard key.count == length else { return false }
            let bytes = UnsafeRawBufferPointer(start: expected.utf8Start, count: length)
            for k in 0..<length where buffer[key.lowerBound + k] != bytes[k] { return false }
            return true
        }
    }
}
