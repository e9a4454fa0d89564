import HTTPTypes
import Hummingbird

/// Builds HTTP responses in Box's shapes: JSON bodies, `box-request-id`, the `ClientError` object.
enum BoxResponses {
    static let helpURL = "https://developer.box.com/guides/api-calls/permissions-and-errors/common-errors/"
    static let requestIDHeader = HTTPField.Name("box-request-id")!
    static let retryAfterHeader = HTTPField.Name("retry-after")!

    static func json(_ bytes: [UInt8], status: HTTPResponse.Status = .ok, requestID: String,
                     extra: [(HTTPField.Name, String)] = []) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[requestIDHeader] = requestID
        for (k, v) in extra { headers[k] = v }
        headers[.contentLength] = String(bytes.count)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, requestID: String) -> Response {
        json(value.serialized(), status: status, requestID: requestID)
    }

    /// Box's `ClientError` body (API-NOTES §8), keys in the order Box sends them.
    static func errorBody(status: Int, code: String, message: String, requestID: String, contextInfo: JSONValue? = nil) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("type", "error"), ("status", .int(status)), ("code", .string(code))]
        if let contextInfo { pairs.append(("context_info", contextInfo)) }
        pairs += [("help_url", .string(helpURL)), ("message", .string(message)), ("request_id", .string(requestID))]
        return .object(pairs)
    }

    static func error(status: Int, code: String, message: String, requestID: String, contextInfo: JSONValue? = nil,
                      extra: [(HTTPField.Name, String)] = []) -> Response {
        json(errorBody(status: status, code: code, message: message, requestID: requestID, contextInfo: contextInfo).serialized(),
             status: HTTPResponse.Status(code: status), requestID: requestID, extra: extra)
    }

    /// 429 exactly as API-NOTES §6: integer `retry-after`, code `rate_limit_exceeded`.
    static func rateLimited(retryAfter: Int, requestID: String) -> Response {
        error(status: 429, code: "rate_limit_exceeded", message: "Request rate limit exceeded, please try again later",
              requestID: requestID, extra: [(retryAfterHeader, String(retryAfter))])
    }

    /// A 400 for one bad query parameter, with Box's `context_info.errors`.
    static func badParameter(_ name: String, _ message: String, requestID: String) -> Response {
        let context: JSONValue = .object([("errors", .array([.object([
            ("reason", "invalid_parameter"), ("name", .string(name)), ("message", .string(message)),
        ])]))])
        return error(status: 400, code: "bad_request", message: "Bad Request", requestID: requestID, contextInfo: context)
    }

    static func oauthError(_ error: String, _ description: String, status: Int = 400, requestID: String) -> Response {
        json(JSONValue.object([("error", .string(error)), ("error_description", .string(description))]).serialized(),
             status: HTTPResponse.Status(code: status), requestID: requestID)
    }

    static func unauthorized(requestID: String) -> Response {
        error(status: 401, code: "unauthorized", message: "Unauthorized", requestID: requestID,
              extra: [(.wwwAuthenticate, "Bearer realm=\"Service\", error=\"invalid_token\", error_description=\"The access token provided is invalid.\"")])
    }

    static func notFound(requestID: String) -> Response {
        error(status: 404, code: "not_found", message: "Not Found", requestID: requestID)
    }
}
