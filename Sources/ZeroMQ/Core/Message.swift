public import Foundation

/// A multipart ZeroMQ message as a value: an ordered list of frames.
///
/// libzmq delivers multipart messages atomically, so a `Message` is always complete.
public struct Message: Sendable, Hashable, CustomStringConvertible {
    /// The frames, first to last.
    public var frames: [[UInt8]]

    /// A message of the given byte frames.
    public init(frames: [[UInt8]]) {
        self.frames = frames
    }

    /// A message of the given byte frames.
    public init(_ frames: [UInt8]...) {
        self.frames = frames
    }

    /// A message of UTF-8 string frames.
    public init(strings: [String]) {
        self.frames = strings.map { Array($0.utf8) }
    }

    /// A message of UTF-8 string frames.
    public init(_ strings: String...) {
        self.init(strings: strings)
    }

    /// A message of `Data` frames.
    public init(data: [Data]) {
        self.frames = data.map { [UInt8]($0) }
    }

    /// The number of frames.
    public var count: Int { frames.count }

    /// Frame `index`, or nil when the message has fewer frames.
    public func frame(_ index: Int) -> [UInt8]? {
        frames.indices.contains(index) ? frames[index] : nil
    }

    /// Frame `index` as `Data`, or nil when the message has fewer frames.
    public func data(at index: Int) -> Data? {
        frame(index).map { Data($0) }
    }

    /// Frame `index` decoded as UTF-8, or nil when missing or not valid UTF-8.
    public func string(at index: Int) -> String? {
        guard let bytes = frame(index) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    /// The message with `frame` added at the front (e.g. a ROUTER routing id).
    public func prepending(_ frame: [UInt8]) -> Message {
        Message(frames: [frame] + frames)
    }

    /// Total payload bytes over all frames.
    public var byteCount: Int { frames.reduce(0) { $0 + $1.count } }

    public var description: String {
        "Message(\(frames.count) frames, \(byteCount) bytes)"
    }
}
