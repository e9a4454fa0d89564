import Foundation
import TestSupport

/// Runs the built `boxbridge` executable as a real process, for tests of what a user sees.
struct BoxBridgeProcess {
    static let packageRoot = URL(filePath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var executable: URL {
        if let override = ProcessInfo.processInfo.environment["BOXBRIDGE_BIN"] {
            return URL(filePath: override)
        }
        return packageRoot.appending(path: ".build/debug/boxbridge")
    }

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    struct TimedOut: Error, CustomStringConvertible {
        let arguments: [String]
        var description: String { "boxbridge \(arguments.joined(separator: " ")) did not exit in time" }
    }

    /// Runs `boxbridge arguments...` to completion (killing it past `timeout`).
    static func run(
        _ arguments: [String],
        stdin: String? = nil,
        environment: [String: String] = [:],
        currentDirectory: URL? = nil,
        timeout: Duration = .seconds(30)
    ) async throws -> Result {
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { _, new in new }
        // TestSupport reads both pipes on threads of their own and awaits the exit without
        // holding a cooperative thread (a detached task reading a pipe would hold one).
        do {
            let output = try await runToCompletion(
                executable, arguments, stdin: stdin.map { Data($0.utf8) }, environment: env,
                currentDirectory: currentDirectory, timeout: timeout)
            return Result(status: output.status, stdout: output.stdoutText, stderr: output.stderrText)
        } catch is ChildTimedOut {
            throw TimedOut(arguments: arguments)
        }
    }
}
