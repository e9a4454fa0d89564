import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A spawned child: its pid (also its process group) and the read end of its output pipe.
struct ChildProcess: Sendable {
    let pid: pid_t
    let outputDescriptor: Int32

    /// Spawns `spec` in its own process group with stdin on /dev/null and stdout + stderr on one pipe.
    ///
    /// Its own process group keeps a terminal's Ctrl-C (sent to the foreground group) away from the
    /// children, so the supervisor alone decides the order they stop in. Signal dispositions and the
    /// mask are reset because the supervisor ignores SIGINT/SIGTERM (ServiceLifecycle watches them
    /// with dispatch sources) and ignored signals survive exec.
    static func spawn(_ spec: ChildSpec) throws(SupervisorError) -> ChildProcess {
        var pipeDescriptors: [Int32] = [-1, -1]
        // Close-on-exec, so no other child inherits this pipe and keeps it open past this child's end.
        // (pipe2 is hidden behind _GNU_SOURCE; children are spawned one at a time by the actor, so
        // no spawn can slip in between pipe and fcntl.)
        guard pipe(&pipeDescriptors) == 0 else {
            throw SupervisorError(child: spec.name, message: "cannot create the output pipe", function: "pipe", errno: errno, isRetriable: true)
        }
        _ = fcntl(pipeDescriptors[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(pipeDescriptors[1], F_SETFD, FD_CLOEXEC)
        let (readEnd, writeEnd) = (pipeDescriptors[0], pipeDescriptors[1])

        #if canImport(Glibc)
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #else
        var actions: posix_spawn_file_actions_t?
        var attributes: posix_spawnattr_t?
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 2)
        // Nothing else crosses over: a descriptor another thread opened without close-on-exec
        // (Foundation's Process opens its pipes and exit-watch socket so) would otherwise stay
        // open in this child for its whole life and hide that other process's end.
        closeInheritedDescriptors(&actions)

        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))

        var environment = ProcessInfo.processInfo.environment
        for (key, value) in spec.environment { environment[key] = value }
        environment[SupervisorWatch.environmentKey] = String(getpid())  // see SupervisorWatch
        let argv = ([spec.executable] + spec.arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, spec.executable, &actions, &attributes, argv, envp)
        close(writeEnd)
        guard result == 0 else {
            close(readEnd)
            throw SupervisorError(
                child: spec.name, message: "cannot start \(spec.executable)", function: "posix_spawn", errno: result,
                isRetriable: result == EAGAIN || result == ENOMEM)
        }
        return ChildProcess(pid: pid, outputDescriptor: readEnd)
    }

    /// Blocks a dedicated thread until the child exits, then calls `onExit` once.
    func watchExit(_ onExit: @escaping @Sendable (ChildExit) -> Void) {
        let pid = self.pid
        let thread = Thread {
            var status: Int32 = 0
            while true {
                let result = waitpid(pid, &status, 0)
                if result == pid { break }
                if result < 0 && errno == EINTR { continue }
                // ECHILD: someone else reaped it; report it gone all the same.
                status = 0
                break
            }
            onExit(ChildExit(waitStatus: status))
        }
        thread.name = "supervisor-wait-\(pid)"
        thread.start()
    }

    /// Reads the child's output on a dedicated thread, line by line, until the pipe closes.
    ///
    /// Lines longer than `maxLineBytes` are cut there, so a child writing without newlines cannot
    /// grow the supervisor's memory.
    func forwardOutput(
        name: String, logFile: String?, maxLineBytes: Int = 64 * 1024, done: OutputDrained,
        _ deliver: @escaping @Sendable (ChildOutputLine) -> Void
    ) {
        let descriptor = outputDescriptor
        let thread = Thread {
            let log = logFile.map { open($0, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600) } ?? -1
            defer {
                if log >= 0 { close(log) }
                close(descriptor)
            }
            var pending: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 16 * 1024)
            func emit(_ bytes: ArraySlice<UInt8>) {
                var text = String(decoding: bytes, as: UTF8.self)
                if text.hasSuffix("\r") { text.removeLast() }
                if log >= 0 { writeAll(log, Array((text + "\n").utf8)) }
                deliver(ChildOutputLine(child: name, text: text))
            }
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                pending.append(contentsOf: buffer[0..<count])
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    emit(pending[..<newline])
                    pending.removeSubrange(...newline)
                }
                if pending.count >= maxLineBytes {
                    emit(pending[...])
                    pending.removeAll(keepingCapacity: true)
                }
            }
            if !pending.isEmpty { emit(pending[...]) }
            done.markDrained()
        }
        thread.name = "supervisor-output-\(name)"
        thread.start()
    }
}

#if canImport(Glibc)
/// glibc 2.34's `posix_spawn_file_actions_addclosefrom_np`, which Swift's Glibc module does not
/// show (it sits behind _GNU_SOURCE); nil on an older glibc.
private let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
    return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
}()

/// Closes every descriptor from 3 up in the child: atomically with closefrom when glibc has it,
/// else each descriptor open now (as Foundation's Process does; glibc ignores EBADF there).
private func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
    if let addCloseFrom, addCloseFrom(&actions, 3) == 0 { return }
    let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))?.compactMap { Int32($0) } ?? []
    for descriptor in open where descriptor >= 3 {
        posix_spawn_file_actions_addclose(&actions, descriptor)
    }
}
#else
private func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t?) {
    // Darwin: POSIX_SPAWN_CLOEXEC_DEFAULT would do this; the supervisor targets Linux.
}
#endif

/// Set once a child's output pipe reached its end and every line was delivered, so a stop can
/// wait for the last lines (a child's final log lines explain why it stopped).
final class OutputDrained: Sendable {
    private let drained = Mutex(false)

    func markDrained() { drained.withLock { $0 = true } }

    var isDrained: Bool { drained.withLock { $0 } }

    /// Waits until drained or `limit` passed (a grandchild may hold the pipe open for ever).
    func wait(atMost limit: Duration) async {
        let deadline = ContinuousClock.now + limit
        while !isDrained, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }
}

/// Writes all of `bytes`, retrying on EINTR and short writes; gives up silently on other errors
/// (a full disk must not stop the supervisor from forwarding output).
func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) {
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
        if written < 0 {
            if errno == EINTR { continue }
            return
        }
        offset += written
    }
}
