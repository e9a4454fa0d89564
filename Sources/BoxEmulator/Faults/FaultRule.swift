import Foundation

/// One misbehaviour the emulator injects on command (flag `--fault` or `POST /_emulator/faults`).
public struct FaultRule: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// 429 with `retry-after` and Box's `rate_limit_exceeded` body.
        case rateLimit = "rate_limit"
        /// A 5xx (`status`: 500, 502 or 503) with Box's error body, with `retry-after` when set.
        case status
        /// Answers normally after `delay_ms`.
        case slow
        /// Closes the connection with a TCP reset before any response byte.
        case reset
        /// Sends the response head and half the body, then closes the connection.
        case truncate
        /// Revokes every issued token; the request itself gets 401.
        case revoke
    }

    public var kind: Kind
    /// How many matching requests it hits; nil with `share` set means "until cleared".
    public var count: Int?
    /// Probability per matching request (deterministic for the seed and request number).
    public var share: Double?
    public var status: Int?
    public var retryAfter: Int?
    public var delayMs: Int?
    /// Only requests whose path starts with this (default `/2.0/`).
    public var pathPrefix: String?

    enum CodingKeys: String, CodingKey {
        case kind, count, share, status
        case retryAfter = "retry_after"
        case delayMs = "delay_ms"
        case pathPrefix = "path_prefix"
    }

    public init(kind: Kind, count: Int? = 1, share: Double? = nil, status: Int? = nil, retryAfter: Int? = nil,
                delayMs: Int? = nil, pathPrefix: String? = nil) {
        self.kind = kind
        self.count = count
        self.share = share
        self.status = status
        self.retryAfter = retryAfter
        self.delayMs = delayMs
        self.pathPrefix = pathPrefix
    }

    /// Parses the CLI form `kind=status,status=503,count=3,retry-after=2,share=0.01,delay-ms=500,path=/2.0/events`.
    public init(spec: String) throws(FaultSpecError) {
        var fields: [String: String] = [:]
        for part in spec.split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2 else { throw FaultSpecError(spec: spec, reason: "expected key=value, got '\(part)'") }
            fields[kv[0].replacingOccurrences(of: "_", with: "-")] = kv[1]
        }
        guard let kindText = fields["kind"], let kind = Kind(rawValue: kindText.replacingOccurrences(of: "-", with: "_")) else {
            throw FaultSpecError(spec: spec, reason: "kind must be one of \(Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        func int(_ key: String) throws(FaultSpecError) -> Int? {
            guard let v = fields[key] else { return nil }
            guard let i = Int(v) else { throw FaultSpecError(spec: spec, reason: "\(key) must be an integer") }
            return i
        }
        var share: Double?
        if let s = fields["share"] {
            guard let d = Double(s), d >= 0, d <= 1 else { throw FaultSpecError(spec: spec, reason: "share must be in 0...1") }
            share = d
        }
        let count = try int("count")
        self.init(kind: kind, count: count ?? (share == nil ? 1 : nil), share: share, status: try int("status"),
                  retryAfter: try int("retry-after"), delayMs: try int("delay-ms"), pathPrefix: fields["path"])
        try validate()
    }

    public func validate() throws(FaultSpecError) {
        if kind == .status, let s = status, ![500, 502, 503, 504].contains(s) {
            throw FaultSpecError(spec: "\(self)", reason: "status must be 500, 502, 503 or 504")
        }
        if count == nil, share == nil { throw FaultSpecError(spec: "\(self)", reason: "needs count or share") }
    }
}

public struct FaultSpecError: Error, CustomStringConvertible, Sendable {
    public var spec: String
    public var reason: String
    public var description: String { "invalid fault '\(spec)': \(reason)" }
}

/// The active fault rules; the first matching rule fires.
struct FaultInjector: Sendable {
    private(set) var rules: [FaultRule] = []
    let seed: UInt64

    mutating func add(_ rule: FaultRule) { rules.append(rule) }
    mutating func clear() { rules.removeAll() }

    mutating func next(path: String, requestNumber: UInt64) -> FaultRule? {
        for i in rules.indices {
            let rule = rules[i]
            guard path.hasPrefix(rule.pathPrefix ?? "/2.0/") else { continue }
            if let share = rule.share {
                var rng = SeededRandom(seed: seed, stream: 8, index: requestNumber &* 31 &+ UInt64(i))
                guard rng.chance(share) else { continue }
            }
            if let c = rule.count {
                if c <= 1 { rules.remove(at: i) } else { rules[i].count = c - 1 }
            }
            return rule
        }
        return nil
    }
}
