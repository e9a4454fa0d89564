#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Wall time as Unix seconds, injectable so token expiry, retention and rate limits run in simulated time.
public struct EmulatorClock: Sendable {
    private let read: @Sendable () -> Double

    public init(_ read: @escaping @Sendable () -> Double) {
        self.read = read
    }

    /// Unix seconds now.
    public var now: Double { read() }

    /// The system's real-time clock.
    public static let system = EmulatorClock {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// A clock that only moves when told to, for tests.
    public static func manual(_ clock: ManualClock) -> EmulatorClock {
        EmulatorClock { clock.now }
    }
}

/// A settable clock for tests: `advance(by:)` moves simulated time instantly.
public final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Double

    public init(now: Double) {
        self.value = now
    }

    public var now: Double {
        lock.lock(); defer { lock.unlock() }
        return value
    }

    public func advance(by seconds: Double) {
        lock.lock(); value += seconds; lock.unlock()
    }

    public func set(_ now: Double) {
        lock.lock(); value = now; lock.unlock()
    }
}

/// A value guarded by a lock, for state shared between concurrent requests.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock(); defer { lock.unlock() }
        return try body(&value)
    }
}
