import Foundation
import NIOHTTP1
import Testing

@testable import BoxAPI

@Suite("Box object decoding")
struct ModelsTests {
    func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try JSONDecoder().decode(type, from: Array(json.utf8), endpoint: "test")
    }

    @Test("ids decode from strings and numbers alike")
    func ids() throws {
        let users = try decode(
            BoxUsersPage.self,
            #"{"total_count":2,"limit":2,"offset":0,"entries":[{"id":"11446498","type":"user","status":"active","login":"a@x.com","unknown_field":{"nested":true}},{"id":18446744073709551615,"status":"inactive","role":"admin","enterprise":{"id":7,"name":"Acme"}}]}"#)
        #expect(users.entries.map(\.id) == ["11446498", "18446744073709551615"])
        #expect(users.entries.map(\.isActive) == [true, false])
        #expect(users.entries[1].enterprise?.id == "7")
    }

    @Test("a file's size above 2^32, its path and its shared link's effective access")
    func file() throws {
        let file = try decode(
            BoxFile.self,
            #"{"id":"8903212345","type":"file","name":"big.iso","size":6442450944,"sha1":"abc","path_collection":{"total_count":3,"entries":[{"id":"0","name":"All Files"},{"id":"1","name":"Contracts"},{"id":"2","name":"2024"}]},"owned_by":{"id":"11","login":"o@x.com"},"shared_link":{"url":"https://x","access":"open","effective_access":"company"},"item_status":"active"}"#)
        #expect(file.size?.value == 6_442_450_944)
        #expect(file.pathCollection?.path == "/Contracts/2024")
        #expect(file.sharedLink?.effectiveAccess == "company")
        #expect(file.ownedBy?.login == "o@x.com")
    }

    @Test("collaborations: user or group collaborators, pending ones without an account")
    func collaborations() throws {
        let page = try decode(
            BoxCollaborationsPage.self,
            #"{"limit":100,"next_marker":"","entries":[{"id":"1","accessible_by":{"id":"5","type":"group","name":"Sales"},"role":"editor","status":"accepted"},{"id":"2","accessible_by":null,"invite_email":"ext@other.com","role":"viewer","status":"pending"}]}"#)
        #expect(page.entries[0].accessibleBy?.type == "group")
        #expect(page.entries[1].accessibleBy == nil)
        #expect(page.entries[1].inviteEmail == "ext@other.com")
    }

    @Test("an entry without an id is refused, naming its place")
    func strictIDs() {
        #expect {
            try decode(BoxGroupsPage.self, #"{"entries":[{"id":"1"},{"name":"no id"}]}"#)
        } throws: { error in
            (error as? BoxAPIError)?.message?.contains("entries[1].id") == true
        }
    }

    @Test("a 429 becomes an error carrying status, code, both request ids and Retry-After")
    func rateLimitError() {
        var headers = HTTPHeaders()
        headers.add(name: "retry-after", value: "12")
        headers.add(name: "box-request-id", value: "0abc123")
        let body = #"{"type":"error","status":429,"code":"rate_limit_exceeded","help_url":"https://developer.box.com/guides/api-calls/permissions-and-errors/common-errors/","message":"Request rate limit exceeded, please try again later","request_id":"abcdef123456"}"#
        let error = BoxHTTPResponse(status: 429, headers: headers, body: Array(body.utf8)).error(endpoint: "GET /2.0/events")
        #expect(error.status == 429)
        #expect(error.code == "rate_limit_exceeded")
        #expect(error.requestID == "abcdef123456")
        #expect(error.boxRequestID == "0abc123")
        #expect(error.retryAfter == .seconds(12))
        #expect(error.isRetryable)
        #expect(error.callFailure == .rateLimited(retryAfter: .seconds(12)))
        #expect(error.description.contains("request_id abcdef123456"))
    }

    @Test("which errors are worth retrying", arguments: [
        (400, false), (401, true), (403, false), (404, false), (429, true), (500, true), (501, false), (502, true), (503, true),
    ])
    func retryability(status: Int, retryable: Bool) {
        let error = BoxHTTPResponse(status: status, headers: [:], body: Array("<html>proxy</html>".utf8)).error(endpoint: "GET /x")
        #expect(error.isRetryable == retryable)
        #expect(error.code == nil)
    }

    @Test("an OAuth2 error body fills code and message")
    func oauthError() {
        let body = #"{"error":"invalid_grant","error_description":"Grant credentials are invalid"}"#
        let error = BoxHTTPResponse(status: 400, headers: [:], body: Array(body.utf8)).error(endpoint: "POST /oauth2/token")
        #expect(error.code == "invalid_grant")
        #expect(error.message == "Grant credentials are invalid")
        #expect(!error.isRetryable)
    }
}
