/// Maps key paths of a TOML document to the line that defines them.
///
/// TOMLKit does not expose source positions of keys, so this scans the text once with a small
/// lexer that understands what moves lines and keys around: `[table]` and `[[array]]` headers
/// (counting the elements of each array of tables, also nested ones), dotted and quoted keys,
/// basic, literal and multi-line strings, multi-line arrays (each element gets its own line) and
/// inline tables. It runs only on text TOMLKit has already accepted, and never traps on text it
/// does not understand: it skips to the next line.
struct TOMLLineLocator: Sendable {
    private let lines: [ConfigKeyPath: Int]

    init(text: String) {
        var scanner = Scanner(bytes: Array(text.utf8))
        scanner.run()
        lines = scanner.lines
    }

    /// The line (1-based) where `path` is defined, or nil when the document does not define it.
    func exactLine(for path: ConfigKeyPath) -> Int? {
        lines[path]
    }

    /// The line of `path` or, when it is absent (a missing key), of its closest defined ancestor,
    /// e.g. the `[[connections]]` header of a connection that lacks a key.
    func line(for path: ConfigKeyPath) -> Int? {
        var current = path
        while true {
            if let line = lines[current] { return line }
            if current.components.isEmpty { return nil }
            current = current.parent
        }
    }
}

private struct Scanner {
    let bytes: [UInt8]
    var position = 0
    var line = 1
    var lines: [ConfigKeyPath: Int] = [:]
    /// The table the key/value lines belong to (set by the last header).
    var currentTable = ConfigKeyPath.root
    /// How many elements each array of tables has so far, by its path without the index.
    var arrayTableCounts: [ConfigKeyPath: Int] = [:]

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    // MARK: Bytes

    private static let newline = UInt8(ascii: "\n")
    private var atEnd: Bool { position >= bytes.count }
    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private func peek(_ offset: Int) -> UInt8? {
        position + offset < bytes.count ? bytes[position + offset] : nil
    }

    private mutating func advance() {
        if bytes[position] == Self.newline { line += 1 }
        position += 1
    }

    private mutating func skipSpaces() {
        while let byte = current, byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") {
            position += 1
        }
    }

    /// Skips spaces, newlines and comments (between lines and between array elements).
    private mutating func skipBlank() {
        while let byte = current {
            if byte == UInt8(ascii: "#") {
                skipToLineEnd()
            } else if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") || byte == Self.newline {
                advance()
            } else {
                return
            }
        }
    }

    private mutating func skipToLineEnd() {
        while let byte = current, byte != Self.newline { position += 1 }
    }

    private mutating func record(_ path: ConfigKeyPath, _ line: Int) {
        if lines[path] == nil { lines[path] = line }
    }

    // MARK: Document

    mutating func run() {
        while true {
            skipBlank()
            guard let byte = current else { return }
            if byte == UInt8(ascii: "[") {
                header()
            } else {
                keyValue(in: currentTable)
            }
            // Whatever follows a header or a value on its line is a comment (or an error TOMLKit reported).
            skipToLineEnd()
        }
    }

    private mutating func header() {
        let headerLine = line
        let isArray = peek(1) == UInt8(ascii: "[")
        position += isArray ? 2 : 1
        guard let keys = key() else { return }
        var resolved: [ConfigKeyPath.Component] = []
        for (offset, part) in keys.enumerated() {
            resolved.append(.key(part))
            let prefix = ConfigKeyPath(resolved)
            if offset == keys.count - 1 {
                if isArray {
                    let index = arrayTableCounts[prefix, default: 0]
                    arrayTableCounts[prefix] = index + 1
                    record(prefix, headerLine)
                    resolved.append(.index(index))
                }
            } else if let count = arrayTableCounts[prefix] {
                // `[[a.b]]` after `[[a]]` belongs to the last element of `a`.
                resolved.append(.index(count - 1))
            }
        }
        currentTable = ConfigKeyPath(resolved)
        record(currentTable, headerLine)
    }

    /// `key = value`, the key possibly dotted or quoted.
    private mutating func keyValue(in table: ConfigKeyPath) {
        let keyLine = line
        guard let keys = key() else { return }
        skipSpaces()
        guard current == UInt8(ascii: "=") else { return }
        position += 1
        skipSpaces()
        var path = table
        for part in keys { path = path.appending(part) }
        record(path, keyLine)
        value(at: path)
    }

    // MARK: Keys

    /// A possibly dotted key: `a`, `a.b`, `"a.b"`, `'c' . d`. Nil when no key starts here.
    private mutating func key() -> [String]? {
        var parts: [String] = []
        while true {
            skipSpaces()
            guard let byte = current else { return nil }
            if byte == UInt8(ascii: "\"") {
                guard let text = basicString() else { return nil }
                parts.append(text)
            } else if byte == UInt8(ascii: "'") {
                guard let text = literalString() else { return nil }
                parts.append(text)
            } else {
                let start = position
                while let next = current, Self.isBareKeyByte(next) { position += 1 }
                guard position > start else { return nil }
                parts.append(String(decoding: bytes[start..<position], as: UTF8.self))
            }
            skipSpaces()
            guard current == UInt8(ascii: ".") else { return parts }
            position += 1
        }
    }

    private static func isBareKeyByte(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
            || byte == 0x5F || byte == 0x2D
    }

    // MARK: Values

    private mutating func value(at path: ConfigKeyPath) {
        guard let byte = current else { return }
        switch byte {
        case UInt8(ascii: "\""):
            if peek(1) == UInt8(ascii: "\""), peek(2) == UInt8(ascii: "\"") {
                multilineString(quote: UInt8(ascii: "\""))
            } else {
                _ = basicString()
            }
        case UInt8(ascii: "'"):
            if peek(1) == UInt8(ascii: "'"), peek(2) == UInt8(ascii: "'") {
                multilineString(quote: UInt8(ascii: "'"))
            } else {
                _ = literalString()
            }
        case UInt8(ascii: "["):
            array(at: path)
        case UInt8(ascii: "{"):
            inlineTable(at: path)
        default:
            // Numbers, booleans and dates: up to the next delimiter.
            while let next = current,
                next != UInt8(ascii: ","), next != UInt8(ascii: "]"), next != UInt8(ascii: "}"),
                next != Self.newline, next != UInt8(ascii: "#")
            {
                position += 1
            }
        }
    }

    private mutating func array(at path: ConfigKeyPath) {
        position += 1
        var index = 0
        while true {
            skipBlank()
            guard let byte = current else { return }
            if byte == UInt8(ascii: "]") {
                position += 1
                return
            }
            let element = path.appending(index: index)
            record(element, line)
            let before = position
            value(at: element)
            index += 1
            skipBlank()
            if current == UInt8(ascii: ",") {
                position += 1
            } else if current == UInt8(ascii: "]") {
                position += 1
                return
            } else if position == before || atEnd {
                return
            }
        }
    }

    private mutating func inlineTable(at path: ConfigKeyPath) {
        position += 1
        while true {
            skipBlank()
            guard let byte = current else { return }
            if byte == UInt8(ascii: "}") {
                position += 1
                return
            }
            let before = position
            keyValue(in: path)
            skipBlank()
            if current == UInt8(ascii: ",") {
                position += 1
            } else if current == UInt8(ascii: "}") {
                position += 1
                return
            } else if position == before || atEnd {
                return
            }
        }
    }

    /// A `"..."` string with its escapes decoded (keys may be quoted). Nil if unterminated.
    private mutating func basicString() -> String? {
        position += 1
        var out: [UInt8] = []
        while let byte = current {
            if byte == Self.newline { return nil }
            position += 1
            if byte == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
            if byte == UInt8(ascii: "\\"), let escaped = current {
                position += 1
                switch escaped {
                case UInt8(ascii: "n"): out.append(Self.newline)
                case UInt8(ascii: "t"): out.append(UInt8(ascii: "\t"))
                case UInt8(ascii: "r"): out.append(UInt8(ascii: "\r"))
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"), UInt8(ascii: "U"):
                    let digits = escaped == UInt8(ascii: "u") ? 4 : 8
                    guard position + digits <= bytes.count,
                        let scalarValue = UInt32(String(decoding: bytes[position..<position + digits], as: UTF8.self), radix: 16),
                        let scalar = Unicode.Scalar(scalarValue)
                    else { return nil }
                    position += digits
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: out.append(escaped)
                }
            } else {
                out.append(byte)
            }
        }
        return nil
    }

    /// A `'...'` string, taken as written. Nil if unterminated.
    private mutating func literalString() -> String? {
        position += 1
        let start = position
        while let byte = current {
            if byte == Self.newline { return nil }
            position += 1
            if byte == UInt8(ascii: "'") {
                return String(decoding: bytes[start..<position - 1], as: UTF8.self)
            }
        }
        return nil
    }

    /// `"""..."""` or `'''...'''`, counting the lines it spans. Up to two extra quotes may end it.
    private mutating func multilineString(quote: UInt8) {
        position += 3
        while let byte = current {
            if quote == UInt8(ascii: "\""), byte == UInt8(ascii: "\\") {
                advance()
                if !atEnd { advance() }
                continue
            }
            if byte == quote, peek(1) == quote, peek(2) == quote {
                position += 3
                // `""""` or `"""""` closes with the quotes inside the string.
                var extra = 0
                while extra < 2, current == quote {
                    position += 1
                    extra += 1
                }
                return
            }
            advance()
        }
    }
}
