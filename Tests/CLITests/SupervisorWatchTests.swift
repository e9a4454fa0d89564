import Foundation
import Supervisor
import Testing
import TestSupport

/// A child of `boxbridge up` ends when its supervisor is killed with -9 (`SupervisorWatch`).
@Suite("Children outlive no supervisor", .timeLimit(.minutes(1)))
struct SupervisorWatchTests {
    /// Starts `sh`, which starts `boxbridge emulator` in the background (naming the shell as its
    /// supervisor when `watch`) and waits; returns the shell and the emulator's pid once it listens.
    func shellWithEmulator(watch: Bool) async throws -> (shell: Process, child: pid_t) {
        let folder = FileManager.default.temporaryDirectory.appending(path: "boxbridge-watch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let pidFile = folder.appending(path: "child.pid").path, logFile = folder.appending(path: "child.log").path
        let shell = Process()
        shell.executableURL = URL(filePath: "/bin/sh")
        let assignment = watch ? "\(SupervisorWatch.environmentKey)=$$ " : ""
        shell.arguments = [
            "-c", "\(assignment)\"$0\" emulator --port 0 >\"$1\" 2>&1 & echo $! >\"$2\"; wait",
            BoxBridgeProcess.executable.path, logFile, pidFile,
        ]
        try shell.run()
        let listening = await eventually(timeout: .seconds(20)) {
            (try? String(contentsOfFile: logFile, encoding: .utf8))?.contains("listening on") ?? false
        }
        let text = (try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? ""
        let child = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
        if !listening || child == nil {
            kill(shell.processIdentifier, SIGKILL)
            if let child { kill(child, SIGKILL) }
        }
        try #require(listening, "the emulator never said it was listening")
        return (shell, try #require(child, "no child pid in \(text.debugDescription)"))
    }

    /// Alive and not a zombie waiting to be reaped.
    func isRunning(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        return !stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    @Test("kill -9 of the supervisor: the child notices and stops on its own")
    func childStopsWhenSupervisorIsKilled() async throws {
        let (shell, child) = try await shellWithEmulator(watch: true)
        defer { kill(child, SIGKILL) }
        #expect(isRunning(child))
        // Not awaited: the orphan holds Foundation's exit-monitor socket, so the shell looks alive.
        kill(shell.processIdentifier, SIGKILL)
        #expect(await eventually(timeout: .seconds(20)) { !isRunning(child) }, "the orphaned child is still running")
    }

    @Test("without a supervisor named, an orphan keeps running (the watch is what stops it)")
    func unsupervisedChildIsLeftAlone() async throws {
        let (shell, child) = try await shellWithEmulator(watch: false)
        defer { kill(child, SIGKILL) }
        // Not awaited: the orphan holds Foundation's exit-monitor socket, so the shell looks alive.
        kill(shell.processIdentifier, SIGKILL)
        // Twice the watch's check interval plus the emulator's own shutdown: long enough that the
        // supervised case above would have ended by then.
        let stopped = await eventually(timeout: .seconds(3)) { !isRunning(child) }
        #expect(!stopped)
    }
}
