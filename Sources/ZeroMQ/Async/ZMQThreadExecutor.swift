import CZeroMQ
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A serial executor that runs its jobs on one dedicated thread and, between jobs, waits for
/// socket readiness with `zmq_poll` there.
///
/// Why: libzmq calls must not run on Swift's cooperative pool (a blocked pool thread starves
/// every task), and a socket must stay on one thread. An actor whose `unownedExecutor` is this
/// executor (``AsyncSocket``) therefore does all its libzmq work here: a non-blocking try, and
/// when that would block, it suspends as a *waiter*; this thread polls all waiters' sockets
/// together (at most 20 ms per poll, plus a wake-up pipe so new jobs and cancellations are seen
/// at once) and resumes those that became ready.
///
/// Several ``AsyncSocket``s may share one executor (one thread for all of a process's sockets).
/// The thread ends when the executor is released after its last job.
public final class ZMQThreadExecutor: SerialExecutor, @unchecked Sendable {
    /// The longest single `zmq_poll`, bounding how stale a timeout check can be.
    public static let maximumPollInterval: Duration = .milliseconds(20)

    let state: ExecutorState

    /// Starts the executor's thread.
    public init(name: String = "zmq-executor") {
        state = ExecutorState()
        let state = self.state
        let unowned = UnownedSerialExecutor(ordinary: self)
        let thread = Thread { state.run(on: unowned) }
        thread.name = name
        thread.start()
        state.waitUntilStarted()
    }

    deinit {
        state.stop()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        state.enqueue(UnownedJob(job))
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    public func checkIsolated() {
        precondition(isCurrent, "not on the ZMQThreadExecutor's thread")
    }

    /// Whether the calling code runs on this executor's thread.
    public var isCurrent: Bool { state.isOnThread }
}

/// A task suspended until a socket is ready (or a deadline passes, or it is cancelled).
final class ExecutorWaiter: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    let events: Int16
    let deadline: ContinuousClock.Instant?
    // Guarded by ExecutorState.lock.
    var continuation: CheckedContinuation<Void, any Error>?
    var cancelled = false
    var finished = false

    init(handle: UnsafeMutableRawPointer, events: PollEvents, deadline: ContinuousClock.Instant?) {
        self.handle = handle
        self.events = events.rawValue
        self.deadline = deadline
    }
}

/// The executor's queue, waiters and wake-up pipe; shared with its thread.
final class ExecutorState: @unchecked Sendable {
    private let lock = NSCondition()
    private var jobs: [UnownedJob] = []
    private var waiters: [ExecutorWaiter] = []
    private var stopped = false
    private var started = false
    private var polling = false
    private var wakePending = false
    private var thread: pthread_t?
    private let wakeRead: Int32
    private let wakeWrite: Int32

    init() {
        var fds: [Int32] = [-1, -1]
        precondition(pipe(&fds) == 0, "pipe() failed: errno \(errno)")
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        wakeRead = fds[0]
        wakeWrite = fds[1]
    }

    var isOnThread: Bool {
        lock.lock()
        defer { lock.unlock() }
        guard let thread else { return false }
        return pthread_equal(thread, pthread_self()) != 0
    }

    /// Tasks currently suspended until a socket is ready (for tests and diagnostics).
    var waiterCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return waiters.count
    }

    func waitUntilStarted() {
        lock.lock()
        while !started { lock.wait() }
        lock.unlock()
    }

    func enqueue(_ job: UnownedJob) {
        lock.lock()
        jobs.append(job)
        wakeLocked()
        lock.unlock()
    }

    func stop() {
        lock.lock()
        stopped = true
        wakeLocked()
        lock.unlock()
    }

    private func wakeLocked() {
        if polling && !wakePending {
            wakePending = true
            var byte: UInt8 = 1
            _ = write(wakeWrite, &byte, 1)
        }
    }

    /// Suspends the current task (which must run on this executor) until `waiter` is resolved.
    func register(_ waiter: ExecutorWaiter, _ continuation: CheckedContinuation<Void, any Error>) {
        lock.lock()
        if waiter.cancelled {
            waiter.finished = true
            lock.unlock()
            continuation.resume(throwing: CancellationError())
            return
        }
        waiter.continuation = continuation
        waiters.append(waiter)
        // Registration may run off the thread (continuation set-up can hop): make it re-poll.
        wakeLocked()
        lock.unlock()
    }

    /// Resolves `waiter` with `CancellationError` now, from any thread.
    func cancel(_ waiter: ExecutorWaiter) {
        lock.lock()
        waiter.cancelled = true
        guard !waiter.finished, let continuation = waiter.continuation else {
            lock.unlock()
            return
        }
        waiter.finished = true
        waiter.continuation = nil
        waiters.removeAll { $0 === waiter }
        lock.unlock()
        continuation.resume(throwing: CancellationError())
    }

    /// Resumes every waiter on `handle` (its socket is being closed: each retries and fails).
    func releaseWaiters(on handle: UnsafeMutableRawPointer) {
        lock.lock()
        let released = waiters.filter { $0.handle == handle }
        waiters.removeAll { $0.handle == handle }
        let continuations = released.compactMap(finishLocked)
        lock.unlock()
        for continuation in continuations { continuation.resume() }
    }

    private func finishLocked(_ waiter: ExecutorWaiter) -> CheckedContinuation<Void, any Error>? {
        guard !waiter.finished else { return nil }
        waiter.finished = true
        defer { waiter.continuation = nil }
        return waiter.continuation
    }

    func run(on executor: UnownedSerialExecutor) {
        lock.lock()
        thread = pthread_self()
        started = true
        lock.broadcast()
        lock.unlock()
        let clock = ContinuousClock()
        while true {
            lock.lock()
            if !jobs.isEmpty {
                let batch = jobs
                jobs.removeAll(keepingCapacity: true)
                lock.unlock()
                for job in batch { job.runSynchronously(on: executor) }
                continue
            }
            if stopped {
                lock.unlock()
                break
            }
            let snapshot = waiters
            polling = true
            lock.unlock()

            var items = [zmq_pollitem_t(socket: nil, fd: wakeRead, events: Int16(ZMQ_POLLIN), revents: 0)]
            items += snapshot.map { zmq_pollitem_t(socket: $0.handle, fd: 0, events: $0.events, revents: 0) }
            var timeout = -1
            if !snapshot.isEmpty {
                var wait = ZMQThreadExecutor.maximumPollInterval
                let now = clock.now
                for case let deadline? in snapshot.map(\.deadline) { wait = min(wait, now.duration(to: deadline)) }
                timeout = wait <= .zero ? 0 : max(1, Int(zmqMilliseconds(wait)))
            }
            let rc = zmq_poll(&items, Int32(items.count), timeout)
            let failed = rc < 0 && zmq_errno() != EINTR

            lock.lock()
            polling = false
            if wakePending {
                var sink = [UInt8](repeating: 0, count: 64)
                while read(wakeRead, &sink, sink.count) > 0 {}
                wakePending = false
            }
            let now = clock.now
            var ready: [ExecutorWaiter] = []
            for (index, waiter) in snapshot.enumerated() {
                // A failed poll (ETERM after context shutdown, ...) resumes everyone: each
                // retries its own operation and sees its own error.
                let due = waiter.deadline.map { $0 <= now } ?? false
                if failed || due || items[index + 1].revents != 0 { ready.append(waiter) }
            }
            waiters.removeAll { waiter in ready.contains { $0 === waiter } }
            let continuations = ready.compactMap(finishLocked)
            lock.unlock()
            for continuation in continuations { continuation.resume() }
        }
        close(wakeRead)
        close(wakeWrite)
    }
}
