public import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ends a child of `boxbridge up` once its supervisor is gone, even after `kill -9`.
///
/// The supervisor stops its children in order on SIGTERM or Ctrl-C, but a supervisor killed with
/// -9 (or crashing) cannot, and its children would keep running unsupervised, holding ports and
/// leases. Each child is spawned with ``environmentKey`` set to the supervisor's pid; the child
/// watches its parent pid on a thread of its own and, once it changes (the kernel reparents an
/// orphan), sends itself SIGTERM, which every role answers with its graceful shutdown.
/// `PR_SET_PDEATHSIG` is not used: it fires when the spawning *thread* exits, and the supervisor
/// spawns from pool threads that may be retired while it lives on.
public enum SupervisorWatch {
    /// The environment variable carrying the supervisor's pid to its children.
    public static let environmentKey = "BOXBRIDGE_SUPERVISOR_PID"

    /// Starts watching when `environment` names a supervisor; returns whether it did.
    ///
    /// - Parameters:
    ///   - interval: how often the parent pid is checked; an orphan ends within about this long.
    ///   - onOrphaned: what to do once the supervisor is gone (default: SIGTERM to this process).
    @discardableResult
    public static func startIfSupervised(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        interval: Duration = .milliseconds(500),
        onOrphaned: (@Sendable () -> Void)? = nil
    ) -> Bool {
        guard let text = environment[environmentKey], let supervisor = pid_t(text), supervisor > 1 else { return false }
        let micros = UInt32(clamping: max(1, interval.components.seconds * 1_000_000 + interval.components.attoseconds / 1_000_000_000_000))
        // A dedicated thread: a blocking sleep loop must not hold a Swift concurrency pool thread.
        let thread = Thread {
            while getppid() == supervisor { usleep(micros) }
            if let onOrphaned { onOrphaned() } else { kill(getpid(), SIGTERM) }
        }
        thread.name = "supervisor-watch"
        thread.start()
        return true
    }
}
