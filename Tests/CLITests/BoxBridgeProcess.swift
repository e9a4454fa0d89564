import Foundation

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
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { _, new in new }
        process.environment = env
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()

        // Read both pipes concurrently so a chatty process cannot block on a full pipe.
        async let stdoutData = Task.detached { out.fileHandleForReading.readDataToEndOfFile() }.value
        async let stderrData = Task.detached { err.fileHandleForReading.readDataToEndOfFile() }.value
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.terminate()
                throw TimedOut(arguments: arguments)
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: await stdoutData, as: UTF8.self),
            stderr: String(decoding: await stderrData, as: UTF8.self)
        )
    }
}
