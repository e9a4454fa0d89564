import Foundation

/// Writes every event the emulator recorded, and whether it is in scope, as JSON lines (file mode 0600).
///
/// In scope: a well-formed event about an item whose owner (the drive it happens on) is a monitored,
/// active, managed user, not done by the bridge's own service account. Without a scope CSV every
/// active managed user is monitored.
final class GroundTruthWriter: @unchecked Sendable {
    let path: String
    let monitored: Set<String>
    private let handle: FileHandle
    private let written = Locked<UInt64>(0)

    init(path: String, scope: ScopeCSV?, enterprise: Enterprise) throws {
        self.path = path
        if let scope {
            monitored = scope.monitoredUserIDs(in: enterprise)
        } else {
            monitored = Set(enterprise.users.prefix(enterprise.managedCount).filter(\.isActive).map(\.id))
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else {
            throw EmulatorStartError(reason: "cannot create ground-truth file \(path): errno \(errno)")
        }
        fchmod(fd, 0o600)
        handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    var writtenCount: UInt64 { written.withLock { $0 } }

    static func isInScope(_ meta: GeneratedEvent, monitored: Set<String>) -> Bool {
        guard !meta.malformed, !meta.byServiceAccount, let owner = meta.ownerID else { return false }
        return monitored.contains(owner)
    }

    /// Writes lines for events recorded since the last call, at most `maxLines`; true when more remain.
    @discardableResult
    func catchUp(log: EventLog, maxLines: UInt64 = .max) -> Bool {
        // Holding the lock for the whole write keeps concurrent flushes from writing a line twice.
        written.withLock { start in
            let recorded = log.availableCount()
            let available = maxLines == .max ? recorded : min(recorded, start + maxLines)
            while start < available {
                let end = min(available, start + 10_000)
                var out = [UInt8]()
                out.reserveCapacity(Int(end - start) * 300)
                for i in start..<end {
                    line(for: i, log: log).write(to: &out)
                    out.append(0x0A)
                }
                handle.write(Data(out))
                start = end
            }
            return available < recorded
        }
    }

    func line(for i: UInt64, log: EventLog) -> JSONValue {
        let meta = log.event(i).meta
        return .object([
            ("seq", .int(Int64(i))), ("position", .string(EventLog.position(ofIndex: i))),
            ("event_id", meta.eventID.map { .string($0) } ?? .null), ("event_type", .string(meta.eventType)),
            ("created_at", .string(Timestamp.format(unixSeconds: Int64(meta.createdAt)))),
            ("family", .string(meta.family.rawValue)), ("owner_id", meta.ownerID.map { .string($0) } ?? .null),
            ("actor_id", meta.actorID.map { .string($0) } ?? .null),
            ("by_service_account", .bool(meta.byServiceAccount)), ("malformed", .bool(meta.malformed)),
            ("in_scope", .bool(GroundTruthWriter.isInScope(meta, monitored: monitored))),
        ])
    }

    func close() {
        try? handle.synchronize()
    }
}

/// The emulator could not start (bad key, unreadable file, unusable configuration).
public struct EmulatorStartError: Error, CustomStringConvertible, Sendable {
    public var reason: String
    public var description: String { reason }
}
