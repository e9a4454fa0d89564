import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOPosix

/// The request context: keeps the channel so the emulator can reset connections on command.
struct EmulatorRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}

/// Parsed, percent-decoded query parameters.
struct QueryItems {
    var values: [String: String] = [:]

    init(_ query: String?) {
        guard let query, !query.isEmpty else { return }
        for part in query.split(separator: "&") {
            let kv = part.split(separator: "=", maxSplits: 1)
            let key = QueryItems.decode(String(kv[0]))
            values[key] = kv.count > 1 ? QueryItems.decode(String(kv[1])) : ""
        }
    }

    static func decode(_ s: String) -> String {
        s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? s
    }

    subscript(_ key: String) -> String? { values[key] }

    /// `fields=a,b` as a set, nil when absent.
    var fields: Set<String>? {
        guard let f = values["fields"], !f.isEmpty else { return nil }
        return Set(f.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
    }
}

/// Thrown after the emulator deliberately closed a connection (reset fault).
struct ConnectionResetOnCommand: Error {}

/// Answers every request: admin routes, OAuth, then the Box API behind faults, auth and rate limits.
struct EmulatorResponder: HTTPResponder {
    typealias Context = EmulatorRequestContext
    let core: EmulatorCore

    func respond(to request: Request, context: Context) async throws -> Response {
        let (number, requestID) = core.nextRequest()
        let path = request.uri.path
        let query = QueryItems(request.uri.query)
        if path.hasPrefix("/_emulator/") {
            return try await admin(request, path: path, query: query, requestID: requestID)
        }
        var userID: String?
        var faultName: String?
        var response = Response(status: .internalServerError)
        defer {
            let call = RecordedCall(seq: number, method: request.method.rawValue, path: path, query: request.uri.query ?? "",
                                    status: response.status.code, userID: userID, at: core.log.now, fault: faultName)
            core.calls.withLock { $0.record(call) }
        }
        if let fault = core.faults.withLock({ $0.next(path: path, requestNumber: number) }) {
            faultName = fault.kind.rawValue
            switch fault.kind {
            case .rateLimit:
                response = BoxResponses.rateLimited(retryAfter: fault.retryAfter ?? 1, requestID: requestID)
                return response
            case .status:
                let status = fault.status ?? 503
                let code = status == 503 ? "unavailable" : (status == 502 ? "bad_gateway" : "internal_server_error")
                var extra: [(HTTPField.Name, String)] = []
                if let r = fault.retryAfter { extra.append((BoxResponses.retryAfterHeader, String(r))) }
                response = BoxResponses.error(status: status, code: code, message: "Service Unavailable", requestID: requestID, extra: extra)
                return response
            case .revoke:
                core.revokeTokens()
                response = BoxResponses.unauthorized(requestID: requestID)
                return response
            case .slow:
                try await Task.sleep(nanoseconds: UInt64(max(0, fault.delayMs ?? 2_000)) * 1_000_000)
            case .reset:
                response = Response(status: .init(code: 599))
                // SO_LINGER {on, 0 s} makes close() send a TCP RST instead of a FIN. NIO passes socket
                // option values as a native Int; on little-endian 64-bit hosts the Int 1 has the same
                // bytes as `struct linger { l_onoff = 1, l_linger = 0 }`.
                #if _endian(little) && (arch(x86_64) || arch(arm64))
                try? await context.channel.setOption(ChannelOptions.socketOption(.so_linger), value: 1).get()
                #endif
                try? await context.channel.close().get()
                throw ConnectionResetOnCommand()
            case .truncate:
                break
            }
        }
        var req = request
        response = try await api(&req, path: path, query: query, requestID: requestID, userID: &userID)
        if faultName == FaultRule.Kind.truncate.rawValue {
            response = try await truncated(response)
        }
        return response
    }

    /// Keeps the full `content-length` but sends half the body, then fails the stream so the connection closes.
    func truncated(_ response: Response) async throws -> Response {
        final class Sink: @unchecked Sendable { var buffer = ByteBuffer() }
        struct Collector: ResponseBodyWriter {
            let sink: Sink
            mutating func write(_ b: ByteBuffer) async throws { var b = b; sink.buffer.writeBuffer(&b) }
            consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
        }
        let sink = Sink()
        try await response.body.write(Collector(sink: sink))
        let full = sink.buffer
        let half = full.getSlice(at: full.readerIndex, length: full.readableBytes / 2) ?? ByteBuffer()
        return Response(status: response.status, headers: response.headers, body: ResponseBody { writer in
            try await writer.write(half)
            throw ConnectionResetOnCommand()
        })
    }

    func api(_ request: inout Request, path: String, query: QueryItems, requestID: String, userID: inout String?) async throws -> Response {
        if path == "/oauth2/token" {
            guard request.method == .post else {
                return BoxResponses.error(status: 405, code: "method_not_allowed", message: "Method Not Allowed", requestID: requestID)
            }
            let body = try await request.collectBody(upTo: 1 << 20)
            return await token(form: String(buffer: body), requestID: requestID)
        }
        guard path.hasPrefix("/2.0/") else { return BoxResponses.notFound(requestID: requestID) }
        let now = core.configuration.clock.now
        var bearer: String?
        if let auth = request.headers[.authorization], auth.lowercased().hasPrefix("bearer ") {
            bearer = String(auth.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        let issued: IssuedToken
        switch core.tokens.withLock({ $0.validate(bearer, now: now) }) {
        case .failure: return BoxResponses.unauthorized(requestID: requestID)
        case .success(let t): issued = t
        }
        var actingUser = issued.userID
        if let asUser = request.headers[HTTPField.Name("as-user")!], !asUser.isEmpty {
            guard core.enterprise.usersByID[asUser] != nil else {
                return BoxResponses.error(status: 403, code: "access_denied_insufficient_permissions",
                                          message: "Access denied - insufficient permission", requestID: requestID)
            }
            actingUser = asUser
        }
        userID = actingUser
        let limit = core.configuration.rateLimitPerMinute
        let decision = core.limiters.withLock { limiters in
            // Mutated in place: copying the limiter out and back would copy its whole window.
            limiters[actingUser, default: SlidingWindowLimiter(limit: limit)].attempt(now: now)
        }
        if case .limited(let retryAfter) = decision {
            return BoxResponses.rateLimited(retryAfter: retryAfter, requestID: requestID)
        }
        guard request.method == .get else {
            return BoxResponses.error(status: 405, code: "method_not_allowed", message: "Method Not Allowed", requestID: requestID)
        }
        let parts = path.split(separator: "/").map(String.init)  // ["2.0", ...]
        switch parts.count {
        case 2 where parts[1] == "events": return events(query: query, userID: actingUser, requestID: requestID)
        case 2 where parts[1] == "users": return users(query: query, requestID: requestID)
        case 2 where parts[1] == "groups": return groups(query: query, requestID: requestID)
        case 3 where parts[1] == "users": return user(id: parts[2] == "me" ? actingUser : parts[2], query: query, requestID: requestID)
        case 3 where parts[1] == "groups": return group(id: parts[2], query: query, requestID: requestID)
        case 3 where parts[1] == "files": return file(id: parts[2], query: query, requestID: requestID)
        case 3 where parts[1] == "folders": return folder(id: parts[2], query: query, requestID: requestID)
        case 4 where parts[1] == "groups" && parts[3] == "memberships":
            return memberships(groupID: parts[2], userID: nil, query: query, requestID: requestID)
        case 4 where parts[1] == "users" && parts[3] == "memberships":
            return memberships(groupID: nil, userID: parts[2] == "me" ? actingUser : parts[2], query: query, requestID: requestID)
        case 4 where (parts[1] == "files" || parts[1] == "folders") && parts[3] == "collaborations":
            return collaborations(isFolder: parts[1] == "folders", id: parts[2], query: query, requestID: requestID)
        default:
            return BoxResponses.notFound(requestID: requestID)
        }
    }
}
