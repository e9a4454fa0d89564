/// A small, fast, seeded pseudo-random generator (SplitMix64) so a seed always gives the same workload.
///
/// `SystemRandomNumberGenerator` is never used for anything that reaches a response: determinism
/// (same seed, same bytes) is a promise of the emulator.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        self.state = seed
    }

    /// A generator for one derived stream, e.g. the event at index `index`, independent of all others.
    public init(seed: UInt64, stream: UInt64, index: UInt64) {
        self.state = SeededRandom.mix(seed ^ SeededRandom.mix(stream &+ 0x9E37_79B9_7F4A_7C15) ^ SeededRandom.mix(index &* 0xD1B5_4A32_D192_ED03))
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SeededRandom.mix(state)
    }

    /// The SplitMix64 finalizer: a stateless 64-bit hash.
    @inline(__always)
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in 0..<bound (bound > 0).
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0)
        return Int(next() % UInt64(bound))
    }

    /// A uniform value in [0, 1).
    public mutating func unit() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// True with probability `share`.
    public mutating func chance(_ share: Double) -> Bool {
        unit() < share
    }

    public mutating func pick<T>(_ values: [T]) -> T {
        values[below(values.count)]
    }

    /// Lowercase hex of `count` random bytes.
    public mutating func hex(bytes count: Int) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(count * 2)
        var word: UInt64 = 0
        for i in 0..<count {
            if i % 8 == 0 { word = next() }
            let byte = UInt8(truncatingIfNeeded: word >> UInt64((i % 8) * 8))
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A UUID-shaped identifier (8-4-4-4-12 lowercase hex), like Box's event ids.
    public mutating func uuidString() -> String {
        let digits: StaticString = "0123456789abcdef"
        var out = [UInt8](repeating: 0x2D, count: 36)
        var a = next(), b = next()
        var j = 0
        for i in 0..<36 where i != 8 && i != 13 && i != 18 && i != 23 {
            let nibble: UInt64
            if j < 16 { nibble = a & 0xF; a >>= 4 } else { nibble = b & 0xF; b >>= 4 }
            out[i] = digits.utf8Start[Int(nibble)]
            j += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
