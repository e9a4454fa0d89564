import BoxBridgeProtocol
import BusClient
import Foundation

/// The tables of `boxbridge status`, from one StatsResponse.
enum StatusReport {
    static func render(_ stats: Boxbridge_V1_StatsResponse, endpoint: String) -> String {
        let now = stats.at.seconds
        var text = "broker \(endpoint) · journal \(formatBytes(stats.journalBytes)) in \(stats.journalSegments) segment(s)"
        text += " · \(stats.connections.count) connection(s), \(stats.collectors.filter(\.alive).count) live collector(s), \(stats.subscribers.count) subscriber(s)\n"

        text += "\nCONNECTIONS\n"
        if stats.connections.isEmpty {
            text += "none configured\n"
        } else {
            text += renderTable(
                ["CONNECTION", "COLLECTOR", "EPOCH", "STATE", "LAG", "CALLS/MIN", "429S", "SCOPE", "LAST POLL", "CHECKPOINT"],
                stats.connections.map { connection in
                    let progress = connection.progress
                    let reported = connection.hasProgress && !progress.state.isEmpty
                    return [
                        connection.connection,
                        connection.collectorID.isEmpty ? "(unleased)" : connection.collectorID,
                        connection.collectorID.isEmpty ? "-" : "\(connection.leaseEpoch)",
                        reported ? progress.state : (connection.collectorID.isEmpty ? "waiting for a collector" : "starting"),
                        reported ? formatSeconds(progress.lagSeconds) : "-",
                        reported ? String(format: "%.0f", progress.callsPerMinute) : "-",
                        reported ? "\(progress.rateLimitedTotal)" : "-",
                        reported ? "\(progress.scopeSize)" : "-",
                        formatAge(progress.lastPoll.seconds, now: now),
                        connection.checkpoint.isEmpty ? "(first start)" : connection.checkpoint,
                    ]
                })
        }

        text += "\nCOLLECTORS\n"
        if stats.collectors.isEmpty {
            text += "none has heartbeated yet\n"
        } else {
            text += renderTable(
                ["COLLECTOR", "ALIVE", "CONNECTIONS", "LAST HEARTBEAT"],
                stats.collectors.map {
                    [
                        $0.collectorID, $0.alive ? "yes" : "no",
                        $0.connections.isEmpty ? "-" : $0.connections.joined(separator: ","),
                        formatAge($0.lastHeartbeat.seconds, now: now),
                    ]
                })
        }

        text += "\nSUBSCRIBERS\n"
        if stats.subscribers.isEmpty {
            text += "none has reported yet\n"
        } else {
            text += renderTable(
                ["SUBSCRIBER", "PREFIX", "LAG", "REPORTED", "CURSORS"],
                stats.subscribers.map {
                    [
                        $0.progress.subscriberID, $0.progress.topicPrefix.isEmpty ? "(all)" : $0.progress.topicPrefix,
                        "\($0.lag)", formatAge($0.progress.at.seconds, now: now), cursors($0.progress),
                    ]
                })
        }

        text += "\nTOPICS\n" + TopicsCommand.table(stats)
        return text
    }

    /// `created=120,shared-link=7`: each topic's next wanted sequence, the prefix left out; past
    /// four topics only their count (the table would not fit a terminal; --json has them all).
    static func cursors(_ progress: Boxbridge_V1_SubscriberProgress) -> String {
        guard !progress.nextSequences.isEmpty else { return "-" }
        guard progress.nextSequences.count <= 4 else { return "\(progress.nextSequences.count) topics (--json lists them)" }
        return progress.nextSequences.sorted { $0.key < $1.key }.map { topic, next in
            let short = topic.hasPrefix(progress.topicPrefix) && !progress.topicPrefix.isEmpty
                ? String(topic.dropFirst(progress.topicPrefix.count)) : topic
            return "\(short)=\(next)"
        }.joined(separator: ",")
    }

    /// What a user reads when the broker does not answer: the endpoint, the wait, what to do.
    static func unreachable(endpoint: String, timeout: Double, error: any Error) -> String {
        let wait = timeout == timeout.rounded() ? "\(Int(timeout))" : "\(timeout)"
        if let bus = error as? BusError, bus.code == "timeout" {
            return "the broker at \(endpoint) did not answer within \(wait) s; is it running (`boxbridge broker` or `boxbridge up`)? Another endpoint: --config FILE or --control ENDPOINT."
        }
        return "could not get stats from the broker at \(endpoint): \(error)"
    }

    static func formatSeconds(_ seconds: Int64) -> String {
        if seconds < 120 { return "\(seconds)s" }
        if seconds < 7_200 { return "\(seconds / 60)m" }
        return "\(seconds / 3_600)h"
    }

    static func formatBytes(_ bytes: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f", value) + " " + units[unit]
    }
}
