/// Where the broker listens, and the CURVE keys to reach it with (nil = plain).
public struct BusEndpoints: Sendable, Equatable {
    public var ingest: String
    public var publish: String
    public var control: String
    public var curve: CurveClientKeys?

    public init(ingest: String, publish: String, control: String, curve: CurveClientKeys? = nil) {
        self.ingest = ingest
        self.publish = publish
        self.control = control
        self.curve = curve
    }
}

/// A client's CURVE identity and the broker's public key, all Z85.
public struct CurveClientKeys: Sendable, Equatable, CustomStringConvertible {
    public var serverPublicKey: String
    public var publicKey: String
    /// Secret: never logged (`description` leaves it out).
    public var secretKey: String

    public init(serverPublicKey: String, publicKey: String, secretKey: String) {
        self.serverPublicKey = serverPublicKey
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    public var description: String { "CurveClientKeys(server: \(serverPublicKey), client: \(publicKey))" }
}
