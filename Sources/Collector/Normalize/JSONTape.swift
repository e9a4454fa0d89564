import BoxAPI

/// A one-pass JSON parser that records every value as a node on a flat tape, without decoding.
///
/// The normalizer reads a dozen fields of each event; building a dictionary tree (JSONSerialization,
/// JSONDecoder) for that costs more than the rest of normalization. The tape keeps byte ranges
/// instead, so a string is decoded only when a field is used, numbers are kept as their exact
/// text (ids and sizes beyond 2^53 survive), and one array holds the whole document.
struct JSONTape {
    enum Kind: UInt8 {
        case object, array, string, number, bool, null
    }

    /// One value. Containers are followed by their members (objects: key node, value node, ...).
    struct Node {
        var kind: Kind
        /// Strings: whether the content holds escapes. Bools: the value.
        var flag: Bool
        /// Strings: content range (inside the quotes). Numbers: the token. Containers: the whole value.
        var start: Int32
        var end: Int32
        /// Index of the first node after this value's subtree.
        var next: Int32
    }

    static let maximumDepth = 256

    struct ParseError: Error {
        let offset: Int
        let reason: String
    }

    var nodes: [Node] = []

    /// Parses exactly one JSON value (surrounding whitespace allowed).
    init(parsing buffer: UnsafeRawBufferPointer) throws(ParseError) {
        guard buffer.count < Int(Int32.max) else { throw ParseError(offset: 0, reason: "event larger than 2 GiB") }
        nodes.reserveCapacity(64)
        var parser = Parser(buffer: buffer)
        parser.skipWhitespace()
        try parser.parseValue(into: &nodes, depth: 0)
        parser.skipWhitespace()
        if parser.index < buffer.count { throw ParseError(offset: parser.index, reason: "unexpected data after the JSON value") }
    }

    private struct Parser {
        let buffer: UnsafeRawBufferPointer
        var index = 0

        @inline(__always)
        mutating func skipWhitespace() {
            while index < buffer.count {
                let byte = buffer[index]
                guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
                index += 1
            }
        }

        @inline(__always)
        func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

        mutating func parseValue(into nodes: inout [Node], depth: Int) throws(ParseError) {
            guard index < buffer.count else { throw ParseError(offset: index, reason: "unexpected end of input, expected a value") }
            let byte = buffer[index]
            switch byte {
            case UInt8(ascii: "\""):
                try parseString(into: &nodes)
            case UInt8(ascii: "{"):
                guard depth < JSONTape.maximumDepth else { throw ParseError(offset: index, reason: "nesting too deep") }
                let at = nodes.count
                let start = index
                nodes.append(Node(kind: .object, flag: false, start: Int32(start), end: 0, next: 0))
                index += 1
                skipWhitespace()
                if index < buffer.count, buffer[index] == UInt8(ascii: "}") {
                    index += 1
                } else {
                    while true {
                        skipWhitespace()
                        guard index < buffer.count, buffer[index] == UInt8(ascii: "\"") else {
                            throw ParseError(offset: index, reason: index < buffer.count ? "expected a string key" : "unexpected end of input in an object")
                        }
                        try parseString(into: &nodes)
                        skipWhitespace()
                        guard index < buffer.count, buffer[index] == UInt8(ascii: ":") else {
                            throw ParseError(offset: index, reason: "expected ':' after an object key")
                        }
                        index += 1
                        skipWhitespace()
                        try parseValue(into: &nodes, depth: depth + 1)
                        skipWhitespace()
                        guard index < buffer.count else { throw ParseError(offset: index, reason: "unexpected end of input in an object") }
                        if buffer[index] == UInt8(ascii: ",") {
                            index += 1
                            continue
                        }
                        guard buffer[index] == UInt8(ascii: "}") else {
                            throw ParseError(offset: index, reason: "expected ',' or '}' in an object")
                        }
                        index += 1
                        break
                    }
                }
                nodes[at].end = Int32(index)
                nodes[at].next = Int32(nodes.count)
            case UInt8(ascii: "["):
                guard depth < JSONTape.maximumDepth else { throw ParseError(offset: index, reason: "nesting too deep") }
                let at = nodes.count
                let start = index
                nodes.append(Node(kind: .array, flag: false, start: Int32(start), end: 0, next: 0))
                index += 1
                skipWhitespace()
                if index < buffer.count, buffer[index] == UInt8(ascii: "]") {
                    index += 1
                } else {
                    while true {
                        skipWhitespace()
                        try parseValue(into: &nodes, depth: depth + 1)
                        skipWhitespace()
                        guard index < buffer.count else { throw ParseError(offset: index, reason: "unexpected end of input in an array") }
                        if buffer[index] == UInt8(ascii: ",") {
                            index += 1
                            continue
                        }
                        guard buffer[index] == UInt8(ascii: "]") else {
                            throw ParseError(offset: index, reason: "expected ',' or ']' in an array")
                        }
                        index += 1
                        break
                    }
                }
                nodes[at].end = Int32(index)
                nodes[at].next = Int32(nodes.count)
            case UInt8(ascii: "t"):
                try literal("true")
                nodes.append(Node(kind: .bool, flag: true, start: Int32(index - 4), end: Int32(index), next: Int32(nodes.count + 1)))
            case UInt8(ascii: "f"):
                try literal("false")
                nodes.append(Node(kind: .bool, flag: false, start: Int32(index - 5), end: Int32(index), next: Int32(nodes.count + 1)))
            case UInt8(ascii: "n"):
                try literal("null")
                nodes.append(Node(kind: .null, flag: false, start: Int32(index - 4), end: Int32(index), next: Int32(nodes.count + 1)))
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                let start = index
                try number()
                nodes.append(Node(kind: .number, flag: false, start: Int32(start), end: Int32(index), next: Int32(nodes.count + 1)))
            default:
                throw ParseError(offset: index, reason: "unexpected character, expected a value")
            }
        }

        @inline(__always)
        mutating func parseString(into nodes: inout [Node]) throws(ParseError) {
            let open = index
            index += 1
            let start = index
            var escapes = false
            while index < buffer.count {
                index = RawJSON.stringSpecialIndex(buffer, from: index, to: buffer.count)
                guard index < buffer.count else { break }
                let byte = buffer[index]
                if byte == UInt8(ascii: "\"") {
                    nodes.append(Node(kind: .string, flag: escapes, start: Int32(start), end: Int32(index), next: Int32(nodes.count + 1)))
                    index += 1
                    return
                }
                if byte == UInt8(ascii: "\\") {
                    escapes = true
                    guard index + 1 < buffer.count else { break }
                    let escaped = buffer[index + 1]
                    if escaped == UInt8(ascii: "u") {
                        guard index + 6 <= buffer.count,
                              (2..<6).allSatisfy({ isHex(buffer[index + $0]) })
                        else { throw ParseError(offset: index, reason: "invalid \\u escape in string") }
                        index += 6
                        continue
                    }
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                         UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        index += 2
                    default:
                        throw ParseError(offset: index, reason: "invalid escape in string")
                    }
                    continue
                }
                if byte < 0x20 { throw ParseError(offset: index, reason: "control character in string") }
                index += 1
            }
            throw ParseError(offset: open, reason: "unterminated string")
        }

        @inline(__always)
        func isHex(_ c: UInt8) -> Bool {
            isDigit(c) || (c | 0x20) &- UInt8(ascii: "a") < 6
        }

        mutating func literal(_ text: StaticString) throws(ParseError) {
            let length = text.utf8CodeUnitCount
            guard index + length <= buffer.count else { throw ParseError(offset: index, reason: "unexpected end of input in a literal") }
            let expected = UnsafeRawBufferPointer(start: text.utf8Start, count: length)
            for k in 0..<length where buffer[index + k] != expected[k] {
                throw ParseError(offset: index, reason: "invalid literal")
            }
            index += length
        }

        mutating func number() throws(ParseError) {
            let start = index
            if buffer[index] == UInt8(ascii: "-") { index += 1 }
            guard index < buffer.count, isDigit(buffer[index]) else { throw ParseError(offset: start, reason: "invalid number") }
            if buffer[index] == UInt8(ascii: "0") {
                index += 1
            } else {
                while index < buffer.count, isDigit(buffer[index]) { index += 1 }
            }
            if index < buffer.count, buffer[index] == UInt8(ascii: ".") {
                index += 1
                guard index < buffer.count, isDigit(buffer[index]) else { throw ParseError(offset: start, reason: "invalid number") }
                while index < buffer.count, isDigit(buffer[index]) { index += 1 }
            }
            if index < buffer.count, buffer[index] | 0x20 == UInt8(ascii: "e") {
                index += 1
                if index < buffer.count, buffer[index] == UInt8(ascii: "+") || buffer[index] == UInt8(ascii: "-") { index += 1 }
                guard index < buffer.count, isDigit(buffer[index]) else { throw ParseError(offset: start, reason: "invalid number") }
                while index < buffer.count, isDigit(buffer[index]) { index += 1 }
            }
        }
    }
}
