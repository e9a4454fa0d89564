import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The terminal of `boxbridge up`: children's output lines, the supervisor's own log lines and,
/// on a terminal, one live status line kept at the bottom.
///
/// Every write goes through one lock, so a log line never lands in the middle of the status line:
/// the status line is erased, the log line written, the status line drawn again.
final class UpConsole: Sendable {
    private struct State {
        var status: String?
    }

    private let output: FileOutput
    let showsStatus: Bool
    private let nameWidth: Int
    private let state = Mutex(State())

    /// - Parameters:
    ///   - showsStatus: draw the live status line (only on a terminal).
    ///   - nameWidth: children's names are padded to this width.
    init(output: FileOutput = .standardError, showsStatus: Bool, nameWidth: Int) {
        self.output = output
        self.showsStatus = showsStatus
        self.nameWidth = nameWidth
    }

    /// A line from a child or from `up` itself, prefixed `name | `.
    func line(from name: String, _ text: String) {
        let padded = name.padding(toLength: max(nameWidth, name.count), withPad: " ", startingAt: 0)
        write("\(padded) | \(text)\n")
    }

    /// Text without prefix (the start-up summary).
    func write(_ text: String) {
        state.withLock { state in
            guard showsStatus, let status = state.status else {
                output.write(text)
                return
            }
            output.write("\r\u{1B}[2K" + text + Self.fit(status))
        }
    }

    /// Replaces the status line (ignored unless `showsStatus`).
    func status(_ text: String) {
        guard showsStatus else { return }
        state.withLock { state in
            state.status = text
            output.write("\r\u{1B}[2K" + Self.fit(text))
        }
    }

    /// Erases the status line for good (on shutdown).
    func clearStatus() {
        guard showsStatus else { return }
        state.withLock { state in
            if state.status != nil { output.write("\r\u{1B}[2K") }
            state.status = nil
        }
    }

    /// Cuts the status line to the terminal's width so it never wraps (a wrapped line cannot be
    /// erased with one carriage return).
    private static func fit(_ text: String) -> String {
        var size = winsize()
        let columns = ioctl(2, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? Int(size.ws_col) : 120
        return text.count < columns ? text : String(text.prefix(columns - 1))
    }
}

/// swift-log handler of `up`'s own logger: `up | level: message key=value`, through the console.
struct UpConsoleLogHandler: LogHandler {
    let console: UpConsole
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let details = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        console.line(from: "up", "\(event.level): \(event.message)\(details.isEmpty ? "" : " " + details)")
    }
}
