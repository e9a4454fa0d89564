/// A failed Box call, with everything needed to report it and to decide whether to retry.
///
/// Carries the HTTP status, Box's `code` and `message`, the body's `request_id` and the
/// `box-request-id` header (distinct values, API-NOTES §5), and never a token or secret.
public struct BoxAPIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Broad kinds of failure.
    public enum Kind: String, Sendable, Equatable {
        /// Box answered with an error status.
        case http
        /// No usable answer: connection refused or reset, timeout, truncated body.
        case network
        /// The answer could not be read, or lacks what the product relies on.
        case decoding
        /// The credentials or app config are wrong or unreadable (before any call).
        case configuration
    }

    public var kind: Kind
    /// The call, e.g. `GET /2.0/events` (never with its query, which may name users).
    public var endpoint: String
    public var status: Int?
    /// Box's `code` (`rate_limit_exceeded`, `not_found`, …) or the OAuth2 `error` (`invalid_grant`).
    public var code: String?
    /// Box's `message`, the OAuth2 `error_description`, or what went wrong locally.
    public var message: String?
    /// The error body's `request_id`.
    public var requestID: String?
    /// The `box-request-id` response header.
    public var boxRequestID: String?
    /// The `retry-after` header, when sent.
    public var retryAfter: Duration?

    public init(
        kind: Kind, endpoint: String, status: Int? = nil, code: String? = nil, message: String? = nil,
        requestID: String? = nil, boxRequestID: String? = nil, retryAfter: Duration? = nil
    ) {
        self.kind = kind
        self.endpoint = endpoint
        self.status = status
        self.code = code
        self.message = message
        self.requestID = requestID
        self.boxRequestID = boxRequestID
        self.retryAfter = retryAfter
    }

    /// Whether trying again can succeed: 429, 5xx (not 501), 401 (after a token refresh), network.
    public var isRetryable: Bool {
        switch kind {
        case .network: return true
        case .decoding, .configuration: return false
        case .http:
            guard let status else { return false }
            return status == 429 || status == 401 || (status >= 500 && status != 501) || (status == 202 && retryAfter != nil)
        }
    }

    /// Whether the token was refused (expired or revoked): refresh it and retry once.
    public var isUnauthorized: Bool { kind == .http && status == 401 }

    public var description: String {
        var parts = ["Box \(endpoint) failed"]
        if let status { parts.append("status \(status)") }
        if let code { parts.append("code \(code)") }
        if let message { parts.append("message \"\(message)\"") }
        if let requestID { parts.append("request_id \(requestID)") }
        if let boxRequestID { parts.append("box-request-id \(boxRequestID)") }
        if let retryAfter { parts.append("retry-after \(retryAfter)") }
        parts.append(isRetryable ? "(retryable)" : "(not retryable)")
        return parts.joined(separator: ", ")
    }

    static func decoding(endpoint: String, field: String) -> BoxAPIError {
        BoxAPIError(kind: .decoding, endpoint: endpoint, message: "unexpected response: \(field)")
    }

    static func network(endpoint: String, _ error: any Error) -> BoxAPIError {
        BoxAPIError(kind: .network, endpoint: endpoint, message: String(describing: error))
    }

    /// A `DecodingError` as a short path and reason (`entries[3].id: …`).
    static func describe(_ error: any Error) -> String {
        guard let decoding = error as? DecodingError else { return String(describing: error) }
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
                .trimmingPrefix(".").description
        }
        switch decoding {
        case .keyNotFound(let key, let context): return "\(path(context.codingPath + [key])): missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default: return String(describing: error)
        }
    }
}

extension BoxAPIError: SchedulerClassifiable {
    public var callStatus: CallStatus {
        switch kind {
        case .network: return .network
        case .http:
            if status == 429 { return .rateLimited(retryAfter: retryAfter) }
            return .http(status ?? 0)
        case .decoding, .configuration: return .http(status ?? 200)
        }
    }

    public var callFailure: CallFailure {
        switch kind {
        case .network: return .network
        case .decoding, .configuration: return .fatal
        case .http:
            guard let status else { return .fatal }
            if status == 429 { return .rateLimited(retryAfter: retryAfter) }
            if (status >= 500 && status != 501) || (status == 202 && retryAfter != nil) {
                return .server(retryAfter: retryAfter)
            }
            return .fatal
        }
    }
}

/// Box's error object (`ClientError`); every field optional, since proxies send odd bodies.
struct BoxClientErrorBody: Decodable {
    var type: String?
    var status: Int?
    var code: String?
    var message: String?
    var requestID: String?
    /// OAuth2Error's fields, for `/oauth2/token`.
    var error: String?
    var errorDescription: String?

    enum CodingKeys: String, CodingKey {
        case type, status, code, message, error
        case requestID = "request_id"
        case errorDescription = "error_description"
    }
}

/// `AccessToken` from `POST /oauth2/token`.
struct BoxAccessTokenBody: Decodable {
    var accessToken: String
    var expiresIn: Int?
    var tokenType: String?
    var issuedTokenType: String?

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case expiresIn = "expires_in"
        case tokenType = "token_type"
        case issuedTokenType = "issued_token_type"
    }
}
