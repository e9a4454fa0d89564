import Foundation

/// The few POSIX file operations the archive needs for durability: fsync, atomic rename, 0600/0700.
enum FileSystem {
    /// Creates `path` and its parents with mode 0700 (folders hold event data).
    static func makeDirectory(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path { try makeDirectory(parent) }
        if mkdir(path, 0o700) != 0, Glibc.errno != EEXIST {
            throw ArchiveError.errno("mkdir", path: path)
        }
    }

    /// Writes `data` to a temporary sibling, fsyncs it, renames it over `path` and fsyncs the folder.
    static func writeAtomically(_ data: Data, to path: String) throws {
        try data.withUnsafeBytes { try writeAtomically(parts: [$0], to: path) }
    }

    /// ``writeAtomically(_:to:)`` for bytes in several parts (gzip members), written in order
    /// without joining them first: the one implementation of both.
    static func writeAtomically(parts: [UnsafeRawBufferPointer], to path: String) throws {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ArchiveError.errno("open", path: temporary) }
        do {
            for part in parts { try writeAll(fd, part, path: temporary) }
            guard fsync(fd) == 0 else { throw ArchiveError.errno("fsync", path: temporary) }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw ArchiveError.errno("rename", path: path) }
        try syncDirectory((path as NSString).deletingLastPathComponent)
    }

    /// Appends `data` to `path` (created 0600) and fsyncs it before returning.
    static func appendDurably(_ data: Data, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ArchiveError.errno("open", path: path) }
        defer { close(fd) }
        try writeAll(fd, data, path: path)
        guard fsync(fd) == 0 else { throw ArchiveError.errno("fsync", path: path) }
    }

    /// Opens `path` for appending without fsync (the open segment is rebuilt by replay after a crash).
    static func openForAppend(_ path: String) throws -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ArchiveError.errno("open", path: path) }
        return fd
    }

    /// Opens an existing file for appending, keeping its contents (a resumed open segment).
    static func openExistingForAppend(_ path: String) throws -> Int32 {
        let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw ArchiveError.errno("open", path: path) }
        return fd
    }

    /// Cuts `path` back to `length` bytes and fsyncs it.
    static func truncate(_ path: String, to length: Int) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ArchiveError.errno("open", path: path) }
        defer { close(fd) }
        guard ftruncate(fd, off_t(length)) == 0 else { throw ArchiveError.errno("ftruncate", path: path) }
        guard fsync(fd) == 0 else { throw ArchiveError.errno("fsync", path: path) }
    }

    static func writeAll(_ fd: Int32, _ data: Data, path: String) throws {
        try data.withUnsafeBytes { try writeAll(fd, $0, path: path) }
    }

    static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < buffer.count {
            let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if written < 0 {
                if Glibc.errno == EINTR { continue }
                throw ArchiveError.errno("write", path: path)
            }
            offset += written
        }
    }

    static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw ArchiveError.errno("open", path: path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw ArchiveError.errno("fsync", path: path) }
    }

    static func read(_ path: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ArchiveError(.io, path: path, "cannot read file", isRetriable: false)
        }
        return data
    }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// Names in `path`, sorted, or empty when the folder does not exist.
    static func list(_ path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }

    static func remove(_ path: String) throws {
        if unlink(path) != 0, Glibc.errno != ENOENT { throw ArchiveError.errno("unlink", path: path) }
    }
}
