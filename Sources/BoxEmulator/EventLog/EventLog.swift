import Foundation

/// The enterprise's event history: a lazily generated backlog, live events at a rate, and events
/// appended through the admin endpoint, addressed by index and by opaque stream position.
///
/// Index `i` is the `i`-th event Box recorded; its stream position is `positionBase + i`, above
/// 2^53 so clients that parse positions as doubles lose events, as they did against Box.
public final class EventLog: @unchecked Sendable {
    public static let positionBase: UInt64 = 1_152_922_976_252_290_886

    public let generator: EventGenerator
    public let backlogSize: UInt64
    /// Seconds between backlog events.
    public let spacing: Double
    /// Emulated time at which the backlog ends and live generation begins.
    public let startTime: Double
    public let eventsPerSecond: Double
    let clock: EmulatorClock
    let clockAtStart: Double

    enum TailEntry {
        case generated(UInt64)
        case appended(Int)
    }

    struct Appended {
        var bytes: [UInt8]
        var meta: GeneratedEvent
    }

    struct State {
        var tail: [TailEntry] = []
        var liveGenerated: UInt64 = 0
        var appended: [Appended] = []
    }

    private let state = Locked(State())

    public init(generator: EventGenerator, backlogSize: Int, spacing: Double, startTime: Double?, eventsPerSecond: Double,
                clock: EmulatorClock) {
        self.generator = generator
        self.backlogSize = UInt64(max(0, backlogSize))
        self.spacing = spacing
        self.clock = clock
        let now = clock.now
        self.clockAtStart = now
        self.startTime = startTime ?? now.rounded(.down)
        self.eventsPerSecond = max(0, eventsPerSecond)
    }

    /// The emulated "now" (Unix seconds): the start time plus the time elapsed on the clock.
    public var now: Double { startTime + (clock.now - clockAtStart) }

    /// How many events Box has recorded so far (materializing live events that are due).
    public func availableCount() -> UInt64 {
        let elapsed = now - startTime
        let due: UInt64 = eventsPerSecond > 0 && elapsed > 0 ? UInt64(elapsed * eventsPerSecond) : 0
        return state.withLock { s in
            while s.liveGenerated < due {
                s.tail.append(.generated(backlogSize + s.liveGenerated))
                s.liveGenerated += 1
            }
            return backlogSize + UInt64(s.tail.count)
        }
    }

    /// When event `index` was created (Unix seconds).
    public func createdAt(_ index: UInt64) -> Double {
        if index < backlogSize { return generatedTime(index) }
        return state.withLock { s in
            let t = Int(index - backlogSize)
            guard t < s.tail.count else { return now }
            switch s.tail[t] {
            case .generated(let g): return generatedTime(g)
            case .appended(let a): return s.appended[a].meta.createdAt
            }
        }
    }

    func generatedTime(_ g: UInt64) -> Double {
        if g < backlogSize {
            return (startTime - Double(backlogSize - g) * spacing).rounded(.down)
        }
        return (startTime + Double(g - backlogSize) / max(eventsPerSecond, 1e-9)).rounded(.down)
    }

    /// The event at `index` with its serialized bytes.
    public func event(_ index: UInt64) -> (bytes: [UInt8], meta: GeneratedEvent) {
        if index < backlogSize { return generated(index) }
        let entry: TailEntry? = state.withLock { s in
            let t = Int(index - backlogSize)
            return t < s.tail.count ? s.tail[t] : nil
        }
        switch entry {
        case .generated(let g): return generated(g)
        case .appended(let a):
            return state.withLock { s in (s.appended[a].bytes, s.appended[a].meta) }
        case nil:
            preconditionFailure("event index \(index) beyond the log")
        }
    }

    /// Appends the bytes of event `index` to `out` (no intermediate copy: pages are built this way).
    public func write(_ index: UInt64, to out: inout [UInt8]) {
        if index < backlogSize {
            generator.event(at: index, createdAt: Int64(generatedTime(index))).json.write(to: &out)
            return
        }
        let entry: TailEntry? = state.withLock { s in
            let t = Int(index - backlogSize)
            return t < s.tail.count ? s.tail[t] : nil
        }
        switch entry {
        case .generated(let g): generator.event(at: g, createdAt: Int64(generatedTime(g))).json.write(to: &out)
        case .appended(let a): state.withLock { s in out.append(contentsOf: s.appended[a].bytes) }
        case nil: preconditionFailure("event index \(index) beyond the log")
        }
    }

    private func generated(_ g: UInt64) -> (bytes: [UInt8], meta: GeneratedEvent) {
        let e = generator.event(at: g, createdAt: Int64(generatedTime(g)))
        return (e.json.serialized(), e)
    }

    /// Appends an event given as raw JSON (admin endpoint); returns its index.
    public func append(bytes: [UInt8], meta: GeneratedEvent) -> UInt64 {
        _ = availableCount()
        return state.withLock { s in
            s.appended.append(Appended(bytes: bytes, meta: meta))
            s.tail.append(.appended(s.appended.count - 1))
            return backlogSize + UInt64(s.tail.count - 1)
        }
    }

    /// The first index whose event was created at or after `time` (events are recorded in time order).
    public func firstIndex(createdAtOrAfter time: Double, below end: UInt64) -> UInt64 {
        var lo: UInt64 = 0
        var hi = end
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            if createdAt(mid) < time { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    public static func position(ofIndex index: UInt64) -> String {
        String(positionBase + index)
    }
}
