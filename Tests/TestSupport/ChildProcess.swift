public import Foundation
import Synchronization

// Swift's cooperative thread pool is only as wide as the machine has cores (2 here). A test that
// blocks one of its threads (`waitUntilExit`, `readDataToEndOfFile`, `Thread.sleep`) while the
// child it waits for needs an in-process broker, emulator or subscriber served by that same pool
// can starve it: with every pool thread blocked at once, nothing runs again, not even the test's
// time limit. These helpers wait on Foundation's own process-monitor thread, on threads of their
// own and on GCD timers, and only ever suspend the calling task.

/// Waits for `process` (already running) to exit without holding a cooperative thread; returns its termination status.
///
/// Works whenever it is called, even after the process exited: it chains onto any termination
/// handler already set and checks `isRunning` after installing its own.
///
/// Foundation on Linux learns of an exit when its monitor socket, which the child inherits, reaches
/// end of file: a grandchild the process left running keeps `isRunning` true (and `waitUntilExit`
/// waiting) for as long as it lives. So a slow backstop also asks the kernel (`waitid` with
/// `WNOWAIT`, which leaves the child for Foundation to reap); if the child has been a zombie for
/// `orphanGrace` while Foundation still says running, the kernel's status is returned. Only in that
/// case do `terminationStatus`/`terminationReason` stay unavailable: use the returned status.
@discardableResult
public func exitStatus(of process: Process, orphanGrace: Duration = .seconds(5)) async -> Int32 {
    let fromKernel = await withCheckedContinuation { (continuation: CheckedContinuation<Int32?, Never>) in
        let once = ResumeOnce(continuation)
        let previous = process.terminationHandler
        process.terminationHandler = { exited in
            previous?(exited)
            once.resume(nil)
        }
        // Foundation clears `isRunning` before it reads the handler: seen running here means the
        // handler above is the one it will call; seen exited means it may have missed it.
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        if !process.isRunning {
            once.resume(nil)
        } else {
            watch(process, once, orphanGrace: orphanGrace, zombieSince: nil)
        }
    }
    return fromKernel ?? process.terminationStatus
}

/// Re-checks on a GCD timer until `once` has resumed: Foundation's flag, then the kernel's view.
private func watch(_ process: Process, _ once: ResumeOnce, orphanGrace: Duration, zombieSince: ContinuousClock.Instant?) {
    DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) {
        if once.isDone { return }
        if !process.isRunning { return once.resume(nil) }
        guard let status = peekExitStatus(process.processIdentifier) else {
            return watch(process, once, orphanGrace: orphanGrace, zombieSince: nil)
        }
        let since = zombieSince ?? .now
        if ContinuousClock.now - since >= orphanGrace { return once.resume(status) }
        watch(process, once, orphanGrace: orphanGrace, zombieSince: since)
    }
}

/// The exit status (or killing signal) of child `pid` if it has exited, without reaping it.
private func peekExitStatus(_ pid: pid_t) -> Int32? {
    var info = siginfo_t()
    guard waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0, info._sifields._sigchld.si_pid == pid else { return nil }
    return info._sifields._sigchld.si_status
}

/// Resumes a continuation exactly once, whoever gets there first.
private final class ResumeOnce: Sendable {
    private let continuation: Mutex<CheckedContinuation<Int32?, Never>?>

    init(_ continuation: CheckedContinuation<Int32?, Never>) {
        self.continuation = Mutex(continuation)
    }

    var isDone: Bool { continuation.withLock { $0 == nil } }

    func resume(_ status: Int32?) {
        continuation.withLock { $0.take() }?.resume(returning: status)
    }
}

/// Reads `handle` to its end on a thread of its own (a pipe read blocks until every writer closes it).
public func readAll(_ handle: FileHandle) async -> Data {
    await onOwnThread { (try? handle.readToEnd()) ?? Data() }
}

/// Runs blocking `body` on a new thread (never a cooperative one) and returns its result.
public func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: body()) }.start()
    }
}

/// How a finished child process ended and what it wrote.
public struct ChildOutput: Sendable {
    /// The exit code, or the signal that killed it.
    public var status: Int32
    public var stdout: Data
    public var stderr: Data

    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

/// A child that did not exit within its time limit (it was stopped: SIGTERM, then SIGKILL).
public struct ChildTimedOut: Error, CustomStringConvertible {
    public var executable: String
    public var arguments: [String]
    public var limit: Duration
    public var description: String { "\(executable) \(arguments.joined(separator: " ")) did not exit within \(limit)" }
}

/// Runs `executable arguments...` to completion: reads stdout and stderr at the same time (a full
/// pipe would block the child), writes `stdin` then closes it, and stops the child past `timeout`.
public func runToCompletion(
    _ executable: URL,
    _ arguments: [String],
    stdin: Data? = nil,
    environment: [String: String]? = nil,
    currentDirectory: URL? = nil,
    timeout: Duration? = .seconds(60)
) async throws -> ChildOutput {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let currentDirectory { process.currentDirectoryURL = currentDirectory }
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    let writer = input.fileHandleForWriting
    Thread {
        if let stdin { try? writer.write(contentsOf: stdin) }
        try? writer.close()
    }.start()

    let timedOut = Atomic<Bool>(false)
    if let timeout {
        let (seconds, attoseconds) = timeout.components
        let limit = Double(seconds) + Double(attoseconds) / 1e18
        DispatchQueue.global().asyncAfter(deadline: .now() + limit) { [process] in
            guard process.isRunning else { return }
            timedOut.store(true, ordering: .sequentiallyConsistent)
            stopInBackground(process)
        }
    }
    async let stdout = readAll(out.fileHandleForReading)
    async let stderr = readAll(err.fileHandleForReading)
    let status = await exitStatus(of: process)
    let output = ChildOutput(status: status, stdout: await stdout, stderr: await stderr)
    if timedOut.load(ordering: .sequentiallyConsistent), let timeout {
        throw ChildTimedOut(executable: executable.path, arguments: arguments, limit: timeout)
    }
    return output
}

/// Stops `process` without waiting: SIGTERM now, SIGKILL after `grace` if it is still running,
/// then `then` runs on a GCD queue. For `defer` blocks, which cannot await.
public func stopInBackground(_ process: Process, grace: Duration = .seconds(5), then: (@Sendable () -> Void)? = nil) {
    if process.isRunning { process.terminate() }
    let (seconds, attoseconds) = grace.components
    let limit = Double(seconds) + Double(attoseconds) / 1e18
    let deadline = DispatchTime.now() + limit
    @Sendable func check() {
        if !process.isRunning {
            then?()
        } else if DispatchTime.now() >= deadline {
            kill(process.processIdentifier, SIGKILL)
            DispatchQueue.global().asyncAfter(deadline: .now() + 0.05) { check() }
        } else {
            DispatchQueue.global().asyncAfter(deadline: .now() + 0.02) { check() }
        }
    }
    check()
}
