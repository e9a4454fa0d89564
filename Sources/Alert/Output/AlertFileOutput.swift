import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `[alert.outputs] file`: JSON lines appended and fsynced, created 0600.
///
/// Opening it repairs a line torn by a crash and remembers the ids at its end, so alerts
/// redelivered after a restart (the persisted outbox) are not written twice.
final class AlertFileOutput: @unchecked Sendable {
    // @unchecked: used only from the AlertSink actor, which serializes every call.
    let path: String
    private var fd: Int32
    /// Ids found at the end of the file when it was opened (the only ones a redelivery can repeat).
    private var tailIDs: Set<String>

    /// How much of the file's end is scanned for ids on open.
    static let tailBytes = 8 << 20

    init(path: String) throws {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            try DurableFile.createDirectory(directory)
        }
        fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw AlertIOError(operation: "open", path: path, errno: errno) }
        tailIDs = []
        try repairAndScan()
    }

    deinit { close(fd) }

    /// Whether a line with this id is already at the end of the file.
    func contains(id: String) -> Bool { tailIDs.contains(id) }

    /// Appends lines (newline added) and fsyncs once.
    func append(_ lines: [String]) throws {
        guard !lines.isEmpty else { return }
        let text = lines.map { $0 + "\n" }.joined()
        try DurableFile.writeAll(fd, Data(text.utf8), path: path)
        guard fsync(fd) == 0 else { throw AlertIOError(operation: "fsync", path: path, errno: errno) }
    }

    /// Truncates a torn last line (a crash mid-write) and collects the ids of the last lines.
    private func repairAndScan() throws {
        let size = lseek(fd, 0, SEEK_END)
        guard size > 0 else { return }
        let start = max(0, Int(size) - Self.tailBytes)
        var buffer = [UInt8](repeating: 0, count: Int(size) - start)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, off_t(start)) }
        guard count == buffer.count else { throw AlertIOError(operation: "read", path: path, errno: errno) }
        if buffer.last != UInt8(ascii: "\n") {
            let keep = buffer.lastIndex(of: UInt8(ascii: "\n")).map { start + $0 + 1 } ?? start
            guard ftruncate(fd, off_t(keep)) == 0 else { throw AlertIOError(operation: "ftruncate", path: path, errno: errno) }
            buffer = Array(buffer[..<(keep - start)])
        }
        let text = String(decoding: buffer, as: UTF8.self)
        for line in text.split(separator: "\n") {
            if let id = AlertLine.id(ofLine: line) { tailIDs.insert(String(id)) }
        }
    }
}
