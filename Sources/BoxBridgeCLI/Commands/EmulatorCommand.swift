import ArgumentParser
import BoxEmulator
import Foundation
import Logging
import ServiceLifecycle

/// `boxbridge emulator`: Box's API as a deterministic, scriptable local server.
struct EmulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulator",
        abstract: "Run the Box API emulator: a faithful, scriptable stand-in for Box.",
        discussion: """
            Serves POST /oauth2/token, GET /2.0/events (admin_logs, admin_logs_streaming), users, groups, memberships, files, folders and collaborations in Box's shapes, from a seeded enterprise. Prints one line `listening on http://HOST:PORT` once listening (use --port 0 and --port-file in scripts).

            Control routes: /_emulator/state, /_emulator/faults (GET/POST/DELETE), /_emulator/tokens/revoke, /_emulator/calls, /_emulator/events (POST to append), /_emulator/ground-truth/flush. See docs/emulator.md.

            Fault SPEC (repeatable --fault): comma-separated key=value with kind=rate_limit|status|slow|reset|truncate|revoke and count=N or share=P, plus status=500|502|503|504, retry-after=S, delay-ms=MS, path=PREFIX (default /2.0/). Examples:
              --fault kind=rate_limit,count=20,retry-after=2
              --fault kind=status,status=503,share=0.01,retry-after=1
              --fault kind=reset,share=0.005
            """
    )

    @Option(help: "Interface to listen on.")
    var host = "127.0.0.1"

    @Option(help: "TCP port; 0 picks a free one (printed, and written to --port-file).")
    var port = 0

    @Option(help: "Write the bound port to this file once listening.")
    var portFile: String?

    @Option(help: "Workload seed: same seed and --start-time give a byte-identical event stream.")
    var seed: UInt64 = 1

    @Option(help: "Emulated time at start, RFC 3339 (default: now). Fix it for byte-identical runs.")
    var startTime: String?

    @Option(help: "Managed users in the enterprise (at least 2: an admin and a co-admin).")
    var users = 50

    @Option(help: "Share of managed users that are inactive (0...1).")
    var inactiveShare = 0.12

    @Option(help: "Groups in the enterprise.")
    var groups = 8

    @Option(help: "Folders per user.")
    var foldersPerUser = 3

    @Option(help: "Files per user.")
    var filesPerUser = 8

    @Option(help: "Events already recorded at start (served lazily: 1,000,000 is fine).")
    var backlogSize = 1_000

    @Option(help: "Seconds between backlog events (default: spread over at most 13 days, 2 s apart at most).")
    var backlogSpacing: Double?

    @Option(help: "Live events recorded per second after start (0: none).")
    var eventsPerSecond = 0.0

    @Option(help: "Calls allowed per user per sliding minute before 429.")
    var rateLimitPerMinute = 1_000

    @Option(help: "Access token lifetime in seconds.")
    var tokenLifetime = 3_600.0

    @Option(help: "Share of events admin_logs_streaming re-delivers (0...1).")
    var streamingDuplicateShare = 0.02

    @Option(help: "How many places admin_logs_streaming may move an event later within a page.")
    var reorderWindow = 4

    @Option(help: "Share of generated events that are malformed (0...1).")
    var malformedShare = 0.002

    @Option(help: "Client ID accepted for CCG and JWT.")
    var clientID = "emulator-client-id"

    @Option(help: "Client secret accepted for CCG and JWT (or env BOXBRIDGE_EMULATOR_CLIENT_SECRET).")
    var clientSecret: String?

    @Option(help: "PEM file of the RSA public key JWT assertions are verified with (enables JWT auth).")
    var jwtPublicKey: String?

    @Option(help: "Key id (`kid`) JWT assertions must carry.")
    var jwtKeyID: String?

    @Option(help: "Enterprise ID (CCG box_subject_id and JWT sub for enterprise tokens).")
    var enterpriseID = "1234567"

    @Option(help: "Write every recorded event and whether it is in scope to this file (JSON lines, 0600).")
    var groundTruth: String?

    @Option(help: "Scope CSV (Email/Email Address or Group Name/Groups column) deciding in_scope in the ground truth.")
    var scopeCSV: String?

    @Option(help: "Inject a fault (repeatable); see SPEC above.")
    var fault: [String] = []

    @Flag(help: "Print the configuration summary as JSON instead of text.")
    var json = false

    func run() async throws {
        var config = EmulatorConfiguration()
        config.host = host
        config.port = port
        config.seed = seed
        if let startTime {
            guard let t = parseTime(startTime) else {
                throw ValidationError("--start-time: '\(startTime)' is not an RFC 3339 timestamp")
            }
            config.startTime = t
        }
        config.users = users
        config.inactiveShare = inactiveShare
        config.groups = groups
        config.foldersPerUser = foldersPerUser
        config.filesPerUser = filesPerUser
        config.backlogSize = backlogSize
        config.backlogSpacing = backlogSpacing
        config.eventsPerSecond = eventsPerSecond
        config.rateLimitPerMinute = rateLimitPerMinute
        config.tokenLifetime = tokenLifetime
        config.streamingDuplicateShare = streamingDuplicateShare
        config.reorderWindow = reorderWindow
        config.malformedShare = malformedShare
        config.clientID = clientID
        config.clientSecret = clientSecret ?? ProcessInfo.processInfo.environment["BOXBRIDGE_EMULATOR_CLIENT_SECRET"]
            ?? config.clientSecret
        if let jwtPublicKey {
            do {
                config.jwtPublicKeyPEM = try String(contentsOfFile: jwtPublicKey, encoding: .utf8)
            } catch {
                throw ValidationError("--jwt-public-key: cannot read \(jwtPublicKey): \(error.localizedDescription)")
            }
        }
        config.jwtKeyID = jwtKeyID
        config.enterpriseID = enterpriseID
        config.groundTruthPath = groundTruth
        if let scopeCSV {
            do { config.scope = try ScopeCSV(contentsOf: scopeCSV) } catch { throw ValidationError("--scope-csv: \(error)") }
        }
        for spec in fault {
            do { config.faults.append(try FaultRule(spec: spec)) } catch { throw ValidationError("--fault: \(error)") }
        }
        do { try config.validate() } catch { throw ValidationError(error.description) }

        var logger = Logger(label: "boxbridge.emulator")
        logger.logLevel = .warning
        let server: EmulatorServer
        do {
            server = try EmulatorServer(configuration: config, logger: logger)
        } catch {
            FileOutput.standardError.write("error: \(error)\n")
            throw ExitCode(1)
        }
        let group = ServiceGroup(configuration: .init(
            services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        let portFile = self.portFile
        let json = self.json
        let announce = Task {
            guard let bound = try? await server.boundPort() else { return }
            let url = "http://\(host == "0.0.0.0" ? "127.0.0.1" : host):\(bound)"
            if let portFile {
                let fd = open(portFile, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                if fd >= 0 { FileOutput(descriptor: fd).write("\(bound)\n"); close(fd) }
            }
            if json {
                FileOutput.standardOutput.write("{\"listening\":\"\(url)\",\"port\":\(bound),\"enterprise_id\":\"\(config.enterpriseID)\",\"backlog_size\":\(config.backlogSize),\"seed\":\(config.seed)}\n")
            } else {
                FileOutput.standardOutput.write("listening on \(url)\n")
            }
        }
        do {
            try await group.run()
        } catch {
            announce.cancel()
            FileOutput.standardError.write("error: emulator stopped: \(error)\n")
            throw ExitCode(1)
        }
        announce.cancel()
    }

    private func parseTime(_ text: String) -> Double? {
        let f = ISO8601DateFormatter()
        if let d = f.date(from: text) { return d.timeIntervalSince1970 }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: text)?.timeIntervalSince1970
    }
}
