/// Messages per second over the last 1 and 5 minutes, from per-second buckets (injected time).
public struct TopicRates: Sendable {
    private var buckets = [UInt64](repeating: 0, count: 300)
    private var lastSecond: Int64 = 0

    public init() {}

    public mutating func record(_ count: UInt64, nowMillis: Int64) {
        advance(to: nowMillis / 1000)
        buckets[Int((nowMillis / 1000) % 300)] += count
    }

    /// (rate over 1 minute, rate over 5 minutes) in messages per second.
    public mutating func rates(nowMillis: Int64) -> (oneMinute: Double, fiveMinutes: Double) {
        advance(to: nowMillis / 1000)
        let now = nowMillis / 1000
        var minute: UInt64 = 0
        var five: UInt64 = 0
        for back in 0..<300 {
            let second = now - Int64(back)
            guard second >= 0 else { break }
            let value = buckets[Int(second % 300)]
            five += value
            if back < 60 { minute += value }
        }
        return (Double(minute) / 60, Double(five) / 300)
    }

    private mutating func advance(to second: Int64) {
        guard second > lastSecond else { return }
        let steps = min(300, second - lastSecond)
        for step in 1...steps { buckets[Int((lastSecond + step) % 300)] = 0 }
        lastSecond = second
    }
}
