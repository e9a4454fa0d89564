import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// A Box HTTP response, body fully read.
struct BoxHTTPResponse: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]

    var boxRequestID: String? { headers.first(name: "box-request-id") }

    /// `retry-after` as seconds (Box sends integers; decimals are accepted, dates ignored).
    var retryAfter: Duration? {
        guard let text = headers.first(name: "retry-after")?.trimmingCharacters(in: " "),
            let seconds = Double(text), seconds >= 0, seconds.isFinite
        else { return nil }
        return .secondsClamped(seconds)
    }

    /// The Box error this response stands for: status, Box code, message and both request ids.
    func error(endpoint: String) -> BoxAPIError {
        let parsed = try? JSONDecoderFactory.decoder().decode(BoxClientErrorBody.self, from: body, endpoint: endpoint)
        return BoxAPIError(
            kind: .http,
            endpoint: endpoint,
            status: status,
            code: parsed?.code ?? parsed?.error,
            message: parsed?.message ?? parsed?.errorDescription,
            requestID: parsed?.requestID,
            boxRequestID: boxRequestID,
            retryAfter: retryAfter
        )
    }
}

/// Sends requests on AsyncHTTPClient and turns transport failures into `BoxAPIError.network`.
struct BoxHTTP: Sendable {
    let client: HTTPClient
    /// Per-request deadline (Box SDKs use 60 s reads).
    let timeout: TimeAmount
    /// Responses larger than this are refused rather than buffered (a 500-event page is ~1 MB).
    let maximumBodyBytes: Int

    func send(
        _ method: HTTPMethod, url: String, headers: [(String, String)], body: [UInt8]? = nil, endpoint: String
    ) async throws -> BoxHTTPResponse {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.headers.replaceOrAdd(name: "user-agent", value: "boxbridge")
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            let response = try await client.execute(request, timeout: timeout)
            let buffer = try await response.body.collect(upTo: maximumBodyBytes)
            return BoxHTTPResponse(status: Int(response.status.code), headers: response.headers, body: Array(buffer.readableBytesView))
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw BoxAPIError.network(endpoint: endpoint, error)
        }
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        var text = Substring(self)
        while text.first == set { text.removeFirst() }
        while text.last == set { text.removeLast() }
        return String(text)
    }
}
