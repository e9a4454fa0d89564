public import BoxAPI

/// The events of one input document (a file or stdin), each normalized, with where it was found.
public struct NormalizedDocument: Sendable {
    /// One event of the document.
    public struct Item: Sendable {
        /// 0-based position among the document's events.
        public var index: Int
        /// Byte offset (0-based) of the event's first byte in the document.
        public var byteOffset: Int
        /// 1-based line of that byte.
        public var line: Int
        public var result: NormalizationResult
    }

    /// How the document was laid out: one event, an array, an events page, or JSON lines.
    public var layout: RawJSON.Layout
    public var items: [Item]
    /// The page's `next_stream_position`, exactly as sent, for an events page.
    public var nextStreamPosition: String?
}

extension Normalizer {
    /// Normalizes every event of a document holding one event, an array of events, a Box events
    /// page, or JSON lines — the path `boxbridge normalize` takes, through the same `normalize`.
    ///
    /// - Throws: `RawJSON.SyntaxError` when the document's structure is unreadable (the events
    ///   cannot be told apart). A single malformed event inside a readable document is quarantined.
    public func normalizeDocument(_ bytes: [UInt8]) throws(RawJSON.SyntaxError) -> NormalizedDocument {
        let split: RawJSON.Split
        do {
            split = try RawJSON.split(bytes)
        } catch {
            // JSON lines with one bad line: keep the good lines, quarantine the bad one.
            guard let recovered = Self.splitLinesLeniently(bytes) else { throw error }
            split = recovered
        }
        var items: [NormalizedDocument.Item] = []
        items.reserveCapacity(split.elements.count)
        var line = 1
        var scanned = 0
        bytes.withUnsafeBytes { buffer in
            for (index, range) in split.elements.enumerated() {
                while scanned < range.lowerBound {
                    if buffer[scanned] == 0x0A { line += 1 }
                    scanned += 1
                }
                let result = normalize(buffer: UnsafeRawBufferPointer(rebasing: buffer[range]))
                items.append(.init(index: index, byteOffset: range.lowerBound, line: line, result: result))
            }
        }
        return NormalizedDocument(layout: split.layout, items: items, nextStreamPosition: split.nextStreamPosition)
    }

    /// Splits on newlines when the input has several lines that each start like a JSON object,
    /// so one corrupt line in a JSON-lines file is quarantined rather than failing the whole file.
    static func splitLinesLeniently(_ bytes: [UInt8]) -> RawJSON.Split? {
        var ranges: [Range<Int>] = []
        var start = 0
        func add(_ end: Int) {
            var s = start
            var e = end
            while s < e, bytes[s] == 0x20 || bytes[s] == 0x09 || bytes[s] == 0x0D { s += 1 }
            while e > s, bytes[e - 1] == 0x20 || bytes[e - 1] == 0x09 || bytes[e - 1] == 0x0D { e -= 1 }
            if s < e { ranges.append(s..<e) }
        }
        for i in bytes.indices where bytes[i] == 0x0A {
            add(i)
            start = i + 1
        }
        add(bytes.count)
        guard ranges.count > 1, ranges.allSatisfy({ bytes[$0.lowerBound] == UInt8(ascii: "{") }) else { return nil }
        return RawJSON.Split(layout: .lines, elements: ranges)
    }
}
