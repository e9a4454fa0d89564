import Foundation

/// `<connection>/OPEN-SEGMENT.json`: how much of the open segment the last commit made durable.
///
/// Replaced atomically after the open file's fsync, so the length it names is always on disk.
/// `prev` is the manifest chain the segment will extend: a state whose segment was sealed since
/// (the chain moved on) is stale and ignored.
struct OpenSegmentState: Codable, Equatable {
    static let fileName = "OPEN-SEGMENT.json"

    var index: Int
    var day: String
    var bytes: Int
    var events: Int
    var topics: [String: TopicRange]
    var prev: String

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    static func decode(_ data: Data) throws -> OpenSegmentState {
        try JSONDecoder().decode(OpenSegmentState.self, from: data)
    }
}
