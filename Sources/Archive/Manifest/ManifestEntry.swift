import Crypto
import Foundation

/// The first and last sequence of one topic inside a sealed segment, and how many events it holds.
public struct TopicRange: Codable, Sendable, Equatable {
    public var first: UInt64
    public var last: UInt64
    public var count: Int

    public init(first: UInt64, last: UInt64, count: Int) {
        self.first = first
        self.last = last
        self.count = count
    }

    /// Extends the range with the next sequence of its topic.
    mutating func add(_ sequence: UInt64) {
        last = sequence
        count += 1
    }
}

/// One line of `MANIFEST.jsonl`: a sealed segment or a retention removal, chained to the line before.
///
/// `chain = SHA-256(prev || content)`, where content is the canonical text of the entry's facts
/// (``canonicalContent``), so editing, removing or reordering any line breaks every chain after it.
public struct ManifestEntry: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case segment, retention }

    public var kind: Kind
    /// Segment: its path relative to the connection folder (`YYYY-MM-DD/segment-000001.jsonl.gz`).
    public var path: String?
    public var index: Int?
    public var day: String?
    public var events: Int?
    public var bytes: Int?
    public var sha256: String?
    public var topics: [String: TopicRange]?
    /// Retention: the segment paths removed and the first day kept.
    public var removed: [String]?
    public var keepFrom: String?
    public var prev: String
    public var chain: String

    enum CodingKeys: String, CodingKey {
        case kind, path, index, day, events, bytes, sha256, topics, removed
        case keepFrom = "keep_from"
        case prev, chain
    }

    /// The chain value before the first entry.
    public static let genesis = String(repeating: "0", count: 64)

    static func segment(
        path: String, index: Int, day: String, events: Int, bytes: Int, sha256: String,
        topics: [String: TopicRange], prev: String
    ) -> ManifestEntry {
        var entry = ManifestEntry(
            kind: .segment, path: path, index: index, day: day, events: events, bytes: bytes, sha256: sha256,
            topics: topics, removed: nil, keepFrom: nil, prev: prev, chain: "")
        entry.chain = entry.computedChain()
        return entry
    }

    static func retention(removed: [String], keepFrom: String, prev: String) -> ManifestEntry {
        var entry = ManifestEntry(
            kind: .retention, path: nil, index: nil, day: nil, events: nil, bytes: nil, sha256: nil, topics: nil,
            removed: removed, keepFrom: keepFrom, prev: prev, chain: "")
        entry.chain = entry.computedChain()
        return entry
    }

    /// The facts the chain covers, one per line, topics sorted.
    var canonicalContent: String {
        var text = "kind=\(kind.rawValue)\n"
        switch kind {
        case .segment:
            text += "sha256=\(sha256 ?? "")\npath=\(path ?? "")\nindex=\(index ?? -1)\nday=\(day ?? "")\n"
            text += "events=\(events ?? -1)\nbytes=\(bytes ?? -1)\n"
            for (topic, range) in (topics ?? [:]).sorted(by: { $0.key < $1.key }) {
                text += "topic=\(topic) \(range.first) \(range.last) \(range.count)\n"
            }
        case .retention:
            text += "keep_from=\(keepFrom ?? "")\n"
            for path in removed ?? [] { text += "removed=\(path)\n" }
        }
        return text
    }

    func computedChain() -> String {
        var hasher = SHA256()
        hasher.update(data: Data(prev.utf8))
        hasher.update(data: Data(canonicalContent.utf8))
        return Hex.string(hasher.finalize())
    }

    /// The entry as one manifest line (sorted keys, so the line itself is deterministic too).
    func line() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(UInt8(ascii: "\n"))
        return data
    }
}

enum Hex {
    static func string<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func sha256(_ data: Data) -> String { string(SHA256.hash(data: data)) }
}
