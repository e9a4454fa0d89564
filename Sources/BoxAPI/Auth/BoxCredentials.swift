/// How to obtain Box access tokens for one credential.
public enum BoxCredentials: Sendable {
    /// Client Credentials Grant: client id and secret, for the enterprise or a user.
    case clientCredentials(clientID: String, clientSecret: Secret, subject: BoxSubject)
    /// JWT: an RS256 assertion signed with the app's private key (see `BoxAppConfig`).
    case jwt(JWTCredentials)

    /// The app's client id (not secret; fine in logs).
    public var clientID: String {
        switch self {
        case .clientCredentials(let clientID, _, _): clientID
        case .jwt(let jwt): jwt.clientID
        }
    }

    public var subject: BoxSubject {
        switch self {
        case .clientCredentials(_, _, let subject): subject
        case .jwt(let jwt): jwt.subject
        }
    }
}

/// What a JWT assertion needs: the app's ids, its decrypted private key and who to act as.
public struct JWTCredentials: Sendable {
    public var clientID: String
    public var clientSecret: Secret
    /// The public key id registered with Box (the assertion's `kid` header).
    public var publicKeyID: String
    /// The private key as unencrypted PKCS#8 (or PKCS#1) PEM.
    public var privateKeyPEM: Secret
    public var subject: BoxSubject
    /// Seconds from issue to `exp`; Box allows at most 60.
    public var assertionLifetime: Int

    public init(
        clientID: String, clientSecret: Secret, publicKeyID: String, privateKeyPEM: Secret, subject: BoxSubject,
        assertionLifetime: Int = 45
    ) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.publicKeyID = publicKeyID
        self.privateKeyPEM = privateKeyPEM
        self.subject = subject
        self.assertionLifetime = min(max(assertionLifetime, 1), 60)
    }
}
