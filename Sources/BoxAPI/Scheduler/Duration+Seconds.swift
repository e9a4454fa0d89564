extension Duration {
    /// The duration as floating-point seconds, for rate arithmetic (never for stream positions).
    var secondsDouble: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    /// A duration from floating-point seconds, clamped at zero.
    static func secondsClamped(_ value: Double) -> Duration {
        guard value.isFinite, value > 0 else { return .zero }
        return .nanoseconds(Int64(min(value, 9e9) * 1e9))
    }
}
