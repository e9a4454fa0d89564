import AsyncHTTPClient
import BoxEmulator
import Foundation
import NIOCore
import NIOHTTP1

struct HTTPResult {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]) ?? [:] }
}

/// A tiny client for the emulator over real loopback HTTP.
struct EmulatorClient {
    let base: String
    let client = HTTPClient.shared

    func request(_ method: HTTPMethod = .GET, _ path: String, token: String? = nil, body: String? = nil,
                 contentType: String = "application/json") async throws -> HTTPResult {
        var req = HTTPClientRequest(url: base + path)
        req.method = method
        if let token { req.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            req.headers.add(name: "Content-Type", value: contentType)
            req.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await client.execute(req, timeout: .seconds(10))
        let buffer = try await response.body.collect(upTo: 64 << 20)
        return HTTPResult(status: Int(response.status.code), headers: response.headers, body: Array(buffer.readableBytesView))
    }

    func ccgToken(subjectType: String = "enterprise", subjectID: String = "1234567", secret: String = "emulator-client-secret") async throws -> HTTPResult {
        try await request(.POST, "/oauth2/token",
                          body: "grant_type=client_credentials&client_id=emulator-client-id&client_secret=\(secret)&box_subject_type=\(subjectType)&box_subject_id=\(subjectID)",
                          contentType: "application/x-www-form-urlencoded")
    }

    func token() async throws -> String {
        try await ccgToken().json["access_token"] as! String
    }
}

func testConfiguration(backlog: Int = 300) -> EmulatorConfiguration {
    var c = EmulatorConfiguration()
    c.backlogSize = backlog
    c.users = 20
    c.startTime = 1_790_000_000
    c.seed = 11
    return c
}
