public import Foundation

/// The terminal's view of a backfill: one line per connection per update while it works through
/// a backlog, then one line when it has caught up (pure: the service decides when and where to
/// write, and only writes when standard error is a terminal).
public struct BackfillProgress: Sendable {
    private struct Sample: Sendable {
        var events: Int
        var atMillis: Int64
    }

    private var samples: [String: Sample] = [:]
    private var caughtUp: Set<String> = []

    public init() {}

    /// The lines to show for `statuses` now.
    ///
    /// - Parameters:
    ///   - nowMillis: monotonic time, for the rate.
    ///   - wallNow: wall time, for how far behind the position reached is.
    public mutating func lines(for statuses: [PipelineStatus], nowMillis: Int64, wallNow: Date) -> [String] {
        var out: [String] = []
        for status in statuses.sorted(by: { $0.connection < $1.connection }) {
            let events = status.counters.boxEvents
            let previous = samples[status.connection]
            samples[status.connection] = Sample(events: events, atMillis: nowMillis)
            if status.backfilling {
                caughtUp.remove(status.connection)
                var rate = 0.0
                if let previous, nowMillis > previous.atMillis, events >= previous.events {
                    rate = Double(events - previous.events) * 1000 / Double(nowMillis - previous.atMillis)
                }
                var line = "\(status.connection): backfilling  \(Self.grouped(events)) events  \(Self.grouped(Int(rate.rounded())))/s"
                if let reached = status.newestEventAt {
                    line += "  reached \(Self.format(reached))  \(Self.span(seconds: wallNow.timeIntervalSince(reached))) behind"
                }
                out.append(line)
            } else if status.state == "running", status.lastPoll != nil, !caughtUp.contains(status.connection) {
                caughtUp.insert(status.connection)
                out.append("\(status.connection): caught up  \(Self.grouped(events)) events read, \(Self.grouped(status.counters.publishedEvents)) published")
            }
        }
        return out
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(abs(value))
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return (value < 0 ? "-" : "") + out
    }

    static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// `3d 4h`, `2h 5m`, `4m 10s`, `12s`.
    static func span(seconds: Double) -> String {
        let total = max(0, Int(seconds))
        let (d, h, m, s) = (total / 86_400, total % 86_400 / 3_600, total % 3_600 / 60, total % 60)
        if d > 0 { return "\(d)d \(h)h" }
        if h > 0 { return "\(h)h \(m)m" }
        if m > 0 { return "\(m)m \(s)s" }
        return "\(s)s"
    }
}
