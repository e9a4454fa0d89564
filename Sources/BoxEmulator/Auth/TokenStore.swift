/// Access tokens the emulator issued: who they act for, when they expire, whether they were revoked.
public struct IssuedToken: Sendable, Equatable {
    /// `enterprise` (the service account) or `user`.
    public var subjectType: String
    /// The user the token acts as (the service account's id for an enterprise token).
    public var userID: String
    public var expiresAt: Double
    public var revoked: Bool
}

/// Why a bearer token was refused (all give 401).
public enum TokenFailure: Error, Sendable, Equatable {
    case missing
    case unknown
    case expired
    case revoked
}

struct TokenStore: Sendable {
    private var tokens: [String: IssuedToken] = [:]
    private var usedJTIs: [String: Double] = [:]
    private var counter: UInt64 = 0
    let seed: UInt64

    init(seed: UInt64) {
        self.seed = seed
    }

    mutating func issue(subjectType: String, userID: String, lifetime: Double, now: Double) -> String {
        counter += 1
        var rng = SeededRandom(seed: seed, stream: 9, index: counter)
        let token = "emu" + rng.hex(bytes: 16)
        tokens[token] = IssuedToken(subjectType: subjectType, userID: userID, expiresAt: now + lifetime, revoked: false)
        return token
    }

    func validate(_ token: String?, now: Double) -> Result<IssuedToken, TokenFailure> {
        guard let token, !token.isEmpty else { return .failure(.missing) }
        guard let issued = tokens[token] else { return .failure(.unknown) }
        if issued.revoked { return .failure(.revoked) }
        if now >= issued.expiresAt { return .failure(.expired) }
        return .success(issued)
    }

    /// Revokes every token, or only those acting as `userID`. Returns how many were revoked.
    mutating func revoke(userID: String? = nil) -> Int {
        var n = 0
        for (key, value) in tokens where !value.revoked && (userID == nil || value.userID == userID) {
            tokens[key]?.revoked = true
            n += 1
        }
        return n
    }

    /// Records a JWT `jti`; false when it was already used by an assertion that has not expired.
    mutating func useJTI(_ jti: String, expiresAt: Double, now: Double) -> Bool {
        if usedJTIs.count > 10_000 { usedJTIs = usedJTIs.filter { $0.value > now } }
        if let exp = usedJTIs[jti], exp > now - 120 { return false }
        usedJTIs[jti] = expiresAt
        return true
    }
}
