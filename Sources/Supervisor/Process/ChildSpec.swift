/// What a supervisor runs: one named child process.
public struct ChildSpec: Sendable, Equatable {
    /// Unique among the supervisor's children; prefixes every output line.
    public var name: String
    /// Absolute path of the executable.
    public var executable: String
    /// Arguments after the executable's own name.
    public var arguments: [String]
    /// Variables set on top of the supervisor's own environment (nil values remove one).
    public var environment: [String: String?]
    /// Children stop in ascending stage; those of one stage stop together. Lower it for the
    /// processes that depend on the others (subscribers, collectors), raise it for the ones they
    /// depend on (broker, emulator).
    public var stopStage: Int
    /// Every output line is also appended here (created 0600: logs may hold event details).
    public var logFile: String?

    public init(
        name: String, executable: String, arguments: [String], environment: [String: String?] = [:],
        stopStage: Int = 0, logFile: String? = nil
    ) {
        self.name = name
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.stopStage = stopStage
        self.logFile = logFile
    }
}

/// One line a child wrote on its standard output or standard error.
public struct ChildOutputLine: Sendable, Equatable {
    public var child: String
    public var text: String

    public init(child: String, text: String) {
        self.child = child
        self.text = text
    }
}

/// How a child process ended.
public enum ChildExit: Sendable, Equatable, CustomStringConvertible {
    case exited(status: Int32)
    case signaled(signal: Int32)

    /// Decodes a `waitpid` status word (the WIFEXITED / WTERMSIG macros are not visible to Swift).
    init(waitStatus: Int32) {
        let signal = waitStatus & 0x7f
        self = signal == 0 ? .exited(status: (waitStatus >> 8) & 0xff) : .signaled(signal: signal)
    }

    public var description: String {
        switch self {
        case .exited(let status): return "exit status \(status)"
        case .signaled(let signal): return "signal \(signal)"
        }
    }
}
