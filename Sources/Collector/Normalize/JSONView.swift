import BoxAPI

/// Typed reads over a parsed tape, valid only while its buffer is.
///
/// Each read says what it accepts; a present value of the wrong type throws a `FieldError` naming
/// the field's path, which the normalizer turns into a quarantine reason. Absent and `null` are the
/// same to every read: Box omits and nulls optional fields interchangeably.
struct JSONView {
    let buffer: UnsafeRawBufferPointer
    let nodes: [JSONTape.Node]

    /// A value that is present but unusable where the product relies on it.
    struct FieldError: Error {
        let path: String
        let problem: String
        var reason: String { "\(path) \(problem)" }
    }

    typealias Ref = Int

    @inline(__always)
    func kind(_ ref: Ref) -> JSONTape.Kind { nodes[ref].kind }

    func kindName(_ ref: Ref) -> String {
        switch nodes[ref].kind {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }

    /// The value of `key` in `object`, or nil when absent, null, or `object` is not an object.
    @inline(__always)
    func member(_ object: Ref?, _ key: StaticString) -> Ref? {
        guard let object, nodes[object].kind == .object else { return nil }
        let length = key.utf8CodeUnitCount
        let keyBytes = key.utf8Start
        let end = Int(nodes[object].next)
        var i = object + 1
        while i < end {
            let keyNode = nodes[i]
            let value = i + 1
            if keyNode.flag {
                // An escaped key is rare; compare its decoded form.
                if unescaped(keyNode) == String(decoding: UnsafeBufferPointer(start: keyBytes, count: length), as: UTF8.self) {
                    return nodes[value].kind == .null ? nil : value
                }
            } else if Int(keyNode.end - keyNode.start) == length,
                      memoryEqual(Int(keyNode.start), keyBytes, length)
            {
                return nodes[value].kind == .null ? nil : value
            }
            i = Int(nodes[value].next)
        }
        return nil
    }

    /// Whether `object` has `key` at all, even with a null value (used to recognise shapes).
    func hasKey(_ object: Ref, _ key: StaticString) -> Bool {
        guard nodes[object].kind == .object else { return false }
        let end = Int(nodes[object].next)
        var i = object + 1
        while i < end {
            if stringEquals(i, key) { return true }
            i = Int(nodes[i + 1].next)
        }
        return false
    }

    /// Members of an object as (key node, value node) pairs, in order.
    func members(_ object: Ref) -> [(key: Ref, value: Ref)] {
        guard nodes[object].kind == .object else { return [] }
        var result: [(Ref, Ref)] = []
        let end = Int(nodes[object].next)
        var i = object + 1
        while i < end {
            result.append((i, i + 1))
            i = Int(nodes[i + 1].next)
        }
        return result
    }

    /// The first member whose key starts with `prefix` and whose value is of `kind`, without allocating.
    func firstMember(of object: Ref, withKeyPrefix prefix: StaticString, kind: JSONTape.Kind) -> (key: Ref, value: Ref)? {
        guard nodes[object].kind == .object else { return nil }
        let length = prefix.utf8CodeUnitCount
        let end = Int(nodes[object].next)
        var i = object + 1
        while i < end {
            let keyNode = nodes[i]
            if nodes[i + 1].kind == kind, Int(keyNode.end - keyNode.start) >= length, !keyNode.flag,
               memoryEqual(Int(keyNode.start), prefix.utf8Start, length)
            {
                return (i, i + 1)
            }
            i = Int(nodes[i + 1].next)
        }
        return nil
    }

    /// Elements of an array, in order.
    func elements(_ array: Ref) -> [Ref] {
        guard nodes[array].kind == .array else { return [] }
        var result: [Ref] = []
        let end = Int(nodes[array].next)
        var i = array + 1
        while i < end {
            result.append(i)
            i = Int(nodes[i].next)
        }
        return result
    }

    @inline(__always)
    private func memoryEqual(_ offset: Int, _ bytes: UnsafePointer<UInt8>, _ length: Int) -> Bool {
        var k = 0
        while k < length {
            if buffer[offset + k] != bytes[k] { return false }
            k += 1
        }
        return true
    }

    /// Whether a string node's content equals `literal` byte for byte (escape-free strings only).
    func stringEquals(_ ref: Ref, _ literal: StaticString) -> Bool {
        let node = nodes[ref]
        guard node.kind == .string else { return false }
        if node.flag { return unescaped(node) == literal.description }
        let length = literal.utf8CodeUnitCount
        return Int(node.end - node.start) == length && memoryEqual(Int(node.start), literal.utf8Start, length)
    }

    /// The exact source text of a value (a string's content is decoded).
    func text(_ ref: Ref) -> String {
        let node = nodes[ref]
        if node.kind == .string && node.flag { return unescaped(node) }
        return String(decoding: UnsafeRawBufferPointer(rebasing: buffer[Int(node.start)..<Int(node.end)]), as: UTF8.self)
    }

    /// The exact bytes of a value as sent (containers included, a string without its quotes).
    func rawBytes(_ ref: Ref) -> UnsafeRawBufferPointer {
        let node = nodes[ref]
        return UnsafeRawBufferPointer(rebasing: buffer[Int(node.start)..<Int(node.end)])
    }

    private func unescaped(_ node: JSONTape.Node) -> String {
        RawJSON.unescape(UnsafeRawBufferPointer(rebasing: buffer[Int(node.start)..<Int(node.end)]))
    }

    // MARK: - Typed reads

    /// An object member that must be an object when present.
    func object(_ parent: Ref?, _ key: StaticString, path: @autoclosure () -> String) throws(FieldError) -> Ref? {
        guard let ref = member(parent, key) else { return nil }
        guard nodes[ref].kind == .object else {
            throw FieldError(path: path(), problem: "is \(kindName(ref)), expected an object")
        }
        return ref
    }

    /// A text member, which must be a JSON string when present.
    func string(_ parent: Ref?, _ key: StaticString, path: @autoclosure () -> String) throws(FieldError) -> String? {
        guard let ref = member(parent, key) else { return nil }
        guard nodes[ref].kind == .string else {
            throw FieldError(path: path(), problem: "is \(kindName(ref)), expected a string")
        }
        return text(ref)
    }

    /// A text member under either of two names (Box spells some both ways).
    func string(_ parent: Ref?, _ key: StaticString, or alternate: StaticString, in base: @autoclosure () -> String) throws(FieldError) -> String? {
        if member(parent, key) != nil { return try string(parent, key, path: base() + "." + key.description) }
        return try string(parent, alternate, path: base() + "." + alternate.description)
    }

    /// An id member under either of two names.
    func id(_ parent: Ref?, _ key: StaticString, or alternate: StaticString, in base: @autoclosure () -> String) throws(FieldError) -> String? {
        if member(parent, key) != nil { return try id(parent, key, path: base() + "." + key.description) }
        return try id(parent, alternate, path: base() + "." + alternate.description)
    }

    /// An id: a string, or an integer that Box sent as a JSON number (kept as its exact digits).
    func id(_ parent: Ref?, _ key: StaticString, path: @autoclosure () -> String) throws(FieldError) -> String? {
        guard let ref = member(parent, key) else { return nil }
        return try idValue(ref, path: path())
    }

    func idValue(_ ref: Ref, path: @autoclosure () -> String) throws(FieldError) -> String {
        switch nodes[ref].kind {
        case .string: return text(ref)
        case .number:
            guard isInteger(ref) else { throw FieldError(path: path(), problem: "is a non-integer number, expected an id") }
            return text(ref)
        default: throw FieldError(path: path(), problem: "is \(kindName(ref)), expected an id (string or integer)")
        }
    }

    /// A 64-bit integer sent as a JSON integer or a string of digits.
    func int64(_ parent: Ref?, _ key: StaticString, path: @autoclosure () -> String) throws(FieldError) -> Int64? {
        guard let ref = member(parent, key) else { return nil }
        let node = nodes[ref]
        switch node.kind {
        case .number, .string:
            if node.kind == .string && node.start == node.end { return nil }
            guard !node.flag, let value = parseInt64(Int(node.start), Int(node.end)) else {
                throw FieldError(path: path(), problem: "is \(node.kind == .string ? "\"\(text(ref))\"" : text(ref)), expected an integer")
            }
            return value
        default:
            throw FieldError(path: path(), problem: "is \(kindName(ref)), expected an integer")
        }
    }

    /// A boolean; a string "true"/"false" is accepted as Box has sent flags both ways.
    func bool(_ parent: Ref?, _ key: StaticString, path: @autoclosure () -> String) throws(FieldError) -> Bool? {
        guard let ref = member(parent, key) else { return nil }
        switch nodes[ref].kind {
        case .bool: return nodes[ref].flag
        case .string where stringEquals(ref, "true"): return true
        case .string where stringEquals(ref, "false"): return false
        default: throw FieldError(path: path(), problem: "is \(kindName(ref)), expected a boolean")
        }
    }

    /// A number of any form as a Double (for scores only; never for ids, sizes or positions).
    func double(_ parent: Ref?, _ key: StaticString, path: @autoclosure () -> String) throws(FieldError) -> Double? {
        guard let ref = member(parent, key) else { return nil }
        switch nodes[ref].kind {
        case .number, .string:
            if nodes[ref].kind == .string && nodes[ref].start == nodes[ref].end { return nil }
            guard let value = Double(text(ref)) else {
                throw FieldError(path: path(), problem: "is \"\(text(ref))\", expected a number")
            }
            return value
        default: throw FieldError(path: path(), problem: "is \(kindName(ref)), expected a number")
        }
    }

    func isInteger(_ ref: Ref) -> Bool {
        let node = nodes[ref]
        var i = Int(node.start)
        if i < Int(node.end), buffer[i] == UInt8(ascii: "-") { i += 1 }
        while i < Int(node.end) {
            if buffer[i] &- UInt8(ascii: "0") >= 10 { return false }
            i += 1
        }
        return true
    }

    /// Parses an optionally negative decimal integer; nil on anything else or on overflow.
    func parseInt64(_ start: Int, _ end: Int) -> Int64? {
        var i = start
        var negative = false
        if i < end, buffer[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
        }
        guard i < end else { return nil }
        var value: Int64 = 0
        while i < end {
            let digit = buffer[i] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (plus, o2) = times.addingReportingOverflow(Int64(digit))
            guard !o1, !o2 else { return nil }
            value = plus
            i += 1
        }
        return negative ? -value : value
    }
}
