import ArgumentParser
import BoxBridgeProtocol
import BusClient
import Foundation

/// `boxbridge status`: connections, collectors, subscribers and topics from the broker.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show connections, collectors, subscribers and topics with their lag and rates.",
        discussion: """
            Asks the broker's Stats/Get on its control endpoint.

            CONNECTIONS: the collector holding the lease and its epoch, what the collector last \
            reported (STATE running|backfilling|paused|failed: <reason>|deauthorized, LAG behind Box, \
            CALLS/MIN through the scheduler, 429S received, SCOPE drives monitored, LAST POLL) and \
            the broker's durable CHECKPOINT (the Box stream position collection resumes from).
            COLLECTORS: alive or not, their connections, last heartbeat.
            SUBSCRIBERS: each subscriber's LAG (envelopes journaled and not yet consumed) and its \
            CURSORS (per topic, the next sequence it wants).
            TOPICS: as `boxbridge topics`.

            --json prints the protocol's StatsResponse in its JSON mapping (one document per \
            refresh with --watch). --watch refreshes every --interval seconds: the screen is \
            redrawn on a terminal, otherwise one block per refresh is appended. With --watch an \
            unreachable broker is shown and retried; without it the command exits 1.
            """
    )

    @OptionGroup var bus: BusCommandOptions

    @Flag(help: "Print JSON instead of tables.")
    var json = false

    @Flag(help: "Refresh until interrupted (see --interval, --count).")
    var watch = false

    @Option(help: "Seconds between refreshes with --watch.")
    var interval = 2.0

    @Option(help: "With --watch, stop after this many refreshes (default: until interrupted).")
    var count: Int?

    func validate() throws {
        guard interval > 0 else { throw ValidationError("--interval must be more than 0 seconds") }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
    }

    func run() async throws {
        let client = try bus.client()
        let endpoint = await client.endpoints.control
        let stdout = FileOutput.standardOutput
        guard watch else {
            let result = await Self.fetch(client)
            await client.close()
            switch result {
            case .success(let stats):
                stdout.write(json ? try stats.jsonString() + "\n" : StatusReport.render(stats, endpoint: endpoint))
            case .failure(let error):
                FileOutput.standardError.write("error: \(StatusReport.unreachable(endpoint: endpoint, timeout: bus.timeout, error: error))\n")
                throw ExitCode(1)
            }
            return
        }
        let redraw = stdout.isTerminal && !json
        var refreshes = 0
        while !Task.isCancelled {
            let result = await Self.fetch(client)
            var block: String
            switch result {
            case .success(let stats):
                block = json ? try stats.jsonString() + "\n" : StatusReport.render(stats, endpoint: endpoint)
            case .failure(let error):
                let message = StatusReport.unreachable(endpoint: endpoint, timeout: bus.timeout, error: error)
                block = json ? Self.jsonError(message) : "error: \(message)\n"
            }
            if redraw {
                // Home, clear: the table replaces the last one instead of scrolling.
                block = "\u{1B}[H\u{1B}[2J" + block
            } else if !json {
                block = "--- \(Self.timestamp())\n" + block + "\n"
            }
            stdout.write(block)
            refreshes += 1
            if let count, refreshes >= count { break }
            try await Task.sleep(for: .milliseconds(Int64(interval * 1000)))
        }
        await client.close()
    }

    private static func fetch(_ client: BusClient) async -> Result<Boxbridge_V1_StatsResponse, any Error> {
        do {
            return .success(try await client.stats())
        } catch {
            return .failure(error)
        }
    }

    private static func jsonError(_ message: String) -> String {
        let object = ["error": message]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    private static func timestamp() -> String {
        ISO8601DateFormatter().string(from: Date())
    }
}
