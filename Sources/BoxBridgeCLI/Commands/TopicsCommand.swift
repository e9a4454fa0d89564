import ArgumentParser
import BoxBridgeProtocol
import BusClient
import Foundation

/// `boxbridge topics`: the broker's topics as a table or JSON.
struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics",
        abstract: "List the broker's topics with messages, rates, sequences and subscribers.",
        discussion: """
            Columns: TOPIC, MESSAGES and BYTES retained in the journal, RATE 1M / 5M (messages per
            second), LAST and OLDEST sequence held, SUBS (live subscribers), LAST PUBLISHED.
            --json prints the protocol's StatsResponse in its JSON mapping.
            """
    )

    @OptionGroup var bus: BusCommandOptions

    @Option(help: "Only topics starting with this prefix, e.g. box/acme/.")
    var prefix = ""

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() async throws {
        let client = try bus.client()
        let stats: Boxbridge_V1_StatsResponse
        do {
            stats = try await client.stats(prefix: prefix)
        } catch {
            FileOutput.standardError.write("error: could not get stats from the broker: \(error)\n")
            throw ExitCode(1)
        }
        await client.close()
        if json {
            var topicsOnly = Boxbridge_V1_StatsResponse()
            topicsOnly.topics = stats.topics
            topicsOnly.at = stats.at
            topicsOnly.journalBytes = stats.journalBytes
            topicsOnly.journalSegments = stats.journalSegments
            FileOutput.standardOutput.write(try topicsOnly.jsonString() + "\n")
            return
        }
        FileOutput.standardOutput.write(Self.table(stats))
    }

    static func table(_ stats: Boxbridge_V1_StatsResponse) -> String {
        let now = stats.at.seconds
        let rows = stats.topics.map { topic in
            [
                topic.topic, "\(topic.messages)", "\(topic.bytes)", formatRate(topic.rate1M), formatRate(topic.rate5M),
                "\(topic.lastSequence)", "\(topic.oldestSequence)", "\(topic.liveSubscribers)",
                formatAge(topic.lastPublishedAt.seconds, now: now),
            ]
        }
        if rows.isEmpty { return "no topics yet\n" }
        return renderTable(["TOPIC", "MESSAGES", "BYTES", "RATE 1M", "RATE 5M", "LAST", "OLDEST", "SUBS", "LAST PUBLISHED"], rows)
    }
}
