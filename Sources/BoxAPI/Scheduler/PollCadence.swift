/// How long to wait before the next events poll, from how full the last pages were.
///
/// Back to back while pages come full (a backlog: every second idle is throughput lost); once a
/// page comes short the delay doubles from `easeStart` up to `idleInterval`, so a stream that has
/// caught up costs few calls, yet a burst right after catching up is picked up quickly. Box says a
/// page may be short even when more events remain (API-NOTES §2), which is why one short page
/// only waits `easeStart` rather than the full idle interval.
///
/// | pages since the last full one | delay (easeStart 1 s, idle 60 s) |
/// |------------------------------:|---------------------------------:|
/// | 0 (this page was full)        | 0                                |
/// | 1                             | 1 s                              |
/// | 2                             | 2 s                              |
/// | 3                             | 4 s                              |
/// | …                             | doubling                         |
/// | 7 and more                    | 60 s                             |
public struct PollCadence: Sendable, Equatable {
    /// The longest wait between polls of a caught-up stream.
    public var idleInterval: Duration
    /// The wait after the first short page.
    public var easeStart: Duration
    /// Short (or empty) pages in a row.
    public private(set) var shortPages = 0

    public init(idleInterval: Duration = .seconds(60), easeStart: Duration = .seconds(1)) {
        self.idleInterval = idleInterval
        self.easeStart = min(easeStart, idleInterval)
    }

    /// Records a page of `count` entries asked with `limit`; returns the delay before the next poll.
    public mutating func record(count: Int, limit: Int) -> Duration {
        if count >= limit, limit > 0 {
            shortPages = 0
            return .zero
        }
        shortPages += 1
        var delay = easeStart
        for _ in 1..<shortPages {
            delay = delay * 2
            if delay >= idleInterval { return idleInterval }
        }
        return min(delay, idleInterval)
    }

    /// The delay after a failed poll: treated like a short page, so failures never spin.
    public mutating func recordFailure() -> Duration { record(count: 0, limit: 1) }
}
