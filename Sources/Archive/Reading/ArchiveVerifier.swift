import Foundation

/// The outcome of verifying one connection's archive.
public struct ArchiveVerification: Sendable, Equatable {
    /// The first problem found, in manifest order, then unlisted files.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// The bad segment (or the manifest) relative to the archive root: `acme/2026-11-21/segment-000003.jsonl.gz`.
        public var path: String
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    public var connection: String
    public var firstBad: Problem?
    /// Sealed segments whose file, hash and contents were checked.
    public var segmentsVerified = 0
    public var eventsVerified = 0
    /// Segments the manifest records as removed by retention.
    public var segmentsRemovedByRetention = 0
    public var manifestEntries = 0

    public var isValid: Bool { firstBad == nil }
}

/// Verifies an archive end to end: the manifest's hash chain, every sealed segment's SHA-256, size
/// and contents, and that no segment is missing (unless retention recorded it) or unlisted.
public enum ArchiveVerifier {
    /// Verifies every connection folder under `root` (those holding a manifest), sorted by name.
    public static func verifyAll(root: String) -> [ArchiveVerification] {
        FileSystem.list(root).filter {
            FileSystem.exists(((root as NSString).appendingPathComponent($0) as NSString).appendingPathComponent(Manifest.fileName))
        }.map { verify(root: root, connection: $0) }
    }

    /// Verifies one connection and reports the first bad segment with the reason.
    public static func verify(root: String, connection: String) -> ArchiveVerification {
        var result = ArchiveVerification(connection: connection)
        result.firstBad = check(root: root, connection: connection, into: &result)
        return result
    }

    private static func check(root: String, connection: String, into result: inout ArchiveVerification) -> ArchiveVerification.Problem? {
        let base = (root as NSString).appendingPathComponent(connection)
        let manifestName = connection + "/" + Manifest.fileName
        let manifest: Manifest
        do {
            manifest = try Manifest.read(at: (base as NSString).appendingPathComponent(Manifest.fileName))
        } catch {
            return .init(path: manifestName, reason: "cannot read the manifest: \(error)")
        }
        if manifest.lines.isEmpty, !FileSystem.exists((base as NSString).appendingPathComponent(Manifest.fileName)) {
            return .init(path: manifestName, reason: "no manifest")
        }
        let removedByRetention = Set(manifest.lines.compactMap(\.entry).filter { $0.kind == .retention }.flatMap { $0.removed ?? [] })
        var listed = Set<String>()
        var chain = ManifestEntry.genesis
        for line in manifest.lines {
            guard let entry = line.entry else {
                return .init(path: manifestName, reason: "line \(line.number) is not a manifest entry")
            }
            let named = entry.kind == .segment ? connection + "/" + (entry.path ?? "?") : manifestName
            guard entry.prev == chain else {
                return .init(path: named, reason: "\(Manifest.fileName) line \(line.number): prev does not match the previous entry's chain (a line was removed, edited or reordered)")
            }
            guard entry.computedChain() == entry.chain else {
                return .init(path: named, reason: "\(Manifest.fileName) line \(line.number): chain hash does not match the entry (the line was edited)")
            }
            chain = entry.chain
            result.manifestEntries += 1
            switch entry.kind {
            case .retention:
                for path in entry.removed ?? [] where !listed.contains(path) {
                    return .init(path: connection + "/" + path, reason: "\(Manifest.fileName) line \(line.number): retention removes a segment never listed before")
                }
            case .segment:
                guard let path = entry.path, let sha = entry.sha256, let events = entry.events, let bytes = entry.bytes else {
                    return .init(path: named, reason: "\(Manifest.fileName) line \(line.number): segment entry lacks path, sha256, events or bytes")
                }
                listed.insert(path)
                let full = (base as NSString).appendingPathComponent(path)
                guard FileSystem.exists(full) else {
                    if removedByRetention.contains(path) {
                        result.segmentsRemovedByRetention += 1
                        continue
                    }
                    return .init(path: named, reason: "missing: deleted without a retention record")
                }
                if let problem = checkSegment(full, sha: sha, events: events, bytes: bytes, topics: entry.topics ?? [:]) {
                    return .init(path: named, reason: problem)
                }
                result.segmentsVerified += 1
                result.eventsVerified += events
            }
        }
        for day in FileSystem.list(base) where UTCTime.daysSinceEpoch(of: day) != nil {
            for name in FileSystem.list((base as NSString).appendingPathComponent(day)) where name.hasSuffix(".jsonl.gz") {
                if !listed.contains(day + "/" + name) {
                    return .init(path: connection + "/" + day + "/" + name, reason: "sealed segment not listed in \(Manifest.fileName)")
                }
            }
        }
        return nil
    }

    private static func checkSegment(_ path: String, sha: String, events: Int, bytes: Int, topics: [String: TopicRange]) -> String? {
        let data: Data
        do { data = try FileSystem.read(path) } catch { return "cannot read: \(error)" }
        if data.count != bytes { return "size \(data.count) bytes, manifest says \(bytes)" }
        let actual = Hex.sha256(data)
        if actual != sha { return "sha256 \(actual) does not match the manifest's \(sha)" }
        let plain = ByteStore(capacity: bytes * 8)
        do {
            try data.withUnsafeBytes { try Gzip.decompress($0, path: path, into: plain) }
        } catch {
            return "cannot decompress: \(error)"
        }
        var found: [String: TopicRange] = [:]
        var count = 0
        var start = 0
        let text = plain.bytes
        while start < text.count {
            let end = text[start...].firstIndex(of: UInt8(ascii: "\n")) ?? text.count
            let line = UnsafeRawBufferPointer(rebasing: text[start..<end])
            start = end + 1
            if line.isEmpty { continue }
            guard let (topic, sequence) = Self.topicAndSequence(line) else { return "line \(count + 1) is not an archived event" }
            count += 1
            if var range = found[topic] {
                range.first = min(range.first, sequence)
                range.last = max(range.last, sequence)
                range.count += 1
                found[topic] = range
            } else {
                found[topic] = TopicRange(first: sequence, last: sequence, count: 1)
            }
        }
        if count != events { return "holds \(count) events, manifest says \(events)" }
        if found != topics { return "topic sequence ranges differ from the manifest" }
        return nil
    }

    /// An archived line's topic and sequence, or nil when the line is not valid JSON or not an event.
    ///
    /// The whole line must pass the strict validator; the two fields are then read from the fixed
    /// prefix the writer always produces (`{"time":"…","topic":"…","sequence":N,`), falling back to
    /// a full parse for anything else. Parsing every line into Foundation objects made verify
    /// ten times slower than writing.
    static func topicAndSequence(_ line: UnsafeRawBufferPointer) -> (String, UInt64)? {
        guard JSONValidator.isValid(line) else { return nil }
        let head = Array("{\"time\":\"".utf8), topicKey = Array("\",\"topic\":\"".utf8), sequenceKey = Array("\",\"sequence\":".utf8)
        let timeWidth = 30
        var index = head.count + timeWidth
        if line.count > index + topicKey.count, line.starts(with: head), line[index..<(index + topicKey.count)].elementsEqual(topicKey) {
            index += topicKey.count
            let topicStart = index
            while index < line.count, line[index] != UInt8(ascii: "\""), line[index] != UInt8(ascii: "\\") { index += 1 }
            if index + sequenceKey.count < line.count, line[index] == UInt8(ascii: "\""),
               line[index..<(index + sequenceKey.count)].elementsEqual(sequenceKey) {
                let topic = String(decoding: UnsafeRawBufferPointer(rebasing: line[topicStart..<index]), as: UTF8.self)
                index += sequenceKey.count
                var sequence: UInt64 = 0, digits = 0
                while index < line.count, line[index] >= 0x30, line[index] <= 0x39, digits < 20 {
                    let (times, overflow1) = sequence.multipliedReportingOverflow(by: 10)
                    let (sum, overflow2) = times.addingReportingOverflow(UInt64(line[index] - 0x30))
                    if overflow1 || overflow2 { return nil }
                    sequence = sum
                    index += 1
                    digits += 1
                }
                if digits > 0, index < line.count, line[index] == UInt8(ascii: ",") || line[index] == UInt8(ascii: "}") {
                    return (topic, sequence)
                }
            }
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
              let topic = object["topic"] as? String, let sequence = (object["sequence"] as? NSNumber)?.uint64Value
        else { return nil }
        return (topic, sequence)
    }
}
