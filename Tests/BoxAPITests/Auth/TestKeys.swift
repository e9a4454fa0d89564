import Foundation
import TestSupport

/// An RSA key made for one test, plain and encrypted the way Box's app config ships it.
struct TestKey {
    let plainPEM: String
    let publicPEM: String
    let encryptedPEM: String
    let passphrase: String

    /// Makes a 2048-bit key with `openssl genpkey` and encrypts it with `openssl pkcs8 -topk8 -v2 aes-256-cbc`.
    static func make(passphrase: String = "correct horse battery staple") async throws -> TestKey {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("boxapi-key-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let plain = dir.appendingPathComponent("key.pem").path
        let encrypted = dir.appendingPathComponent("key.enc.pem").path
        try await run(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", plain])
        let publicKey = dir.appendingPathComponent("key.pub.pem").path
        try await run(["pkey", "-in", plain, "-pubout", "-out", publicKey])
        try await run(["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", plain, "-out", encrypted, "-passout", "pass:\(passphrase)"])
        return TestKey(
            plainPEM: try String(contentsOfFile: plain, encoding: .utf8),
            publicPEM: try String(contentsOfFile: publicKey, encoding: .utf8),
            encryptedPEM: try String(contentsOfFile: encrypted, encoding: .utf8),
            passphrase: passphrase)
    }

    /// A Box app config JSON holding this key.
    func appConfig(clientID: String = "client-abc", clientSecret: String = "s3cret-value", enterpriseID: String = "11223344") throws -> [UInt8] {
        let object: [String: Any] = [
            "boxAppSettings": [
                "clientID": clientID,
                "clientSecret": clientSecret,
                "appAuth": ["publicKeyID": "kid-42", "privateKey": encryptedPEM, "passphrase": passphrase],
            ],
            "enterpriseID": enterpriseID,
        ]
        return Array(try JSONSerialization.data(withJSONObject: object))
    }

    private static func run(_ arguments: [String]) async throws {
        let result = try await runToCompletion(URL(fileURLWithPath: "/usr/bin/openssl"), arguments)
        guard result.status == 0 else {
            throw NSError(domain: "openssl", code: Int(result.status), userInfo: [NSLocalizedDescriptionKey: result.stderrText])
        }
    }
}

/// Decodes one base64url JWT segment to a JSON object.
func jwtSegment(_ token: String, _ index: Int) throws -> [String: Any] {
    var text = String(token.split(separator: ".")[index]).replacingOccurrences(of: "-", with: "+")
        .replacingOccurrences(of: "_", with: "/")
    while text.count % 4 != 0 { text += "=" }
    let data = try #require(Data(base64Encoded: text))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

import Testing
