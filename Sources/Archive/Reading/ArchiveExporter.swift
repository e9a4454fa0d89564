public import Foundation

/// Reads archived events back as JSON lines, for `boxbridge archive export --from --to`.
public struct ArchiveExporter: Sendable {
    public let root: String

    public init(root: String) {
        self.root = root
    }

    /// Calls `body` with each archived line (no trailing newline) whose event time is in [from, to),
    /// in archive order: sealed segments, then the committed part of the open one. Only segments of
    /// days that can overlap the range are read.
    public func export(from: Date, to: Date, connection: String, _ body: (Data) throws -> Void) throws {
        guard from < to else { return }
        let base = (root as NSString).appendingPathComponent(connection)
        let manifest = try Manifest.read(at: (base as NSString).appendingPathComponent(Manifest.fileName))
        let lower = UTCTime.timestamp(from), upper = UTCTime.timestamp(to)
        let firstDay = UTCTime.day(from), lastDay = UTCTime.day(to)
        let removed = Set(manifest.lines.compactMap(\.entry).flatMap { $0.removed ?? [] })
        for entry in manifest.lines.compactMap(\.entry) where entry.kind == .segment {
            guard let path = entry.path, let day = entry.day, day >= firstDay, day <= lastDay,
                  !removed.contains(path) else { continue }
            let full = (base as NSString).appendingPathComponent(path)
            try emit(try Gzip.decompress(try FileSystem.read(full), path: full), path: full)
        }
        // The open segment's committed part is archived too (durable, only not sealed yet).
        let entries = manifest.lines.compactMap(\.entry)
        let statePath = (base as NSString).appendingPathComponent(OpenSegmentState.fileName)
        if FileSystem.exists(statePath), let state = try? OpenSegmentState.decode(try FileSystem.read(statePath)),
           state.prev == (entries.last?.chain ?? ManifestEntry.genesis), state.day >= firstDay, state.day <= lastDay {
            let full = ((base as NSString).appendingPathComponent(state.day) as NSString)
                .appendingPathComponent(ArchiveWriter.segmentName(state.index) + ".open")
            if FileSystem.exists(full) { try emit(try FileSystem.read(full).prefix(state.bytes), path: full) }
        }

        func emit(_ plain: Data, path: String) throws {
            for line in plain.split(separator: UInt8(ascii: "\n")) {
                let data = Data(line)
                guard let time = ArchiveRecord.time(ofLine: data) else {
                    throw ArchiveError(.io, path: path, "a line without a leading time; run `boxbridge archive verify`")
                }
                if time >= lower, time < upper { try body(data) }
            }
        }
    }

    /// The lines of ``export(from:to:connection:_:)`` as strings.
    public func export(from: Date, to: Date, connection: String) throws -> [String] {
        var lines: [String] = []
        try export(from: from, to: to, connection: connection) { lines.append(String(decoding: $0, as: UTF8.self)) }
        return lines
    }
}
