import Foundation

/// The segment being filled: its lines in memory, and the `.open` file commits write them to.
struct OpenSegment: @unchecked Sendable {
    var index: Int
    var day: String
    /// `day` as days since 1970: compared per envelope without building a string.
    var dayNumber: Int64
    var buffer: ByteStore
    var flushedBytes = 0
    var events = 0
    var topics: [String: TopicRange] = [:]
    var fd: Int32
    var path: String
}
