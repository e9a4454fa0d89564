import Foundation

/// Box's app config JSON for a JWT app, as downloaded from the Developer Console.
///
/// `{"boxAppSettings":{"clientID","clientSecret","appAuth":{"publicKeyID","privateKey","passphrase"}},
/// "enterpriseID"}` (API-NOTES §1); `privateKey` is an encrypted PKCS#8 PEM opened with `passphrase`.
public struct BoxAppConfig: Sendable {
    public var clientID: String
    public var clientSecret: Secret
    public var publicKeyID: String
    /// The private key PEM as found in the file (usually encrypted).
    public var privateKey: Secret
    public var passphrase: Secret
    public var enterpriseID: String?
    /// Where the config came from (a path, or "environment"), for error messages.
    public var source: String

    /// Reads and checks an app config file, naming the file and the field in any error.
    public static func load(path: String) throws(BoxAppConfigError) -> BoxAppConfig {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw BoxAppConfigError(source: path, field: nil, reason: "cannot read the file (\(error.localizedDescription))")
        }
        return try parse(Array(data), source: path)
    }

    /// Parses an app config; `source` names it in errors (a path, or "environment").
    public static func parse(_ bytes: [UInt8], source: String) throws(BoxAppConfigError) -> BoxAppConfig {
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
                throw BoxAppConfigError(source: source, field: nil, reason: "not a JSON object")
            }
            object = parsed
        } catch let error as BoxAppConfigError {
            throw error
        } catch {
            throw BoxAppConfigError(source: source, field: nil, reason: "not valid JSON")
        }
        func string(_ dict: [String: Any]?, _ key: String, path: String, required: Bool = true) throws(BoxAppConfigError) -> String? {
            let value = dict?[key]
            if let text = value as? String, !text.isEmpty { return text }
            if let number = value as? NSNumber, !(value is Bool) { return number.stringValue }
            if !required, value == nil || value is NSNull { return nil }
            throw BoxAppConfigError(source: source, field: path, reason: value == nil ? "missing" : "must be a non-empty string")
        }
        guard let settings = object["boxAppSettings"] as? [String: Any] else {
            throw BoxAppConfigError(source: source, field: "boxAppSettings", reason: "missing or not an object")
        }
        guard let appAuth = settings["appAuth"] as? [String: Any] else {
            throw BoxAppConfigError(source: source, field: "boxAppSettings.appAuth", reason: "missing or not an object")
        }
        return BoxAppConfig(
            clientID: try string(settings, "clientID", path: "boxAppSettings.clientID")!,
            clientSecret: Secret(try string(settings, "clientSecret", path: "boxAppSettings.clientSecret")!),
            publicKeyID: try string(appAuth, "publicKeyID", path: "boxAppSettings.appAuth.publicKeyID")!,
            privateKey: Secret(try string(appAuth, "privateKey", path: "boxAppSettings.appAuth.privateKey")!),
            passphrase: Secret(try string(appAuth, "passphrase", path: "boxAppSettings.appAuth.passphrase", required: false) ?? ""),
            enterpriseID: try string(object, "enterpriseID", path: "enterpriseID", required: false),
            source: source
        )
    }

    /// JWT credentials for `subject` (default: this config's enterprise), with the key decrypted.
    public func jwtCredentials(subject: BoxSubject? = nil) throws(BoxAppConfigError) -> JWTCredentials {
        guard let subject = subject ?? enterpriseID.map(BoxSubject.enterprise) else {
            throw BoxAppConfigError(source: source, field: "enterpriseID", reason: "missing, and no user subject given")
        }
        let pem = privateKey.reveal()
        let decrypted: Secret
        if pem.contains("ENCRYPTED") || !passphrase.isEmpty {
            do {
                decrypted = try PrivateKeyDecryption.decrypt(pem: pem, passphrase: passphrase)
            } catch {
                throw BoxAppConfigError(source: source, field: "boxAppSettings.appAuth.privateKey", reason: error.description + " (check the passphrase)")
            }
        } else {
            decrypted = privateKey
        }
        return JWTCredentials(
            clientID: clientID, clientSecret: clientSecret, publicKeyID: publicKeyID, privateKeyPEM: decrypted, subject: subject)
    }
}

/// A Box app config that cannot be used: which file, which field, why (never a secret's value).
public struct BoxAppConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var source: String
    public var field: String?
    public var reason: String
    public var isRetryable: Bool { false }
    public var description: String {
        if let field { return "\(source): \(field): \(reason)" }
        return "\(source): \(reason)"
    }
}
