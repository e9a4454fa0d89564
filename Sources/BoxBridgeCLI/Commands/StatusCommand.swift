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
            Asks the broker's Stats/Get. Connections show the collector holding the lease, its epoch,
            the durable checkpoint and what the collector last reported (state, lag, calls/min, 429s,
            scope size). Subscribers show their lag in envelopes. --json prints the protocol's
            StatsResponse in its JSON mapping.
            """
    )

    @OptionGroup var bus: BusCommandOptions

    @Flag(help: "Print JSON instead of tables.")
    var json = false

    func run() async throws {
        let client = try bus.client()
        let stats: Boxbridge_V1_StatsResponse
        do {
            stats = try await client.stats()
        } catch {
            FileOutput.standardError.write("error: could not get stats from the broker: \(error)\n")
            throw ExitCode(1)
        }
        await client.close()
        if json {
            FileOutput.standardOutput.write(try stats.jsonString() + "\n")
            return
        }
        let now = stats.at.seconds
        var text = "journal: \(stats.journalBytes) bytes in \(stats.journalSegments) segment(s)\n\nCONNECTIONS\n"
        text += renderTable(
            ["CONNECTION", "COLLECTOR", "EPOCH", "CHECKPOINT", "STATE", "LAG", "CALLS/MIN", "429S", "SCOPE", "LAST POLL"],
            stats.connections.map {
                [
                    $0.connection, $0.collectorID.isEmpty ? "(unleased)" : $0.collectorID, "\($0.leaseEpoch)",
                    $0.checkpoint.isEmpty ? "-" : $0.checkpoint, $0.progress.state.isEmpty ? "-" : $0.progress.state,
                    "\($0.progress.lagSeconds)s", String(format: "%.0f", $0.progress.callsPerMinute),
                    "\($0.progress.rateLimitedTotal)", "\($0.progress.scopeSize)", formatAge($0.progress.lastPoll.seconds, now: now),
                ]
            })
        text += "\nCOLLECTORS\n"
        text += renderTable(
            ["COLLECTOR", "ALIVE", "CONNECTIONS", "LAST HEARTBEAT"],
            stats.collectors.map {
                [$0.collectorID, $0.alive ? "yes" : "no", $0.connections.joined(separator: ","), formatAge($0.lastHeartbeat.seconds, now: now)]
            })
        text += "\nSUBSCRIBERS\n"
        text += renderTable(
            ["SUBSCRIBER", "PREFIX", "LAG", "REPORTED"],
            stats.subscribers.map {
                [$0.progress.subscriberID, $0.progress.topicPrefix, "\($0.lag)", formatAge($0.progress.at.seconds, now: now)]
            })
        text += "\nTOPICS\n" + TopicsCommand.table(stats)
        FileOutput.standardOutput.write(text)
    }
}
