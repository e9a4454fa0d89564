import Foundation
import Logging

/// Gets and caches one credential's access token, refreshing it shortly before it expires.
///
/// Concurrent callers share a single token request. A token Box refuses (401: expired early or
/// revoked) is dropped with `invalidate(_:)`, and the next caller fetches a new one. Tokens and
/// secrets never reach the logs: only the client id, subject and lifetime are logged.
actor BoxTokenProvider {
    private let credentials: BoxCredentials
    private let endpoint: BoxEndpoint
    private let http: BoxHTTP
    private let clock: any SchedulerClock
    private let unixNow: @Sendable () -> Double
    private let logger: Logger
    private var signer: JWTAssertionSigner?
    private var cached: (token: Secret, refreshAt: Duration)?
    private var pending: Task<(Secret, Duration), any Error>?
    private(set) var fetchCount = 0

    init(
        credentials: BoxCredentials, endpoint: BoxEndpoint, http: BoxHTTP, clock: any SchedulerClock,
        unixNow: @escaping @Sendable () -> Double, logger: Logger
    ) {
        self.credentials = credentials
        self.endpoint = endpoint
        self.http = http
        self.clock = clock
        self.unixNow = unixNow
        self.logger = logger
    }

    /// A valid token, from the cache or freshly requested.
    func token() async throws -> Secret {
        if let cached, clock.now() < cached.refreshAt { return cached.token }
        if let pending { return try await pending.value.0 }
        let task = Task { try await self.fetch() }
        pending = task
        defer { pending = nil }
        let fetched = try await task.value
        cached = fetched
        return fetched.0
    }

    /// Forgets `token` if it is the cached one (a 401 said it is no longer good).
    func invalidate(_ token: Secret) {
        if cached?.token == token {
            cached = nil
            logger.info("Box refused the access token; a new one will be requested", metadata: metadata)
        }
    }

    private var metadata: Logger.Metadata {
        [BoxAPILogKey.boxClientID: "\(credentials.clientID)", BoxAPILogKey.boxSubject: "\(credentials.subject)"]
    }

    private func fetch() async throws -> (Secret, Duration) {
        let endpointName = "POST /oauth2/token"
        var form: [(String, String)]
        switch credentials {
        case .clientCredentials(let clientID, let clientSecret, let subject):
            form = [
                ("grant_type", "client_credentials"), ("client_id", clientID), ("client_secret", clientSecret.reveal()),
                ("box_subject_type", subject.type), ("box_subject_id", subject.id),
            ]
        case .jwt(let jwt):
            if signer == nil {
                do {
                    signer = try await JWTAssertionSigner(credentials: jwt)
                } catch {
                    throw BoxAPIError(kind: .configuration, endpoint: endpointName, message: error.description)
                }
            }
            let assertion = try await signer!.assertion(unixNow: Int64(unixNow()))
            form = [
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", assertion),
                ("client_id", jwt.clientID), ("client_secret", jwt.clientSecret.reveal()),
            ]
        }
        let requestedAt = clock.now()
        fetchCount += 1
        let response = try await http.send(
            .POST, url: endpoint.tokenURL,
            headers: [("content-type", "application/x-www-form-urlencoded"), ("accept", "application/json")],
            body: Array(FormEncoding.encode(form).utf8), endpoint: endpointName)
        guard (200..<300).contains(response.status) else { throw response.error(endpoint: endpointName) }
        let body = try JSONDecoderFactory.decoder().decode(BoxAccessTokenBody.self, from: response.body, endpoint: endpointName)
        guard !body.accessToken.isEmpty else {
            throw BoxAPIError.decoding(endpoint: endpointName, field: "access_token: empty")
        }
        // Box says 60 minutes; refresh a minute early (a tenth early for short test lifetimes),
        // measured from when we asked, so a slow answer cannot make us hold an expired token.
        let lifetime = Duration.seconds(max(body.expiresIn ?? 3_600, 1))
        let margin = min(Duration.seconds(60), lifetime / 10)
        logger.debug("obtained a Box access token", metadata: metadata.merging([BoxAPILogKey.boxExpiresIn: "\(body.expiresIn ?? 0)"]) { $1 })
        return (Secret(body.accessToken), requestedAt + lifetime - margin)
    }
}
