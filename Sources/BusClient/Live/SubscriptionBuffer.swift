import Foundation

/// The hand-off between a subscription's socket task and its consumer: a bounded queue whose
/// producer waits (suspended, not polling) while it is full, so a slow consumer holds the socket
/// task back and the SUB high-water mark and replay credit bound the memory.
final class SubscriptionBuffer<Element: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private let capacity: Int
    private var items: [Element] = []
    private var head = 0
    /// Set once the producer ended (nil error) or failed; the consumer still gets what is queued.
    private var finished: (any Error)?? = nil
    private var producer: CheckedContinuation<Void, any Error>?
    private var consumer: CheckedContinuation<Void, Never>?

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Queues `element`, waiting while the buffer is full. Throws `CancellationError` once the
    /// consumer has gone or the producing task is cancelled.
    func put(_ element: Element) async throws {
        while true {
            let (accepted, waiting): (Bool, CheckedContinuation<Void, Never>?) = try lock.withLock {
                if finished != nil { throw CancellationError() }
                guard items.count - head < capacity else { return (false, nil) }
                items.append(element)
                defer { consumer = nil }
                return (true, consumer)
            }
            if accepted {
                waiting?.resume()
                return
            }
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    let resumeNow: Bool = lock.withLock {
                        if finished != nil || Task.isCancelled || items.count - head < capacity { return true }
                        producer = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            } onCancel: {
                let waiting: CheckedContinuation<Void, any Error>? = lock.withLock {
                    defer { producer = nil }
                    return producer
                }
                waiting?.resume(throwing: CancellationError())
            }
            try Task.checkCancellation()
        }
    }

    /// The next element; nil once the producer finished and everything was taken. Rethrows the
    /// producer's error after the queued elements.
    func next() async throws -> Element? {
        while true {
            let (element, ended, waiting): (Element?, (any Error)??, CheckedContinuation<Void, any Error>?) = lock.withLock {
                if head < items.count {
                    let element = items[head]
                    head += 1
                    if head == items.count {
                        items.removeAll(keepingCapacity: true)
                        head = 0
                    }
                    defer { producer = nil }
                    return (element, nil, producer)
                }
                return (nil, finished, nil)
            }
            if let element {
                waiting?.resume()
                return element
            }
            if let ended {
                if let error = ended { throw error }
                return nil
            }
            try Task.checkCancellation()
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let resumeNow: Bool = lock.withLock {
                        if head < items.count || finished != nil || Task.isCancelled { return true }
                        consumer = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            } onCancel: {
                let waiting: CheckedContinuation<Void, Never>? = lock.withLock {
                    defer { consumer = nil }
                    return consumer
                }
                waiting?.resume()
            }
        }
    }

    /// Ends the stream: `nil` for a normal end, or the error the consumer gets after what is queued.
    /// Also called when the consumer goes away, which makes the producer's next ``put(_:)`` throw.
    func finish(_ error: (any Error)?) {
        let (waitingProducer, waitingConsumer) = lock.withLock {
            if finished == nil { finished = .some(error) }
            defer {
                producer = nil
                consumer = nil
            }
            return (producer, consumer)
        }
        waitingProducer?.resume(throwing: CancellationError())
        waitingConsumer?.resume()
    }
}

/// Owns a subscription's socket task on behalf of its stream: when the consumer drops the stream
/// (stops iterating) this is released and stops the task.
final class SubscriptionProducer: Sendable {
    let task: Task<Void, Never>
    let buffer: SubscriptionBuffer<SubscriptionEvent>

    init(task: Task<Void, Never>, buffer: SubscriptionBuffer<SubscriptionEvent>) {
        self.task = task
        self.buffer = buffer
    }

    func next() async throws -> SubscriptionEvent? {
        try await withTaskCancellationHandler {
            try await buffer.next()
        } onCancel: {
            self.stop()
        }
    }

    func stop() {
        buffer.finish(CancellationError())
        task.cancel()
    }

    deinit {
        buffer.finish(CancellationError())
        task.cancel()
    }
}
