import BoxBridgeProtocol
import Crypto
import Foundation
import Testing

/// The generated Swift must match protocol/*.proto: regenerate with scripts/generate-protos.
@Suite("Generated protocol code")
struct GeneratedCodeTests {
    static let protocolFolder = URL(filePath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appending(path: "protocol")

    @Test("was generated from the .proto files as they are now")
    func notStale() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.protocolFolder.path)
            .filter { $0.hasSuffix(".proto") }
        #expect(Set(files) == Set(ProtocolSources.sha256.keys),
                "a .proto file was added or removed: run scripts/generate-protos")
        for file in files {
            let data = try Data(contentsOf: Self.protocolFolder.appending(path: file))
            let digest = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
            #expect(ProtocolSources.sha256[file] == digest, "\(file) changed since generation: run scripts/generate-protos")
        }
    }
}
