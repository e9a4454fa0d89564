public import AsyncHTTPClient
public import Logging
import NIOCore
import NIOHTTP1
import Foundation

/// The Box API client: every call authenticated and sent through the credential's scheduler.
///
/// One `BoxClient` per credential; connections sharing the credential use `forFlow(_:)` copies,
/// which share the token cache and the scheduler so the credential's budget is shared fairly.
public struct BoxClient: Sendable {
    public let endpoint: BoxEndpoint
    public let scheduler: RequestScheduler
    /// The connection this copy calls for (fairness within the scheduler).
    public let flow: String
    let tokens: BoxTokenProvider
    let http: BoxHTTP
    let logger: Logger

    /// - Parameters:
    ///   - endpoint: Box, or the emulator's base URL.
    ///   - scheduler: the credential's scheduler (one per credential per process).
    ///   - httpClient: a running AsyncHTTPClient; the caller owns its shutdown.
    ///   - clock: the scheduler's clock, also used for token expiry.
    ///   - unixNow: wall time in Unix seconds, for JWT `iat`/`exp`.
    public init(
        endpoint: BoxEndpoint,
        credentials: BoxCredentials,
        scheduler: RequestScheduler,
        httpClient: HTTPClient = .shared,
        clock: any SchedulerClock = ContinuousSchedulerClock(),
        unixNow: @escaping @Sendable () -> Double = BoxClient.systemUnixTime,
        requestTimeout: Duration = .seconds(60),
        logger: Logger = Logger(label: "boxbridge.box-api"),
        flow: String = ""
    ) {
        self.endpoint = endpoint
        self.scheduler = scheduler
        self.flow = flow
        self.logger = logger
        let timeout = TimeAmount.nanoseconds(Int64(requestTimeout.secondsDouble * 1e9))
        self.http = BoxHTTP(client: httpClient, timeout: timeout, maximumBodyBytes: 64 << 20)
        self.tokens = BoxTokenProvider(
            credentials: credentials, endpoint: endpoint, http: http, clock: clock, unixNow: unixNow, logger: logger)
    }

    /// Wall time in Unix seconds, for JWT claims.
    @Sendable public static func systemUnixTime() -> Double { Date().timeIntervalSince1970 }

    private init(copying other: BoxClient, flow: String) {
        self.endpoint = other.endpoint
        self.scheduler = other.scheduler
        self.flow = flow
        self.tokens = other.tokens
        self.http = other.http
        self.logger = other.logger
    }

    /// The same client (token cache, scheduler) calling on behalf of another connection.
    public func forFlow(_ flow: String) -> BoxClient { BoxClient(copying: self, flow: flow) }

    /// Gets a token now (checks the credentials without spending an API call).
    public func authenticate() async throws {
        _ = try await tokens.token()
    }

    /// Token requests made so far (for tests and status).
    public func tokenRequests() async -> Int { await tokens.fetchCount }

    // MARK: The one way a call is made

    /// GETs `path` under `/2.0` through the scheduler; on a 401 gets a new token and retries once.
    func get(
        _ path: String, query: [(String, String)] = [], priority: PriorityClass, endpointName: String
    ) async throws -> BoxHTTPResponse {
        let url = endpoint.apiBaseURL + path + (query.isEmpty ? "" : "?" + FormEncoding.encode(query))
        var refreshed = false
        while true {
            do {
                return try await scheduler.execute(priority, flow: flow) { [tokens, http] in
                    let token = try await tokens.token()
                    let response = try await http.send(
                        .GET, url: url,
                        headers: [("authorization", "Bearer \(token.reveal())"), ("accept", "application/json")],
                        endpoint: endpointName)
                    if (200..<300).contains(response.status) { return response }
                    if response.status == 401 { await tokens.invalidate(token) }
                    throw response.error(endpoint: endpointName)
                }
            } catch let error as BoxAPIError where error.isUnauthorized && !refreshed {
                refreshed = true
                logger.info(
                    "Box answered 401; retrying once with a new token",
                    metadata: [BoxAPILogKey.boxEndpoint: "\(endpointName)", BoxAPILogKey.boxRequestID: "\(error.boxRequestID ?? "")"])
            }
        }
    }

    func getJSON<T: Decodable>(
        _ type: T.Type, _ path: String, query: [(String, String)] = [], priority: PriorityClass, endpointName: String
    ) async throws -> T {
        let response = try await get(path, query: query, priority: priority, endpointName: endpointName)
        return try JSONDecoderFactory.decoder().decode(type, from: response.body, endpoint: endpointName)
    }

    /// Percent-encodes one path segment (an id), so an odd id cannot change the path.
    static func segment(_ id: BoxID) -> String { FormEncoding.encode(id.rawValue) }
}
