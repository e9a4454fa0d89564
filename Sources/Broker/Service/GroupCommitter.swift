import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Makes journal writes durable on its own thread, many batches per fsync.
///
/// The socket thread writes batches into the page cache and submits (descriptor, position);
/// this thread waits up to `window` for more, then fdatasyncs each distinct segment once and
/// reports the highest durable position through `onDurable`. Acknowledgements wait for that, so
/// an ack always means "on disk", while the socket thread never blocks on the disk.
final class GroupCommitter: @unchecked Sendable {
    private let condition = NSCondition()
    private var pending: [(descriptor: Int32, position: JournalPosition)] = []
    private var stopping = false
    private var durable: JournalPosition?
    private var failure: JournalError?
    private let window: Duration
    private let onDurable: @Sendable () -> Void
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)

    init(window: Duration, onDurable: @escaping @Sendable () -> Void) {
        self.window = window
        self.onDurable = onDurable
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "boxbridge-group-commit"
        thread.start()
        self.thread = thread
    }

    func submit(descriptor: Int32, position: JournalPosition) {
        condition.lock()
        pending.append((descriptor, position))
        condition.signal()
        condition.unlock()
    }

    /// The newest durable position and a failure if fsync failed (the broker must stop then).
    func take() -> (JournalPosition?, JournalError?) {
        condition.lock()
        defer { condition.unlock() }
        let result = (durable, failure)
        durable = nil
        return result
    }

    /// Finishes pending syncs, then stops the thread.
    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
        if thread != nil { finished.wait() }
        thread = nil
    }

    private func run() {
        defer { finished.signal() }
        while true {
            condition.lock()
            while pending.isEmpty && !stopping { condition.wait() }
            if pending.isEmpty && stopping {
                condition.unlock()
                return
            }
            condition.unlock()
            if window > .zero {
                Thread.sleep(forTimeInterval: Double(window.components.seconds) + Double(window.components.attoseconds) / 1e18)
            }
            condition.lock()
            let batch = pending
            pending.removeAll()
            condition.unlock()

            var synced: Set<UInt64> = []
            var error: JournalError?
            // Newest first per segment: one fdatasync covers every earlier write to that file.
            for request in batch.reversed() where !synced.contains(request.position.segment) {
                synced.insert(request.position.segment)
                if fdatasync(request.descriptor) != 0 {
                    error = JournalError.system("fdatasync", path: "segment \(request.position.segment)")
                }
            }
            for request in batch { close(request.descriptor) }
            condition.lock()
            if let error { failure = error } else { durable = batch.map(\.position).max() }
            condition.unlock()
            onDurable()
        }
    }
}
