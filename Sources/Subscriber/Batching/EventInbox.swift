import Foundation

/// A bounded many-producer, one-consumer queue: producers wait while it is full, so a slow sink
/// slows its own subscriptions (and, through replay credit and the SUB high-water mark, nothing else).
///
/// A class with a lock rather than an actor because ``stop()`` must be callable from synchronous
/// cancellation and graceful-shutdown handlers.
final class EventInbox<Element: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private let capacity: Int
    private var items: [Element] = []
    private var head = 0
    private var stopped = false
    private var nextWaiterID: UInt64 = 0
    private var spaceWaiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
    private var consumer: (want: Int, continuation: CheckedContinuation<Void, Never>)?

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Elements waiting.
    var count: Int { lock.withLock { items.count - head } }

    var isStopped: Bool { lock.withLock { stopped } }

    /// Adds an element, waiting while the inbox is full. Throws `CancellationError` once stopped
    /// or when the calling task is cancelled while waiting.
    func put(_ element: Element) async throws {
        while true {
            let id: UInt64? = try lock.withLock {
                if stopped { throw CancellationError() }
                if items.count - head < capacity {
                    items.append(element)
                    return nil
                }
                nextWaiterID += 1
                return nextWaiterID
            }
            guard let id else {
                wakeConsumerIfSatisfied()
                return
            }
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    let resumeNow: Bool = lock.withLock {
                        if stopped || Task.isCancelled || items.count - head < capacity { return true }
                        spaceWaiters.append((id, continuation))
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            } onCancel: {
                let waiter: CheckedContinuation<Void, any Error>? = lock.withLock {
                    guard let index = spaceWaiters.firstIndex(where: { $0.id == id }) else { return nil }
                    return spaceWaiters.remove(at: index).continuation
                }
                waiter?.resume(throwing: CancellationError())
            }
            try Task.checkCancellation()
        }
    }

    /// Returns once at least `count` elements wait, the inbox is stopped, or ``wake()`` is called.
    func wait(forAtLeast count: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow: Bool = lock.withLock {
                if stopped || items.count - head >= count { return true }
                consumer = (count, continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Ends a pending ``wait(forAtLeast:)`` early (the batch delay ran out).
    func wake() {
        let waiting = lock.withLock {
            defer { consumer = nil }
            return consumer?.continuation
        }
        waiting?.resume()
    }

    /// Removes and returns up to `max` elements in arrival order, letting waiting producers in.
    func take(max: Int) -> [Element] {
        let (taken, waiters) = lock.withLock {
            let end = Swift.min(items.count, head + max)
            let taken = Array(items[head..<end])
            head = end
            if head == items.count {
                items.removeAll(keepingCapacity: true)
                head = 0
            } else if head > 4_096 && head * 2 > items.count {
                items.removeFirst(head)
                head = 0
            }
            let free = capacity - (items.count - head)
            let released = Array(spaceWaiters.prefix(free))
            spaceWaiters.removeFirst(released.count)
            return (taken, released.map(\.continuation))
        }
        for waiter in waiters { waiter.resume() }
        return taken
    }

    /// Refuses further elements and releases everyone waiting; what is inside can still be taken.
    func stop() {
        let (waiters, waiting) = lock.withLock {
            stopped = true
            let waiters = spaceWaiters.map(\.continuation)
            spaceWaiters = []
            defer { consumer = nil }
            return (waiters, consumer?.continuation)
        }
        for waiter in waiters { waiter.resume(throwing: CancellationError()) }
        waiting?.resume()
    }

    private func wakeConsumerIfSatisfied() {
        let waiting: CheckedContinuation<Void, Never>? = lock.withLock {
            guard let consumer, items.count - head >= consumer.want else { return nil }
            self.consumer = nil
            return consumer.continuation
        }
        waiting?.resume()
    }
}
